"""Writes of the SLA clocks: recompute a request's clocks, and sweep the clocks that are due."""

import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

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
from .selectors import SlaConfig, SlaInputs, compute_sla, current_config, load_config, of_requests, status_changes

log = logging.getLogger(__name__)

# Moves worth a line in the request's history (and, later, a notification).
NOTABLE = {ClockStatus.AT_RISK, ClockStatus.BREACHED, ClockStatus.MET}


# A request as the recompute reads it: what the engine reads (sla.selectors.SlaInputs) plus its id,
# deletion and the SLA columns it may write back. Loaded as plain rows, a million of them cost no
# model instances.
EngineRow = NamedTuple(  # noqa: UP014 (its fields are built from SlaInputs', so no class syntax)
    "EngineRow",
    [
        ("pk", int),
        *SlaInputs.__annotations__.items(),
        ("deleted_at", datetime | None),
        ("sla_tier", str),
        ("sla_status", str),
        ("sla_due_at", datetime | None),
    ],
)


ENGINE_COLUMNS = tuple(name.replace("is_vip", "requester__is_vip") for name in EngineRow._fields)


def _engine_rows(requests: QuerySet[Request]) -> list[EngineRow]:
    return [EngineRow._make(row) for row in fetch_rows(requests.values_list(*ENGINE_COLUMNS))]


def fetch_rows(queryset: QuerySet) -> list[tuple]:
    """The tuples of a values_list() queryset (without flat or named). On PostgreSQL in binary
    format: Django's loader parses each timestamp from text in Python, which was a third of a
    rebuild's time; psycopg's binary loader is C and gives the same aware UTC datetimes."""
    if connection.vendor != "postgresql":
        return list(queryset)
    import psycopg  # only with PostgreSQL

    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    # Django's cursors bind parameters on the client, which cannot ask for binary results: a psycopg
    # cursor that can, wrapped by Django as usual (query logging and counting see it).
    raw = psycopg.Cursor(connection.connection)
    raw.format = psycopg.pq.Format.BINARY
    with connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _locked(request_ids: list[int], *, skip_locked: bool = False) -> list[EngineRow]:
    # A request's row is the lock of its clocks: whoever writes clocks takes it first, so a recompute
    # and a sweep wait for each other in one order and never deadlock. (of: not the requester's row.)
    return _engine_rows(
        Request.all_objects.select_for_update(skip_locked=skip_locked, of=("self",))
        .filter(pk__in=request_ids)
        .order_by("pk")
    )


def _recompute_locked(requests: list[EngineRow], *, now: datetime, config: SlaConfig) -> None:
    """Brings the clocks and SLA columns of these requests, locked by the caller and sorted by id, up
    to date in a fixed number of queries. Clocks are read under the lock, so a status move is
    recorded once however many recomputes and sweeps run at once. Only what changed is written, once:
    a clock whose status, target, counted time and next check are all the same is left as it is (its
    computed_at is when its values last changed), and a request's row only when its SLA columns move."""
    ids = [r.pk for r in requests]
    wanted = set(ids)
    stored: dict[int, dict[str, tuple]] = defaultdict(dict)
    for pk, request_id, kind, *values in fetch_rows(
        of_requests(SlaClock.objects.order_by(), ids).values_list(
            "pk", "request_id", "kind", "status", "target_at", "elapsed_seconds", "next_check_at"
        )
    ):
        if request_id in wanted:
            stored[request_id][kind] = (pk, *values)
    changes = status_changes(ids)

    new_clocks, changed_clocks, moves, moved_columns = [], [], [], []
    adapt = connection.ops.adapt_datetimefield_value  # db_time without its connection lookup per value
    stamp = adapt(now)

    def keep(request_id, kind, status, due, elapsed, check):
        before = stored[request_id].get(kind)
        if before is None:
            new_clocks.append((request_id, kind, status, adapt(due), elapsed, adapt(check), stamp))
        elif before[1:] != (status, due, elapsed, check):
            changed_clocks.append((before[0], status, adapt(due), elapsed, adapt(check), stamp))

    for request in requests:
        if request.deleted_at is not None:  # off the sweep, as they were
            for kind, (_, status, due, elapsed, _check) in list(stored[request.pk].items()):
                keep(request.pk, kind, status, due, elapsed, None)
            continue
        sla = compute_sla(request, config=config, changes=changes[request.pk], now=now)
        for kind, result in zip(engine.KINDS, (sla.first_response, sla.resolution), strict=True):
            before = stored[request.pk].get(kind)
            if before is not None and before[1] != result.status and result.status in NOTABLE:
                moves.append(
                    RequestEvent(
                        request_id=request.pk,
                        kind=EventKind.SLA,
                        field=kind,
                        old_value=before[1],
                        new_value=result.status,
                        created_at=now,
                    )
                )
            elapsed = int(result.elapsed.total_seconds())
            keep(request.pk, kind, result.status, result.target_at, elapsed, result.next_change_at)
        columns = (sla.tier, sla.worst_status, sla.nearest_due)
        if columns != (request.sla_tier, request.sla_status, request.sla_due_at):
            moved_columns.append((request.pk, sla.tier, sla.worst_status, adapt(sla.nearest_due)))
    update_rows(SlaClock._meta.db_table, CLOCK_UPDATE_COLUMNS, changed_clocks)
    write_clocks(new_clocks)
    reactions.events_recorded(RequestEvent.objects.bulk_create(moves))
    update_rows(Request._meta.db_table, SLA_COLUMNS, moved_columns)


