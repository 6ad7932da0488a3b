"""OpenAPI 3 at /v1/schema and Swagger UI at /v1/docs, describing the envelopes as they are."""

import yaml  # drf-spectacular depends on PyYAML
from django.core.management import call_command
from rest_framework.test import APIClient


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
