"""The agent's request page: the conversation, replies and notes with files, fields in place, take it,
and the same services (and so the same history) as the API."""

import pytest
from django.test import Client

from tests.factories import AgentFactory, upload
from tickets.forms import RequestFieldsForm
from tickets.models import Comment, EventKind, Priority, RequestEvent, Status
from tickets.services import attachment_add, comment_add, request_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester):
    return request_create(actor=requester, title="VPN drops", description="Every hour\nsince Monday", priority="high")


def url(ticket, action=""):
    return f"/agent/requests/{ticket.public_id}" + (f"/{action}" if action else "")


def test_the_page_shows_the_conversation_with_notes_set_apart(agent_client, ticket, agent, requester):
    comment_add(actor=agent, request=ticket, content="Checking the logs", is_internal=True)
    comment_add(actor=agent, request=ticket, content="Could you restart?")
    attachment_add(actor=requester, request=ticket, upload=upload("trace.txt", b"x" * 2048))
    body = agent_client.get(url(ticket)).content.decode()
    assert "Every hour<br>since Monday" in body
    assert body.index("Checking the logs") < body.index("Could you restart?")
    assert "entry-internal" in body and "Internal note" in body
    assert "trace.txt" in body and "2.0\xa0KB" in body
    assert "First response" in body and "Resolution" in body


