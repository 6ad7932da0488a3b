"""EXPLAIN ANALYZE of every /v1/requests filter and ordering and of the agent queue's views, on a
seeded PostgreSQL database (not a test: it prints plans and timings for a reader to check).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_scale_1m .venv/bin/python scripts/explain_lists.py
    ... scripts/explain_lists.py --only sla --plans     # full plans of the cases whose name holds "sla"

For each case it prints the execution time of the page's SELECT and of the count the list runs
(helpdesk.paging.bounded_count: at most EXACT_TOTAL_UP_TO + 1 rows), the top plan nodes, and flags a
plan that sorts or scans the whole table. The SQL is exactly what the list runs.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402

from accounts.models import Group, User  # noqa: E402
from helpdesk.paging import EXACT_TOTAL_UP_TO  # noqa: E402
from tickets import selectors  # noqa: E402
from tickets.queue_views import BUILTIN_VIEWS  # noqa: E402


def explain(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]


def nodes(plan: dict, depth=0):
    yield depth, plan
    for child in plan.get("Plans", []):
        yield from nodes(child, depth + 1)


def summary(result: dict) -> str:
    parts, warn = [], []
    for depth, node in nodes(result["Plan"]):
        if depth < 4:
            name = node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else "")
            parts.append(name)
        if node["Node Type"] == "Sort" and node.get("Actual Rows", 0) > 1000:
            warn.append(f"sorts {node['Actual Rows']:,} rows")
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "tickets_request":
            warn.append("seq scan of requests")
    return " > ".join(parts) + (f"  !! {', '.join(warn)}" if warn else "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="only cases whose label holds this text")
    parser.add_argument("--plans", action="store_true", help="print the full plans")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("explain_lists.py reads PostgreSQL plans; set DATABASE_URL to a PostgreSQL database")

    agent = User.objects.filter(role="agent", agent_groups__isnull=False).order_by("pk").first()
    busiest = (
        User.objects.filter(role="agent").annotate(n=django.db.models.Count("assigned_requests")).order_by("-n").first()
    )
    group = Group.objects.order_by("pk").first()
    admin_like = agent  # AGENT_REACH=all: agents see everything, as admins do
    cases = [
        ("api default", {}),
        ("api status=open", {"status": "open"}),
        ("api status=closed", {"status": "closed"}),
        ("api priority=high", {"priority": "high"}),
        ("api priority=high groupId", {"priority": "high", "groupId": group.public_id}),
        ("api assignedTo busiest", {"assignedTo": busiest.public_id}),
        ("api assignedTo status=in_progress", {"assignedTo": busiest.public_id, "status": "in_progress"}),
        ("api slaStatus=breached", {"slaStatus": "breached"}),
        ("api slaStatus=at_risk", {"slaStatus": "at_risk"}),
        ("api created range", {"createdAfter": "2026-06-01", "createdBefore": "2026-07-01"}),
        ("api updatedSince", {"updatedSince": "2026-11-20T00:00:00Z"}),
    ]
    for ordering in ("createdAt", "-createdAt", "updatedAt", "-updatedAt", "sla", "-sla"):
        cases.append((f"api ordering={ordering}", {"ordering": ordering}))
        cases.append((f"api status=open ordering={ordering}", {"status": "open", "ordering": ordering}))
    for label, filters in cases:
        if args.only not in label:
            continue
        try:
            qs = selectors.request_list(user=admin_like, filters=filters)
        except Exception as error:  # a filter this code version does not know
            print(f"{label:45} skipped: {error}")
            continue
        run(label, qs[:20], qs, args.plans)

    choices = selectors.workspace_choices()
    queue_cases = [(f"queue {v.name}", v.query) for v in BUILTIN_VIEWS] + [
        ("queue open+high", "status=open&priority=high"),
        ("queue q=printer", "q=printer"),
        ("queue q=vpn disconnects", "q=vpn+disconnects"),
        ("queue group=any", f"group={group.public_id}&status=open&status=assigned&status=in_progress"),
    ]
    for label, query in queue_cases:
        if args.only not in label:
            continue
        filters = selectors.request_queue(user=agent, params=QueryDict(query), choices=choices)
        assert filters.is_valid(), filters.errors
        qs = filters.qs
        run(label, qs.prefetch_related(None)[:25], qs, args.plans)


def run(label, page, full, show_plans):
    page_plan = explain(page)
    count_plan = explain(full.order_by()[: EXACT_TOTAL_UP_TO + 1].values("pk"))
    print(
        f"{label:45} page {page_plan['Execution Time']:7.1f} ms  count<= {EXACT_TOTAL_UP_TO + 1:,} "
        f"{count_plan['Execution Time']:7.1f} ms  | {summary(page_plan)}  | count: {summary(count_plan)}"
    )
    if show_plans:
        print(json.dumps(page_plan["Plan"], indent=1)[:6000])


if __name__ == "__main__":
    main()
