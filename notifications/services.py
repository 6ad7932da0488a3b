"""Writes of the notifications app: webhook endpoints (admins), agents' preferences."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed

from . import netguard, payloads
from .models import AGENT_CHOICES, Channel, Delivery, NotificationPreference, WebhookEndpoint, WebhookEvent
from .outbox import config_changed, enqueue

MAX_ENDPOINTS = 100


def _admin_only(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only admins may manage webhooks.")


def _clean_events(events) -> list[str]:
    events = list(dict.fromkeys(events or ()))
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        raise ValidationFailed.for_field("events", f"unknown event type '{unknown[0]}'")
    if not events:
        raise ValidationFailed.for_field("events", "choose at least one event type")
    return events


def webhook_get(*, actor: User, public_id: str) -> WebhookEndpoint:
    _admin_only(actor)
    endpoint = WebhookEndpoint.objects.filter(public_id=public_id).first()
    if endpoint is None:
        raise NotFound("No webhook with this id.")
    return endpoint


@transaction.atomic
def webhook_create(*, actor: User, url: str, events, active: bool = True, description: str = "") -> WebhookEndpoint:
    """Registers an endpoint; its signing secret is on the returned object (shown once)."""
    _admin_only(actor)
    netguard.validate_url(url)
    if WebhookEndpoint.objects.count() >= MAX_ENDPOINTS:
        raise ValidationFailed.for_field("url", f"at most {MAX_ENDPOINTS} webhooks; delete one first")
    endpoint = WebhookEndpoint.objects.create(
        url=url, events=_clean_events(events), active=active, description=description
    )
    transaction.on_commit(config_changed)
    return endpoint


@transaction.atomic
def webhook_update(*, actor: User, endpoint: WebhookEndpoint, changes: dict) -> WebhookEndpoint:
    """changes may hold url, events, active, description. Switching an endpoint on again forgets
    its failures."""
    _admin_only(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in changes:
        netguard.validate_url(changes["url"])
        endpoint.url = changes["url"]
    if "events" in changes:
        endpoint.events = _clean_events(changes["events"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if "active" in changes and changes["active"] != endpoint.active:
        endpoint.active = changes["active"]
        if endpoint.active:
            endpoint.failing_since = endpoint.disabled_at = None
            endpoint.disabled_reason = ""
        else:
            endpoint.disabled_at, endpoint.disabled_reason = timezone.now(), f"Switched off by {actor.email}."
    endpoint.updated_at = timezone.now()
    endpoint.save()
    transaction.on_commit(config_changed)
    return endpoint


@transaction.atomic
def webhook_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    _admin_only(actor)
    endpoint.delete()
    transaction.on_commit(config_changed)


@transaction.atomic
def webhook_test(*, actor: User, endpoint: WebhookEndpoint) -> Delivery:
    """Queues a signed webhook.test message to the endpoint (even a switched-off one is tried)."""
    _admin_only(actor)
    now = timezone.now()
    delivery = Delivery(
        channel=Channel.WEBHOOK,
        event="webhook.test",
        endpoint=endpoint,
        payload=payloads.test_body(endpoint, now=now),
        due_at=now,
        created_at=now,
    )
    delivery.idempotency_key = f"test-{delivery.public_id}"
    delivery.save()
    enqueue([delivery])
    return delivery


@transaction.atomic
def preferences_update(*, actor: User, user: User, switches: dict[str, bool]) -> NotificationPreference:
    """An agent's own switches (admins may change anyone's in admin)."""
    if not user.is_agent:
        raise PermissionDenied("Notification preferences are for agents.")
    if actor.pk != user.pk and not actor.is_admin:
        raise PermissionDenied("Only admins may change another agent's preferences.")
    prefs, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    for rule in AGENT_CHOICES:
        if rule in switches:
            setattr(prefs, rule, bool(switches[rule]))
    prefs.save()
    return prefs
