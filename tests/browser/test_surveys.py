"""Satisfaction surveys in a real browser: answering from the email's signed link (one press, then a
comment), the dead-link page, the agent's rating card and the admins' report; with screenshots and axe."""

import pytest
from playwright.sync_api import expect

from surveys.links import link_for
from surveys.models import SurveyInvitation, SurveyType
from surveys.services import answer_submit
from tests.factories import AdminFactory, AgentFactory, GroupFactory, RequesterFactory
from tests.surveys.conftest import make_survey, move
from tickets.models import Priority
from tickets.services import request_create

pytestmark = pytest.mark.django_db(transaction=True)


def path(url: str) -> str:
    return url.split("/", 3)[3]  # drop SITE_URL's scheme and host: the live server has its own


@pytest.fixture
def solved(agent, requester, admin_user, group):
    make_survey(admin_user, name="How did we do?", cs_scale=5)
    ticket = request_create(
        actor=agent,
        requester_id=requester.public_id,
        assigned_to=agent.public_id,
        title="VPN drops every hour since the Monday update",
        description="It drops.",
        priority=Priority.HIGH,
    )
    move(ticket, agent, "resolved")
    return ticket.survey_invitations.get()


def test_answering_from_the_email_link_takes_one_press_then_a_comment(
    live_server, page, solved, screenshot, axe_violations
):
    page.goto(f"{live_server.url}/{path(link_for(solved, rating=3))}")  # the email's "Very satisfied"
    expect(page.get_by_role("heading", name="VPN drops every hour since the Monday update")).to_be_visible()
    expect(page.get_by_label("Very satisfied")).to_be_checked()
    assert not SurveyInvitation.objects.get(pk=solved.pk).answered  # opening the link recorded nothing
    assert axe_violations(page) == []
    screenshot(page, "survey-link")

    page.get_by_role("button", name="Send my answer").click()  # the one press
    expect(page.locator("#survey-thanks")).to_contain_text("Thank you")
    answered = SurveyInvitation.objects.get(pk=solved.pk)
    assert (answered.rating, answered.comment) == (3, "")

    page.get_by_label("Add any comments about the support you received").fill("Fixed before lunch, thanks!")
    page.get_by_role("button", name="Update my answer").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    expect(page.get_by_label("Add any comments about the support you received")).to_have_value(
        "Fixed before lunch, thanks!"
    )
    answered = SurveyInvitation.objects.get(pk=solved.pk)
    assert (answered.rating, answered.comment) == (3, "Fixed before lunch, thanks!")
    assert axe_violations(page) == []
    screenshot(page, "survey-thanks")


def test_a_changed_mind_replaces_the_answer_and_a_bad_link_shows_nothing(live_server, page, solved, axe_violations):
    page.goto(f"{live_server.url}/{path(link_for(solved))}")
    page.get_by_role("button", name="Send my answer").click()  # nothing chosen yet
    expect(page.locator("#survey-rating-error")).to_contain_text("choose a rating")
    assert axe_violations(page) == []
    page.get_by_label("Very dissatisfied").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    page.get_by_label("Satisfied", exact=True).check()
    page.get_by_role("button", name="Update my answer").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    assert SurveyInvitation.objects.get(pk=solved.pk).rating == 2

    page.goto(f"{live_server.url}/survey/not-a-real-token/")
    expect(page.get_by_role("heading", name="This survey link does not work")).to_be_visible()
    assert axe_violations(page) == []


def test_nps_on_a_phone(live_server, page, agent, requester, admin_user, group, screenshot, axe_violations):
    make_survey(admin_user, survey_type=SurveyType.NPS, cs_scale=None, question="How likely are you to recommend us?")
    ticket = request_create(
        actor=agent, requester_id=requester.public_id, title="Laptop", description="d", priority=Priority.LOW
    )
    move(ticket, agent, "resolved")
    page.goto(f"{live_server.url}/{path(link_for(ticket.survey_invitations.get(), rating=9))}")
    expect(page.get_by_role("radio", name="9", exact=True)).to_be_checked()
    assert axe_violations(page) == []
    screenshot(page, "survey-nps")


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()


def test_admins_read_the_report_and_agents_see_the_rating(live_server, page, admin_user, screenshot, axe_violations):
    agents = [AgentFactory(name=name) for name in ("Alice Moreau", "Bob Okafor")]
    for agent, name in zip(agents, ("Software Support", "Hardware & Network"), strict=True):
        GroupFactory(name=name, members=[agent])
    make_survey(admin_user, cs_scale=5)
    requesters = RequesterFactory.create_batch(3)
    first = None
    for i, rating in enumerate((3, 3, 2, 0, -2, 3, -3, 2)):
        agent = agents[i % 2]
        ticket = request_create(
            actor=agent,
            requester_id=requesters[i % 3].public_id,
            assigned_to=agent.public_id,
            title=f"Request {i}",
            description="d",
            priority=Priority.MEDIUM,
        )
        move(ticket, agent, "resolved")
        answer_submit(invitation=ticket.survey_invitations.get(), rating=rating, comment="Took <b>long</b>")
        first = first or ticket
    admin = AdminFactory(email="boss@example.com", name="Bea Boss")
    log_in(page, live_server, admin.email)
    page.get_by_label(f"Account menu for {admin.name}").click()
    page.get_by_role("link", name="Satisfaction report").click()
    expect(page.get_by_role("heading", name="Satisfaction", exact=True)).to_be_visible()
    expect(page.locator("#by-agent")).to_contain_text("Alice Moreau")
    expect(page.locator(".report-totals")).to_contain_text("62.5%")  # 5 of 8 positive
    assert axe_violations(page) == []
    screenshot(page, "survey-report")

    page.goto(f"{live_server.url}/agent/requests/{first.public_id}")
    card = page.locator(".survey-card")
    expect(card).to_contain_text("Very satisfied")
    expect(card).to_contain_text("Took <b>long</b>")  # shown as text, not markup
    assert axe_violations(page) == []
    card.scroll_into_view_if_needed()
    screenshot(page, "survey-agent-card")
    page.goto(f"{live_server.url}/agent/")
    expect(page.locator(".survey-badge").first).to_be_visible()
    assert axe_violations(page) == []


def test_the_requester_answers_on_their_request_page_without_a_reload(
    live_server, page, solved, requester, screenshot, axe_violations
):
    log_in(page, live_server, requester.email)
    page.goto(f"{live_server.url}/portal/requests/{solved.request.public_id}")
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Send my answer").click()  # nothing chosen: the error, in place
    expect(page.locator("#survey-rating-error")).to_contain_text("choose a rating")
    assert axe_violations(page) == []
    page.get_by_label("Satisfied", exact=True).check()
    page.get_by_label("Add any comments about the support you received").fill("Thanks, Alice")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#survey-answer")).to_contain_text("Thank you! Your answer was recorded.")
    assert page.evaluate("window.notReloaded") is True  # swapped by htmx, not a new page
    answered = SurveyInvitation.objects.get(pk=solved.pk)
    assert (answered.rating, answered.comment) == (2, "Thanks, Alice")
    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "survey-request-page")
