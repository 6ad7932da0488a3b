"""The requesters' portal in a real browser: sign up and confirm by email, send a request with two
files, find it in My requests, reply, see the support team's answer arrive without a reload, mark it
solved and reopen it; another's request is a 404. Screenshots at desktop and phone width."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import CategoryFactory, RequestFactory
from tickets import services
from tickets.models import Request, Status

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email="rita@example.com"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()


def test_sign_up_and_confirm_by_email(live_server, page, screenshot, axe_violations):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    assert axe_violations(page) == []
    screenshot(page, "portal-signup")
    page.get_by_label("Your name").fill("Nina New")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Password").fill("a long enough secret")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_text("nina@example.com")).to_be_visible()

    link = re.search(r"http://\S+/accounts/signup/confirm/\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm and log in").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    expect(page.get_by_text("No open requests")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "portal-empty")


def test_a_request_from_the_form_to_solved_and_reopened(
    live_server, page, requester, agent, settings, screenshot, axe_violations
):
    settings.PORTAL_POLL_SECONDS = 1
    CategoryFactory(name="network", label="Network and VPN")
    RequestFactory(requester=requester, title="Old printer question", status=Status.RESOLVED)
    log_in(page, live_server)

    page.get_by_role("link", name="New request").first.click()
    expect(page.get_by_role("heading", name="Ask the support team")).to_be_visible()
    page.get_by_label("Subject").fill("VPN drops every hour")
    page.get_by_label("Topic").select_option("network")
    page.get_by_label("How can we help?").fill("Since Monday the VPN disconnects.\nEvery hour, on the hour.")
    page.get_by_label("Attach files").set_input_files(
        [
            {"name": "screenshot.png", "mimeType": "image/png", "buffer": b"\x89PNG fake image"},
            {"name": "vpn.log", "mimeType": "text/plain", "buffer": b"12:00 disconnected\n"},
        ]
    )
    expect(page.get_by_text("screenshot.png (15 bytes), vpn.log (19 bytes)")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "portal-new-request")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", name="VPN drops every hour")).to_be_visible()
    created = Request.objects.get(title="VPN drops every hour")
    assert page.url.endswith(f"/portal/requests/{created.public_id}")
    expect(page.get_by_role("link", name="screenshot.png")).to_be_visible()
    expect(page.get_by_role("link", name="vpn.log")).to_be_visible()
    assert created.source == "portal" and created.attachments.count() == 2

    page.get_by_role("link", name="My requests").first.click()
    expect(page.get_by_role("link", name=re.compile("VPN drops every hour"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Old printer question"))).to_be_hidden()  # solved
    assert axe_violations(page) == []
    screenshot(page, "portal-my-requests")
    page.get_by_role("link", name=re.compile("VPN drops every hour")).click()

    # A reply with a file is appended without leaving the page.
    page.get_by_label("Your reply").fill("It also happens on Wi-Fi at home.")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "home.log", "mimeType": "text/plain", "buffer": b"home\n"}]
    )
    page.evaluate("window.__stayed = true")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".conversation").get_by_text("It also happens on Wi-Fi at home.")).to_be_visible()
    expect(page.get_by_role("link", name="home.log")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value("")
    assert page.evaluate("window.__stayed") is True

    # The support team answers (through the services): it arrives by the poll, no reload.
    services.reply_post(actor=agent, request=created, content="Please update the VPN client to 5.2.")
    services.comment_add(actor=agent, request=created, content="Internal: known bug 1234", is_internal=True)
    expect(page.get_by_text("Please update the VPN client to 5.2.")).to_be_visible(timeout=8000)
    expect(page.get_by_text("Support team", exact=True)).to_be_visible()
    assert page.evaluate("window.__stayed") is True
    expect(page.get_by_text("known bug 1234")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot(page, "portal-request")

    page.get_by_role("button", name="This is solved").click()
    expect(page.get_by_text("Marked as solved")).to_be_visible()
    expect(page.locator(".request-meta .status")).to_have_text("Solved")
    screenshot(page, "portal-request-solved")
    page.get_by_role("button", name="Reopen request").click()
    expect(page.get_by_text("Reopened")).to_be_visible()
    created.refresh_from_db()
    assert created.status == Status.IN_PROGRESS or created.status == Status.OPEN


def test_files_over_the_limit_are_refused_in_the_browser(live_server, page, requester, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    log_in(page, live_server)
    page.goto(f"{live_server.url}/portal/requests/new")
    page.get_by_label("Subject").fill("Big file")
    page.get_by_label("How can we help?").fill("See attached.")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "huge.bin", "mimeType": "application/octet-stream", "buffer": b"x" * 2048}]
    )
    expect(page.get_by_text("huge.bin is larger than the 1 KB limit.")).to_be_visible()
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Ask the support team")).to_be_visible()
    assert not Request.objects.filter(title="Big file").exists()


def test_another_requesters_request_is_not_found(live_server, page, requester, other_requester, screenshot):
    theirs = RequestFactory(requester=other_requester, title="Otto's private matter")
    log_in(page, live_server)
    answer = page.goto(f"{live_server.url}/portal/requests/{theirs.public_id}")
    assert answer.status == 404
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    expect(page.get_by_text("Otto's private matter")).to_have_count(0)
    screenshot(page, "portal-not-found")
