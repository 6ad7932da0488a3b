"""Sending the outbox: claim, send, record. Called by the Celery tasks; safe to run twice.

At least once: a delivery is claimed with a conditional UPDATE (only rows still due, or never
tried, are taken, and the row count decides who won), so two workers never send the same row.
A claim lasts NOTIFY_CLAIM_SECONDS; a worker that dies after sending but before recording it leaves
the row claimed, and the sweep sends it again only after the claim has run out. That resend is the
"at least once": it carries the same idempotency key (the webhook-id header, and the Message-ID
of an email), so a receiver that remembers the keys it has seen drops the repeat.
"""

import json
import logging
import random
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import Role, User

from . import emails, netguard
from .models import Channel, Delivery, DeliveryStatus, Rule, WebhookEndpoint

log = logging.getLogger(__name__)

MAX_ERROR = 2000


def backoff(attempts: int) -> timedelta:
    """Exponential with jitter: base * 2^(attempts-1), capped, then a random half to whole of it
    (so endpoints that failed together do not all come back at once)."""
    ceiling = min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.NOTIFY_RETRY_MAX_SECONDS)
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)


def claim(ids: list[int], *, now: datetime | None = None) -> tuple[str, list[Delivery]]:
    """Takes the given rows that are due (or never tried) for this worker; returns those it won."""
    now = now or timezone.now()
    token = secrets.token_hex(8)
    due = Q(due_at__lte=now) | Q(status=DeliveryStatus.PENDING, attempts=0)
    won = (
        Delivery.objects.filter(due, pk__in=ids, due_at__isnull=False)
        .exclude(status=DeliveryStatus.SENDING, due_at__gt=now)  # another worker's live claim
        .update(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            due_at=now + timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS),
            # Counted when taken, so a row that kills every worker that tries it still runs out of tries.
            attempts=F("attempts") + 1,
        )
    )
    if not won:
        return token, []
    rows = list(
        Delivery.objects.filter(pk__in=ids, claim_token=token)
        .select_related("request", "recipient", "endpoint")
        .order_by("pk")
    )
    return token, rows


def _finish(row: Delivery, token: str, **fields) -> bool:
    return bool(Delivery.objects.filter(pk=row.pk, claim_token=token).update(**fields))


def _sent(row: Delivery, token: str, *, message_id: str = "", response_status: int | None = None) -> None:
    _finish(
        row,
        token,
        status=DeliveryStatus.SENT,
        due_at=None,
        sent_at=timezone.now(),
        last_error="",
        message_id=message_id,
        response_status=response_status,
    )


def _failed(row: Delivery, token: str, error: str, *, response_status: int | None = None) -> None:
    attempts = row.attempts
    gave_up = attempts >= settings.NOTIFY_MAX_ATTEMPTS
    _finish(
        row,
        token,
        status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
        due_at=None if gave_up else timezone.now() + backoff(attempts),
        last_error=error[:MAX_ERROR],
        response_status=response_status,
    )
    log.warning("Delivery %s attempt %d failed%s: %s", row.public_id, attempts, " (gave up)" if gave_up else "", error)


def _cancel(row: Delivery, token: str, reason: str) -> None:
    _finish(row, token, status=DeliveryStatus.CANCELLED, due_at=None, last_error=reason)


def deliver(ids: list[int]) -> int:
    """Claims and sends these deliveries; returns how many were sent."""
    token, rows = claim(ids)
    sent = 0
    mail = None
    try:
        for row in rows:
            if row.attempts > settings.NOTIFY_MAX_ATTEMPTS:  # claimed that often, never recorded: workers died on it
                _finish(row, token, status=DeliveryStatus.FAILED, due_at=None, last_error="gave up: no try finished")
                continue
            if row.channel == Channel.EMAIL:
                if mail is None:
                    mail = get_connection()
                sent += _send_email(row, token, mail)
            else:
                sent += _send_webhook(row, token)
    finally:
        if mail is not None:
            mail.close()
    return sent


def _send_email(row: Delivery, token: str, connection) -> int:
    user = row.recipient
    if user is None or not user.is_active:
        _cancel(row, token, "the recipient was deactivated")
        return 0
    try:
        message = emails.build(row)
        if message is None:
            _cancel(row, token, "nothing to send: the survey was answered before its email went")
            return 0
        # Opened here (a no-op once open), so send() keeps the SMTP session for the batch's next message.
        connection.open()
        message.connection = connection
        message.send(fail_silently=False)
    except Exception as error:  # SMTP refusals, timeouts, a broken template: retried, then failed
        _failed(row, token, f"{type(error).__name__}: {error}")
        connection.close()  # a broken session must not poison the next message
        return 0
    _sent(row, token, message_id=message.extra_headers["Message-ID"])
    return 1


