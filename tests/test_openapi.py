"""OpenAPI 3 at /v1/schema and Swagger UI at /v1/docs, describing the envelopes as they are."""

import json
import re
from pathlib import Path

import pytest
import yaml  # drf-spectacular depends on PyYAML
from django.core.management import call_command
from rest_framework.test import APIClient

from helpdesk.api.pagination import MAX_LIMIT, MAX_PAGE
from helpdesk.api.schema import NO_NUL


def test_schema_is_served_and_describes_every_seed_path(db):
    response = APIClient().get("/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path, methods in {
        "/v1/requests": {"get", "post"},
        "/v1/requests/{request_id}": {"get", "patch", "delete"},
        "/v1/requests/{request_id}/comments": {"get", "post"},
        "/v1/requests/{request_id}/attachments": {"post"},
        "/v1/attachments/{attachment_id}": {"get"},
        "/v1/auth/token": {"post", "delete"},
        "/v1/users": {"get", "post"},
        "/v1/users/me": {"get"},
        "/v1/users/{user_id}": {"get", "patch"},
        "/v1/groups": {"get", "post"},
        "/v1/groups/{group_id}": {"get", "patch"},
        "/v1/surveys": {"get"},
        "/v1/surveys/{survey_id}": {"get"},
        "/v1/surveys/ratings": {"get"},
    }.items():
        assert methods <= set(paths[path]), path


