"""Benchmark of the /v1/requests list on a large database (not a test: it prints figures).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python scripts/bench_list.py --requests 100000

Seeds the database up to --requests requests if it holds fewer, then times typical list calls
(median of --repeat runs) as an agent and as a requester, and counts their SQL queries.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import Group, User  # noqa: E402
from accounts.services import token_issue  # noqa: E402
from helpdesk import paging  # noqa: E402
from tickets.filters import ORDERINGS  # noqa: E402
from tickets.models import Request  # noqa: E402


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user, name='bench')[1]}")
    return client


def measure(client, url, repeat):
    """Median server time, median time in SQL (as the database driver saw it), and the query count.
    Every call counts its matches: what a process remembers of large filter sets is forgotten first
    (helpdesk.paging; in the load test most lists skip that count)."""
    timings, sql, queries = [], [], 0
    for _ in range(repeat):
        paging.forget_large_sets()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
        queries = len(captured)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return statistics.median(timings), statistics.median(sql), queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--random", type=int, default=0, help="also time this many of the load test's random lists (filters combined)"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    have = Request.objects.count()
    if have < args.requests:
        call_command("seed_data", requests=args.requests - have)
    agent = User.objects.filter(role="agent", agent_groups__isnull=False).first()
    group = Group.objects.filter(members=agent).first()
    requester = Request.objects.values_list("requester", flat=True).first()
    requester = User.objects.get(pk=requester)
    as_agent, as_requester = client_for(agent), client_for(requester)

    print(f"{connection.vendor}, {Request.objects.count():,} requests; median of {args.repeat} calls (server time)")
    busiest = User.objects.filter(role="agent").annotate(n=Count("assigned_requests")).order_by("-n").first() or agent
    near_end = end_cursor(agent, "-createdAt")
    cases = [
        ("agent", as_agent, "/v1/requests?limit=20"),
        ("agent", as_agent, "/v1/requests?status=open&limit=20"),
        ("agent", as_agent, f"/v1/requests?priority=high&groupId={group.public_id}&limit=20"),
        ("agent", as_agent, f"/v1/requests?assignedTo={busiest.public_id}&limit=20"),
        ("agent", as_agent, "/v1/requests?slaStatus=breached&limit=20"),
        *[("agent", as_agent, f"/v1/requests?ordering={o}&limit=20") for o in ORDERINGS],
        ("agent", as_agent, "/v1/requests?status=open&ordering=updatedAt&limit=20"),
        ("agent", as_agent, "/v1/requests?page=1000&limit=20"),
        ("agent", as_agent, "/v1/requests?cursor=&limit=20"),
        ("agent", as_agent, f"/v1/requests?cursor={near_end}&limit=20"),
        ("agent", as_agent, f"/v1/requests?updatedSince={timezone.now().date() - timedelta(days=2)}&limit=100"),
        ("agent", as_agent, "/v1/requests?limit=100"),
        ("agent", as_agent, "/v1/requests?status=open&priority=high&limit=100"),
        ("agent", as_agent, f"/v1/requests?assignedTo={agent.public_id}&limit=100"),
        ("agent", as_agent, f"/v1/requests?groupId={group.public_id}&status=pending&limit=100"),
        ("agent", as_agent, "/v1/requests?createdAfter=2026-01-01&createdBefore=2026-02-01&limit=100"),
        ("agent", as_agent, "/v1/requests?page=400&limit=100"),
        ("requester", as_requester, "/v1/requests?limit=100"),
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    for who, client, url in cases:
        ms, sql, queries = measure(client, url, args.repeat)
        shown = url if len(url) < 110 else url[:60] + "…(a cursor at the last page)"
        print(f"{ms:8.1f} ms  (SQL {sql:6.1f} ms)  {queries} queries  {who:9}  {shown}")
    if args.random:
        random_lists(as_agent, args.random)


def random_lists(client, count: int) -> None:
    """The load test's list calls (scripts/loadtest.py: random filters, orderings, limits and pages),
    each timed once after a warm-up: the spread over combinations, and the slowest."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from loadtest import World

    agents = list(
        User.objects.filter(role="agent", assigned_requests__isnull=False)
        .distinct()
        .values_list("public_id", flat=True)
    )
    world = World([], agents, list(Group.objects.values_list("public_id", flat=True)))
    rng = random.Random(7)
    urls = [world.list_url(rng) for _ in range(count)]
    for url in urls[:20]:
        client.get(url)
    timed = []
    for url in urls:
        paging.forget_large_sets()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.content[:300]
        timed.append((elapsed, sum(float(q["time"]) for q in captured.captured_queries) * 1000, len(captured), url))
    timed.sort()
    server = [t[0] for t in timed]
    print(
        f"\n{count} random lists of the load test, one call each: server time p50 {statistics.median(server):.1f} ms, "
        f"p90 {server[int(0.9 * (count - 1))]:.1f}, p99 {server[int(0.99 * (count - 1))]:.1f}, max {server[-1]:.1f}; "
        f"SQL p50 {statistics.median(t[1] for t in timed):.1f} ms; "
        f"queries {min(t[2] for t in timed)}-{max(t[2] for t in timed)}"
    )
    for elapsed, sql, queries, url in timed[-5:][::-1]:
        print(f"{elapsed:8.1f} ms  (SQL {sql:6.1f} ms)  {queries} queries  slowest: {url}")


def end_cursor(agent, ordering) -> str:
    """A cursor just before the last page of the whole list: what a walk of every request reaches."""
    from tickets.api.list_items import list_rows
    from tickets.api.pagination import _fingerprint, _make_cursor
    from tickets.selectors import request_list

    rows = list_rows(request_list(user=agent, filters={"ordering": {"-createdAt": "createdAt"}[ordering]}))
    row = list(rows[20:21])[0]
    return _make_cursor(row, ordering, _fingerprint(QueryDict(""), ordering))


if __name__ == "__main__":
    main()
