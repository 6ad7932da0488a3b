"""End to end: SLA statuses advance through a real Celery worker and beat, on Redis and on the embedded
filesystem broker of `make run` (no Redis). The test makes changes through the services and reads
through the API; it never runs an SLA task or service itself."""

import logging
import re
import time
from datetime import timedelta

import pytest
from django.db.models import F

from sla.models import SlaTarget, SlaTier
from tickets.models import EventKind, Priority, Request, RequestEvent
from tickets.services import request_create, request_update

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]

BREACH_WAIT_SECONDS = 30
POLL_SECONDS = 0.25


@pytest.fixture
def one_minute_tier(transactional_db):
    """The default tier: a first response within one round-the-clock minute for high priority."""
    tier = SlaTier.objects.create(name="One minute", is_default=True)
    SlaTarget.objects.create(
        tier=tier, priority=Priority.HIGH, first_response_minutes=1, resolution_minutes=600, business_hours=False
    )
    return tier


def test_the_worker_and_beat_move_an_unanswered_request_to_breached(
    celery_worker, one_minute_tier, requester, agent, api_for, caplog
):
    caplog.set_level(logging.WARNING, logger="sla.triggers")
    request = request_create(actor=requester, title="Printer on fire", description="Smoke", priority=Priority.HIGH)
    # 55 of its 60 seconds gone: the recompute after the next change finds it at risk, due again at
    # the target, and only the sweep on beat can move it to breached five seconds later.
    Request.objects.filter(pk=request.pk).update(created_at=F("created_at") - timedelta(seconds=55))
    request_update(actor=agent, request=request, changes={"title": "Printer still on fire"})

    client = api_for(agent)
    deadline = time.monotonic() + BREACH_WAIT_SECONDS
    while True:
        detail = client.get(f"/v1/requests/{request.public_id}").json()["data"]
        breached = client.get("/v1/requests?slaStatus=breached").json()["data"]["requests"]
        # The detail computes its sla live; the filter reads the status the worker stored.
        if detail["sla"]["responseStatus"] == "breached" and [r["id"] for r in breached] == [request.public_id]:
            break
        if time.monotonic() > deadline:
            pytest.fail(
                f"not breached within {BREACH_WAIT_SECONDS} s: detail sla {detail['sla']}, "
                f"stored {Request.objects.values_list('sla_status', flat=True).get(pk=request.pk)!r}"
            )
        time.sleep(POLL_SECONDS)

    moves = list(
        RequestEvent.objects.filter(request=request, kind=EventKind.SLA, field="first_response")
        .order_by("created_at", "id")
        .values_list("new_value", flat=True)
    )
    assert moves.count("breached") == 1, moves
    assert moves[-1] == "breached", moves
    # The changes were enqueued on Redis, not recomputed in this process for want of a broker ...
    fallbacks = [r.getMessage() for r in caplog.records if r.name == "sla.triggers"]
    assert not fallbacks, fallbacks
    log = celery_worker.log()
    assert re.search(r"Task sla\.tasks\.recompute_request_sla\[.+\] succeeded", log), log
    # ... and a sweep that beat sent handled the request.
    assert re.search(r"Task sla\.tasks\.sweep_due_clocks\[.+\] succeeded in [\d.]+s: 1\b", log), log
