"""Sending Celery tasks after commit, with a fallback for when the broker is down.

A write must not fail, nor wait on connection retries, because the broker is away: after one
failed publish the breaker sends every caller straight to its fallback for SERVICE_RETRY_SECONDS.
Each caller says what its fallback is: do the work in-process (cheap work), or record it in the
database for a worker to pick up once the broker is back (work too big for a web request).
"""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from .breaker import CircuitBreaker

broker_breaker = CircuitBreaker("The Celery broker", cooldown=settings.SERVICE_RETRY_SECONDS)


def send(task, *args, fallback: Callable[[], object]) -> None:
    if broker_breaker.is_open:
        fallback()
        return
    try:
        task.delay(*args)
    except Exception as exc:  # kombu's OperationalError, a filesystem queue's OSError, a closed pool...
        # Whatever stopped the hand-over, the write has committed: its follow-up must still happen.
        broker_breaker.record_failure(exc)
        fallback()
    else:
        broker_breaker.record_success()


def send_after_commit(task, *args, fallback: Callable[[], object]) -> None:
    """task.delay(*args) once the transaction commits (a rolled-back write sends nothing)."""
    transaction.on_commit(lambda: send(task, *args, fallback=fallback))
