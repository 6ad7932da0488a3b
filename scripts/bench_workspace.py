"""Benchmark of the agent workspace's pages on a large database (not a test: it prints figures).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python scripts/bench_workspace.py --requests 100000
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python scripts/bench_workspace.py --requests 100000

Seeds the database up to --requests requests if it holds fewer (seed_data), gives one request 50
comments, then times the queue's default view, filtered views, free-text search, a request page with
50 comments and the sidebar counts as an agent sees them: server time through Django's test client,
median and 95th percentile of --repeat calls, and the SQL queries each ran.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from tickets.models import Comment, Request  # noqa: E402


def measure(client, url, repeat, *, cold_cache=False):
    timings, sql, queries = [], [], 0
    for _ in range(repeat):
        if cold_cache:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, statistics.median(sql), queries


def request_with_comments(agent, count=50) -> Request:
    request = Request.objects.order_by("-pk").first()
    have = Comment.objects.filter(request=request).count()
    Comment.objects.bulk_create(
        Comment(request=request, author=agent, content=f"Note {n}: tried again.", is_internal=n % 3 == 0)
        for n in range(have, count)
    )
    return request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    have = Request.objects.count()
    if have < args.requests:
        call_command("seed_data", requests=args.requests - have)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    agent = User.objects.filter(role="agent", agent_groups__isnull=False).order_by("pk").first()
    client = Client()
    client.force_login(agent)
    busy = request_with_comments(agent)

    print(f"{connection.vendor}, {Request.objects.count():,} requests; {args.repeat} calls each, server time")
    print(f"{'p50':>9} {'p95':>9} {'SQL p50':>9}  queries  page")
    cases = [
        ("/agent/", {}),
        ("/agent/?status=open&status=assigned&status=in_progress", {}),
        ("/agent/?status=open&priority=high&size=100", {}),
        ("/agent/?assignee=me&status=open&status=assigned&status=in_progress", {}),
        ("/agent/?sort=-updated", {}),
        ("/agent/?q=printer", {}),
        ("/agent/?q=vpn+disconnects", {}),
        (f"/agent/requests/{busy.public_id}", {}),
        ("/agent/views/counts", {"cold_cache": True}),
        ("/agent/views/counts", {}),
    ]
    for url, options in cases:
        p50, p95, sql, queries = measure(client, url, args.repeat, **options)
        label = url + ("  (cold: every view counted)" if options.get("cold_cache") else "")
        print(f"{p50:7.1f}ms {p95:7.1f}ms {sql:7.1f}ms  {queries:7}  {label}")


if __name__ == "__main__":
    main()
