"""The request list filters, shared by the API and the agent queue. Names follow the /v1 API."""

from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from sla.models import ClockStatus

from .models import Priority, Request, Status

# ?ordering= values: the API's names for the orders the list indexes support.
ORDERINGS = {
    "-createdAt": ("-created_at", "-id"),
    "createdAt": ("created_at", "id"),
    # seen_updated_at: the updatedAt the viewer is shown (tickets.selectors.visible_requests).
    "-updatedAt": ("-seen_updated_at", "-id"),
    "updatedAt": ("seen_updated_at", "id"),
    # Nearest running SLA target first; requests with no running clock last.
    "sla": (F("sla_due_at").asc(nulls_last=True), "-created_at", "-id"),
}


# The widest offsets in use are -12:00 and +14:00; like java.time, accept up to 18 hours and refuse the
# rest (PostgreSQL itself refuses offsets past 15:59, which would otherwise surface as a 500).
MAX_UTC_OFFSET = timedelta(hours=18)


class DateOrDateTimeField(forms.Field):
    """ISO 8601 date or date-time; a date means its midnight UTC, a naive time is read as UTC.
    The value is returned in UTC, so every database compares the same instant."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date or date-time, such as 2024-01-15T10:30:00Z.",
        "offset": "The UTC offset must be between -18:00 and +18:00.",
        "range": "The date is outside the supported range (years 1 to 9999 in UTC).",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(" ", "+")  # an unescaped "+" in a query string arrives as a space
        try:
            parsed = parse_datetime(text)
            if parsed is None:
                day = parse_date(text)
                parsed = datetime.combine(day, time.min) if day else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            return timezone.make_aware(parsed, UTC)
        if abs(parsed.utcoffset()) > MAX_UTC_OFFSET:
            raise forms.ValidationError(self.error_messages["offset"], code="offset")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59:59-12:00 is in year 10000 in UTC
            raise forms.ValidationError(self.error_messages["range"], code="range") from None


class DateOrDateTimeFilter(django_filters.Filter):
    field_class = DateOrDateTimeField


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    assignedTo = django_filters.CharFilter(field_name="assigned_to__public_id", max_length=64)
    groupId = django_filters.CharFilter(field_name="assigned_group__public_id", max_length=64)
    createdAfter = DateOrDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateOrDateTimeFilter(field_name="created_at", lookup_expr="lt")
    slaStatus = django_filters.ChoiceFilter(field_name="sla_status", choices=ClockStatus.choices)
    ordering = django_filters.ChoiceFilter(
        choices=[(name, name) for name in ORDERINGS], method="order", empty_label=None
    )

    class Meta:
        model = Request
        fields: list[str] = []

    def order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])
