"""/v1/requests/:id/comments, /v1/requests/:id/attachments and /v1/attachments/:id."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.envelope import assert_names_field, data_of, error_of
from tests.factories import AgentFactory, upload
from tickets.models import Attachment, Comment, EventKind, Priority, Request, RequestEvent, Status
from tickets.services import attachment_add, comment_add, request_create, request_update

pytestmark = pytest.mark.django_db

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def downloaded(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def raw_multipart(filename: str, content: bytes, field: str = "file") -> tuple[bytes, str]:
    """A multipart body with the filename exactly as given (the test client would strip paths first)."""
    boundary = "----helpdesk-test-boundary"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def ticket(requester):
    return request_create(actor=requester, title="Printer jammed", description="Paper stuck", priority=Priority.LOW)


def comments_url(request):
    return f"/v1/requests/{request.public_id}/comments"


def attachments_url(request):
    return f"/v1/requests/{request.public_id}/attachments"


# --- comments --------------------------------------------------------------------------------------


def test_posting_a_comment_answers_201_with_the_comment(agent, ticket, api_for):
    body = {"content": "Issue resolved by recreating user profile", "isInternal": False}
    data = data_of(api_for(agent).post(comments_url(ticket), body, format="json"), 201)
    assert set(data) == {"id", "content", "author", "isInternal", "createdAt"}
    assert re.fullmatch(r"cmt_[a-z0-9]{16}", data["id"])
    assert data["content"] == body["content"]
    assert data["author"] == {"id": agent.public_id, "name": agent.name}
    assert data["isInternal"] is False
    assert ISO_Z.match(data["createdAt"])
    assert Comment.objects.get(public_id=data["id"]).request == ticket


def test_is_internal_defaults_to_false(requester, ticket, api_for):
    data = data_of(api_for(requester).post(comments_url(ticket), {"content": "Any news?"}, format="json"), 201)
    assert data["isInternal"] is False


def test_a_comment_is_recorded_as_an_event(agent, ticket, api_for):
    data = data_of(api_for(agent).post(comments_url(ticket), {"content": "On it"}, format="json"), 201)
    event = RequestEvent.objects.get(request=ticket, kind=EventKind.COMMENTED)
    assert (event.actor, event.new_value, event.is_internal) == (agent, data["id"], False)


def test_comments_list_oldest_first_with_pagination(agent, requester, ticket, api_for):
    start = timezone.now() - timedelta(hours=1)
    made = [
        Comment.objects.create(
            request=ticket, author=requester, content=f"#{n}", created_at=start + timedelta(minutes=n)
        )
        for n in (3, 1, 2)
    ]
    oldest_first = [c.public_id for c in sorted(made, key=lambda c: c.created_at)]
    client = api_for(agent)
    data = data_of(client.get(comments_url(ticket)))
    assert [c["id"] for c in data["comments"]] == oldest_first
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 3, "pages": 1}

    second_page = data_of(client.get(comments_url(ticket), {"page": 2, "limit": 2}))
    assert [c["id"] for c in second_page["comments"]] == oldest_first[2:]
    assert second_page["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 2}


@pytest.mark.parametrize(
    ("body", "field"), [({"content": ""}, "content"), ({"content": "   "}, "content"), ({}, "content")]
)
def test_an_empty_comment_is_400_naming_content(agent, ticket, api_for, body, field):
    assert_names_field(error_of(api_for(agent).post(comments_url(ticket), body, format="json"), 400), field)
    assert not Comment.objects.exists()


def test_comments_of_an_unknown_request_are_404(agent, api_for):
    client = api_for(agent)
    error_of(client.get("/v1/requests/req_doesnotexist0000/comments"), 404)
    error_of(client.post("/v1/requests/req_doesnotexist0000/comments", {"content": "x"}, format="json"), 404)


def test_another_requester_can_neither_read_nor_post_comments(other_requester, ticket, api_for):
    client = api_for(other_requester)
    error_of(client.get(comments_url(ticket)), 404)
    error_of(client.post(comments_url(ticket), {"content": "Hello?"}, format="json"), 404)
    assert not Comment.objects.exists()


def test_an_agents_first_public_comment_sets_first_response_and_meets_the_response_sla(
    agent, requester, ticket, api_for
):
    client = api_for(agent)
    before = data_of(client.get(f"/v1/requests/{ticket.public_id}"))
    assert before["firstResponseAt"] is None
    assert before["sla"]["responseStatus"] == "on_track"

    data_of(client.post(comments_url(ticket), {"content": "On it"}, format="json"), 201)
    after = data_of(client.get(f"/v1/requests/{ticket.public_id}"))
    assert ISO_Z.match(after["firstResponseAt"])
    assert after["sla"]["responseStatus"] == "met"

    ticket.refresh_from_db()
    first = ticket.first_response_at
    data_of(client.post(comments_url(ticket), {"content": "Still on it"}, format="json"), 201)
    ticket.refresh_from_db()
    assert ticket.first_response_at == first  # only the first reply counts


def test_an_internal_note_is_not_a_first_response(agent, ticket, api_for):
    data_of(api_for(agent).post(comments_url(ticket), {"content": "Hmm", "isInternal": True}, format="json"), 201)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_the_requesters_own_comment_is_not_a_first_response(requester, ticket, api_for):
    data_of(api_for(requester).post(comments_url(ticket), {"content": "Anyone?"}, format="json"), 201)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_a_requester_reply_to_a_pending_assigned_request_moves_it_to_in_progress(agent, requester, ticket, api_for):
    request_update(actor=agent, request=ticket, changes={"assigned_to": agent.public_id, "status": Status.PENDING})
    data_of(api_for(requester).post(comments_url(ticket), {"content": "Here is the info"}, format="json"), 201)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    event = RequestEvent.objects.filter(request=ticket, field="status").last()
    assert (event.actor, event.old_value, event.new_value) == (requester, "pending", "in_progress")


def test_a_requester_reply_to_a_pending_unassigned_request_moves_it_to_open(agent, requester, ticket, api_for):
    request_update(actor=agent, request=ticket, changes={"status": Status.PENDING})
    data_of(api_for(requester).post(comments_url(ticket), {"content": "Here is the info"}, format="json"), 201)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_an_agent_comment_on_a_pending_request_keeps_it_pending(agent, ticket, api_for):
    request_update(actor=agent, request=ticket, changes={"status": Status.PENDING})
    data_of(api_for(agent).post(comments_url(ticket), {"content": "Waiting on you"}, format="json"), 201)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_a_requester_cannot_comment_on_a_closed_request(agent, requester, ticket, api_for):
    request_update(actor=agent, request=ticket, changes={"status": Status.CLOSED})
    error = error_of(api_for(requester).post(comments_url(ticket), {"content": "Wait"}, format="json"), 400)
    assert_names_field(error, "content")


@pytest.mark.parametrize("who", ["requester", "agent"])
def test_nobody_attaches_a_file_the_requester_would_see_to_a_closed_request(request, agent, ticket, api_for, who):
    request_update(actor=agent, request=ticket, changes={"status": Status.CLOSED})
    url = f"/v1/requests/{ticket.public_id}/attachments"
    error = error_of(api_for(request.getfixturevalue(who)).post(url, {"file": upload()}, format="multipart"), 400)
    assert_names_field(error, "file")
    assert "open a new request" in error["message"]
    assert not ticket.attachments.exists()


# --- internal notes --------------------------------------------------------------------------------


@pytest.fixture
def with_internal_note(agent, requester, ticket):
    public = comment_add(actor=agent, request=ticket, content="We are on it")
    internal = comment_add(actor=agent, request=ticket, content="Requester is grumpy", is_internal=True)
    return public, internal


def test_requester_cannot_post_an_internal_note(requester, ticket, api_for):
    body = {"content": "Psst", "isInternal": True}
    error = error_of(api_for(requester).post(comments_url(ticket), body, format="json"), 403)
    assert error["code"] == "permission_denied"
    assert not Comment.objects.exists()


def test_agents_post_internal_notes(agent, ticket, api_for):
    body = {"content": "Check the logs", "isInternal": True}
    assert data_of(api_for(agent).post(comments_url(ticket), body, format="json"), 201)["isInternal"] is True


def test_requester_never_sees_internal_notes_in_the_detail(requester, ticket, with_internal_note, api_for):
    public, _ = with_internal_note
    data = data_of(api_for(requester).get(f"/v1/requests/{ticket.public_id}"))
    assert [c["id"] for c in data["comments"]] == [public.public_id]
    assert "grumpy" not in str(data)


def test_requester_never_sees_internal_notes_in_the_comment_list_or_its_totals(
    requester, ticket, with_internal_note, api_for
):
    public, _ = with_internal_note
    data = data_of(api_for(requester).get(comments_url(ticket), {"limit": 1}))
    assert [c["id"] for c in data["comments"]] == [public.public_id]
    assert data["pagination"] == {"page": 1, "limit": 1, "total": 1, "pages": 1}
    assert data_of(api_for(requester).get(comments_url(ticket), {"page": 2, "limit": 1}))["comments"] == []


def test_agents_see_internal_notes_everywhere(agent, ticket, with_internal_note, api_for):
    public, internal = with_internal_note
    client = api_for(agent)
    detail = data_of(client.get(f"/v1/requests/{ticket.public_id}"))
    assert [c["id"] for c in detail["comments"]] == [public.public_id, internal.public_id]
    listed = data_of(client.get(comments_url(ticket)))
    assert listed["pagination"]["total"] == 2
    assert [c["isInternal"] for c in listed["comments"]] == [False, True]


def test_requester_never_sees_attachments_on_internal_notes(agent, requester, ticket, with_internal_note, api_for):
    _, internal = with_internal_note
    hidden = attachment_add(actor=agent, request=ticket, upload=upload("secret.txt", b"internal"), comment=internal)
    shown = attachment_add(actor=requester, request=ticket, upload=upload("mine.png"))
    client = api_for(requester)
    assert [a["id"] for a in data_of(client.get(f"/v1/requests/{ticket.public_id}"))["attachments"]] == [
        shown.public_id
    ]
    error_of(client.get(f"/v1/attachments/{hidden.public_id}"), 404)
    agent_view = data_of(api_for(agent).get(f"/v1/requests/{ticket.public_id}"))
    assert {a["id"] for a in agent_view["attachments"]} == {hidden.public_id, shown.public_id}
    assert downloaded(api_for(agent).get(f"/v1/attachments/{hidden.public_id}")) == b"internal"


# --- attachments -----------------------------------------------------------------------------------


def test_uploading_a_file_answers_201_with_id_filename_size_and_url(requester, ticket, api_for):
    content = b"\x89PNG fake image bytes"
    response = api_for(requester).post(attachments_url(ticket), {"file": upload("screenshot.png", content)})
    data = data_of(response, 201)
    assert set(data) == {"id", "filename", "size", "url"}
    assert re.fullmatch(r"att_[a-z0-9]{16}", data["id"])
    assert data["filename"] == "screenshot.png"
    assert data["size"] == len(content)
    assert data["url"].endswith(f"/v1/attachments/{data['id']}")
    stored = Attachment.objects.get(public_id=data["id"])
    assert (stored.request, stored.uploaded_by, stored.comment) == (ticket, requester, None)


def test_an_upload_is_recorded_and_listed_in_the_detail(requester, agent, ticket, api_for):
    data = data_of(api_for(requester).post(attachments_url(ticket), {"file": upload("log.txt", b"abc")}), 201)
    detail = data_of(api_for(agent).get(f"/v1/requests/{ticket.public_id}"))
    [listed] = detail["attachments"]
    assert set(listed) == {"id", "filename", "size", "uploadedAt"}
    assert (listed["id"], listed["filename"], listed["size"]) == (data["id"], "log.txt", 3)
    assert ISO_Z.match(listed["uploadedAt"])
    event = RequestEvent.objects.get(request=ticket, kind=EventKind.ATTACHED)
    assert (event.actor, event.new_value) == (requester, "log.txt")


@pytest.mark.parametrize("who", ["requester", "agent", "admin_user"])
def test_the_attachment_url_downloads_the_same_bytes_for_those_who_may_see_the_request(
    request, requester, ticket, api_for, who
):
    content = bytes(range(256)) * 4
    data = data_of(api_for(requester).post(attachments_url(ticket), {"file": upload("dump.bin", content)}), 201)
    response = api_for(request.getfixturevalue(who)).get(data["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="dump.bin"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert downloaded(response) == content


def test_another_requester_gets_404_for_the_attachment_url(requester, other_requester, ticket, api_for):
    data = data_of(api_for(requester).post(attachments_url(ticket), {"file": upload()}), 201)
    error_of(api_for(other_requester).get(data["url"]), 404)


def test_another_requester_cannot_upload_to_a_request_they_cannot_see(other_requester, ticket, api_for):
    error_of(api_for(other_requester).post(attachments_url(ticket), {"file": upload()}), 404)
    assert not Attachment.objects.exists()


def test_an_unknown_attachment_is_404(agent, api_for):
    error_of(api_for(agent).get("/v1/attachments/att_doesnotexist0000"), 404)


def test_an_attachment_of_a_deleted_request_is_404(admin_user, requester, ticket, api_for):
    data = data_of(api_for(requester).post(attachments_url(ticket), {"file": upload()}), 201)
    data_of(api_for(admin_user).delete(f"/v1/requests/{ticket.public_id}"))
    error_of(api_for(admin_user).get(data["url"]), 404)
    error_of(api_for(admin_user).post(attachments_url(ticket), {"file": upload()}), 404)


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "..\\..\\windows\\system.ini", "/abs/path/x.txt", "dir/../../../evil.sh"],
)
def test_uploaded_filenames_are_sanitised(requester, ticket, api_for, filename):
    body, content_type = raw_multipart(filename, b"root:x:0:0")
    data = data_of(api_for(requester).post(attachments_url(ticket), body, content_type=content_type), 201)
    assert data["filename"]
    assert "/" not in data["filename"]
    assert "\\" not in data["filename"]
    assert ".." not in data["filename"]
    stored = Attachment.objects.get(public_id=data["id"])
    assert ".." not in stored.file.name
    assert stored.file.name.startswith("attachments/")


def test_percent_encoded_separators_stay_part_of_one_harmless_name(requester, ticket, api_for):
    body, content_type = raw_multipart("..%2F..%2Fx", b"data")
    data = data_of(api_for(requester).post(attachments_url(ticket), body, content_type=content_type), 201)
    assert "/" not in data["filename"]
    assert "%" not in data["filename"]
    assert not data["filename"].startswith(".")


def test_an_upload_without_the_file_field_is_400_naming_file(requester, ticket, api_for):
    error = error_of(api_for(requester).post(attachments_url(ticket), {"document": upload()}), 400)
    assert_names_field(error, "file")


def test_an_empty_file_is_400_naming_file(requester, ticket, api_for):
    error = error_of(api_for(requester).post(attachments_url(ticket), {"file": upload("empty.txt", b"")}), 400)
    assert_names_field(error, "file")
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_413(settings, requester, ticket, api_for):
    settings.ATTACHMENT_MAX_BYTES = 1000
    error = error_of(api_for(requester).post(attachments_url(ticket), {"file": upload("big.bin", b"x" * 1001)}), 413)
    assert error["code"] == "payload_too_large"
    assert "file" in error["fields"]
    assert not Attachment.objects.exists()


def test_a_file_exactly_at_the_size_limit_is_accepted(settings, requester, ticket, api_for):
    settings.ATTACHMENT_MAX_BYTES = 1000
    data_of(api_for(requester).post(attachments_url(ticket), {"file": upload("ok.bin", b"x" * 1000)}), 201)


def test_a_body_far_over_the_limit_is_refused_before_it_is_parsed(settings, requester, ticket, api_for):
    settings.ATTACHMENT_MAX_BYTES = 1000
    body, content_type = raw_multipart("huge.bin", b"x" * (200 * 1024))
    error = error_of(api_for(requester).post(attachments_url(ticket), body, content_type=content_type), 413)
    assert "file" in error["fields"]


def test_a_json_body_to_the_upload_endpoint_is_415(requester, ticket, api_for):
    error = error_of(api_for(requester).post(attachments_url(ticket), {"file": "x"}, format="json"), 415)
    assert error["code"] == "unsupported_media_type"


def test_uploading_touches_the_requests_updated_at(requester, ticket, api_for):
    Request.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(days=1))
    before = Request.objects.get(pk=ticket.pk).updated_at
    data_of(api_for(requester).post(attachments_url(ticket), {"file": upload()}), 201)
    assert Request.objects.get(pk=ticket.pk).updated_at > before


def test_agents_upload_to_any_request(ticket, api_for):
    data_of(api_for(AgentFactory()).post(attachments_url(ticket), {"file": upload()}), 201)
