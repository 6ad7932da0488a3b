"""Celery tasks of the outbox: they take ids and call notifications.delivery; safe to run twice."""

from celery import shared_task
from django.conf import settings

from helpdesk.broker import send

from . import delivery


@shared_task(ignore_result=True)
def deliver(ids: list[int]) -> int:
    """Sends these outbox rows (those still due and not claimed by another worker)."""
    return delivery.deliver(ids)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Beat: whatever is due (the broker was down, a worker died, a retry's time came) goes out in
    batches. With nothing due this is one indexed query."""
    ids = delivery.due_ids(limit=settings.NOTIFY_SWEEP_LIMIT)
    size = settings.NOTIFY_BATCH_SIZE
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        send(deliver, batch, fallback=lambda batch=batch: delivery.deliver(batch))
    return len(ids)


@shared_task(ignore_result=True)
def prune_deliveries() -> int:
    """Beat, daily: delivered rows older than NOTIFY_RETENTION_DAYS go."""
    return delivery.prune()
