"""Password reset by email, in a real browser, from the log-in page to logging in with the new password."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_forgotten_password_is_reset_by_email(live_server, page, requester, screenshot, axe_violations):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert axe_violations(page) == []
    screenshot(page, "password-reset")
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_label("New password").fill("a brand new secret 42")
    page.get_by_label("Repeat it").fill("a brand new secret 42")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_label("Password").fill("a brand new secret 42")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()


def test_an_unknown_email_gets_the_same_page_and_no_mail(live_server, page, db):
    page.goto(f"{live_server.url}/accounts/password_reset/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert mail.outbox == []
