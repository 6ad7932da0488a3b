"""Self sign-up with email confirmation: open, for listed domains only, or closed; the same answer
whether or not the email has an account; limited per address and per email."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import SignupRequest, User

pytestmark = pytest.mark.django_db

GOOD = {"name": "Nina New", "email": "nina@example.com", "password": "a long enough secret"}


def sign_up(client=None, REMOTE_ADDR="127.0.0.1", **fields):
    return (client or Client()).post("/accounts/signup/", {**GOOD, **fields}, REMOTE_ADDR=REMOTE_ADDR)


def link_in(message) -> str:
    return re.search(r"https?://[^\s]+/accounts/[^\s]+", message.body).group(0)


def test_signing_up_mails_a_link_that_creates_the_account_and_logs_in():
    answer = sign_up()
    assert answer.status_code == 302 and answer.url == "/accounts/signup/sent"
    assert not User.objects.filter(email="nina@example.com").exists()  # nothing until the mail is read
    (message,) = mail.outbox
    assert message.to == ["nina@example.com"] and "Confirm" in message.subject
    link = link_in(message)
    browser = Client()
    confirm_page = browser.get(link)
    assert confirm_page.status_code == 200 and "Confirm and log in" in confirm_page.content.decode()
    assert not User.objects.filter(email="nina@example.com").exists()  # a scanner opening the link makes nothing
    done = browser.post(link)
    assert done.status_code == 302
    user = User.objects.get(email="nina@example.com")
    assert user.name == "Nina New" and user.role == "requester" and user.check_password(GOOD["password"])
    assert browser.get("/").url == "/portal/"
    assert browser.post(link).status_code == 400  # used once
    assert not SignupRequest.objects.exists()


def test_an_email_with_an_account_gets_the_same_answer_and_a_mail_to_set_a_password(requester):
    answer = sign_up(email=requester.email)
    assert answer.status_code == 302 and answer.url == "/accounts/signup/sent"
    (message,) = mail.outbox
    assert "already have" in message.subject and "/accounts/reset/" in message.body
    assert not SignupRequest.objects.exists()
    requester.refresh_from_db()
    assert not requester.check_password(GOOD["password"])


def test_a_weak_password_or_bad_email_is_shown_on_the_form():
    weak = sign_up(password="123")
    assert weak.status_code == 422 and "too short" in weak.content.decode()
    bad = sign_up(email="not-an-email")
    assert bad.status_code == 422 and "valid email" in bad.content.decode()
    assert not mail.outbox


def test_only_listed_domains_may_sign_up_in_domains_mode(settings):
    settings.SIGNUP_MODE = "domains"
    settings.SIGNUP_DOMAINS = ["example.org"]
    refused = sign_up(email="nina@example.com")
    assert refused.status_code == 422 and "@example.org only" in refused.content.decode()
    assert sign_up(email="nina@example.org").status_code == 302


def test_closed_sign_up_says_so_and_refuses(settings):
    settings.SIGNUP_MODE = "closed"
    page = Client().get("/accounts/signup/").content.decode()
    assert "created by the support team" in page and 'name="password"' not in page
    assert sign_up().status_code == 403 and not mail.outbox
    assert "Create an account" not in Client().get("/accounts/login/").content.decode()


def test_an_expired_link_makes_nothing(settings, monkeypatch):
    sign_up()
    link = link_in(mail.outbox[0])
    SignupRequest.objects.update(created_at=SignupRequest.objects.get().created_at.replace(year=2000))
    assert Client().post(link).status_code == 400
    assert not User.objects.filter(email="nina@example.com").exists()


def test_sign_ups_are_limited_per_address_and_per_email_with_the_same_answers(settings, requester):
    settings.SIGNUP_RATE_LIMIT = "2/hour"
    new = [sign_up(email="nina@example.com", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(3)]
    known = [sign_up(email=requester.email, REMOTE_ADDR=f"10.0.1.{i}").status_code for i in range(3)]
    assert new == known == [302, 302, 429]
    from_one_address = [sign_up(email=f"n{i}@example.com", REMOTE_ADDR="10.9.9.9").status_code for i in range(3)]
    assert from_one_address == [302, 302, 429]


def test_a_requester_made_by_an_agent_sets_a_password_through_reset(agent):
    from accounts.services import requester_get_or_create

    made = requester_get_or_create(email="walkin@example.com", name="Walk In")
    assert not made.has_usable_password()
    Client().post("/accounts/password_reset/", {"email": "walkin@example.com"})
    (message,) = mail.outbox
    assert "/accounts/reset/" in message.body
