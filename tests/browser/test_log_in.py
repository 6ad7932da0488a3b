"""The log-in page in a real browser: it works, it is accessible, and it looks right."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_logs_in_through_the_page_and_out_again(live_server, page, agent, screenshot, axe_violations):
    page.goto(f"{live_server.url}/accounts/login/")
    assert axe_violations(page) == []
    screenshot(page, "log-in")

    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Requests")).to_be_visible()

    page.get_by_label("Account menu for Alice Agent").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_a_wrong_password_is_shown_on_the_form(live_server, page, agent):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct email")
