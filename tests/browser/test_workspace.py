"""The agent workspace in a real browser: the queue's filters in the URL, the back button, opening a
request, replying and noting without a reload, fields in place, keyboard shortcuts; with screenshots."""

import re

import pytest
from playwright.sync_api import expect

from sla.services import clocks_rebuild, sla_defaults_install
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import GroupFactory, RequesterFactory
from tickets.models import Priority
from tickets.services import comment_add, request_create, request_update

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(agent, requester):
    sla_defaults_install()
    GroupFactory(name="Software Support", members=[agent])
    vip = RequesterFactory(name="Victoria Vip", email="vip@example.com", is_vip=True)
    made = []
    specs = [
        (requester, "VPN drops every hour since the Monday update", Priority.HIGH),
        (vip, "Cannot print to the 3rd floor printer", Priority.CRITICAL),
        (
            requester,
            "New laptop for the intern starting on the first of next month, with the usual "
            "software and a docking station for the desk by the window",
            Priority.LOW,
        ),
        (vip, "Password reset link expired", Priority.MEDIUM),
    ]
    for who, title, priority in specs:
        made.append(request_create(actor=who, title=title, description="Details follow.", priority=priority))
    request_update(actor=agent, request=made[0], changes={"assigned_to": agent.public_id})
    request_update(actor=agent, request=made[3], changes={"status": "pending"})
    comment_add(actor=agent, request=made[0], content="Looking at the VPN logs now.", is_internal=True)
    clocks_rebuild()
    return made


def log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Requests")).to_be_visible()
    # The counts arrive after the page's scripts have run: from here on, shortcuts work.
    expect(page.locator("#views-nav .count").first).to_have_text(re.compile(r"^\d+"))


def test_the_queue_filters_in_the_url_and_the_back_button_works(live_server, page, desk, screenshot, axe_violations):
    log_in(page, live_server)
    expect(page.locator("#queue-table tbody tr")).to_have_count(4)
    assert axe_violations(page) == []
    screenshot(page, "queue")

    page.locator("#queue-filters").get_by_label("Assignee").select_option("me")
    expect(page).to_have_url(re.compile(r"assignee=me"))
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)

    page.get_by_label("Search", exact=True).fill("printer")
    expect(page).to_have_url(re.compile(r"q=printer"))
    expect(page.locator("#results")).to_contain_text("No requests")
    screenshot(page, "queue-empty")

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"q=printer"))
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)

    page.get_by_role("link", name="All open").click()
    expect(page.locator("#queue-table tbody tr")).to_have_count(3)
    page.get_by_role("link", name=re.compile("^Priority")).click()
    expect(page).to_have_url(re.compile(r"sort=priority"))
    expect(page.locator("#queue-table tbody tr").first).to_contain_text("Cannot print")

    # On a phone the filters fold behind a button, so the requests come first.
    page.set_viewport_size(PHONE)
    assignee = page.locator("#queue-filters").get_by_label("Assignee")
    expect(assignee).to_be_hidden()
    page.get_by_role("button", name="Filters").click()
    expect(assignee).to_be_visible()
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("button", name="Filters")).to_be_hidden()
    expect(assignee).to_be_visible()


def test_an_agent_opens_replies_notes_and_changes_fields_without_reloading(
    live_server, page, desk, screenshot, axe_violations
):
    log_in(page, live_server)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator(".request-title")).to_be_visible()
    assert axe_violations(page) == []

    page.keyboard.press("n")
    page.locator("#reply-box textarea").fill("Checked the switch: fine.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#conversation .entry-internal").last).to_contain_text("Checked the switch")

    page.keyboard.press("r")
    page.locator("#reply-box textarea").fill("Could you try again now?")
    page.get_by_label("and set status").select_option("pending")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#conversation .entry-public").last).to_contain_text("Could you try again now?")
    expect(page.locator("#request-header .status")).to_have_text("Pending")

    page.locator("#fields-panel").get_by_label("Priority").select_option("low")
    page.locator("#fields-panel").get_by_role("button", name="Save changes").click()
    expect(page.locator("#request-header .priority")).to_have_text("Low")
    page.get_by_role("link", name=re.compile("^History")).click()
    expect(page.locator("#history")).to_contain_text("priority")
    screenshot(page, "request")


def test_an_agent_saves_a_view_and_changes_rows_in_bulk(live_server, page, desk, screenshot):
    log_in(page, live_server)
    page.locator("#queue-filters").get_by_label("Assignee").select_option("none")
    expect(page).to_have_url(re.compile(r"assignee=none"))
    page.get_by_text("Save view", exact=True).click()
    page.get_by_label("Name").fill("Nobody's")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#views-nav")).to_contain_text("My views")
    expect(page.locator("#views-nav a[aria-current=page]")).to_contain_text("Nobody's")

    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(3)
    rows.nth(0).get_by_role("checkbox").check()
    rows.nth(1).get_by_role("checkbox").check()
    page.get_by_text("Bulk change").click()
    page.locator("#bulk").get_by_label("Priority").select_option("high")
    page.locator("#bulk").get_by_label("Add tags").fill("triaged")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".messages")).to_contain_text("Changed 2:")
    expect(page.locator("#queue-table tbody tr .priority-high")).to_have_count(2)
    screenshot(page, "queue-after-bulk")


