"""/v1/surveys, /v1/surveys/ratings and the `survey` of /v1/requests: shapes, filters, who sees
what, and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import NeutralType, SurveyInvitation, SurveyType
from surveys.services import answer_submit
from tests.factories import AgentFactory, GroupFactory, RequesterFactory
from tests.surveys.conftest import make_survey, move
from tickets.services import request_create

pytestmark = pytest.mark.django_db

SURVEY_KEYS = {
    "id",
    "name",
    "type",
    "scale",
    "ratingOrder",
    "neutralType",
    "question",
    "question2",
    "question3",
    "additionalCommentsEnabled",
    "additionalCommentsTitle",
    "notifyType",
    "active",
    "createdAt",
}
# Desk365's survey_rating (sv_name, sv_answered, sv_type, sv_cs_scale, sv_cs_neutral_type, sv_question,
# sv_rating, sv_cs_question_2/3, sv_cs_rating_2/3, sv_additional_comments_title/response, sv_sent_on,
# sv_rated_on), in camelCase, plus our ids.
REQUEST_SURVEY_KEYS = {
    "id",
    "surveyId",
    "name",
    "answered",
    "type",
    "scale",
    "neutralType",
    "question",
    "rating",
    "question2",
    "rating2",
    "question3",
    "rating3",
    "additionalCommentsTitle",
    "additionalCommentsResponse",
    "sentAt",
    "ratedAt",
}


def data_of(response, status=200):
    assert response.status_code == status, response.content
    return response.json()["data"]


def test_surveys_are_listed_oldest_first_for_agents(admin_user, agent, api_for):
    first = make_survey(admin_user, name="First", cs_scale=7, question_2="Expertise?", cs_neutral_type=1)
    second = make_survey(admin_user, name="Second", survey_type=SurveyType.NPS, cs_scale=None, comments_enabled=False)
    data = data_of(api_for(agent).get("/v1/surveys"))
    assert [s["id"] for s in data["surveys"]] == [first.public_id, second.public_id]
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 2, "pages": 1}
    one, two = data["surveys"]
    assert set(one) == SURVEY_KEYS
    assert (one["type"], one["scale"], one["neutralType"], one["question2"], one["question3"]) == (
        1,
        7,
        1,
        "Expertise?",
        None,
    )
    assert (one["notifyType"], one["active"], one["ratingOrder"]) == (7, False, 1)
    assert (two["type"], two["scale"], two["neutralType"], two["additionalCommentsTitle"], two["active"]) == (
        3,
        None,
        None,
        None,
        True,
    )
    assert data_of(api_for(agent).get(f"/v1/surveys/{second.public_id}")) == two


def test_an_unknown_survey_is_a_404(agent, api_for):
    assert api_for(agent).get("/v1/surveys/srv_nope").status_code == 404


@pytest.mark.parametrize("path", ["/v1/surveys", "/v1/surveys/ratings", "/v1/surveys/{survey}"])
def test_requesters_and_anonymous_callers_get_no_survey_data(requester, api_for, survey, client, path):
    url = path.format(survey=survey.public_id)
    assert api_for(requester).get(url).status_code == 403
    assert client.get(url).status_code == 401


def test_the_request_detail_carries_its_latest_survey(ticket, agent, requester, api_for, admin_user):
    url = f"/v1/requests/{ticket.public_id}"
    assert data_of(api_for(requester).get(url))["survey"] is None  # none sent
    make_survey(admin_user, cs_scale=5, cs_neutral_type=NeutralType.NEUTRAL, question_2="Expertise?")
    move(ticket, agent, "resolved")
    sent = data_of(api_for(requester).get(url))["survey"]
    assert set(sent) == REQUEST_SURVEY_KEYS
    assert sent["answered"] is False and sent["ratedAt"] is None and sent["sentAt"].endswith("Z")
    assert (sent["rating"], sent["rating2"], sent["rating3"], sent["additionalCommentsResponse"]) == (None,) * 4
    assert (sent["type"], sent["scale"], sent["neutralType"], sent["question2"]) == (1, 5, 2, "Expertise?")
    answer_submit(invitation=SurveyInvitation.objects.get(), rating=-2, rating_2=3, comment="Slow but right")
    answered = data_of(api_for(agent).get(url))["survey"]
    assert answered["answered"] is True and answered["ratedAt"].endswith("Z")
    assert (answered["rating"], answered["rating2"], answered["rating3"]) == (-2, 3, None)
    assert answered["additionalCommentsResponse"] == "Slow but right"


def test_the_detail_shows_the_latest_of_two_invitations(ticket, agent, admin_user, api_for):
    make_survey(admin_user, name="On resolve")
    move(ticket, agent, "resolved")
    make_survey(admin_user, name="On close", survey_type=SurveyType.FIVE_STAR, cs_scale=None, trigger=8)
    move(ticket, agent, "closed")
    survey = data_of(api_for(agent).get(f"/v1/requests/{ticket.public_id}"))["survey"]
    assert (survey["name"], survey["type"], survey["scale"]) == ("On close", 2, None)


def test_another_requester_sees_no_survey_of_a_request_not_theirs(invitation, other_requester, api_for):
    assert api_for(other_requester).get(f"/v1/requests/{invitation.request.public_id}").status_code == 404


def _requests(agent, requesters, n):
    made = []
    for i in range(n):
        request = request_create(
            actor=agent,
            requester_id=requesters[i % len(requesters)].public_id,
            assigned_to=agent.public_id,
            title=f"R{i}",
            description="d",
            priority="low",
        )
        made.append(request)
    return made


@pytest.mark.parametrize("count", [1, 100])
def test_include_survey_costs_one_query_for_the_whole_page(admin_user, agent, group, api_for, count):
    make_survey(admin_user)
    made = _requests(agent, RequesterFactory.create_batch(3), count)
    for i, request in enumerate(made):
        if i % 2 == 0:
            move(request, agent, "resolved")
        if i % 4 == 0:
            answer_submit(invitation=request.survey_invitations.get(), rating=3)
    client = api_for(agent)
    client.get("/v1/users/me")  # the token's first use is recorded once: not part of what is measured

    def queries(query) -> tuple[int, list]:
        with CaptureQueriesContext(connection) as captured:
            items = data_of(client.get("/v1/requests", query))["requests"]
        return len(captured), items

    plain, items = queries({"limit": 100})
    assert "survey" not in items[0]
    with_survey, items = queries({"limit": 100, "include": "survey"})
    assert with_survey == plain + 1
    by_id = {item["id"]: item["survey"] for item in items}
    assert by_id[made[0].public_id]["answered"] is True and by_id[made[0].public_id]["rating"] == 3
    if count > 2:
        assert by_id[made[1].public_id] is None and by_id[made[2].public_id]["answered"] is False
    assert set(by_id[made[0].public_id]) == REQUEST_SURVEY_KEYS


def test_an_unknown_include_is_a_400_naming_it(agent, api_for):
    response = api_for(agent).get("/v1/requests", {"include": "survey,comments"})
    assert response.status_code == 400 and response.json()["error"]["fields"] == {
        "include": ["unknown: comments; known: survey"]
    }


# --- ratings ---------------------------------------------------------------------------------------


@pytest.fixture
def ratings(admin_user):
    """Five answers over two surveys, two agents in two groups; and one unanswered invitation."""
    alice, bob = AgentFactory(name="Alice"), AgentFactory(name="Bob")
    software, hardware = GroupFactory(name="Software", members=[alice]), GroupFactory(name="Hardware", members=[bob])
    csat = make_survey(admin_user, name="CSAT")
    made = _requests(alice, RequesterFactory.create_batch(2), 6)
    rated = []
    for i, request in enumerate(made[:3]):
        move(request, alice, "resolved")
        rated.append(answer_submit(invitation=request.survey_invitations.get(), rating=(3, 0, -3)[i]))
    nps = make_survey(admin_user, name="NPS", survey_type=SurveyType.NPS, cs_scale=None)
    for request, score in zip(made[3:5], (10, 4), strict=True):
        from tickets.services import request_update

        request_update(
            actor=bob, request=request, changes={"assigned_to": bob.public_id, "assigned_group": hardware.public_id}
        )
        move(request, bob, "resolved")
        rated.append(answer_submit(invitation=request.survey_invitations.get(), rating=score))
    move(made[5], alice, "resolved")  # sent, never answered: not a rating
    return {
        "alice": alice,
        "bob": bob,
        "software": software,
        "hardware": hardware,
        "csat": csat,
        "nps": nps,
        "rated": rated,
    }


def ids(response):
    return [r["id"] for r in data_of(response)["ratings"]]


def test_ratings_are_listed_oldest_answer_first_and_filtered(ratings, admin_user, api_for):
    client = api_for(admin_user)
    rated = [r.public_id for r in ratings["rated"]]
    assert ids(client.get("/v1/surveys/ratings")) == rated
    assert ids(client.get("/v1/surveys/ratings", {"surveyId": ratings["nps"].public_id})) == rated[3:]
    assert ids(client.get("/v1/surveys/ratings", {"type": 1})) == rated[:3]
    assert ids(client.get("/v1/surveys/ratings", {"agentId": ratings["bob"].public_id})) == rated[3:]
    assert ids(client.get("/v1/surveys/ratings", {"groupId": ratings["software"].public_id})) == rated[:3]
    middle = ratings["rated"][2].rated_at.isoformat()
    assert ids(client.get("/v1/surveys/ratings", {"ratedAfter": middle})) == rated[2:]
    assert ids(client.get("/v1/surveys/ratings", {"ratedBefore": middle})) == rated[:2]
    first = data_of(client.get("/v1/surveys/ratings", {"limit": 1}))
    assert first["pagination"] == {"page": 1, "limit": 1, "total": 5, "pages": 5}
    item = first["ratings"][0]
    assert set(item) == REQUEST_SURVEY_KEYS | {"requestId", "agentId", "groupId"}
    assert (item["rating"], item["agentId"], item["groupId"]) == (
        3,
        ratings["alice"].public_id,
        ratings["software"].public_id,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [({"type": "4"}, "type"), ({"ratedAfter": "yesterday"}, "ratedAfter"), ({"limit": "0"}, "limit")],
)
def test_bad_rating_filters_are_400_naming_the_parameter(ratings, admin_user, api_for, query, field):
    response = api_for(admin_user).get("/v1/surveys/ratings", query)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_agents_see_the_ratings_of_the_requests_within_their_reach(ratings, api_for, settings):
    outsider = AgentFactory()
    GroupFactory(name="Elsewhere", members=[outsider])
    settings.AGENT_REACH = "all"
    assert len(ids(api_for(outsider).get("/v1/surveys/ratings"))) == 5
    settings.AGENT_REACH = "groups"
    assert ids(api_for(outsider).get("/v1/surveys/ratings")) == []
    alice_sees = ids(api_for(ratings["alice"]).get("/v1/surveys/ratings"))
    assert alice_sees == [r.public_id for r in ratings["rated"][:3]]


@pytest.mark.parametrize("count", [1, 100])
def test_the_ratings_list_runs_a_fixed_number_of_queries(admin_user, agent, group, api_for, count):
    make_survey(admin_user)
    for request in _requests(agent, RequesterFactory.create_batch(3), count):
        move(request, agent, "resolved")
        answer_submit(invitation=request.survey_invitations.get(), rating=2)
    client = api_for(admin_user)
    client.get("/v1/users/me")  # the token's first use is recorded once: not part of what is measured
    with CaptureQueriesContext(connection) as captured:
        assert len(ids(client.get("/v1/surveys/ratings", {"limit": 100}))) == count
    # the token and its user, then the count and the page (surveys, requests, agents, groups joined)
    assert len(captured) == 3, [q["sql"][:80] for q in captured]
