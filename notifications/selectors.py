"""Reads of the notifications app: the webhooks API's lists and the preferences page."""

from django.db.models import QuerySet

from accounts.models import User
from helpdesk.errors import PermissionDenied

from .models import AGENT_CHOICES, Delivery, NotificationPreference, WebhookEndpoint


def webhook_list(*, actor: User) -> QuerySet[WebhookEndpoint]:
    if not actor.is_admin:
        raise PermissionDenied("Only admins may manage webhooks.")
    return WebhookEndpoint.objects.order_by("created_at", "id")


def webhook_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    """Newest first (the caller checked the endpoint is the admin's to see)."""
    return Delivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


def preferences_of(user: User) -> dict[str, bool]:
    prefs = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    return {rule: prefs.wants(rule) for rule in AGENT_CHOICES}
