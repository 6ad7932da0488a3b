"""Who may call what: every /v1 endpoint and method against every kind of caller, in one table.

Roles: anonymous (no credentials), owner (the requester whose request it is), other (another
requester), agent and admin. A request someone may not see is a 404, never a 403, so ids do not leak.
"""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.services import token_issue
from tests.factories import AdminFactory, AgentFactory, GroupFactory, RequesterFactory, upload
from tickets.models import Priority
from tickets.services import attachment_add, request_create

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "agent", "admin")


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
    group = GroupFactory(name="Desk", members=[agent])
    request = request_create(actor=owner, title="Broken", description="It broke", priority=Priority.MEDIUM)
    attachment = attachment_add(actor=owner, request=request, upload=upload())
    return World(users=users, group=group, request=request, attachment=attachment)


def _json(body):
    return {"data": body, "format": "json"}


# (method, path template, body builder) -> expected status for anonymous, owner, other, agent, admin.
ENDPOINTS = [
    ("get", "/v1/requests", None, (401, 200, 200, 200, 200)),
    (
        "post",
        "/v1/requests",
        lambda w: _json({"title": "T", "description": "D", "priority": "low"}),
        (401, 201, 201, 201, 201),
    ),
    ("get", "/v1/requests/{request}", None, (401, 200, 404, 200, 200)),
    ("patch", "/v1/requests/{request}", lambda w: _json({"title": "Renamed"}), (401, 200, 404, 200, 200)),
    ("delete", "/v1/requests/{request}", None, (401, 403, 403, 403, 200)),
    ("get", "/v1/requests/{request}/comments", None, (401, 200, 404, 200, 200)),
    ("post", "/v1/requests/{request}/comments", lambda w: _json({"content": "Hi"}), (401, 201, 404, 201, 201)),
    ("post", "/v1/requests/{request}/attachments", lambda w: {"data": {"file": upload()}}, (401, 201, 404, 201, 201)),
    ("get", "/v1/attachments/{attachment}", None, (401, 200, 404, 200, 200)),
    ("get", "/v1/users", None, (401, 403, 403, 200, 200)),
    ("post", "/v1/users", lambda w: _json({"email": "fresh@example.com"}), (401, 403, 403, 403, 201)),
    ("get", "/v1/users/{owner}", None, (401, 200, 404, 200, 200)),
    ("patch", "/v1/users/{owner}", lambda w: _json({"name": "New name"}), (401, 200, 404, 403, 200)),
    ("get", "/v1/users/me", None, (401, 200, 200, 200, 200)),
    ("get", "/v1/groups", None, (401, 403, 403, 200, 200)),
    ("post", "/v1/groups", lambda w: _json({"name": "Fresh"}), (401, 403, 403, 403, 201)),
    ("get", "/v1/groups/{group}", None, (401, 403, 403, 200, 200)),
    ("patch", "/v1/groups/{group}", lambda w: _json({"description": "Changed"}), (401, 403, 403, 403, 200)),
    ("delete", "/v1/auth/token", None, (401, 200, 200, 200, 200)),
]

CASES = [
    pytest.param(method, path, body, role, expected, id=f"{method.upper()} {path} as {role}")
    for method, path, body, statuses in ENDPOINTS
    for role, expected in zip(ROLES, statuses, strict=True)
]


def client_as(world: World, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        _, raw = token_issue(user=world.users[role])
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_each_role_gets_the_expected_status_from_each_endpoint(world, method, path, body, role, expected):
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


def test_the_matrix_covers_every_role_for_every_endpoint():
    assert len(CASES) == len(ENDPOINTS) * len(ROLES)
    assert len({(method, path) for method, path, _, _ in ENDPOINTS}) == len(ENDPOINTS)
