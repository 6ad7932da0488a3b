"""Bad input never makes a 500: every malformed body, wrong type or bad query parameter is a 400 (or the
right 4xx) in the error envelope, naming the field. The test client re-raises server errors, so a 500
would fail these tests loudly."""

import json

import pytest

from tests.envelope import assert_names_field, error_of
from tests.factories import GroupFactory
from tickets.models import Comment, Priority, Request
from tickets.services import request_create

pytestmark = pytest.mark.django_db

VALID_CREATE = {"title": "Printer jammed", "description": "Paper stuck", "priority": "low"}


@pytest.fixture
def ticket(requester):
    return request_create(actor=requester, title="Broken", description="It broke", priority=Priority.MEDIUM)


@pytest.fixture
def client(agent, api_for):
    return api_for(agent)


# --- bodies ----------------------------------------------------------------------------------------------

CREATE_CASES = [
    pytest.param({"title": 5}, "title", id="title-number"),
    pytest.param({"title": True}, "title", id="title-bool"),
    pytest.param({"title": None}, "title", id="title-null"),
    pytest.param({"title": ""}, "title", id="title-empty"),
    pytest.param({"title": "   "}, "title", id="title-blank"),
    pytest.param({"title": "x" * 201}, "title", id="title-201-chars"),
    pytest.param({"title": ["a"]}, "title", id="title-list"),
    pytest.param({"description": {"text": "x"}}, "description", id="description-object"),
    pytest.param({"description": "x" * 50_001}, "description", id="description-too-long"),
    pytest.param({"priority": "urgent"}, "priority", id="priority-unknown"),
    pytest.param({"priority": "HIGH"}, "priority", id="priority-wrong-case"),
    pytest.param({"priority": 1}, "priority", id="priority-number"),
    pytest.param({"tags": "x"}, "tags", id="tags-string"),
    pytest.param({"tags": [1]}, "tags", id="tags-list-of-numbers"),
    pytest.param({"tags": [None]}, "tags", id="tags-list-of-null"),
    pytest.param({"tags": {"a": 1}}, "tags", id="tags-object"),
    pytest.param({"tags": ["has space"]}, "tags", id="tags-bad-characters"),
    pytest.param({"tags": ["x" * 51]}, "tags", id="tags-too-long"),
    pytest.param({"tags": [f"t{n}" for n in range(51)]}, "tags", id="tags-too-many"),
    pytest.param({"assignedTo": 12}, "assignedTo", id="assignedTo-number"),
    pytest.param({"assignedTo": ["usr_x"]}, "assignedTo", id="assignedTo-list"),
    pytest.param({"assignedTo": "usr_" + "x" * 100}, "assignedTo", id="assignedTo-too-long"),
    pytest.param({"assignedTo": "usr_unknown"}, "assignedTo", id="assignedTo-unknown"),
    pytest.param({"assignedGroup": {"id": "grp_x"}}, "assignedGroup", id="assignedGroup-object"),
    pytest.param({"assignedGroup": "grp_unknown"}, "assignedGroup", id="assignedGroup-unknown"),
    pytest.param({"category": 5}, "category", id="category-number"),
    pytest.param({"category": "unknown"}, "category", id="category-unknown"),
    pytest.param({"requester": 5}, "requester", id="requester-number"),
    pytest.param({"requester": ""}, "requester", id="requester-empty"),
    pytest.param({"requester": {"name": "No Email"}}, "requester", id="requester-without-email"),
    pytest.param({"requester": {"email": "a@b.c", "age": 3}}, "requester", id="requester-unknown-key"),
    pytest.param({"requester": "usr_unknown"}, "requester", id="requester-unknown-id"),
    pytest.param({"title": "nul \x00 byte"}, "title", id="title-nul-byte"),
    pytest.param({"requester": "usr_\x00"}, "requester", id="requester-nul-byte"),
    pytest.param({"bogus": 1}, "bogus", id="unknown-field"),
    pytest.param({"assigned_to": "usr_x"}, "assigned_to", id="snake-case-is-unknown"),
    pytest.param({"status": "open"}, "status", id="status-not-settable-on-create"),
]


