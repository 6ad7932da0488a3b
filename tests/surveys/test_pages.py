"""The survey pages: the signed link (no log-in), the requester's answer on their request page, what
agents see on the request page and in the queue, and the admins' report."""

import re
import time
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client

from surveys.links import link_for
from surveys.models import SurveyInvitation, SurveyType
from surveys.services import answer_submit
from surveys.tokens import make_token
from tests.factories import RequesterFactory
from tests.surveys.conftest import make_survey, move
from tickets.models import Priority
from tickets.services import request_create

pytestmark = pytest.mark.django_db


def path_of(invitation, **kwargs) -> str:
    url = urlparse(link_for(invitation, **kwargs))
    return url.path + (f"?{url.query}" if url.query else "")


# --- the signed link -------------------------------------------------------------------------------


def test_the_link_page_shows_the_request_and_preselects_the_rating_without_recording_it(client, invitation):
    page = client.get(path_of(invitation, rating=2))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    body = page.content.decode()
    assert f"Request #{invitation.request.number}" in body and "Printer on fire" in body
    assert 'value="2" checked' in body and body.count("checked") == 1
    invitation.refresh_from_db()
    assert not invitation.answered  # a mail scanner opening the link answers nothing


def test_one_press_records_the_rating_then_a_comment_replaces_the_answer(client, invitation):
    url = path_of(invitation)
    sent = client.post(url, {"rating": "2"})
    assert sent.status_code == 302 and sent["Location"].endswith("?thanks=1")
    invitation.refresh_from_db()
    assert (invitation.rating, invitation.comment) == (2, "")
    thanks = client.get(sent["Location"]).content.decode()
    assert "Thank you" in thanks and 'value="2" checked' in thanks and "Update my answer" in thanks
    client.post(url, {"rating": "2", "comment": "Fixed in ten minutes"})
    invitation.refresh_from_db()
    assert (invitation.rating, invitation.comment) == (2, "Fixed in ten minutes")
    again = client.get(url).content.decode()
    assert "You answered this survey" in again and "Fixed in ten minutes" in again


def test_a_bad_rating_is_shown_next_to_its_question(client, invitation):
    response = client.post(path_of(invitation), {"rating": "1", "comment": "kept"})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="survey-rating-error"' in body and "must be one of" in body and ">kept</textarea>" in body
    response = client.post(path_of(invitation), {})
    assert "choose a rating" in response.content.decode()


def _invalid_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "This survey link does not work" in body and "Printer on fire" not in body
    return re.sub(r'"x-csrftoken": "[^"]+"', "", body)  # the page but its (per-response) CSRF mask


def test_an_expired_link_says_nothing_about_the_request(client, invitation, settings, monkeypatch):
    settings.SURVEY_LINK_DAYS = 14
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 15 * 86400)
    old = make_token(invitation.public_id)
    monkeypatch.setattr(time, "time", real_time)
    expired = _invalid_page(client, f"/survey/{old}/")
    assert client.post(f"/survey/{old}/", {"rating": "3"}).status_code == 404
    invitation.refresh_from_db()
    assert not invitation.answered
    tampered = _invalid_page(client, f"/survey/{make_token(invitation.public_id)[:-2]}xx/")
    assert expired == tampered  # the same page whatever is wrong
    settings.SURVEY_LINK_DAYS = 16
    assert client.get(f"/survey/{old}/").status_code == 200  # the setting decides


def test_a_token_cannot_rate_another_request_nor_be_made_from_another_signed_value(
    client, invitation, requester, agent, survey
):
    second = request_create(
        actor=agent, requester_id=requester.public_id, title="Second", description="d", priority=Priority.LOW
    )
    move(second, agent, "resolved")
    other = second.survey_invitations.get()
    client.post(path_of(invitation), {"rating": "3"})
    other.refresh_from_db()
    assert not other.answered and SurveyInvitation.objects.get(pk=invitation.pk).rating == 3
    # The same payload signed for another purpose (the default salt, another app's salt) is no survey link.
    for forged in (signing.dumps({"inv": other.public_id}), signing.dumps({"inv": other.public_id}, salt="x")):
        _invalid_page(client, f"/survey/{forged}/")
    _invalid_page(client, "/survey/nonsense/")


def test_the_link_of_a_deleted_request_is_dead(client, invitation, admin_user):
    from tickets.services import request_delete

    request_delete(actor=admin_user, request_id=invitation.request.public_id)
    _invalid_page(client, path_of(invitation))


def test_the_link_page_escapes_user_text(client, admin_user, requester, agent):
    make_survey(admin_user, question="Was it <i>good</i>?", comments_title="<script>alert(2)</script>")
    evil = request_create(
        actor=agent,
        requester_id=requester.public_id,
        title="<script>alert(1)</script>",
        description="d",
        priority=Priority.LOW,
    )
    move(evil, agent, "resolved")
    body = client.get(path_of(evil.survey_invitations.get())).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)" in body and "<i>good</i>" not in body


def test_the_link_form_needs_the_csrf_token(invitation):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(path_of(invitation), {"rating": "3"}).status_code == 403
    page = strict.get(path_of(invitation))
    token = page.cookies["csrftoken"].value
    assert strict.post(path_of(invitation), {"rating": "3", "csrfmiddlewaretoken": token}).status_code == 302


