"""The requesters' portal: their own requests only, in plain words; a new request with files; one
request's public conversation with replies, 'this is solved', reopening within the window, and the
poll that brings agents' replies without a reload."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import CategoryFactory, CommentFactory, RequestFactory, upload
from tickets import services
from tickets.models import Attachment, Request, Source, Status

pytestmark = pytest.mark.django_db


def hx(client, method, url, data=None, **extra):
    return getattr(client, method)(url, data or {}, HTTP_HX_REQUEST="true", **extra)


# --- where things live ---------------------------------------------------------------------------------


def test_home_sends_requesters_to_their_requests_and_staff_to_the_queue(portal, agent):
    assert portal.get("/").url == "/portal/"
    staff = Client()
    staff.force_login(agent)
    assert staff.get("/").url == "/agent/"
    assert staff.get("/portal/").url == "/agent/"  # staff work in the workspace


def test_the_portal_needs_a_log_in():
    answer = Client().get("/portal/")
    assert answer.status_code == 302 and answer.url.startswith("/accounts/login/")


# --- my requests ---------------------------------------------------------------------------------------


def test_my_requests_lists_mine_only_in_plain_words_newest_activity_first(portal, requester, other_requester, agent):
    now = timezone.now()
    waiting = RequestFactory(requester=requester, title="Printer jams", status=Status.PENDING)
    fresh = RequestFactory(requester=requester, title="VPN drops")
    RequestFactory(requester=other_requester, title="Someone else's secret")
    Request.objects.filter(pk=waiting.pk).update(public_updated_at=now - timedelta(hours=2))
    Request.objects.filter(pk=fresh.pk).update(public_updated_at=now)
    CommentFactory(request=waiting, author=agent, content="Which tray?")
    CommentFactory(request=waiting, author=agent, content="internal musing", is_internal=True)

    page = portal.get("/portal/").content.decode()
    assert "Someone else" not in page
    assert page.index("VPN drops") < page.index("Printer jams")
    assert "Waiting for you" in page
    assert "Last reply: Alice Agent" in page


def test_solved_and_all_filters_and_search(portal, requester):
    RequestFactory(requester=requester, title="Open thing")
    RequestFactory(requester=requester, title="Fixed thing", status=Status.RESOLVED)
    RequestFactory(requester=requester, title="Old thing", status=Status.CLOSED)
    open_page = portal.get("/portal/").content.decode()
    assert "Open thing" in open_page and "Fixed thing" not in open_page
    solved = portal.get("/portal/?show=solved").content.decode()
    assert "Fixed thing" in solved and "Old thing" in solved and "Open thing" not in solved
    assert "Solved" in solved and "Closed" in solved
    found = portal.get("/portal/?show=all&q=fixed").content.decode()
    assert "Fixed thing" in found and "Open thing" not in found and "Old thing" not in found
    assert "Nothing matches" in portal.get("/portal/?show=all&q=zebra").content.decode()


def test_my_requests_pages_by_twenty(portal, requester):
    RequestFactory.create_batch(21, requester=requester)
    first = portal.get("/portal/").content.decode()
    assert "Page 1 of 2" in first and first.count('class="request-row"') == 20
    assert portal.get("/portal/?page=2").content.decode().count('class="request-row"') == 1


@pytest.mark.parametrize("count", [1, 100])
def test_my_requests_runs_a_fixed_number_of_queries(portal, requester, agent, count, django_assert_max_num_queries):
    for request in RequestFactory.create_batch(count, requester=requester):
        CommentFactory(request=request, author=agent)
    with django_assert_max_num_queries(6):
        assert portal.get("/portal/?show=all").status_code == 200


def test_user_text_is_escaped(portal, requester):
    RequestFactory(requester=requester, title="<script>alert(1)</script>")
    page = portal.get("/portal/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- a new request -------------------------------------------------------------------------------------


def test_a_new_request_with_two_files_lands_on_its_page(portal, requester):
    CategoryFactory(name="hardware", label="Hardware")
    answer = portal.post(
        "/portal/requests/new",
        {
            "title": "Laptop will not boot",
            "description": "Black screen since this morning.",
            "category": "hardware",
            "files": [upload("photo.png"), upload("notes.txt", b"tried twice")],
        },
    )
    created = Request.objects.get(title="Laptop will not boot")
    assert answer.status_code == 302 and answer.url == f"/portal/requests/{created.public_id}"
    assert created.requester == requester and created.source == Source.PORTAL and created.category.name == "hardware"
    assert sorted(a.filename for a in created.attachments.all()) == ["notes.txt", "photo.png"]
    page = portal.get(answer.url).content.decode()
    assert "photo.png" in page and "notes.txt" in page and f"request #{created.number} was sent" in page


def test_with_htmx_the_browser_is_sent_to_the_new_request(portal):
    answer = hx(portal, "post", "/portal/requests/new", {"title": "Hi", "description": "Help"})
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == f"/portal/requests/{Request.objects.get().public_id}"


def test_a_missing_title_is_shown_on_the_form_and_nothing_is_made(portal):
    answer = portal.post("/portal/requests/new", {"title": "", "description": "Help"})
    assert answer.status_code == 422
    assert "This field is required." in answer.content.decode()
    assert not Request.objects.exists()


def test_a_file_over_the_limit_is_a_413_shown_in_the_form_and_nothing_is_made(portal, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    answer = hx(portal, "post", "/portal/requests/new", {"title": "Hi", "description": "Help", "files": [upload()]})
    assert answer.status_code == 413
    page = answer.content.decode()
    assert "larger than the" in page and 'id="new-request-form"' in page and 'value="Hi"' in page
    assert not Request.objects.exists() and not Attachment.objects.exists()


def test_a_body_larger_than_any_allowed_upload_is_refused_before_it_is_read(portal, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    answer = portal.post("/portal/requests/new", {"title": "Hi", "description": "x" * 400_000})
    assert answer.status_code == 413 and "too large" in answer.content.decode()
    assert not Request.objects.exists()


def test_the_form_has_labels_and_csrf(portal, requester):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(requester)
    page = strict.get("/portal/requests/new").content.decode()
    assert "csrfmiddlewaretoken" in page
    for control in ("id_title", "id_category", "id_description", "new-files"):
        assert f'for="{control}"' in page
    assert strict.post("/portal/requests/new", {"title": "Hi", "description": "Help"}).status_code == 403


# --- one request ---------------------------------------------------------------------------------------


def test_the_request_page_shows_public_replies_and_files_only(portal, requester, agent):
    request = RequestFactory(requester=requester, title="VPN drops")
    services.reply_post(actor=agent, request=request, content="Try reconnecting", files=[upload("howto.pdf")])
    services.reply_post(
        actor=agent, request=request, content="Customer is grumpy", is_internal=True, files=[upload("private.log")]
    )
    page = portal.get(f"/portal/requests/{request.public_id}").content.decode()
    assert "Try reconnecting" in page and "howto.pdf" in page and "Support team" in page
    assert "grumpy" not in page and "private.log" not in page


def test_another_requesters_request_is_a_404_like_an_unknown_one(portal, other_requester):
    theirs = RequestFactory(requester=other_requester)
    answer = portal.get(f"/portal/requests/{theirs.public_id}")
    assert answer.status_code == 404 and "We can't find that page" in answer.content.decode()
    assert theirs.title not in answer.content.decode()
    assert portal.get("/portal/requests/req_doesnotexist0000").status_code == 404
    assert portal.post(f"/portal/requests/{theirs.public_id}/reply", {"content": "hi"}).status_code == 404
    assert portal.get(f"/portal/requests/{theirs.public_id}/updates").status_code == 404
    assert not theirs.comments.exists()


@pytest.mark.parametrize("count", [1, 100])
def test_the_request_page_runs_a_fixed_number_of_queries(
    portal, requester, agent, count, django_assert_max_num_queries
):
    request = RequestFactory(requester=requester)
    for _ in range(count):
        CommentFactory(request=request, author=agent)
    with django_assert_max_num_queries(12):
        assert portal.get(f"/portal/requests/{request.public_id}").status_code == 200


def test_a_reply_with_a_file_is_appended_without_a_reload(portal, requester):
    request = RequestFactory(requester=requester, status=Status.PENDING)
    answer = hx(
        portal,
        "post",
        f"/portal/requests/{request.public_id}/reply",
        {"content": "Here is the log", "files": [upload("vpn.log", b"lines")]},
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'id="reply-form"' in page and "Here is the log" in page and "vpn.log" in page
    assert 'hx-swap-oob="true"' in page  # the conversation is swapped in place
    request.refresh_from_db()
    assert request.status == Status.OPEN  # answering a pending request hands it back to the team
    assert request.comments.get().attachments.get().filename == "vpn.log"


def test_an_empty_reply_is_refused_on_the_form(portal, requester):
    request = RequestFactory(requester=requester)
    answer = hx(portal, "post", f"/portal/requests/{request.public_id}/reply", {"content": "  "})
    assert answer.status_code == 422 and "Write a reply before sending." in answer.content.decode()


def test_this_is_solved_resolves_and_reopen_brings_it_back(portal, requester):
    request = RequestFactory(requester=requester)
    portal.post(f"/portal/requests/{request.public_id}/solved")
    request.refresh_from_db()
    assert request.status == Status.RESOLVED
    page = portal.get(f"/portal/requests/{request.public_id}").content.decode()
    assert "Marked as solved" in page and "Reopen request" in page
    portal.post(f"/portal/requests/{request.public_id}/reopen")
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_a_reply_reopens_a_resolved_request_within_the_window_only(portal, requester, settings):
    settings.REOPEN_DAYS = 7
    recent = RequestFactory(requester=requester, status=Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=6))
    portal.post(f"/portal/requests/{recent.public_id}/reply", {"content": "Still broken"})
    recent.refresh_from_db()
    assert recent.status == Status.OPEN

    old = RequestFactory(requester=requester, status=Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=8))
    page = portal.get(f"/portal/requests/{old.public_id}").content.decode()
    assert "can no longer be reopened" in page and "Reopen request" not in page and 'name="content"' not in page
    refused = portal.post(f"/portal/requests/{old.public_id}/reply", {"content": "Still broken"})
    assert refused.status_code == 422 and "solved more than 7 days ago" in refused.content.decode()
    portal.post(f"/portal/requests/{old.public_id}/reopen")
    old.refresh_from_db()
    assert old.status == Status.RESOLVED and not old.comments.exists()


def test_the_same_reopen_window_holds_in_the_api(requester, api_for, settings):
    settings.REOPEN_DAYS = 7
    old = RequestFactory(requester=requester, status=Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=8))
    answer = api_for(requester).patch(f"/v1/requests/{old.public_id}", {"status": "open"}, format="json")
    assert answer.status_code == 400 and "solved more than 7 days ago" in answer.json()["error"]["message"]


def test_a_closed_request_takes_no_reply(portal, requester):
    request = RequestFactory(requester=requester, status=Status.CLOSED)
    page = portal.get(f"/portal/requests/{request.public_id}").content.decode()
    assert "takes no more replies" in page and "This is solved" not in page
    assert portal.post(f"/portal/requests/{request.public_id}/reply", {"content": "hi"}).status_code == 422


def test_the_poll_answers_204_until_something_public_changes(portal, requester, agent):
    request = RequestFactory(requester=requester)
    page = portal.get(f"/portal/requests/{request.public_id}").content.decode()
    since = request.public_updated_at.isoformat()
    assert f"since={since[:19]}".replace(":", "%3A") in page
    updates = f"/portal/requests/{request.public_id}/updates"
    assert hx(portal, "get", updates, {"since": since}).status_code == 204
    services.comment_add(actor=agent, request=request, content="note to self", is_internal=True)
    assert hx(portal, "get", updates, {"since": since}).status_code == 204  # internal work is no news
    services.reply_post(actor=agent, request=request, content="Fixed on our side", status=Status.RESOLVED)
    fresh = hx(portal, "get", updates, {"since": since})
    assert fresh.status_code == 200
    assert "Fixed on our side" in fresh.content.decode() and "Solved" in fresh.content.decode()
    assert "note to self" not in fresh.content.decode()


def test_more_files_than_one_post_takes_are_refused_on_the_form(portal, requester):
    request = RequestFactory(requester=requester)
    files = [upload(f"f{i}.txt", b"x") for i in range(11)]
    answer = hx(portal, "post", f"/portal/requests/{request.public_id}/reply", {"content": "logs", "files": files})
    assert answer.status_code == 422 and "Attach at most 10 files at a time." in answer.content.decode()
    assert not request.comments.exists()
