"""Times the survey reads on the current database: the satisfaction report, the ratings list (first
and a late page, with filters), the requests list with include=survey and the agent queue's badges.

Fills survey invitations for every resolved or closed request (three in four answered) by bulk insert
if there are none yet. Use a throwaway database filled by `manage.py seed_data --requests N`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench python scripts/bench_surveys.py
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from helpdesk.api.pagination import paginate  # noqa: E402
from surveys import selectors  # noqa: E402
from surveys.models import Survey, SurveyInvitation, Trigger  # noqa: E402
from surveys.report import satisfaction_report  # noqa: E402
from tickets.models import Request  # noqa: E402
from tickets.selectors import request_list, request_queue  # noqa: E402


def fill() -> None:
    if SurveyInvitation.objects.exists():
        return
    rng = random.Random(1)
    survey, _ = Survey.objects.get_or_create(name="Bench CSAT", defaults={"cs_scale": 5, "is_active": True})
    rows = []
    done = Request.objects.filter(resolved_at__isnull=False).values_list(
        "pk", "assigned_to_id", "assigned_group_id", "resolved_at"
    )
    for pk, agent, group, resolved in done.iterator():
        answered = rng.random() < 0.75
        rows.append(
            SurveyInvitation(
                survey=survey,
                request_id=pk,
                trigger=Trigger.RESOLVED,
                agent_id=agent,
                group_id=group,
                sent_at=resolved,
                rated_at=resolved + timedelta(hours=rng.uniform(0.5, 48)) if answered else None,
                rating=rng.choice((3, 2, 0, -2, -3)) if answered else None,
            )
        )
    SurveyInvitation.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(label: str, fn, runs: int = 5) -> None:
    fn()  # warm
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    print(f"{label:<52} median {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms  {queries} queries")


def main() -> None:
    fill()
    admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.create_user(
        "bench-admin@example.com", role=Role.ADMIN
    )
    agent = User.objects.filter(role=Role.AGENT).first()
    answered = SurveyInvitation.objects.filter(rated_at__isnull=False).count()
    print(f"{Request.objects.count()} requests, {SurveyInvitation.objects.count()} invitations, {answered} answered")
    timed("report (last 12 months)", lambda: satisfaction_report(user=admin))
    timed("ratings list, page 1 of 100", lambda: list(paginate(selectors.rating_list(user=admin), {"limit": 100})[0]))
    last = max(1, answered // 100)
    timed(
        f"ratings list, page {last} of 100",
        lambda: list(paginate(selectors.rating_list(user=admin), {"limit": 100, "page": last})[0]),
    )
    agent_id = agent.public_id if agent else ""
    timed(
        "ratings list, one agent, page 1",
        lambda: list(paginate(selectors.rating_list(user=admin, filters={"agentId": agent_id}), {"limit": 100})[0]),
    )
    timed(
        "requests list, 100 with include=survey",
        lambda: selectors.attach_invitations(paginate(request_list(user=admin), {"limit": 100})[0]),
    )

    def queue_page():
        filters = request_queue(user=admin, params=QueryDict("size=100"))
        filters.is_valid()
        return list(selectors.with_latest_rating(filters.qs[:100]))

    timed("queue page of 100 with rating badges", queue_page)


if __name__ == "__main__":
    main()