@pytest.mark.parametrize("survey_type", [SurveyType.FIVE_STAR, SurveyType.NPS])
def test_five_star_and_nps_pages_offer_their_scale(client, admin_user, ticket, agent, survey_type):
    make_survey(admin_user, survey_type=survey_type, cs_scale=None)
    move(ticket, agent, "resolved")
    invitation = ticket.survey_invitations.get()
    body = client.get(path_of(invitation)).content.decode()
    expected = range(1, 6) if survey_type == SurveyType.FIVE_STAR else range(11)
    for value in expected:
        assert f'value="{value}"' in body
    assert client.post(path_of(invitation), {"rating": str(max(expected))}).status_code == 302


# --- the requester's request page ------------------------------------------------------------------


def answer_url(ticket) -> str:
    return f"/surveys/requests/{ticket.public_id}/answer"


def test_the_requester_answers_on_the_request_page_with_htmx(requester_client, invitation):
    ticket = invitation.request
    response = requester_client.post(answer_url(ticket), {"rating": "3", "comment": "Thanks!"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="survey-answer"' in body and "Thank you" in body and "<html" not in body
    invitation.refresh_from_db()
    assert (invitation.rating, invitation.comment) == (3, "Thanks!")
    refused = requester_client.post(answer_url(ticket), {"rating": "9"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "must be one of" in refused.content.decode()


def test_without_javascript_the_answer_goes_back_to_the_page(requester_client, invitation):
    ticket = invitation.request
    back = f"/portal/requests/{ticket.public_id}"
    response = requester_client.post(answer_url(ticket), {"rating": "-2", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    elsewhere = requester_client.post(answer_url(ticket), {"rating": "-2", "next": "https://evil.example.com/"})
    assert elsewhere["Location"] == "/"


def test_nobody_but_the_requester_answers_on_the_page(invitation, agent, admin_user, other_requester):
    ticket = invitation.request
    for user in (other_requester, agent, admin_user):
        client = Client()
        client.force_login(user)
        assert client.post(answer_url(ticket), {"rating": "3"}).status_code == 404, user
    assert Client().post(answer_url(ticket), {"rating": "3"}).status_code == 302  # log in first
    invitation.refresh_from_db()
    assert not invitation.answered


def test_a_request_without_a_survey_has_nothing_to_answer(requester_client, ticket):
    assert requester_client.post(answer_url(ticket), {"rating": "3"}).status_code == 404


def test_the_partial_renders_nothing_without_an_invitation_and_the_form_with_one(rf, invitation, requester):
    from django.template.loader import render_to_string

    request = rf.get("/portal/")
    request.user = requester
    assert render_to_string("surveys/_answer.html", {"invitation": None}, request=request).strip() == ""
    html = render_to_string("surveys/_answer.html", {"invitation": invitation}, request=request)
    assert f'action="/surveys/requests/{invitation.request.public_id}/answer"' in html
    assert "csrfmiddlewaretoken" in html and 'for="survey-rating-3"' in html


# --- agents ----------------------------------------------------------------------------------------


def test_agents_see_the_rating_on_the_request_page(agent_client, invitation):
    url = f"/agent/requests/{invitation.request.public_id}"
    assert "not answered yet" in agent_client.get(url).content.decode()
    answer_submit(invitation=invitation, rating=-2, comment="Took <b>days</b>")
    body = agent_client.get(url).content.decode()
    assert "Dissatisfied" in body and "survey-negative" in body and "Took &lt;b&gt;days&lt;/b&gt;" in body


def test_the_queue_shows_a_badge_for_rated_requests(agent_client, invitation):
    assert "survey-badge" not in agent_client.get("/agent/").content.decode()
    answer_submit(invitation=invitation, rating=3)
    body = agent_client.get("/agent/").content.decode()
    assert 'class="survey-badge survey-positive" title="Rated: Very satisfied"' in body


@pytest.mark.parametrize("rows", [1, 100])
def test_the_queue_keeps_its_query_count_with_ratings(
    agent_client, admin_user, agent, rows, django_assert_max_num_queries
):
    from sla.services import clocks_rebuild, sla_defaults_install

    sla_defaults_install()
    make_survey(admin_user, survey_type=SurveyType.NPS, cs_scale=None)
    requesters = RequesterFactory.create_batch(3)
    for i in range(rows):
        made = request_create(
            actor=agent, requester_id=requesters[i % 3].public_id, title=f"R{i}", description="d", priority="low"
        )
        move(made, agent, "resolved")
        answer_submit(invitation=made.survey_invitations.get(), rating=i % 11)
    clocks_rebuild()
    with django_assert_max_num_queries(10):  # as tests/workspace/test_queue.py: the badges cost no query
        response = agent_client.get("/agent/?size=100")
    assert len(response.context["rows"]) == rows
    assert response.content.decode().count("survey-badge") == rows


# --- the report ------------------------------------------------------------------------------------


def test_the_report_is_for_admins(admin_client, agent_client, requester_client):
    assert admin_client.get("/agent/reports/satisfaction").status_code == 200
    assert agent_client.get("/agent/reports/satisfaction").status_code == 403
    assert requester_client.get("/agent/reports/satisfaction").status_code == 302
    assert "/agent/reports/satisfaction" in admin_client.get("/agent/").content.decode()  # the menu link
    assert "/agent/reports/satisfaction" not in agent_client.get("/agent/").content.decode()


def test_the_report_page_shows_the_figures(admin_client, invitation):
    answer_submit(invitation=invitation, rating=2)
    page = admin_client.get("/agent/reports/satisfaction")
    body = page.content.decode()
    assert "100.0%" in body and "Alice Agent" in body and "Software Support" in body
    assert page.context["report"]["totals"].csat == 100.0
    bad = admin_client.get("/agent/reports/satisfaction?since=yesterday")
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
