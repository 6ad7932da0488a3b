"""Who may call what: every /v1 endpoint and method against every kind of caller, in one table.

Roles: anonymous (no credentials), owner (the requester whose request it is), other (another
requester), agent (a member of the request's group), admin, and outsider (an agent of another
group). A request someone may not see is a 404, never a 403, so ids do not leak.

The table runs under both AGENT_REACH settings: "all" (agents see every request, so the outsider
gets what the agent gets) and "groups" (agents see their groups' requests, their own assignments
and requests in no group; the outsider's column applies).
"""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.services import token_issue
from tests.factories import AdminFactory, AgentFactory, GroupFactory, RequesterFactory, upload
from tickets.models import Priority
from tickets.services import attachment_add, request_create

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "agent", "admin", "outsider")
REACHES = ("all", "groups")


@dataclass
class World:
    users: dict
    group: object
    request: object
    attachment: object


@pytest.fixture
def world():
    owner = RequesterFactory(email="owner@example.com")
    agent = AgentFactory(email="agent@example.com")
    users = {
        "owner": owner,
        "other": RequesterFactory(email="other@example.com"),
        "agent": agent,
        "admin": AdminFactory(email="admin@example.com"),
    }
    outsider = AgentFactory(email="outsider@example.com")
    users["outsider"] = outsider
    group = GroupFactory(name="Desk", members=[agent])
    GroupFactory(name="Elsewhere", members=[outsider])
    request = request_create(
        actor=agent,
        requester_id=owner.public_id,
        assigned_group=group.public_id,
        title="Broken",
        description="It broke",
        priority=Priority.MEDIUM,
    )
    attachment = attachment_add(actor=owner, request=request, upload=upload())
    return World(users=users, group=group, request=request, attachment=attachment)


def _json(body):
    return {"data": body, "format": "json"}


# (method, path template, body builder) -> expected status for anonymous, owner, other, agent, admin and,
# under AGENT_REACH=groups, the outsider (under "all" the outsider gets the agent's).
ENDPOINTS = [
    ("get", "/v1/requests", None, (401, 200, 200, 200, 200, 200)),
    (
        "post",
        "/v1/requests",
        lambda w: _json({"title": "T", "description": "D", "priority": "low"}),
        (401, 201, 201, 201, 201, 201),
    ),
    ("get", "/v1/requests/{request}", None, (401, 200, 404, 200, 200, 404)),
    ("patch", "/v1/requests/{request}", lambda w: _json({"title": "Renamed"}), (401, 200, 404, 200, 200, 404)),
    ("delete", "/v1/requests/{request}", None, (401, 403, 403, 403, 200, 403)),
    ("get", "/v1/requests/{request}/comments", None, (401, 200, 404, 200, 200, 404)),
    ("post", "/v1/requests/{request}/comments", lambda w: _json({"content": "Hi"}), (401, 201, 404, 201, 201, 404)),
    (
        "post",
        "/v1/requests/{request}/attachments",
        lambda w: {"data": {"file": upload()}},
        (401, 201, 404, 201, 201, 404),
    ),
    ("get", "/v1/attachments/{attachment}", None, (401, 200, 404, 200, 200, 404)),
    ("get", "/v1/users", None, (401, 403, 403, 200, 200, 200)),
    ("post", "/v1/users", lambda w: _json({"email": "fresh@example.com"}), (401, 403, 403, 403, 201, 403)),
    ("get", "/v1/users/{owner}", None, (401, 200, 404, 200, 200, 200)),
    ("patch", "/v1/users/{owner}", lambda w: _json({"name": "New name"}), (401, 200, 404, 403, 200, 403)),
    ("get", "/v1/users/me", None, (401, 200, 200, 200, 200, 200)),
    ("get", "/v1/groups", None, (401, 403, 403, 200, 200, 200)),
    ("post", "/v1/groups", lambda w: _json({"name": "Fresh"}), (401, 403, 403, 403, 201, 403)),
    ("get", "/v1/groups/{group}", None, (401, 403, 403, 200, 200, 200)),
    ("patch", "/v1/groups/{group}", lambda w: _json({"description": "Changed"}), (401, 403, 403, 403, 200, 403)),
    ("delete", "/v1/auth/token", None, (401, 200, 200, 200, 200, 200)),
    ("get", "/v1/surveys", None, (401, 403, 403, 200, 200, 200)),
    ("get", "/v1/surveys/ratings", None, (401, 403, 403, 200, 200, 200)),
]


def _expected(statuses: tuple, role: str, reach: str) -> int:
    if role == "outsider" and reach == "all":
        role = "agent"
    return statuses[ROLES.index(role)]


CASES = [
    pytest.param(
        reach,
        method,
        path,
        body,
        role,
        _expected(statuses, role, reach),
        id=f"{method.upper()} {path} as {role} ({reach})",
    )
    for reach in REACHES
    for method, path, body, statuses in ENDPOINTS
    for role in ROLES
]


def client_as(world: World, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        _, raw = token_issue(user=world.users[role])
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize(("reach", "method", "path", "body", "role", "expected"), CASES)
def test_each_role_gets_the_expected_status_from_each_endpoint(
    settings, world, reach, method, path, body, role, expected
):
    settings.AGENT_REACH = reach
    url = path.format(
        request=world.request.public_id,
        attachment=world.attachment.public_id,
        owner=world.users["owner"].public_id,
        group=world.group.public_id,
    )
    response = getattr(client_as(world, role), method)(url, **(body(world) if body else {}))
    assert response.status_code == expected, response.content
    if url.startswith("/v1/attachments/") and expected == 200:
        response.close()
        return
    payload = response.json()
    assert payload["success"] is (expected < 400)
    assert set(payload) == ({"success", "data"} if expected < 400 else {"success", "error"})


def test_the_matrix_covers_every_role_for_every_endpoint_under_both_reaches():
    assert len(CASES) == len(REACHES) * len(ENDPOINTS) * len(ROLES)
    assert all(len(statuses) == len(ROLES) for _, _, _, statuses in ENDPOINTS)
    assert len({(method, path) for method, path, _, _ in ENDPOINTS}) == len(ENDPOINTS)


@pytest.mark.parametrize(("reach", "outsider_sees_it"), [("all", True), ("groups", False)])
def test_the_request_list_shows_an_agent_only_the_requests_within_reach(settings, world, reach, outsider_sees_it):
    settings.AGENT_REACH = reach
    listed = {
        role: [item["id"] for item in client_as(world, role).get("/v1/requests").json()["data"]["requests"]]
        for role in ("agent", "admin", "outsider")
    }
    assert listed["agent"] == listed["admin"] == [world.request.public_id]
    assert listed["outsider"] == ([world.request.public_id] if outsider_sees_it else [])