def test_a_reply_with_files_and_a_status_is_one_change_and_appears_without_a_reload(agent_client, ticket):
    response = agent_client.post(
        url(ticket, "reply"),
        {
            "content": "Please try again now",
            "is_internal": "",
            "status": "pending",
            "files": [upload("fix.txt", b"steps"), upload("log.txt", b"lines")],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please try again now" in body and "fix.txt" in body and "log.txt" in body
    assert 'id="conversation"' in body and 'hx-swap-oob="true"' in body
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.first_response_at is not None
    comment = Comment.objects.get(request=ticket)
    assert comment.attachments.count() == 2 and not comment.is_internal


def test_an_internal_note_stays_internal(agent_client, ticket):
    agent_client.post(url(ticket, "reply"), {"content": "Escalating", "is_internal": "on"})
    assert Comment.objects.get(request=ticket).is_internal
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_a_refused_reply_shows_the_service_message_and_keeps_the_text(agent_client, ticket):
    response = agent_client.post(
        url(ticket, "reply"), {"content": "Done", "status": "in_progress"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "must be assigned to be in_progress" in body and ">Done</textarea>" in body
    assert not Comment.objects.filter(request=ticket).exists()  # all or nothing


def test_fields_change_in_place_and_a_refusal_is_shown_by_the_field(agent_client, ticket, agent, group):
    data = {
        "status": "open",
        "priority": "low",
        "assigned_group": "",
        "assigned_to": "",
        "category": "",
        "tags": "vpn, remote",
    }
    response = agent_client.post(url(ticket, "fields"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == Priority.LOW
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["remote", "vpn"]

    outsider = AgentFactory()
    refused = agent_client.post(
        url(ticket, "fields"),
        {**data, "assigned_group": group.public_id, "assigned_to": outsider.public_id},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert "is not a member of group" in refused.content.decode()


def test_take_it_assigns_to_me(agent_client, ticket, agent):
    agent_client.post(url(ticket, "take"))
    ticket.refresh_from_db()
    assert ticket.assigned_to == agent and ticket.status == Status.ASSIGNED


def test_a_change_through_the_page_records_the_same_events_as_through_the_api(agent, requester, api_for):
    via_page = request_create(actor=requester, title="A", description="d", priority="medium")
    via_api = request_create(actor=requester, title="B", description="d", priority="medium")
    client = Client()
    client.force_login(agent)
    client.post(
        url(via_page, "fields"),
        {
            "status": "open",
            "priority": "high",
            "assigned_group": "",
            "assigned_to": agent.public_id,
            "category": "",
            "tags": "x",
        },
    )
    api_for(agent).patch(
        f"/v1/requests/{via_api.public_id}",
        {"priority": "high", "assignedTo": agent.public_id, "tags": ["x"]},
        format="json",
    )

    def changes(request):
        return sorted(
            RequestEvent.objects.filter(request=request, kind=EventKind.CHANGED).values_list(
                "field", "old_value", "new_value", "actor"
            )
        )

    assert changes(via_page) == changes(via_api) != []


def test_a_new_request_for_a_new_requester(agent_client):
    response = agent_client.post(
        "/agent/requests/new",
        {
            "requester_email": "new.person@example.com",
            "requester_name": "New Person",
            "title": "Laptop won't boot",
            "description": "Black screen",
            "priority": "high",
        },
    )
    assert response.status_code == 302
    page = agent_client.get(response["Location"])
    assert "Laptop won&#x27;t boot" in page.content.decode() and "New Person" in page.content.decode()
    assert page.context["r"].source == "web"


def test_requesters_and_strangers_get_no_agent_page(ticket, other_requester):
    client = Client()
    client.force_login(other_requester)
    assert client.get(url(ticket))["Location"] == "/"
    assert client.post(url(ticket, "reply"), {"content": "hi"})["Location"] == "/"
    assert not Comment.objects.exists()


def test_an_unknown_request_is_a_404(agent_client):
    assert agent_client.get("/agent/requests/req_doesnotexist0000").status_code == 404


def test_user_text_is_escaped_everywhere_on_the_page(agent_client, requester, agent):
    evil = "<script>alert(1)</script>"
    ticket = request_create(actor=requester, title=evil, description=evil, priority="low")
    comment_add(actor=agent, request=ticket, content=evil)
    body = agent_client.get(url(ticket)).content.decode()
    assert evil not in body and body.count("&lt;script&gt;") >= 4


@pytest.mark.parametrize("comments", [1, 50])
def test_the_page_runs_a_fixed_number_of_queries(agent_client, ticket, agent, comments, django_assert_max_num_queries):
    for i in range(comments):
        comment = comment_add(actor=agent, request=ticket, content=f"Note {i}", is_internal=bool(i % 2))
        attachment_add(actor=agent, request=ticket, upload=upload(f"f{i}.txt"), comment=comment)
    # session, user, the request, tags, comments, files, SLA configuration and status history, events,
    # the requester's other requests, the pickers' agents, groups and categories, and the survey card
    with django_assert_max_num_queries(16):
        agent_client.get(url(ticket))


def test_a_change_made_meanwhile_is_not_overwritten_silently(ticket, agent, requester):
    page_a = Client()
    page_a.force_login(agent)
    seen = page_a.get(url(ticket)).context["r"].updated_at.isoformat()
    comment_add(actor=requester, request=ticket, content="Actually it works now")  # someone else, meanwhile

    refused = page_a.post(url(ticket, "reply"), {"content": "Restart it", "seen": seen}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "changed this request after you opened it" in body and ">Restart it</textarea>" in body
    assert "Actually it works now" in body  # the conversation as it is now comes along
    assert not Comment.objects.filter(content="Restart it").exists()

    fresh = ticket.__class__.objects.get(pk=ticket.pk).updated_at.isoformat()
    page_a.post(url(ticket, "reply"), {"content": "Restart it", "seen": fresh})
    assert Comment.objects.filter(content="Restart it").exists()


def test_presence_says_who_else_is_viewing_or_typing_and_what_changed(ticket, agent, requester):
    from tests.factories import AgentFactory

    bob = AgentFactory(name="Bob Builder")
    alice_page, bob_page = Client(), Client()
    alice_page.force_login(agent)
    bob_page.force_login(bob)
    seen = ticket.updated_at.isoformat()
    assert "also viewing" not in alice_page.post(url(ticket, "presence"), {"seen": seen}).content.decode()
    bob_page.post(url(ticket, "presence"), {"typing": "1", "seen": seen})
    assert (
        "Bob Builder</strong> is typing a reply"
        in alice_page.post(url(ticket, "presence"), {"seen": seen}).content.decode()
    )
    bob_page.post(url(ticket, "presence"), {"typing": "0", "seen": seen})
    body = alice_page.post(url(ticket, "presence"), {"seen": seen}).content.decode()
    assert "Bob Builder</strong> is also viewing" in body and "changed since you opened it" not in body
    comment_add(actor=requester, request=ticket, content="New info")
    assert "changed since you opened it" in alice_page.post(url(ticket, "presence"), {"seen": seen}).content.decode()


def test_the_title_is_edited_in_place(agent_client, ticket):
    form = agent_client.get(url(ticket) + "?edit=title", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="title"' in form and 'value="VPN drops"' in form
    seen = ticket.updated_at.isoformat()
    refused = agent_client.post(url(ticket, "title"), {"title": "   ", "seen": seen}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "cannot be empty" in refused.content.decode()
    saved = agent_client.post(url(ticket, "title"), {"title": "VPN drops hourly", "seen": seen}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "VPN drops hourly" in saved.content.decode()
    ticket.refresh_from_db()
    assert ticket.title == "VPN drops hourly"
    assert RequestEvent.objects.filter(request=ticket, field="title").exists()


def test_the_history_is_a_tab_that_also_works_without_a_script(agent_client, ticket):
    page = agent_client.get(url(ticket)).content.decode()
    assert 'id="tab-history" class="tab-panel" hidden' in page and 'data-tab="conversation" aria-current="page"' in page
    history = agent_client.get(url(ticket) + "?tab=history").content.decode()
    assert 'id="tab-conversation" class="tab-panel" hidden' in history
    assert "opened the request" in history


def test_a_refused_status_move_says_why_by_the_field_not_just_not_allowed(agent_client, ticket):
    ticket.status = Status.CLOSED
    ticket.save()
    data = {**RequestFieldsForm.initial_for(ticket), "status": Status.OPEN, "tags": ""}
    refused = agent_client.post(url(ticket, "fields"), data, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    assert "only an admin can reopen it" in refused.content.decode()
