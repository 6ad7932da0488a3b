"""No input costs more than its size deserves: a 2 MB body of any shape is refused quickly with a small
error, deep nesting is a 400, dates at the calendar's edges are 400s, and Django's own body limits are
answered in the /v1 envelope, never as its HTML "Bad Request"."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.envelope import assert_names_field, error_of
from tickets.models import Priority, Request
from tickets.services import request_create

pytestmark = pytest.mark.django_db

TWO_MB = 2 * 1024 * 1024
VALID_CREATE = {"title": "Printer jammed", "description": "Paper stuck", "priority": "low"}
# Generous bounds: the refusals below take milliseconds; before the fixes some took seconds.
SECONDS = 1.0
SMALL_ERROR_BYTES = 2_000


@pytest.fixture
def ticket(requester):
    return request_create(actor=requester, title="Broken", description="It broke", priority=Priority.MEDIUM)


def _padded_list(item: str) -> list[str]:
    return [item] * (TWO_MB // (len(json.dumps(item)) + 2))


def _many_keys() -> dict:
    # 100,000 unknown keys, padded to about 2 MB.
    return {**VALID_CREATE, **{f"unknown_{n:06d}": 0 for n in range(100_000)}}


# (who, method, path, body): each about 2 MB, each invalid in its own way.
TWO_MB_BODIES = [
    pytest.param("agent", "post", "/v1/requests", lambda: {**VALID_CREATE, "tags": _padded_list("a")}, id="tags"),
    pytest.param("agent", "post", "/v1/requests", _many_keys, id="100000-unknown-keys"),
    pytest.param("agent", "post", "/v1/requests", lambda: {**VALID_CREATE, "title": "x" * TWO_MB}, id="title-string"),
    pytest.param(
        "agent", "post", "/v1/requests", lambda: {**VALID_CREATE, "priority": "x" * TWO_MB}, id="choice-string"
    ),
    pytest.param(
        "agent",
        "post",
        "/v1/requests",
        lambda: {**VALID_CREATE, "requester": {"email": "x" * TWO_MB + "@example.com"}},
        id="requester-email-string",
    ),
    pytest.param("agent", "patch", "/v1/requests/{ticket}", lambda: {"tags": _padded_list("tag")}, id="patch-tags"),
    pytest.param(
        "agent",
        "post",
        "/v1/requests/{ticket}/comments",
        lambda: [{"content": "Thanks, that helped."}] * (TWO_MB // 36),
        id="many-small-comments",
    ),
    pytest.param(
        "agent", "post", "/v1/requests/{ticket}/comments", lambda: {"content": "x" * TWO_MB}, id="comment-string"
    ),
    pytest.param(
        "admin", "post", "/v1/groups", lambda: {"name": "Desk", "members": _padded_list("usr_x")}, id="members"
    ),
    pytest.param("admin", "post", "/v1/users", lambda: {"email": "a@b.co", "groups": _padded_list("g")}, id="groups"),
    pytest.param("admin", "post", "/v1/users", lambda: {"email": "x" * TWO_MB + "@example.com"}, id="email-string"),
    # Already JSON text: deeper than any decoder goes.
    pytest.param("agent", "post", "/v1/requests", lambda: "[" * TWO_MB, id="deep-arrays"),
    pytest.param("agent", "post", "/v1/requests", lambda: '{"a":' * (TWO_MB // 5), id="deep-objects"),
]


@pytest.mark.parametrize(("who", "method", "path", "make_body"), TWO_MB_BODIES)
def test_a_2_mb_body_of_any_shape_gets_a_small_400_well_under_a_second(
    who, method, path, make_body, agent, admin_user, ticket, api_for
):
    client = api_for(agent if who == "agent" else admin_user)
    body = make_body()
    raw = body if isinstance(body, str) else json.dumps(body)
    assert TWO_MB * 0.9 < len(raw) < TWO_MB * 1.2
    started = time.perf_counter()
    response = getattr(client, method)(path.format(ticket=ticket.public_id), raw, content_type="application/json")
    elapsed = time.perf_counter() - started
    error_of(response, 400)
    assert len(response.content) < SMALL_ERROR_BYTES, response.content[:500]
    assert elapsed < SECONDS
    assert Request.objects.count() == 1


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="arrays"),
        pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, id="objects"),
        pytest.param("[" * TWO_MB, id="2-mb-of-open-brackets"),
        # Shallow enough for the JSON decoder, deep enough to exhaust the stack of whatever walks it next.
        pytest.param(json.dumps({**VALID_CREATE, "priority": json.loads("[" * 900 + "]" * 900)}), id="900-in-a-field"),
    ],
)
def test_deeply_nested_json_is_a_400_parse_error(agent, api_for, raw):
    response = api_for(agent).post("/v1/requests", raw, content_type="application/json")
    error = error_of(response, 400)
    assert error["code"] == "parse_error"
    assert "nested" in error["message"]


def test_a_few_levels_of_nesting_are_still_read(agent, api_for):
    body = {**VALID_CREATE, "requester": {"email": "new@example.com", "name": "New Person"}}
    assert api_for(agent).post("/v1/requests", body, format="json").status_code == 201


def test_unknown_fields_are_named_up_to_five_and_counted_beyond(agent, api_for):
    body = {**VALID_CREATE, **{f"extra{n:02d}": n for n in range(40)}}
    error = error_of(api_for(agent).post("/v1/requests", body, format="json"), 400)
    assert_names_field(error, "extra00")
    assert [name for name in error["fields"] if name.startswith("extra")] == [f"extra{n:02d}" for n in range(5)]
    assert error["fields"]["nonFieldErrors"] == ["And 35 more unknown fields."]


def test_a_list_over_its_limit_is_refused_without_an_error_per_item(agent, api_for):
    error = error_of(api_for(agent).post("/v1/requests", {**VALID_CREATE, "tags": [1] * 1000}, format="json"), 400)
    assert error["fields"] == {"tags": ["Ensure this field has no more than 50 elements."]}


def test_an_error_message_quoting_the_input_is_cut_short(agent, api_for):
    error = error_of(api_for(agent).post("/v1/requests", {**VALID_CREATE, "priority": "x" * 5000}, format="json"), 400)
    assert error["message"].startswith("priority:")
    assert len(error["message"]) <= 300
    assert all(len(msg) <= 300 for msg in error["fields"]["priority"])


# --- dates at the edges of the calendar -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-12:00",  # year 10000 in UTC
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC
        "2024-01-15T10:30:00-23:59",
        "2024-01-15T10:30:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "2024-01-15T10:30:00-18:01",
    ],
)
@pytest.mark.parametrize("parameter", ["createdAfter", "createdBefore"])
def test_dates_past_the_calendar_or_offset_range_are_400_naming_the_parameter(agent, api_for, parameter, value):
    assert_names_field(error_of(api_for(agent).get("/v1/requests", {parameter: value}), 400), parameter)


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ({"createdAfter": "0001-01-01T00:00:00Z"}, 1),
        ({"createdAfter": "0001-01-01T00:00:00-01:00"}, 1),
        ({"createdBefore": "9999-12-31T23:59:59Z"}, 1),
        ({"createdBefore": "9999-12-31T23:59:59+14:00"}, 1),
        ({"createdAfter": "9999-12-31"}, 0),
        ({"createdAfter": "2000-01-01T00:00:00-18:00"}, 1),
    ],
)
def test_dates_at_the_edges_that_exist_in_utc_are_accepted(agent, ticket, api_for, query, total):
    response = api_for(agent).get("/v1/requests", query)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["pagination"]["total"] == total


# --- Django's own body limits, answered in the envelope ----------------------------------------------------


def test_a_json_body_over_the_upload_limit_is_413_in_the_envelope(agent, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {**VALID_CREATE, "description": "x" * 2000}
    error = error_of(api_for(agent).post("/v1/requests", body, format="json"), 413)
    assert error["code"] == "payload_too_large"
    assert not Request.objects.exists()


def test_a_json_body_at_the_upload_limit_is_read(agent, api_for, settings):
    raw = json.dumps({**VALID_CREATE, "description": "x" * 900})
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(raw)
    assert api_for(agent).post("/v1/requests", raw, content_type="application/json").status_code == 201


def _files(count: int) -> dict:
    return {f"file{n}": SimpleUploadedFile(f"f{n}.txt", b"hello") for n in range(count)}


def test_an_upload_with_too_many_fields_is_400_in_the_envelope(requester, ticket, api_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = {"file": SimpleUploadedFile("a.txt", b"hello"), **{f"f{n}": "x" for n in range(20)}}
    response = api_for(requester).post(f"/v1/requests/{ticket.public_id}/attachments", body, format="multipart")
    assert error_of(response, 400)["code"] == "too_many_fields"


def test_a_form_with_too_many_fields_is_400_in_the_envelope(requester, ticket, api_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    raw = "&".join(f"f{n}=x" for n in range(20))
    url = f"/v1/requests/{ticket.public_id}/attachments"
    response = api_for(requester).post(url, raw, content_type="application/x-www-form-urlencoded")
    assert error_of(response, 400)["code"] == "too_many_fields"


def test_an_upload_with_too_many_files_is_400_in_the_envelope(requester, ticket, api_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    url = f"/v1/requests/{ticket.public_id}/attachments"
    response = api_for(requester).post(url, _files(3), format="multipart")
    assert error_of(response, 400)["code"] == "too_many_files"
    assert not ticket.attachments.exists()


def test_an_upload_with_an_oversized_form_field_is_413_in_the_envelope(requester, ticket, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"file": SimpleUploadedFile("a.txt", b"hello"), "note": "x" * 2000}
    response = api_for(requester).post(f"/v1/requests/{ticket.public_id}/attachments", body, format="multipart")
    assert error_of(response, 413)["code"] == "payload_too_large"


def test_pages_outside_the_api_keep_django_s_html_bad_request(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = client.post("/accounts/login/", {f"f{n}": "x" for n in range(20)})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