def test_schema_shows_the_envelopes_and_bearer_auth(db):
    schema = yaml.safe_load(APIClient().get("/v1/schema").content)
    components = schema["components"]["schemas"]
    list_ok = schema["paths"]["/v1/requests"]["get"]["responses"]["200"]
    ref = list_ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[ref]["properties"]) == {"success", "data"}
    data = components[components[ref]["properties"]["data"]["$ref"].rsplit("/", 1)[-1]]
    assert set(data["properties"]) == {"requests", "pagination"}
    error = schema["paths"]["/v1/requests"]["get"]["responses"]["400"]
    assert error["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    assert set(components["Error"]["properties"]) == {"code", "message", "fields"}
    assert components["Error"]["properties"]["fields"]["type"] == "object"
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from POST /v1/auth/token.",
    }
    statuses = schema["paths"]["/v1/requests"]["get"]["parameters"]
    status = next(p for p in statuses if p["name"] == "status")
    assert status["schema"]["enum"] == ["assigned", "closed", "in_progress", "open", "pending", "resolved"]


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_swagger_ui_is_served_from_our_own_static_files(db):
    response = APIClient().get("/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page  # the sidecar serves it; no internet needed


# --- the schema says what the code does (issue 11) ------------------------------------------------------

EXPECTED_OPERATION_IDS = {
    ("/v1/requests", "get"): "requests_list",
    ("/v1/requests", "post"): "requests_create",
    ("/v1/requests/{request_id}", "get"): "requests_get",
    ("/v1/requests/{request_id}", "patch"): "requests_update",
    ("/v1/requests/{request_id}", "delete"): "requests_delete",
    ("/v1/requests/{request_id}/comments", "get"): "requests_comments_list",
    ("/v1/requests/{request_id}/comments", "post"): "requests_comments_create",
    ("/v1/requests/{request_id}/attachments", "post"): "requests_attachments_create",
    ("/v1/attachments/{attachment_id}", "get"): "attachments_download",
    ("/v1/auth/token", "post"): "auth_token_create",
    ("/v1/auth/token", "delete"): "auth_token_revoke",
    ("/v1/users", "get"): "users_list",
    ("/v1/users", "post"): "users_create",
    ("/v1/users/me", "get"): "users_me",
    ("/v1/users/{user_id}", "get"): "users_get",
    ("/v1/users/{user_id}", "patch"): "users_update",
    ("/v1/groups", "get"): "groups_list",
    ("/v1/groups", "post"): "groups_create",
    ("/v1/groups/{group_id}", "get"): "groups_get",
    ("/v1/groups/{group_id}", "patch"): "groups_update",
    ("/v1/surveys", "get"): "surveys_list",
    ("/v1/surveys/{survey_id}", "get"): "surveys_get",
    ("/v1/surveys/ratings", "get"): "surveys_ratings_list",
    ("/v1/webhooks", "get"): "webhooks_list",
    ("/v1/webhooks", "post"): "webhooks_create",
    ("/v1/webhooks/{webhook_id}", "get"): "webhooks_get",
    ("/v1/webhooks/{webhook_id}", "patch"): "webhooks_update",
    ("/v1/webhooks/{webhook_id}", "delete"): "webhooks_delete",
    ("/v1/webhooks/{webhook_id}/test", "post"): "webhooks_test",
    ("/v1/webhooks/{webhook_id}/deliveries", "get"): "webhooks_deliveries_list",
    ("/v1/mailboxes", "get"): "mailboxes_list",
    ("/v1/mailboxes", "post"): "mailboxes_create",
    ("/v1/mailboxes/{mailbox_id}", "get"): "mailboxes_get",
    ("/v1/mailboxes/{mailbox_id}", "patch"): "mailboxes_update",
    ("/v1/mailboxes/{mailbox_id}", "delete"): "mailboxes_delete",
    ("/v1/mailboxes/{mailbox_id}/inbound", "post"): "mailboxes_inbound_create",
}


@pytest.fixture
def schema(db):
    response = APIClient().get("/v1/schema", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_every_operation_has_a_readable_id(schema):
    ids = {(path, method): op["operationId"] for path, method, op in _operations(schema)}
    assert ids == EXPECTED_OPERATION_IDS


def test_page_and_limit_declare_the_bounds_the_api_enforces(schema, admin_user, api_for):
    paged = [
        (path, op) for path, _, op in _operations(schema) if any(p["name"] == "page" for p in op.get("parameters", []))
    ]
    assert {path for path, _ in paged} == {
        "/v1/requests",
        "/v1/requests/{request_id}/comments",
        "/v1/users",
        "/v1/groups",
        "/v1/surveys",
        "/v1/surveys/ratings",
        "/v1/webhooks",
        "/v1/webhooks/{webhook_id}/deliveries",
        "/v1/mailboxes",
    }
    for _, op in paged:
        params = {p["name"]: p["schema"] for p in op["parameters"]}
        assert (params["page"]["minimum"], params["page"]["maximum"]) == (1, MAX_PAGE)
        assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, MAX_LIMIT)
    api = api_for(admin_user)
    for query, status in [
        ({"limit": MAX_LIMIT, "page": MAX_PAGE}, 200),
        ({"limit": MAX_LIMIT + 1}, 400),
        ({"limit": 0}, 400),
        ({"page": MAX_PAGE + 1}, 400),
        ({"page": 0}, 400),
    ]:
        assert api.get("/v1/users", query).status_code == status, query


def test_json_bodies_are_declared_as_json_only_and_the_upload_as_multipart(schema):
    bodies = {
        (path, method): set(op["requestBody"]["content"])
        for path, method, op in _operations(schema)
        if "requestBody" in op
    }
    upload = ("/v1/requests/{request_id}/attachments", "post")
    assert bodies.pop(upload) == {"multipart/form-data"}
    assert bodies.pop(("/v1/mailboxes/{mailbox_id}/inbound", "post")) == {"message/rfc822"}
    assert len(bodies) == 12  # 8, the webhooks' and the mailboxes' create and update
    assert all(types == {"application/json"} for types in bodies.values()), bodies


def test_bodies_that_refuse_unknown_fields_say_additional_properties_false(schema, agent, api_for):
    for path, method, op in _operations(schema):
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            body = _resolve(schema, op["requestBody"]["content"]["application/json"]["schema"])
            assert body["additionalProperties"] is False, (path, method)
    # The object form of "requester" refuses unknown keys too, and says so.
    create = schema["paths"]["/v1/requests"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    requester = _resolve(schema, create)["properties"]["requester"]["oneOf"]
    by_email = _resolve(schema, next(s for s in requester if "$ref" in s))
    assert by_email["additionalProperties"] is False
    response = api_for(agent).post(
        "/v1/requests",
        {"title": "t", "description": "d", "priority": "low", "requester": {"email": "x@example.com", "nmae": "X"}},
        format="json",
    )
    assert response.status_code == 400


def test_envelopes_declare_success_as_a_constant(schema):
    checked = 0
    for path, method, op in _operations(schema):
        for status, response in op["responses"].items():
            if "application/json" not in response.get("content", {}):
                continue
            body = _resolve(schema, response["content"]["application/json"]["schema"])
            success = _resolve(schema, body["properties"]["success"])
            assert success == {"type": "boolean", "enum": [status.startswith("2")]}, (path, method, status)
            checked += 1
    assert checked > 60


def test_the_download_is_declared_as_binary_not_json(schema):
    ok = schema["paths"]["/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]
    binary = {"schema": {"type": "string", "format": "binary"}}
    assert ok["content"] == {"application/octet-stream": binary, "*/*": binary}
    assert list(ok["content"])[0] == "application/octet-stream"  # what generators pick: bytes


def test_statuses_in_answers_are_the_status_enum(schema):
    components = schema["components"]["schemas"]
    for name in ("RequestCreated", "RequestUpdated", "RequestListItem", "RequestDetail"):
        assert components[name]["properties"]["status"] == {"$ref": "#/components/schemas/StatusEnum"}, name
    assert components["RequestDetail"]["properties"]["source"] == {"$ref": "#/components/schemas/SourceEnum"}


def test_every_response_field_is_required_and_the_ones_that_can_be_null_are_nullable(schema):
    components = schema["components"]["schemas"]
    responses = [
        name for name, component in components.items() if "properties" in component and not name.endswith("Request")
    ]
    assert len(responses) > 30
    for name in responses:
        assert set(components[name]["required"]) == set(components[name]["properties"]), name
    item = components["RequestListItem"]["properties"]
    for field in ("category", "assignedTo", "assignedGroup"):
        assert item[field]["nullable"] is True, field
    detail = components["RequestDetail"]["properties"]
    for field in ("category", "assignedTo", "assignedGroup", "firstResponseAt", "resolvedAt", "closedAt"):
        assert detail[field]["nullable"] is True, field


def test_text_inputs_declare_that_nul_is_refused_as_the_api_refuses_it(schema, agent, api_for):
    components = schema["components"]["schemas"]
    assert components["RequestCreateInputRequest"]["properties"]["title"]["pattern"] == NO_NUL
    assert components["CommentCreateInputRequest"]["properties"]["content"]["pattern"] == NO_NUL
    # Fields with a pattern of their own keep it: ids stay ids.
    assigned = components["RequestCreateInputRequest"]["properties"]["assignedTo"]["oneOf"][0]
    assert assigned["pattern"] == "^[A-Za-z0-9_]{1,64}$"
    # The empty string of a field that may be blank matches one choice only, so oneOf holds.
    category = components["PatchedRequestUpdateInputRequest"]["properties"]["category"]["oneOf"]
    assert [bool(re.match(choice.get("pattern", "^$"), "")) for choice in category] == [False, True]
    response = api_for(agent).post(
        "/v1/requests", {"title": "a\x00b", "description": "d", "priority": "low"}, format="json"
    )
    assert response.status_code == 400


# --- the project's own API description (issue 11, item 12) ----------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_docs_api_md_describes_every_operation_of_the_schema(schema):
    text = (ROOT / "docs" / "api.md").read_text()
    missing = [op["operationId"] for _, _, op in _operations(schema) if f"`{op['operationId']}`" not in text]
    assert not missing
    for name in ("/v1/schema", "/v1/docs", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
        assert name in text


def test_readme_points_at_nothing_outside_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "../" not in readme
    for link in re.findall(r"\]\(([^)#:]+)\)", readme):  # relative Markdown links
        assert (ROOT / link).exists(), link
    assert "docs/api.md" in readme


def test_the_request_list_documents_cursor_pagination_updated_since_and_estimated_totals(schema):
    operation = schema["paths"]["/v1/requests"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"cursor", "updatedSince", "page", "limit"} <= set(parameters)
    assert "nextCursor" in parameters["cursor"]["description"]
    assert "-sla" in parameters["ordering"]["schema"]["enum"]
    assert "estimate" in operation["description"] and "keyset" in operation["description"]
    components = schema["components"]["schemas"]
    assert components["RequestPagination"]["oneOf"] == [
        {"$ref": "#/components/schemas/Pagination"},
        {"$ref": "#/components/schemas/CursorPagination"},
    ]
    cursor_page = components["CursorPagination"]
    assert set(cursor_page["required"]) == {"limit", "total", "totalEstimated", "pages", "nextCursor"}
    assert cursor_page["properties"]["nextCursor"]["nullable"] is True
