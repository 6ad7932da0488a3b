"""Benchmark of the SLA sweep (sla.services.clocks_sweep) on many open requests (not a test: it prints figures).

    createdb -h 127.0.0.1 -U postgres helpdesk_bench_sla
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla .venv/bin/python scripts/bench_sla_sweep.py
    dropdb -h 127.0.0.1 -U postgres helpdesk_bench_sla
    DATABASE_URL=sqlite:////tmp/bench_sla.sqlite3 .venv/bin/python scripts/bench_sla_sweep.py

Use a throwaway database: the script rewrites it. It seeds with `seed_data` (without clocks) up to
--requests requests, then reopens every request that is not running (closed, resolved and pending
requests, all assigned by construction) as in progress, with resolved_at, closed_at and resolution
cleared, and rebuilds every clock with sla.services.clocks_rebuild; so all --requests requests are
open with both clocks, as after a rush of unfinished work. The reopened ones are old, so most of
their clocks are breached or met and have no next check; the recent ones are still running.

Then, at one fixed instant `now` (after a catch-up sweep, so no clock is due at it):
  (a) none due: clocks_sweep(now=now), median of --repeat runs, and its SQL queries;
  (b) --due-share of the clocks due (default 1%, one clock on each of as many requests, preferring
      clocks that have a next check): their next_check_at is set a minute before `now` by an update
      before each run (untimed), then clocks_sweep(now=now) is timed; median time, queries, requests
      handled, per-request cost, and the queries per request by kind;
  (c) the plan of the sweep's due-clock selection (EXPLAIN ANALYZE on PostgreSQL, where the partial
      index clock_due must show up; EXPLAIN QUERY PLAN on SQLite).
  (d) once, last: clocks_sweep(now=later), `later` being the instant as many clocks as in (b) have
      really fallen due: real status moves, history events and SLA columns written (it changes the data).
--profile adds a cProfile of one (b) run.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections import Counter, deque
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from sla.models import SlaClock  # noqa: E402
from sla.services import clocks_rebuild, clocks_sweep  # noqa: E402
from tickets.models import EventKind, Request, RequestEvent, Status  # noqa: E402

RUNNING = [Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS]
BATCH = 500  # clocks_sweep's default batch: the selection below is the one it runs


def ensure_open_requests(count: int) -> None:
    have = Request.all_objects.count()
    if have < count:
        print(f"seeding {count - have:,} requests (seed_data --skip-sla) ...", flush=True)
        call_command("seed_data", requests=count - have, skip_sla=True)
    reopened = (
        Request.all_objects.filter(deleted_at__isnull=True)
        .exclude(status__in=RUNNING)
        .update(status=Status.IN_PROGRESS, resolved_at=None, closed_at=None, resolution="")
    )
    live = Request.objects.count()
    if reopened or SlaClock.objects.count() != 2 * live:
        print(f"reopened {reopened:,} requests as in progress; rebuilding the clocks of {live:,} ...", flush=True)
        started = time.perf_counter()
        clocks_rebuild()
        print(f"clocks_rebuild: {time.perf_counter() - started:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def due_selection(now):
    """The query clocks_sweep runs to find due clocks (kept in step with sla/services.py)."""
    return (
        SlaClock.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", "request_id", "next_check_at")[:BATCH]
    )


def spread(items: list, count: int) -> list:
    """count of the items, evenly spaced."""
    if count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def pick_due_clocks(share: float) -> dict[str, list[int]]:
    """Request ids by clock kind: share x (all clocks) clocks, one per request, spread over the
    requests; clocks that have a next check first, as the clocks the sweep meets in real life have
    one. By request and kind rather than clock id, so a sweep may rewrite clock rows."""
    wanted = max(1, round(SlaClock.objects.count() * share))
    with_check: dict[int, str] = {}  # request id -> clock kind
    without: dict[int, str] = {}
    rows = SlaClock.objects.order_by("request_id", "kind").values_list("request_id", "kind", "next_check_at")
    for request_id, kind, check_at in rows.iterator(chunk_size=10_000):
        (with_check if check_at is not None else without).setdefault(request_id, kind)
    chosen = {r: with_check[r] for r in spread(sorted(with_check), wanted)}
    others = sorted(set(without) - set(chosen))
    chosen.update({r: without[r] for r in spread(others, wanted - len(chosen))})
    by_kind: dict[str, list[int]] = {}
    for request_id, kind in chosen.items():
        by_kind.setdefault(kind, []).append(request_id)
    return by_kind


def timed(function, repeat: int, before=None) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), result


def query_kinds(queries: list[dict]) -> Counter:
    kinds = Counter()
    for query in queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        table = re.search(r'(?:FROM|UPDATE|INTO)\s+"?(\w+)"?', sql)
        lock = " FOR UPDATE" if "FOR UPDATE" in sql else ""
        kinds[f"{verb}{lock} {table.group(1) if table and verb != 'SAVEPOINT' else ''}".strip()] += 1
    return kinds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--due-share", type=float, default=0.01, help="Share of the clocks made due in (b).")
    parser.add_argument("--profile", action="store_true", help="cProfile one (b) sweep.")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a throwaway database: this script rewrites its requests.")

    call_command("migrate", verbosity=0)
    # CaptureQueriesContext reads the connection's query log, which keeps 9,000 queries by default.
    connection.queries_log = deque(maxlen=1_000_000)
    ensure_open_requests(args.requests)
    now = timezone.now()
    caught_up = 0
    while handled := clocks_sweep(now=now):  # a sweep stops at its time budget: repeat until none is due
        caught_up += handled

    running = Request.objects.filter(status__in=RUNNING).count()
    clocks = SlaClock.objects.count()
    checked = SlaClock.objects.filter(next_check_at__isnull=False).count()
    print(
        f"\n{connection.vendor}: {running:,} open requests, {clocks:,} clocks ({checked:,} with a next check); "
        f"catch-up sweep handled {caught_up:,}; median of {args.repeat} sweeps"
    )

    # (a) none due
    none_ms, handled = timed(lambda: clocks_sweep(now=now), args.repeat)
    assert handled == 0, handled
    with CaptureQueriesContext(connection) as none_queries:
        clocks_sweep(now=now)

    # (b) a share due
    due = pick_due_clocks(args.due_share)
    due_count = sum(len(ids) for ids in due.values())

    def make_due():
        past = now - timedelta(minutes=1)
        for kind, request_ids in due.items():
            SlaClock.objects.filter(kind=kind, request_id__in=request_ids).update(next_check_at=past)

    due_ms, handled = timed(lambda: clocks_sweep(now=now), args.repeat, before=make_due)
    make_due()
    with CaptureQueriesContext(connection) as due_queries:
        captured_handled = clocks_sweep(now=now)
    assert handled == captured_handled == due_count, (handled, captured_handled, due_count)

    print(f"\n{'case':34} {'ms':>9} {'queries':>8} {'handled':>8} {'ms/request':>11} {'queries/request':>16}")
    print(f"{'(a) none due':34} {none_ms:9.2f} {len(none_queries):8} {0:8} {'-':>11} {'-':>16}")
    label = f"(b) {args.due_share:.1%} of clocks due ({due_count:,})"
    print(
        f"{label:34} {due_ms:9.1f} {len(due_queries):8} {handled:8,} "
        f"{due_ms / handled:11.2f} {len(due_queries) / handled:16.2f}"
    )
    print("\nqueries of the (b) sweep by kind, per request handled:")
    for kind, count in sorted(query_kinds(due_queries.captured_queries).items(), key=lambda item: -item[1]):
        print(f"  {count / handled:6.2f}  {kind}  ({count:,})")

    # (c) the plan of the due-clock selection
    options = {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
    for label, make in (("none due", None), (f"{due_count:,} due", make_due)):
        if make:
            make()
        plan = due_selection(now).explain(**options)
        used = "uses" if "clock_due" in plan else "does NOT use"
        print(f"\n(c) plan of the due-clock selection, {label} ({used} the partial index clock_due):")
        print("\n".join(f"    {line}" for line in plan.splitlines()))
    clocks_sweep(now=now)  # leave nothing due behind

    if args.profile:
        make_due()
        profiler = cProfile.Profile()
        profiler.enable()
        clocks_sweep(now=now)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(f"\ncProfile of one (b) sweep, by cumulative time:\n{out.getvalue()}")

    # (d) the next clocks to fall due for real, as many as in (b): real moves, history events and SLA
    # columns written. Once, not a median: it changes the data.
    checks = SlaClock.objects.filter(next_check_at__isnull=False).order_by("next_check_at")
    later = checks.values_list("next_check_at", flat=True)[due_count - 1]
    events_before = RequestEvent.objects.filter(kind=EventKind.SLA).count()
    with CaptureQueriesContext(connection) as later_queries:
        start = time.perf_counter()
        handled = clocks_sweep(now=later)
        later_ms = (time.perf_counter() - start) * 1000
    moves = RequestEvent.objects.filter(kind=EventKind.SLA).count() - events_before
    print(
        f"\n(d) the next {due_count:,} clocks to fall due, swept once at {later:%Y-%m-%d %H:%M} UTC: {handled:,} "
        f"requests handled, {moves:,} moves recorded; {later_ms:.1f} ms, {len(later_queries):,} queries; "
        f"{later_ms / max(handled, 1):.2f} ms, {len(later_queries) / max(handled, 1):.2f} queries a request"
    )


if __name__ == "__main__":
    main()