def test_two_agents_on_one_request_see_each_other_and_nothing_is_overwritten(live_server, browser, desk):
    from tests.factories import AgentFactory

    AgentFactory(name="Bob Builder", email="bob@example.com")
    alice, bob = browser.new_context(), browser.new_context()
    try:
        pages = {}
        for name, context, email in (("alice", alice, "alice@example.com"), ("bob", bob, "bob@example.com")):
            page = context.new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_role("button", name="Log in").click()
            page.goto(f"{live_server.url}/agent/requests/{desk[0].public_id}")
            pages[name] = page

        expect(pages["alice"].locator("#presence")).to_contain_text("Bob Builder is also viewing", timeout=12000)
        pages["bob"].locator("#reply-box textarea").fill("I am on it")
        expect(pages["alice"].locator("#presence")).to_contain_text("Bob Builder is typing", timeout=12000)
        pages["bob"].get_by_role("button", name="Send").click()
        expect(pages["bob"].locator("#conversation")).to_contain_text("I am on it")

        expect(pages["alice"].locator("#presence")).to_contain_text("changed since you opened it", timeout=12000)
        pages["alice"].locator("#reply-box textarea").fill("Restarting the VPN server")
        pages["alice"].get_by_role("button", name="Send").click()
        expect(pages["alice"].locator("#reply-box")).to_contain_text("Bob Builder changed this request")
        expect(pages["alice"].locator("#conversation")).to_contain_text("I am on it")
        expect(pages["alice"].locator("#reply-box textarea")).to_have_value("Restarting the VPN server")
        pages["alice"].get_by_role("button", name="Send").click()  # seen the change: now it goes
        expect(pages["alice"].locator("#conversation")).to_contain_text("Restarting the VPN server")
    finally:
        alice.close()
        bob.close()


def test_an_agent_applies_a_macro_attaches_a_file_and_downloads_it(live_server, page, desk, agent, tmp_path):
    from tickets.services import macro_create

    macro_create(
        actor=agent,
        name="Ask for a screenshot",
        body="Hi {{ requester.name }}, could you send a screenshot?",
        status="pending",
        add_tags="needs-info",
    )
    log_in(page, live_server)
    page.goto(f"{live_server.url}/agent/requests/{desk[2].public_id}")
    page.get_by_text("Apply macro").click()
    page.get_by_role("link", name="Ask for a screenshot").click()
    expect(page.locator("#reply-box textarea")).to_have_value("Hi Rita Requester, could you send a screenshot?")
    expect(page.locator("#macro-staged")).to_contain_text("status → Pending")

    notes = tmp_path / "steps to reproduce.txt"
    notes.write_text("1. open VPN\n2. wait an hour\n")
    page.locator('#reply-box input[type="file"]').set_input_files(str(notes))
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#request-header .status")).to_have_text("Pending")
    link = page.locator("#conversation .entry-public").last.get_by_role("link", name="steps to reproduce.txt")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "downloaded.txt"
    download.value.save_as(saved)
    assert saved.read_text() == "1. open VPN\n2. wait an hour\n"


def test_title_status_and_assignee_change_in_place_and_the_shortcuts_work(live_server, page, desk, screenshot):
    log_in(page, live_server)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.goto(f"{live_server.url}/agent/requests/{desk[2].public_id}")
    expect(page.locator("#presence")).to_be_attached()
    page.keyboard.press("a")  # take it
    expect(page.locator("#fields-panel").get_by_label("Assignee")).to_have_value(re.compile("^usr_"))
    expect(page.locator("#request-header .status")).to_have_text("Assigned")

    page.get_by_role("link", name="Edit the title").click()
    page.get_by_role("textbox", name="Title").fill("New laptop for the intern")
    page.locator(".title-form").get_by_role("button", name="Save").click()
    expect(page.locator(".request-title")).to_contain_text("New laptop for the intern")

    panel = page.locator("#fields-panel")
    panel.get_by_label("Status").select_option("in_progress")
    panel.get_by_label("Assignee").select_option("")
    panel.get_by_role("button", name="Save changes").click()
    expect(panel).to_contain_text("must be assigned to be in_progress")  # the service's rule, by the form
    screenshot(page, "request-refused-change")
    panel.get_by_label("Status").select_option("open")
    panel.get_by_role("button", name="Save changes").click()
    expect(page.locator("#request-header .status")).to_have_text("Open")
    expect(panel.get_by_label("Assignee")).to_have_value("")
