"""Macros: placeholders filled as plain text, changes staged until the reply is sent, personal and
shared, managed in the workspace, and their field changes in bulk."""

import pytest
from django.test import Client

from tests.factories import AgentFactory
from tickets.models import Comment, Macro, Priority, Status
from tickets.services import macro_create, request_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester):
    return request_create(actor=requester, title="VPN drops", description="d", priority="low")


@pytest.fixture
def restart(agent, group):
    return macro_create(
        actor=agent,
        name="Ask to restart",
        body="Hi {{ requester.name }}, please restart and tell us about #{{request.number}}. {{ agent.name }}",
        status=Status.PENDING,
        priority=Priority.HIGH,
        assigned_group=group,
        add_tags="vpn, asked-restart",
    )


def test_applying_fills_the_reply_and_stages_the_changes_without_saving(agent_client, ticket, restart):
    response = agent_client.get(f"/agent/requests/{ticket.public_id}?macro={restart.pk}", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f"Hi Rita Requester, please restart and tell us about #{ticket.number}. Alice Agent" in body
    assert "Sending also sets: status → Pending; priority → High; group → Software Support" in body
    assert '<option value="pending" selected>' in body
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Status.OPEN, Priority.LOW)  # nothing saved yet


def test_sending_applies_the_macro_changes_with_the_reply(agent_client, ticket, restart, group):
    agent_client.post(
        f"/agent/requests/{ticket.public_id}/reply",
        {"content": "Hi Rita, please restart.", "status": "pending", "macro": restart.pk, "is_internal": ""},
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assigned_group) == (Status.PENDING, Priority.HIGH, group)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["asked-restart", "vpn"]
    assert Comment.objects.get(request=ticket).content == "Hi Rita, please restart."


def test_placeholders_are_plain_text_never_templates(agent_client, requester, agent):
    evil = request_create(actor=requester, title="{{ settings.SECRET_KEY }} <b>x</b>", description="d", priority="low")
    macro = macro_create(actor=agent, name="Echo", body="About {{ request.title }} {% debug %} {{ settings }}")
    body = agent_client.get(f"/agent/requests/{evil.public_id}?macro={macro.pk}", HTTP_HX_REQUEST="true")
    text = body.content.decode()
    assert "About {{ settings.SECRET_KEY }} &lt;b&gt;x&lt;/b&gt; {% debug %} {{ settings }}" in text


def test_macros_are_personal_unless_an_admin_shares_them(agent, admin_user, ticket):
    mine = macro_create(actor=agent, name="Mine", body="x")
    other = Client()
    other.force_login(AgentFactory())
    assert other.get(f"/agent/requests/{ticket.public_id}?macro={mine.pk}").status_code == 404
    assert other.post(f"/agent/macros/{mine.pk}/delete").status_code == 404
    admin = Client()
    admin.force_login(admin_user)
    admin.post("/agent/macros/", {"name": "For all", "body": "Hello", "shared": "on"})
    shared = Macro.objects.get(name="For all")
    assert shared.is_shared
    assert other.get(f"/agent/requests/{ticket.public_id}/macros?q=for").content.decode().count("For all") == 1
    assert other.post(f"/agent/macros/{shared.pk}/delete").status_code == 403


def test_macros_are_made_and_edited_in_the_workspace_with_errors_by_the_field(agent_client):
    refused = agent_client.post("/agent/macros/", {"name": "Bad tags", "add_tags": "no/slashes"})
    assert refused.status_code == 422 and "is not a tag" in refused.content.decode()
    agent_client.post("/agent/macros/", {"name": "Close it", "body": "Done.", "status": "resolved"})
    macro = Macro.objects.get(name="Close it")
    agent_client.post(f"/agent/macros/{macro.pk}", {"name": "Close it now", "body": "Done!", "status": "resolved"})
    macro.refresh_from_db()
    assert (macro.name, macro.body) == ("Close it now", "Done!")


def test_a_macro_field_changes_apply_in_bulk(agent_client, requester, restart, group):
    a = request_create(actor=requester, title="A", description="d", priority="low")
    b = request_create(actor=requester, title="B", description="d", priority="low")
    agent_client.post("/agent/bulk", {"ids": [a.public_id, b.public_id], "macro": restart.pk})
    for request in (a, b):
        request.refresh_from_db()
        assert (request.status, request.priority, request.assigned_group) == (Status.PENDING, Priority.HIGH, group)
    assert not Comment.objects.exists()  # the reply text is for one request at a time
