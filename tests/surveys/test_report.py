"""The satisfaction report's maths (CSAT % with each neutral type, five-star average, NPS) and its
bounded number of queries."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import NeutralType, SurveyInvitation, SurveyType
from surveys.report import csat_percent, nps_score, satisfaction_report
from surveys.services import answer_submit
from tests.factories import AgentFactory, GroupFactory, RequesterFactory
from tests.surveys.conftest import make_survey, move
from tickets.services import request_create

pytestmark = pytest.mark.django_db


def rate(agent, rating, *, requester=None, when=None) -> SurveyInvitation:
    """A request worked by this agent, resolved and rated under the active survey."""
    requester = requester or RequesterFactory()
    made = request_create(
        actor=agent,
        requester_id=requester.public_id,
        assigned_to=agent.public_id,
        title="T",
        description="D",
        priority="low",
    )
    move(made, agent, "resolved")
    invitation = answer_submit(invitation=made.survey_invitations.get(), rating=rating)
    if when is not None:
        SurveyInvitation.objects.filter(pk=invitation.pk).update(rated_at=when)
    return invitation


def test_nps_and_csat_formulas():
    assert nps_score(promoters=2, detractors=2, total=5) == 0
    assert nps_score(promoters=2, detractors=0, total=3) == 67
    assert nps_score(promoters=0, detractors=4, total=4) == -100
    assert nps_score(0, 0, 0) is None and csat_percent(0, 0) is None
    assert csat_percent(2, 3) == 66.7


def test_the_report_counts_each_survey_type_its_own_way(admin_user):
    alice, bob = AgentFactory(name="Alice"), AgentFactory(name="Bob")
    GroupFactory(name="Software", members=[alice])
    GroupFactory(name="Hardware", members=[bob])

    make_survey(admin_user, cs_scale=3, cs_neutral_type=NeutralType.POSITIVE)
    for rating in (3, 0, -3):  # the neutral answer counts as positive: 2 of 3
        rate(alice, rating)
    make_survey(admin_user, cs_scale=5, cs_neutral_type=NeutralType.NEUTRAL)
    rate(bob, 0)  # neutral: in the total, not positive
    rate(bob, 2)
    make_survey(admin_user, cs_scale=7, cs_neutral_type=NeutralType.NEGATIVE)
    rate(bob, 0)  # negative
    make_survey(admin_user, survey_type=SurveyType.FIVE_STAR, cs_scale=None)
    for stars in (5, 4, 2):
        rate(alice, stars)
    make_survey(admin_user, survey_type=SurveyType.NPS, cs_scale=None)
    for score in (10, 9, 8, 6, 0):  # 2 promoters, 1 passive, 2 detractors
        rate(bob, score)

    report = satisfaction_report(user=admin_user)
    totals = report["totals"]
    assert (totals.csat_positive, totals.csat_negative, totals.csat_total) == (3, 2, 6)
    assert totals.csat == 50.0
    assert totals.stars == 3.67 and totals.stars_total == 3
    assert totals.nps == 0 and totals.nps_total == 5
    assert totals.responses == 14

    by_agent = {row.label: row for row in report["agents"]}
    assert by_agent["Alice"].csat == 66.7 and by_agent["Alice"].stars == 3.67 and by_agent["Alice"].nps is None
    assert by_agent["Bob"].csat == 33.3 and by_agent["Bob"].nps == 0 and by_agent["Bob"].stars is None
    by_group = {row.label: row.responses for row in report["groups"]}
    assert by_group == {"Software": 6, "Hardware": 8}


def test_months_and_the_period(admin_user, agent, group):
    make_survey(admin_user, survey_type=SurveyType.NPS, cs_scale=None)
    rate(agent, 10, when=datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    rate(agent, 0, when=datetime(2026, 2, 1, 0, 0, tzinfo=UTC))
    rate(agent, 9, when=datetime(2026, 2, 14, tzinfo=UTC))
    months = satisfaction_report(user=admin_user)["months"]
    assert [(m.label, m.nps_total, m.nps) for m in months] == [("2026-01", 1, 100), ("2026-02", 2, 0)]
    february = satisfaction_report(
        user=admin_user, since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 2, 2, tzinfo=UTC)
    )
    assert february["totals"].nps_total == 1 and february["totals"].nps == -100


def test_ratings_of_deleted_requests_leave_the_report(admin_user, agent, group):
    from tickets.services import request_delete

    make_survey(admin_user)
    invitation = rate(agent, 3)
    request_delete(actor=admin_user, request_id=invitation.request.public_id)
    assert satisfaction_report(user=admin_user)["totals"].responses == 0


@pytest.mark.parametrize("ratings", [1, 100])
def test_the_report_page_runs_a_bounded_number_of_queries(admin_client, admin_user, ratings):
    agents = AgentFactory.create_batch(4)
    for i, agent in enumerate(agents):
        GroupFactory(name=f"G{i}", members=[agent])
    make_survey(admin_user)
    for i in range(ratings):
        rate(agents[i % 4], (3, 2, 0, -2, -3)[i % 5])
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get("/agent/reports/satisfaction")
    assert response.status_code == 200
    # session, user, then the totals and one query each per agent, per group and per month
    assert len(captured) == 6, [q["sql"][:80] for q in captured]
    assert response.context["report"]["totals"].responses == ratings
