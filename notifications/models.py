"""The outbox (one Delivery per recipient and channel), the rules admins switch on and off, the
agents' own preferences, and the webhook endpoints."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from helpdesk.ids import new_public_id


def new_delivery_id() -> str:
    return new_public_id("dlv_")


def new_webhook_id() -> str:
    return new_public_id("whk_")


def new_webhook_secret() -> str:
    # Standard Webhooks secrets: "whsec_" and base64 of 24 to 64 random bytes.
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Rule(models.TextChoices):
    """The default email notifications; each is a NotificationRule row admins can switch off."""

    REQUEST_CREATED_REQUESTER = "request_created_requester", "Request received (to the requester)"
    REQUEST_CREATED_AGENTS = "request_created_agents", "New request (to the group's agents, or all agents)"
    PUBLIC_REPLY = "public_reply", "Public reply (to the requester)"
    REQUESTER_REPLY = "requester_reply", "Requester replied (to the assignee, else the group)"
    ASSIGNED = "assigned", "Assigned (to the new assignee)"
    RESOLVED = "resolved", "Resolved (to the requester)"
    SLA_AT_RISK = "sla_at_risk", "SLA at risk (to the assignee, else the group)"
    SLA_BREACHED = "sla_breached", "SLA breached (to the assignee, else the group)"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook disabled after failing for a day (to the admins)"


# The event of a survey invitation's own email (surveys app): no rule switches it, the active survey does.
SURVEY_INVITATION = "survey_invitation"

# The rules an agent may switch off for themselves (the preferences page); requesters' are the admins' call.
AGENT_CHOICES = (
    Rule.REQUEST_CREATED_AGENTS,
    Rule.REQUESTER_REPLY,
    Rule.ASSIGNED,
    Rule.SLA_AT_RISK,
    Rule.SLA_BREACHED,
)


class NotificationRule(models.Model):
    rule = models.CharField(max_length=40, choices=Rule.choices, unique=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "email notification rule"

    def __str__(self):
        return self.get_rule_display()


class NotificationPreference(models.Model):
    """An agent's own switches, per event type; no row means every one is on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    request_created_agents = models.BooleanField("New requests in my groups", default=True)
    requester_reply = models.BooleanField("A requester replied on my request", default=True)
    assigned = models.BooleanField("A request was assigned to me", default=True)
    sla_at_risk = models.BooleanField("An SLA of my request is at risk", default=True)
    sla_breached = models.BooleanField("An SLA of my request is breached", default=True)

    class Meta:
        verbose_name = "agent notification preferences"
        verbose_name_plural = "agent notification preferences"

    def __str__(self):
        return f"Preferences of {self.user}"

    def wants(self, rule: str) -> bool:
        return getattr(self, rule, True)


class WebhookEvent(models.TextChoices):
    REQUEST_CREATED = "request.created", "request.created"
    REQUEST_UPDATED = "request.updated", "request.updated"
    REQUEST_DELETED = "request.deleted", "request.deleted"
    COMMENT_CREATED = "comment.created", "comment.created"
    SLA_AT_RISK = "sla.at_risk", "sla.at_risk"
    SLA_BREACHED = "sla.breached", "sla.breached"
    SURVEY_RATED = "survey.rated", "survey.rated"


class WebhookEndpoint(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=new_webhook_id, editable=False)
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="Event types sent to this endpoint.")
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failure since the last success; a day of failures disables it."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self):
        return f"{self.public_id} {self.url}"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting to be sent (first try, or a retry)
    SENDING = "sending", "Sending"  # claimed by a worker until due_at
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # gave up after the last attempt
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class Delivery(models.Model):
    """One message to one recipient on one channel: written in the change's transaction, sent by a
    worker. due_at is set while something is left to do (the next try, or the end of a worker's
    claim) and cleared when it is sent or given up, so the sweep reads a small partial index."""

    public_id = models.CharField(max_length=24, unique=True, default=new_delivery_id, editable=False)
    idempotency_key = models.CharField(
        max_length=120, unique=True, help_text="Stable across retries: the webhook-id header and the Message-ID."
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    event = models.CharField(max_length=40, help_text="The rule (email) or event type (webhook).")
    request = models.ForeignKey("tickets.Request", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Each index costs every notifying write an insert: these two are covered by dlv_endpoint_created,
    # or never searched by (a user's deliveries are found through admin's search, rarely).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # No database constraint: a process whose cached endpoints (NOTIFY_CONFIG_SECONDS) still name one
    # just deleted must not fail the write that notifies; such a row is cancelled when it comes to be sent.
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=250, blank=True, help_text="The Message-ID of the email sent.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The sweep's only read: rows with something left to do, by when.
            models.Index(fields=["due_at"], condition=Q(due_at__isnull=False), name="dlv_due"),
            models.Index(
                fields=["endpoint", "-created_at", "-id"],
                condition=Q(endpoint__isnull=False),
                name="dlv_endpoint_created",
            ),
            models.Index(fields=["message_id"], condition=~Q(message_id=""), name="dlv_message_id"),
            # Pruning: finished rows by age.
            models.Index(fields=["created_at"], condition=Q(due_at__isnull=True), name="dlv_done_created"),
        ]

    def __str__(self):
        return f"{self.public_id} {self.channel} {self.event}"
