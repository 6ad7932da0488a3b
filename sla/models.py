"""SLA configuration (calendars, tiers, policies) and the per-request clocks the engine fills."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from tickets.models import Priority


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).") from None


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class BusinessCalendar(models.Model):
    """When the desk is open: weekly hours in a time zone, minus holidays. Groups pick one; the
    default calendar serves the rest."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_default = models.BooleanField(default=False, help_text="Used for requests whose group has no calendar.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar")
        ]

    def __str__(self):
        return f"{self.name} ({self.time_zone})"


class OpeningHours(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="Must be after opening; split a night shift at midnight.")

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValidationError({"closes": "Closing time must be after opening time."})


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_per_day")]

    def __str__(self):
        return f"{self.date} {self.name}".strip()


class SlaTier(models.Model):
    """A named level of service ("Tier 2") with first-response and resolution targets per priority."""

    name = models.CharField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False, help_text="Used when no policy matches.")

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA tier"
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_tier")
        ]

    def __str__(self):
        return self.name


class SlaTarget(models.Model):
    tier = models.ForeignKey(SlaTier, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=16, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    business_hours = models.BooleanField(
        default=True, help_text="Count only the calendar's opening hours; off: round-the-clock hours."
    )

    class Meta:
        ordering = ["tier", "first_response_minutes"]
        verbose_name = "SLA target"
        constraints = [
            models.UniqueConstraint(fields=["tier", "priority"], name="one_target_per_priority"),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gte=1) & Q(resolution_minutes__gte=1), name="targets_positive"
            ),
        ]

    def __str__(self):
        return f"{self.tier} · {self.get_priority_display()}"


class SlaPolicy(models.Model):
    """Picks the tier for a request: the first active policy by position whose conditions all hold
    (a blank condition matches anything); the default tier when none does."""

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0, db_index=True)
    tier = models.ForeignKey(SlaTier, on_delete=models.PROTECT, related_name="policies")
    priority = models.CharField(max_length=16, choices=Priority.choices, blank=True, help_text="Blank: any.")
    requester_is_vip = models.BooleanField(null=True, blank=True, help_text="Blank: VIP or not.")
    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Blank: any."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self):
        return self.name


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    RESOLUTION = "resolution", "Resolution"


class ClockStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"
    PAUSED = "paused", "Paused"


class SlaClock(models.Model):
    """One clock of one request, as the engine last computed it. `next_check_at` is the next
    instant its status can change with no new event; the sweep selects only rows past it."""

    request = models.ForeignKey("tickets.Request", on_delete=models.CASCADE, related_name="sla_clocks")
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    status = models.CharField(max_length=16, choices=ClockStatus.choices)
    target_at = models.DateTimeField()
    elapsed_seconds = models.PositiveIntegerField(default=0, help_text="Counted (business) time so far.")
    next_check_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["request_id", "kind"]  # not "request": that would join and sort by the request's order
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="one_clock_per_kind")]
        indexes = [
            models.Index(fields=["next_check_at"], condition=Q(next_check_at__isnull=False), name="clock_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_status_display()}"


class PendingRebuild(models.Model):
    """A rebuild of every clock asked for while the broker was down; the next sweep runs it."""

    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"SLA rebuild asked for at {self.requested_at:%Y-%m-%d %H:%M}"