@pytest.mark.parametrize(("change", "field"), CREATE_CASES)
def test_create_with_bad_input_is_400_naming_the_field(client, change, field):
    error = error_of(client.post("/v1/requests", {**VALID_CREATE, **change}, format="json"), 400)
    assert_names_field(error, field)
    assert not Request.objects.exists()


@pytest.mark.parametrize("missing", ["title", "description", "priority"])
def test_create_without_a_required_field_is_400_naming_it(client, missing):
    body = {key: value for key, value in VALID_CREATE.items() if key != missing}
    assert_names_field(error_of(client.post("/v1/requests", body, format="json"), 400), missing)


UPDATE_CASES = [
    pytest.param({"status": "done"}, "status", id="status-unknown"),
    pytest.param({"status": None}, "status", id="status-null"),
    pytest.param({"priority": "urgent"}, "priority", id="priority-unknown"),
    pytest.param({"title": 5}, "title", id="title-number"),
    pytest.param({"title": "x" * 201}, "title", id="title-201-chars"),
    pytest.param({"tags": "x"}, "tags", id="tags-string"),
    pytest.param({"tags": [1]}, "tags", id="tags-list-of-numbers"),
    pytest.param({"assignedTo": 12}, "assignedTo", id="assignedTo-number"),
    pytest.param({"assignedTo": True}, "assignedTo", id="assignedTo-bool"),
    pytest.param({"assignedGroup": 3}, "assignedGroup", id="assignedGroup-number"),
    pytest.param({"resolution": 5}, "resolution", id="resolution-number"),
    pytest.param({"requester": "usr_x"}, "requester", id="requester-not-changeable"),
    pytest.param({"bogus": 1}, "bogus", id="unknown-field"),
]


@pytest.mark.parametrize(("body", "field"), UPDATE_CASES)
def test_update_with_bad_input_is_400_naming_the_field(client, ticket, body, field):
    error = error_of(client.patch(f"/v1/requests/{ticket.public_id}", body, format="json"), 400)
    assert_names_field(error, field)
    ticket.refresh_from_db()
    assert (ticket.title, ticket.status, ticket.priority) == ("Broken", "open", "medium")


COMMENT_CASES = [
    pytest.param({"content": "Hi", "isInternal": "maybe"}, "isInternal", id="isInternal-maybe"),
    pytest.param({"content": "Hi", "isInternal": [True]}, "isInternal", id="isInternal-list"),
    pytest.param({"content": 5}, "content", id="content-number"),
    pytest.param({"content": None}, "content", id="content-null"),
    pytest.param({}, "content", id="content-missing"),
    pytest.param({"content": "x" * 50_001}, "content", id="content-too-long"),
    pytest.param({"content": "Hi", "author": "usr_x"}, "author", id="unknown-field"),
]


@pytest.mark.parametrize(("body", "field"), COMMENT_CASES)
def test_comment_with_bad_input_is_400_naming_the_field(client, ticket, body, field):
    error = error_of(client.post(f"/v1/requests/{ticket.public_id}/comments", body, format="json"), 400)
    assert_names_field(error, field)
    assert not Comment.objects.exists()


ACCOUNT_CASES = [
    pytest.param("post", "/v1/users", {"email": 5}, "email", id="users-email-number"),
    pytest.param("post", "/v1/users", {"email": "a@b.co", "name": 5}, "name", id="users-name-number"),
    pytest.param("post", "/v1/users", {"email": "a@b.co", "groups": [1]}, "groups", id="users-groups-numbers"),
    pytest.param("post", "/v1/users", {"email": "a@b.co", "role": "root"}, "role", id="users-role-unknown"),
    pytest.param("patch", "/v1/users/{me}", {"isVip": "maybe"}, "isVip", id="user-isVip-maybe"),
    pytest.param("patch", "/v1/users/{me}", {"name": "x" * 151}, "name", id="user-name-too-long"),
    pytest.param("patch", "/v1/users/{me}", {"is_vip": True}, "is_vip", id="user-snake-case-unknown"),
    pytest.param("post", "/v1/groups", {"name": 5}, "name", id="groups-name-number"),
    pytest.param("post", "/v1/groups", {"name": "G", "members": "usr_x"}, "members", id="groups-members-string"),
    pytest.param("post", "/v1/groups", {"name": "G", "members": [1]}, "members", id="groups-members-numbers"),
    pytest.param("patch", "/v1/groups/{group}", {"members": None}, "members", id="group-members-null"),
    pytest.param("patch", "/v1/groups/{group}", {"colour": "red"}, "colour", id="group-unknown-field"),
    pytest.param("post", "/v1/auth/token", {"email": "a@b.co", "password": 5}, "password", id="token-password-number"),
    pytest.param("post", "/v1/auth/token", {"email": "a@b.co", "password": "x", "ttl": 5}, "ttl", id="token-unknown"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), ACCOUNT_CASES)
