"""Writes of the SLA clocks: recompute a request's clocks, and sweep the clocks that are due."""

import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tickets.models import EventKind, Request, RequestEvent

from .defaults import DEFAULT_TIER, DEMO_TIME_ZONE, OFFICE_HOURS, TIERS
from .models import BusinessCalendar, ClockStatus, OpeningHours, SlaClock, SlaPolicy, SlaTarget, SlaTier
from .selectors import SlaConfig, compute_request_sla, load_config, status_changes

log = logging.getLogger(__name__)

# Moves worth a line in the request's history (and, later, a notification).
NOTABLE = {ClockStatus.AT_RISK, ClockStatus.BREACHED, ClockStatus.MET}


@transaction.atomic
def clocks_recompute(*, request_id: int, now: datetime | None = None, config: SlaConfig | None = None) -> None:
    """Brings the request's stored clocks (and its SLA columns) up to date with the engine.
    Idempotent; a status move is recorded once even when two workers recompute at once."""
    now = now or timezone.now()
    request = Request.all_objects.select_related("requester").filter(pk=request_id).first()
    if request is None:
        return
    clocks = {c.kind: c for c in SlaClock.objects.select_for_update().filter(request_id=request_id)}
    if request.deleted_at is not None:
        SlaClock.objects.filter(request_id=request_id).update(next_check_at=None)
        return

    sla = compute_request_sla(request, config=config or load_config(), changes=status_changes(request), now=now)
    for kind, result in (("first_response", sla.first_response), ("resolution", sla.resolution)):
        values = {
            "status": result.status,
            "target_at": result.target_at,
            "elapsed_seconds": int(result.elapsed.total_seconds()),
            "next_check_at": result.next_change_at,
            "computed_at": now,
        }
        clock = clocks.get(kind)
        if clock is None:
            SlaClock.objects.create(request_id=request_id, kind=kind, **values)
            continue
        # The conditional update decides who records the move when two recomputes race.
        moved = SlaClock.objects.filter(pk=clock.pk, status=clock.status).update(**values)
        if moved and clock.status != result.status and result.status in NOTABLE:
            RequestEvent.objects.create(
                request_id=request_id,
                kind=EventKind.SLA,
                field=kind,
                old_value=clock.status,
                new_value=result.status,
                created_at=now,
            )
    Request.all_objects.filter(pk=request_id).update(
        sla_tier=sla.tier, sla_status=sla.worst_status, sla_due_at=sla.nearest_due
    )


def clocks_sweep(*, now: datetime | None = None, batch: int = 500, budget: timedelta = timedelta(seconds=50)) -> int:
    """Recomputes the requests whose clocks are due. With none due it costs one indexed query.
    Safe to run twice at once: each due clock is claimed with a conditional update."""
    now = now or timezone.now()
    deadline = time.monotonic() + budget.total_seconds()
    config = None
    handled = 0
    while time.monotonic() < deadline:
        due = list(
            SlaClock.objects.filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .values_list("pk", "request_id", "next_check_at")[:batch]
        )
        if not due:
            break
        config = config or load_config()
        for pk, request_id, check_at in due:
            try:
                with transaction.atomic():
                    # Claim the clock; a rollback gives it back for the next sweep.
                    if SlaClock.objects.filter(pk=pk, next_check_at=check_at).update(next_check_at=None):
                        clocks_recompute(request_id=request_id, now=now, config=config)
                        handled += 1
            except Exception:
                log.exception("SLA recompute failed for request %s", request_id)
        if len(due) < batch:
            break
    return handled


def clocks_rebuild(*, chunk: int = 2000) -> int:
    """Recomputes every live request's clocks in bulk (after seeding, or after changing tiers or
    calendars): a few queries per chunk, not per request. Records no moves: it is a rebuild."""
    config, now, count = load_config(), timezone.now(), 0
    ids = list(Request.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with transaction.atomic():
            requests = list(Request.objects.filter(pk__in=part).select_related("requester"))
            changes: dict[int, list] = defaultdict(list)
            events = RequestEvent.objects.filter(request_id__in=part, kind=EventKind.CHANGED, field="status")
            for request_id, *change in events.order_by("created_at", "id").values_list(
                "request_id", "created_at", "old_value", "new_value"
            ):
                changes[request_id].append(tuple(change))
            clocks = []
            for request in requests:
                sla = compute_request_sla(request, config=config, changes=changes[request.pk], now=now)
                request.sla_tier, request.sla_status, request.sla_due_at = sla.tier, sla.worst_status, sla.nearest_due
                clocks += [
                    SlaClock(
                        request_id=request.pk,
                        kind=kind,
                        status=result.status,
                        target_at=result.target_at,
                        elapsed_seconds=int(result.elapsed.total_seconds()),
                        next_check_at=result.next_change_at,
                        computed_at=now,
                    )
                    for kind, result in (("first_response", sla.first_response), ("resolution", sla.resolution))
                ]
            SlaClock.objects.filter(request_id__in=part).delete()
            SlaClock.objects.bulk_create(clocks, batch_size=1000)
            Request.all_objects.bulk_update(requests, ["sla_tier", "sla_status", "sla_due_at"], batch_size=1000)
        count += len(requests)
    return count


@transaction.atomic
def sla_defaults_install(*, time_zone: str = DEMO_TIME_ZONE) -> None:
    """A working SLA setup for a new install or the demo: office hours, two tiers (VIP requesters get
    Tier 1), Tier 2 the default. Idempotent: existing rows are left as they are."""
    calendar, created = BusinessCalendar.objects.get_or_create(
        name="Office hours", defaults={"time_zone": time_zone, "is_default": True}
    )
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=calendar, weekday=day, opens=opens, closes=closes)
            for day, spans in OFFICE_HOURS.items()
            for opens, closes in spans
        )
    for name, targets in TIERS.items():
        tier, created = SlaTier.objects.get_or_create(name=name, defaults={"is_default": name == DEFAULT_TIER})
        if created:
            SlaTarget.objects.bulk_create(
                SlaTarget(tier=tier, priority=priority, first_response_minutes=response, resolution_minutes=resolution)
                for priority, (response, resolution) in targets.items()
            )
    SlaPolicy.objects.get_or_create(
        name="VIP requesters",
        defaults={"position": 10, "tier": SlaTier.objects.get(name="Tier 1"), "requester_is_vip": True},
    )