# Clock rows are written, and the request's SLA columns set, in bulk: COPY on PostgreSQL, else one
# prepared statement run for many rows. bulk_create() and bulk_update() spend about a millisecond a
# row in Python, which was most of the time of a sweep or a rebuild. Table names are our own, never input.
_q = connection.ops.quote_name
CLOCK_INSERT = (
    f"INSERT INTO {_q(SlaClock._meta.db_table)} "  # noqa: S608
    "(request_id, kind, status, target_at, elapsed_seconds, next_check_at, computed_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
CLOCK_UPDATE_COLUMNS = ("id", "status", "target_at", "elapsed_seconds", "next_check_at", "computed_at")
SLA_COLUMNS = ("id", "sla_tier", "sla_status", "sla_due_at")


def db_time(value: datetime | None):
    return connection.ops.adapt_datetimefield_value(value)


def _execute_many(sql: str, rows: list[tuple]) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


CLOCK_COLUMNS = ("request_id", "kind", "status", "target_at", "elapsed_seconds", "next_check_at", "computed_at")
# From this many rows on PostgreSQL, COPY: one stream instead of a statement per row.
COPY_FROM_ROWS = 200


def copy_rows(table: str, columns: tuple[str, ...], rows) -> bool:
    """Streams rows into a table with PostgreSQL's COPY; False (nothing done) on other databases."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        statement = f"COPY {_q(table)} ({', '.join(columns)}) FROM STDIN"  # our own names, never input
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    return True


def update_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Sets columns[1:] of the rows whose id (columns[0]) is each row's first value. Many rows on
    PostgreSQL: one COPY into a temporary table and one UPDATE ... FROM it; else a prepared UPDATE."""
    if not rows:
        return
    key, values = columns[0], columns[1:]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS:
            # Dropped at once (not ON COMMIT): a caller's transaction may run this again before its end.
            cursor.execute(
                f"CREATE TEMPORARY TABLE _sla_changes AS SELECT {', '.join(columns)} FROM {_q(table)} LIMIT 0"  # noqa: S608
            )
            copy_rows("_sla_changes", columns, rows)
            assignments = ", ".join(f"{name} = c.{name}" for name in values)
            cursor.execute(
                f"UPDATE {_q(table)} AS t SET {assignments} FROM _sla_changes AS c WHERE t.{key} = c.{key}"  # noqa: S608
            )
            cursor.execute("DROP TABLE _sla_changes")
        else:
            assignments = ", ".join(f"{name} = %s" for name in values)
            sql = f"UPDATE {_q(table)} SET {assignments} WHERE {key} = %s"  # noqa: S608
            cursor.executemany(sql, [(*row[1:], row[0]) for row in rows])


def write_clocks(rows: list[tuple]) -> None:
    """Inserts clock rows (CLOCK_COLUMNS, times already adapted by db_time)."""
    if len(rows) >= COPY_FROM_ROWS and copy_rows(SlaClock._meta.db_table, CLOCK_COLUMNS, rows):
        return
    _execute_many(CLOCK_INSERT, rows)


@transaction.atomic
def clocks_recompute(*, request_id: int, now: datetime | None = None, config: SlaConfig | None = None) -> None:
    """Brings the request's stored clocks (and its SLA columns) up to date with the engine.
    Idempotent; a status move is recorded once even when two workers recompute at once."""
    requests = _locked([request_id])
    if requests:
        _recompute_locked(requests, now=now or timezone.now(), config=config or current_config())


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
        config = config or current_config()
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
    requests = _locked(request_ids, skip_locked=skip_locked)
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


def clocks_rebuild(*, chunk: int = 20000) -> int:
    """Recomputes every live request's clocks in chunks (after seeding, or after changing tiers or
    calendars): a few set-based queries per chunk, not per request, reading only the columns the
    engine needs as plain rows. Only changed clocks and SLA columns are written, each row once."""
    config, now, count, last = load_config(), timezone.now(), 0, 0
    while True:
        # Keyset chunks of live requests in id order, each its own transaction with its rows locked.
        with transaction.atomic():
            requests = _engine_rows(
                Request.objects.select_for_update(of=("self",)).filter(pk__gt=last).order_by("pk")[:chunk]
            )
            if not requests:
                return count
            _recompute_locked(requests, now=now, config=config)
        count += len(requests)
        last = requests[-1].pk


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
