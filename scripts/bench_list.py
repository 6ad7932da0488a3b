"""Benchmark of the /v1/requests list on a large database (not a test: it prints figures).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python scripts/bench_list.py --requests 100000

Seeds the database up to --requests requests if it holds fewer, then times typical list calls
(median of --repeat runs) as an agent and as a requester, and counts their SQL queries.
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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import Group, User  # noqa: E402
from accounts.services import token_issue  # noqa: E402
from tickets.models import Request  # noqa: E402


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user, name='bench')[1]}")
    return client


def measure(client, url, repeat):
    timings, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
        queries = len(captured)
    return statistics.median(timings), queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
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

    print(f"{connection.vendor}, {Request.objects.count():,} requests; median of {args.repeat} calls")
    cases = [
        ("agent", as_agent, "/v1/requests?limit=20"),
        ("agent", as_agent, "/v1/requests?limit=100"),
        ("agent", as_agent, "/v1/requests?status=open&priority=high&limit=100"),
        ("agent", as_agent, f"/v1/requests?assignedTo={agent.public_id}&limit=100"),
        ("agent", as_agent, f"/v1/requests?groupId={group.public_id}&status=pending&limit=100"),
        ("agent", as_agent, "/v1/requests?createdAfter=2026-01-01&createdBefore=2026-02-01&limit=100"),
        ("agent", as_agent, "/v1/requests?page=400&limit=100"),
        ("requester", as_requester, "/v1/requests?limit=100"),
    ]
    for who, client, url in cases:
        ms, queries = measure(client, url, args.repeat)
        print(f"{ms:8.1f} ms  {queries} queries  {who:9}  {url}")


if __name__ == "__main__":
    main()
