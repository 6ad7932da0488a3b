"""Bulk changes from the queue: one transaction, each row through the services, refusals by number."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from tests.factories import AgentFactory, GroupFactory
from tickets.models import EventKind, RequestEvent, Status
from tickets.services import request_create

pytestmark = pytest.mark.django_db


def made(requester, n):
    return [request_create(actor=requester, title=f"R{i}", description="d", priority="low") for i in range(n)]


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_bulk_change_goes_through_the_services_and_reports_a_summary(agent_client, agent, requester, group):
    a, b, c = made(requester, 3)
    response = agent_client.post(
        "/agent/bulk",
        {
            "ids": [a.public_id, b.public_id],
            "assigned_to": agent.public_id,
            "priority": "high",
            "add_tags": "printer, floor-3",
            "query": "status=open",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/agent/?status=open"
    for request in (a, b):
        request.refresh_from_db()
        assert (request.assigned_to, request.priority, request.status) == (agent, "high", Status.ASSIGNED)
        assert sorted(request.tags.values_list("name", flat=True)) == ["floor-3", "printer"]
        assert RequestEvent.objects.filter(request=request, kind=EventKind.CHANGED, field="priority").exists()
    c.refresh_from_db()
    assert c.priority == "low"
    assert notes(response) == [f"Changed 2: #{a.number}, #{b.number}."]


def test_a_row_the_rules_refuse_is_reported_and_the_rest_still_apply(agent_client, requester):
    outsider_group = GroupFactory(name="Elsewhere")
    a, b = made(requester, 2)
    agent_client.post(
        f"/agent/requests/{a.public_id}/fields",
        {
            "status": "open",
            "priority": "low",
            "assigned_group": outsider_group.public_id,
            "assigned_to": "",
            "category": "",
            "tags": "",
        },
    )
    response = agent_client.post("/agent/bulk", {"ids": [a.public_id, b.public_id], "status": "in_progress"})
    messages = notes(response)
    assert any(m.startswith(f"#{a.number} was not changed: ") for m in messages)
    assert any(m.startswith(f"#{b.number} was not changed: ") for m in messages)  # in_progress needs an assignee

    busy = AgentFactory()
    response = agent_client.post("/agent/bulk", {"ids": [a.public_id, b.public_id], "assigned_to": busy.public_id})
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.assigned_to is None  # not a member of "Elsewhere": refused alone
    assert b.assigned_to == busy
    assert f"Changed 1: #{b.number}." in notes(response)


def test_removing_tags_and_nothing_selected(agent_client, requester, agent):
    (a,) = made(requester, 1)
    agent_client.post("/agent/bulk", {"ids": [a.public_id], "add_tags": "x y"})
    agent_client.post("/agent/bulk", {"ids": [a.public_id], "remove_tags": "x"})
    assert list(a.tags.values_list("name", flat=True)) == ["y"]
    fresh = Client()
    fresh.force_login(agent)
    assert notes(fresh.post("/agent/bulk", {"status": "pending"}, follow=True)) == [
        "Select at least one request first."
    ]
    assert notes(fresh.post("/agent/bulk", {"ids": [a.public_id]}, follow=True)) == ["Choose what to change."]


def test_requests_out_of_sight_are_not_touched(requester, other_requester):
    (theirs,) = made(other_requester, 1)
    client = Client()
    client.force_login(requester)
    assert client.post("/agent/bulk", {"ids": [theirs.public_id], "status": "closed"})["Location"] == "/"
    theirs.refresh_from_db()
    assert theirs.status == Status.OPEN