def sign(endpoint: WebhookEndpoint, row: Delivery, body: str, *, now: datetime) -> dict:
    return {
        "content-type": "application/json",
        "user-agent": "helpdesk-webhooks/1",
        "webhook-id": row.idempotency_key,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(row.idempotency_key, now, body),
    }


def _send_webhook(row: Delivery, token: str) -> int:
    endpoint = row.endpoint
    is_test = row.event == "webhook.test"  # an admin's test goes to a switched-off endpoint too
    if endpoint is None or not (endpoint.active or is_test):
        _cancel(row, token, "the endpoint was disabled or deleted")
        return 0
    now = timezone.now()
    body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False)
    try:
        status, text = netguard.post(endpoint.url, body.encode(), sign(endpoint, row, body, now=now))
    except netguard.Refused as error:
        _failed(row, token, f"refused: the URL {error}")
        is_test or _endpoint_failed(endpoint)
        return 0
    except Exception as error:  # timeouts, refused connections, TLS errors
        _failed(row, token, f"{type(error).__name__}: {error}")
        is_test or _endpoint_failed(endpoint)
        return 0
    if not 200 <= status < 300:
        _failed(row, token, f"HTTP {status}: {text[:500]}", response_status=status)
        is_test or _endpoint_failed(endpoint)
        return 0
    _sent(row, token, response_status=status)
    if endpoint.failing_since is not None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    return 1


def _endpoint_failed(endpoint: WebhookEndpoint) -> None:
    """Notes the first failure; an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled
    (once, by a conditional update) and the admins are emailed through the outbox."""
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    limit = now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    reason = f"Failed every delivery for {settings.WEBHOOK_DISABLE_AFTER_HOURS} hours."
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True, failing_since__lte=limit).update(
            active=False, disabled_at=now, disabled_reason=reason, updated_at=now
        )
        if disabled:
            from .outbox import config_changed, enqueue

            config_changed()
            admins = User.objects.filter(role=Role.ADMIN, is_active=True)
            rows = Delivery.objects.bulk_create(
                Delivery(
                    idempotency_key=f"{endpoint.public_id}-disabled-{int(now.timestamp())}-u{admin.pk}",
                    channel=Channel.EMAIL,
                    event=Rule.WEBHOOK_DISABLED,
                    recipient=admin,
                    payload={"webhook": endpoint.public_id, "url": endpoint.url, "reason": reason},
                    due_at=now,
                )
                for admin in admins
            )
            if rows:
                enqueue(rows)


# --- the sweep and the pruning (beat) --------------------------------------------------------------


def due_ids(*, limit: int, now: datetime | None = None) -> list[int]:
    """The one query of a sweep: rows whose time has come, from the partial index on due_at."""
    now = now or timezone.now()
    return list(Delivery.objects.filter(due_at__lte=now).order_by("due_at").values_list("pk", flat=True)[:limit])


def prune(*, days: int | None = None, batch: int = 5000) -> int:
    """Deletes delivered (and cancelled) rows older than NOTIFY_RETENTION_DAYS, a batch at a time;
    failed rows stay for the admins."""
    cutoff = timezone.now() - timedelta(days=days if days is not None else settings.NOTIFY_RETENTION_DAYS)
    removed = 0
    while True:
        ids = list(
            Delivery.objects.filter(
                due_at__isnull=True,
                created_at__lt=cutoff,
                status__in=(DeliveryStatus.SENT, DeliveryStatus.CANCELLED),
            ).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return removed
        removed += Delivery.objects.filter(pk__in=ids).delete()[0]


@transaction.atomic
def retry(*, actor: User, ids: list[int]) -> int:
    """An admin's "retry": failed, cancelled or waiting rows are sent again now."""
    from helpdesk.errors import PermissionDenied

    from .outbox import enqueue

    if not actor.is_admin:
        raise PermissionDenied("Only admins may retry deliveries.")
    rows = list(
        Delivery.objects.select_for_update()
        .filter(pk__in=ids)
        .filter(~Q(status=DeliveryStatus.SENT), ~Q(status=DeliveryStatus.SENDING, due_at__gt=timezone.now()))
    )
    for row in rows:
        row.status, row.attempts, row.due_at = DeliveryStatus.PENDING, 0, timezone.now()
    Delivery.objects.bulk_update(rows, ["status", "attempts", "due_at"])
    if rows:
        enqueue(rows)
    return len(rows)