def test_account_endpoints_with_bad_input_are_400_naming_the_field(admin_user, api_for, method, path, body, field):
    group = GroupFactory(name="Desk")
    url = path.format(me=admin_user.public_id, group=group.public_id)
    response = getattr(api_for(admin_user), method)(url, body, format="json")
    assert_names_field(error_of(response, 400), field)


BODY_ENDPOINTS = [
    pytest.param("post", "/v1/requests", id="create-request"),
    pytest.param("patch", "/v1/requests/{request}", id="update-request"),
    pytest.param("post", "/v1/requests/{request}/comments", id="comment"),
    pytest.param("post", "/v1/users", id="create-user"),
    pytest.param("patch", "/v1/users/{me}", id="update-user"),
    pytest.param("post", "/v1/groups", id="create-group"),
    pytest.param("patch", "/v1/groups/{group}", id="update-group"),
    pytest.param("post", "/v1/auth/token", id="token"),
]


def _url(path, admin_user, ticket, group):
    return path.format(request=ticket.public_id, me=admin_user.public_id, group=group.public_id)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("raw", [b"{bad json", b'{"title": "x",}', b"\xff\xfe", b'{"a": NaN'], ids=repr)
def test_malformed_json_is_a_400_parse_error(admin_user, ticket, api_for, method, path, raw):
    url = _url(path, admin_user, ticket, GroupFactory(name="Desk"))
    response = getattr(api_for(admin_user), method)(url, raw, content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [[VALID_CREATE], [], "a string", 5, None, True], ids=repr)
def test_a_json_body_that_is_not_an_object_is_400(admin_user, ticket, api_for, method, path, body):
    url = _url(path, admin_user, ticket, GroupFactory(name="Desk"))
    response = getattr(api_for(admin_user), method)(url, json.dumps(body), content_type="application/json")
    error = error_of(response, 400)
    assert error["code"] == "validation_error"
    assert "nonFieldErrors" in error["fields"]
    assert not error["message"].startswith("nonFieldErrors")


def test_an_unsupported_content_type_is_415(client):
    response = client.post("/v1/requests", "title=x", content_type="text/plain")
    assert error_of(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data; boundary=BoUnDaRyStRiNg", "application/x-www-form-urlencoded"]
)
def test_a_form_body_is_415_because_bodies_are_json_as_the_schema_says(client, content_type):
    response = client.post("/v1/requests", "title=x", content_type=content_type)
    assert error_of(response, 415)["code"] == "unsupported_media_type"


# --- query parameters ------------------------------------------------------------------------------------

LIST_QUERY_CASES = [
    pytest.param({"createdAfter": "yesterday"}, "createdAfter", id="createdAfter-word"),
    pytest.param({"createdAfter": "2024-13-45"}, "createdAfter", id="createdAfter-impossible-date"),
    pytest.param({"createdAfter": "2024-01-15T25:00:00Z"}, "createdAfter", id="createdAfter-impossible-hour"),
    pytest.param({"createdBefore": "15/01/2024"}, "createdBefore", id="createdBefore-local-format"),
    pytest.param({"createdBefore": "1705312200"}, "createdBefore", id="createdBefore-epoch"),
    pytest.param({"status": "done"}, "status", id="status-unknown"),
    pytest.param({"priority": "urgent"}, "priority", id="priority-unknown"),
    pytest.param({"assignedTo": "usr_" + "x" * 100}, "assignedTo", id="assignedTo-too-long"),
    pytest.param({"assignedTo": "usr_\x00"}, "assignedTo", id="assignedTo-nul-byte"),
    pytest.param({"groupId": "\x00"}, "groupId", id="groupId-nul-byte"),
    pytest.param({"page": "0"}, "page", id="page-0"),
    pytest.param({"page": "-1"}, "page", id="page-negative"),
    pytest.param({"page": "abc"}, "page", id="page-abc"),
    pytest.param({"page": "1.5"}, "page", id="page-fraction"),
    pytest.param({"page": "9" * 30}, "page", id="page-huge"),
    pytest.param({"limit": "0"}, "limit", id="limit-0"),
    pytest.param({"limit": "101"}, "limit", id="limit-101"),
    pytest.param({"limit": "abc"}, "limit", id="limit-abc"),
]


