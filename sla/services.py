"""Writes of the SLA clocks: recompute a request's clocks, and sweep the clocks that are due."""

import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tickets import reactions
from tickets.models import EventKind, Request, RequestEvent

from . import engine
from .defaults import DEFAULT_TIER, DEMO_TIME_ZONE, OFFICE_HOURS, TIERS
from .models import (
    BusinessCalendar,
    ClockStatus,
    OpeningHours,
    PendingRebuild,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    SlaTier,
)
from .selectors import SlaConfig, compute_request_sla, load_config, status_changes

log = logging.getLogger(__name__)

# Moves worth a line in the request's history (and, later, a notification).
NOTABLE = {ClockStatus.AT_RISK, ClockStatus.BREACHED, ClockStatus.MET}


def _locked(request_ids: list[int], *, skip_locked: bool = False) -> QuerySet[Request]:
    # A request's row is the lock of its clocks: whoever writes clocks takes it first, so a recompute
    # and a sweep wait for each other in one order and never deadlock. (of: not the requester's row.)
    return (
        Request.all_objects.select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("requester")
        .filter(pk__in=request_ids)
    )


def _recompute_locked(requests: list[Request], *, now: datetime, config: SlaConfig) -> None:
    """Brings the clocks and SLA columns of these requests, locked by the caller with their requester
    loaded, up to date in a fixed number of queries. Clocks are read under the lock, so a status move
    is recorded once however many recomputes and sweeps run at once."""
    ids = [r.pk for r in requests]
    stored: dict[int, dict[str, SlaClock]] = defaultdict(dict)
    for clock in SlaClock.objects.filter(request_id__in=ids).order_by():
        stored[clock.request_id][clock.kind] = clock
    changes = status_changes(ids)

    clocks, moves, moved_requests = [], [], []
    for request in requests:
        if request.deleted_at is not None:  # off the sweep, as they were
            clocks += [
                (request.pk, c.kind, c.status, db_time(c.target_at), c.elapsed_seconds, None, db_time(c.computed_at))
                for c in stored[request.pk].values()
            ]
            continue
        sla = compute_request_sla(request, config=config, changes=changes[request.pk], now=now)
        for kind, result in zip(engine.KINDS, (sla.first_response, sla.resolution), strict=True):
            before = stored[request.pk].get(kind)
            if before is not None and before.status != result.status and result.status in NOTABLE:
                moves.append(
                    RequestEvent(
                        request_id=request.pk,
                        kind=EventKind.SLA,
                        field=kind,
                        old_value=before.status,
                        new_value=result.status,
                        created_at=now,
                    )
                )
            elapsed, due, check = int(result.elapsed.total_seconds()), result.target_at, result.next_change_at
            clocks.append((request.pk, kind, result.status, db_time(due), elapsed, db_time(check), db_time(now)))
        columns = (sla.tier, sla.worst_status, sla.nearest_due)
        if columns != (request.sla_tier, request.sla_status, request.sla_due_at):
            request.sla_tier, request.sla_status, request.sla_due_at = columns
            moved_requests.append(request)
    SlaClock.objects.filter(request_id__in=ids).delete()
    _execute_many(CLOCK_INSERT, clocks)
    reactions.events_recorded(RequestEvent.objects.bulk_create(moves))
    _execute_many(SLA_COLUMNS_UPDATE, [(r.sla_tier, r.sla_status, db_time(r.sla_due_at), r.pk) for r in moved_requests])


# Clock rows are rewritten, and the request's SLA columns set, with one prepared statement run for
# many rows: bulk_create() and bulk_update() spend about a millisecond a row in Python, which was
# most of the time of a sweep or a rebuild. Table names are our own, never input.
_q = connection.ops.quote_name
CLOCK_INSERT = (
    f"INSERT INTO {_q(SlaClock._meta.db_table)} "  # noqa: S608
    "(request_id, kind, status, target_at, elapsed_seconds, next_check_at, computed_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
SLA_COLUMNS_UPDATE = (
    f"UPDATE {_q(Request._meta.db_table)} SET sla_tier = %s, sla_status = %s, sla_due_at = %s WHERE id = %s"  # noqa: S608
)


def db_time(value: datetime | None):
    return connection.ops.adapt_datetimefield_value(value)


def _execute_many(sql: str, rows: list[tuple]) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


@transaction.atomic
def clocks_recompute(*, request_id: int, now: datetime | None = None, config: SlaConfig | None = None) -> None:
    """Brings the request's stored clocks (and its SLA columns) up to date with the engine.
    Idempotent; a status move is recorded once even when two workers recompute at once."""
    request = _locked([request_id]).first()
    if request is not None:
        _recompute_locked([request], now=now or timezone.now(), config=config or load_config())


def clocks_sweep(*, now: datetime | None = None, batch: int = 500, budget: timedelta = timedelta(seconds=50)) -> int:
    """Recomputes the requests whose clocks are due, a batch per transaction and a few queries per
    batch. With none due it costs one indexed query. Safe to run twice at once: a batch locks its
    requests (a second sweep on PostgreSQL skips them) and keeps only those still due under the lock."""
    now = now or timezone.now()
    deadline = time.monotonic() + budget.total_seconds()
    config = None
    handled = 0
    while time.monotonic() < deadline:
        due = list(
            SlaClock.objects.filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .values_list("request_id", flat=True)[:batch]
        )
        if not due:
            break
        config = config or load_config()
        ids = sorted(set(due))
        try:
            done = _sweep_batch(ids, now=now, config=config, skip_locked=True)
        except Exception:
            # One request the engine cannot compute must not hold up the others behind it.
            log.warning("SLA sweep batch failed; retrying its requests one at a time", exc_info=True)
            done = 0
            for request_id in ids:
                try:
                    done += _sweep_batch([request_id], now=now, config=config, skip_locked=False)
                except Exception:
                    log.exception("SLA recompute failed for request %s", request_id)
        handled += done
        if len(due) < batch or not done:
            break  # the rest is due later, or held by a concurrent sweep
    return handled


@transaction.atomic
def _sweep_batch(request_ids: list[int], *, now: datetime, config: SlaConfig, skip_locked: bool) -> int:
    requests = list(_locked(request_ids, skip_locked=skip_locked).order_by("pk"))
    still_due = set(
        SlaClock.objects.filter(request_id__in=[r.pk for r in requests], next_check_at__lte=now).values_list(
            "request_id", flat=True
        )
    )
    requests = [r for r in requests if r.pk in still_due]
    _recompute_locked(requests, now=now, config=config)
    return len(requests)


def clocks_rebuild_if_pending() -> int | None:
    """Runs the rebuild that was recorded while the broker was down, once however many sweeps run:
    the one whose delete removes the records does it."""
    asked = PendingRebuild.objects.order_by("-pk").values_list("pk", flat=True).first()
    if asked is None:
        return None
    deleted, _ = PendingRebuild.objects.filter(pk__lte=asked).delete()
    return clocks_rebuild() if deleted else None


def clocks_rebuild(*, chunk: int = 1000) -> int:
    """Recomputes every live request's clocks in chunks (after seeding, or after changing tiers or
    calendars): a few queries per chunk, not per request."""
    config, now, count = load_config(), timezone.now(), 0
    ids = list(Request.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            requests = list(_locked(ids[start : start + chunk]).order_by("pk"))
            _recompute_locked(requests, now=now, config=config)
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