@pytest.mark.parametrize(("query", "field"), LIST_QUERY_CASES)
def test_bad_list_parameters_are_400_naming_the_parameter(client, query, field):
    assert_names_field(error_of(client.get("/v1/requests", query), 400), field)


@pytest.mark.parametrize(
    "path", ["/v1/requests/{request}/comments", "/v1/users", "/v1/groups"], ids=["comments", "users", "groups"]
)
@pytest.mark.parametrize(
    ("query", "field"), [({"page": "0"}, "page"), ({"limit": "101"}, "limit"), ({"limit": "x"}, "limit")]
)
def test_every_paginated_list_refuses_bad_page_and_limit(admin_user, ticket, api_for, path, query, field):
    response = api_for(admin_user).get(path.format(request=ticket.public_id), query)
    assert_names_field(error_of(response, 400), field)


def test_limit_100_is_the_largest_allowed(client):
    assert client.get("/v1/requests", {"limit": 100}).json()["data"]["pagination"]["limit"] == 100


def test_empty_parameters_mean_not_given(client, ticket):
    data = client.get("/v1/requests", {"status": "", "page": "", "limit": "", "createdAfter": ""}).json()["data"]
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 1, "pages": 1}


def test_unknown_query_parameters_are_ignored(client, ticket):
    assert client.get("/v1/requests", {"sort": "title"}).status_code == 200


def test_an_unescaped_plus_in_an_offset_is_understood(client, ticket):
    # "+02:00" sent raw arrives as " 02:00"; the filter reads it back as an offset.
    response = client.get("/v1/requests?createdAfter=2000-01-01T00:00:00+02:00")
    assert response.json()["data"]["pagination"]["total"] == 1


# --- methods, paths and ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/v1/requests/{request}"),
        ("delete", "/v1/requests"),
        ("patch", "/v1/requests"),
        ("put", "/v1/requests/{request}/comments"),
        ("get", "/v1/requests/{request}/attachments"),
        ("delete", "/v1/attachments/{attachment}"),
        ("post", "/v1/users/me"),
        ("delete", "/v1/users/{me}"),
        ("delete", "/v1/groups/{group}"),
        ("get", "/v1/auth/token"),
    ],
)
def test_an_unsupported_method_is_405_in_the_envelope(admin_user, ticket, api_for, method, path):
    group = GroupFactory(name="Desk")
    url = path.format(request=ticket.public_id, me=admin_user.public_id, group=group.public_id, attachment="att_x")
    response = getattr(api_for(admin_user), method)(url)
    assert error_of(response, 405)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/requests/req_nope",
        "/v1/requests/../../etc/passwd",
        "/v1/requests/%00",
        "/v1/requests/" + "x" * 500,
        "/v1/requests/req_nope/comments",
        "/v1/attachments/att_nope",
        "/v1/users/usr_nope",
        "/v1/groups/grp_nope",
        "/v1/nothing-here",
        "/v1/requests/",
    ],
)
def test_unknown_ids_and_paths_are_404_in_the_envelope(admin_user, api_for, path):
    error = error_of(api_for(admin_user).get(path), 404)
    assert error["code"] == "not_found"


def test_seed_paths_do_not_redirect_to_a_trailing_slash(admin_user, ticket, api_for):
    client = api_for(admin_user)
    for path in ("/v1/requests", f"/v1/requests/{ticket.public_id}", f"/v1/requests/{ticket.public_id}/comments"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Location" not in response
