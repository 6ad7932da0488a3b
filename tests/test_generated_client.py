"""A Python client generated from /v1/schema by openapi-python-client works end to end, unchanged.

The schema is only right if a generator's output works with no hand edits: JSON bodies sent as JSON,
enums parsed as enums, nulls and empty lists kept, the download read as bytes, errors typed.
"""

import importlib
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import AgentFactory, GroupFactory, RequesterFactory

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PASSWORD = "correct horse battery"  # the factories' password
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # not UTF-8, not JSON: parsing it would fail loudly


@pytest.fixture(scope="session")
def client_package(tmp_path_factory):
    """Generated once per session from the schema the app serves, and imported from a temporary folder."""
    assert GENERATOR.exists(), "openapi-python-client is missing: pip install -r requirements-dev.txt"
    folder = tmp_path_factory.mktemp("generated")
    response = APIClient().get("/v1/schema", {"format": "json"})
    assert response.status_code == 200
    (folder / "schema.json").write_bytes(response.content)
    # No post hooks: formatting the output is not needed to import it, and keeps generation under a second.
    # message/rfc822 (the inbound mail endpoint) is binary to the generator, as a user of it would configure.
    (folder / "config.yaml").write_text(
        "post_hooks: []\ncontent_type_overrides:\n  message/rfc822: application/octet-stream\n"
    )
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--config",
            str(folder / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(folder / "helpdesk_api_client"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The generator reports every piece of the schema it could not turn into code.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("helpdesk_api_client")
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == "helpdesk_api_client"]:
            del sys.modules[name]


def _import(package, *names):
    return [importlib.import_module(f"{package.__name__}.{name}") for name in names]


def test_every_generated_module_imports(client_package):
    root = Path(client_package.__file__).parent
    modules = sorted(p.relative_to(root.parent).with_suffix("") for p in root.rglob("*.py"))
    assert len(modules) > 60
    for module in modules:
        importlib.import_module(".".join(module.parts).removesuffix(".__init__"))


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_runs_the_whole_scenario_with_no_workaround(client_package, live_server):
    agent = AgentFactory(name="Alice Agent", email="alice@example.com")
    group = GroupFactory(name="Software Support", members=[agent])
    RequesterFactory(name="Rita Requester", email="rita@example.com")

    pkg = client_package.__name__
    m = importlib.import_module(f"{pkg}.models")
    types = importlib.import_module(f"{pkg}.types")
    (
        token_create,
        requests_list,
        requests_create,
        requests_get,
        requests_update,
        comments_list,
        comments_create,
        attachments_create,
        attachments_download,
    ) = _import(
        client_package,
        "api.auth.auth_token_create",
        "api.requests.requests_list",
        "api.requests.requests_create",
        "api.requests.requests_get",
        "api.requests.requests_update",
        "api.requests.requests_comments_list",
        "api.requests.requests_comments_create",
        "api.requests.requests_attachments_create",
        "api.attachments.attachments_download",
    )

    # Log in; any status the schema does not declare raises. One connection per call: a kept-alive one
    # would keep a live-server thread, and its database connection, open past the test database's end.
    options = {"base_url": live_server.url, "raise_on_unexpected_status": True, "headers": {"Connection": "close"}}
    anonymous = client_package.Client(**options)
    login = token_create.sync(
        client=anonymous, body=m.TokenLoginInputRequest(email="alice@example.com", password=PASSWORD)
    )
    assert isinstance(login, m.TokenCreatedEnvelope) and login.success is True
    api = client_package.AuthenticatedClient(token=login.data.token, **options)

    # Create for a requester by email, with tags; the answer's status is the enum.
    created = requests_create.sync(
        client=api,
        body=m.RequestCreateInputRequest(
            title="VPN drops every hour",
            description="Since Monday.",
            priority=m.PriorityEnum.HIGH,
            tags=["vpn", "network"],
            requester=m.RequesterByEmailRequest(email="rita@example.com"),
        ),
    )
    assert isinstance(created, m.RequestCreatedEnvelope)
    assert created.data.status is m.StatusEnum.OPEN
    request_id = created.data.id

    # List with filters: the list item's nullable fields come back as None, not missing.
    page = requests_list.sync(
        client=api,
        status=m.RequestsListStatus.OPEN,
        priority=m.RequestsListPriority.HIGH,
        ordering=m.RequestsListOrdering.CREATED_AT_DESC,
        created_after=datetime(2000, 1, 1, tzinfo=UTC),
        limit=10,
    )
    assert isinstance(page, m.RequestPageEnvelope)
    assert [r.id for r in page.data.requests] == [request_id]
    item = page.data.requests[0]
    assert (item.category, item.assigned_to, item.assigned_group) == (None, None, None)
    assert item.requester.email == "rita@example.com"
    assert (page.data.pagination.total, page.data.pagination.limit) == (1, 10)

    # A public comment and an internal note.
    reply = comments_create.sync(request_id, client=api, body=m.CommentCreateInputRequest(content="Which client?"))
    note = comments_create.sync(
        request_id, client=api, body=m.CommentCreateInputRequest(content="Known issue", is_internal=True)
    )
    assert isinstance(reply, m.CommentCreatedEnvelope) and reply.data.is_internal is False
    assert isinstance(note, m.CommentCreatedEnvelope) and note.data.is_internal is True
    comments = comments_list.sync(request_id, client=api)
    assert [c.content for c in comments.data.comments] == ["Which client?", "Known issue"]

    # PATCH status and assignee, empty the tags; then unassign with nulls.
    updated = requests_update.sync(
        request_id,
        client=api,
        body=m.PatchedRequestUpdateInputRequest(
            status=m.StatusEnum.IN_PROGRESS, assigned_to=agent.public_id, assigned_group=group.public_id, tags=[]
        ),
    )
    assert isinstance(updated, m.RequestUpdatedEnvelope)
    assert updated.data.status is m.StatusEnum.IN_PROGRESS
    detail = requests_get.sync(request_id, client=api).data
    assert (detail.assigned_to.id, detail.assigned_group.id, detail.tags) == (agent.public_id, group.public_id, [])
    requests_update.sync(
        request_id, client=api, body=m.PatchedRequestUpdateInputRequest(assigned_to=None, assigned_group=None)
    )
    detail = requests_get.sync(request_id, client=api).data
    assert (detail.assigned_to, detail.assigned_group) == (None, None)
    assert detail.source is m.SourceEnum.API
    assert detail.sla.response_status in set(m.SlaStatusEnum)

    # Upload a file (multipart) and download the same bytes.
    uploaded = attachments_create.sync(
        request_id,
        client=api,
        body=m.AttachmentUploadRequest(
            file=types.File(payload=io.BytesIO(PNG), file_name="screen.png", mime_type="image/png")
        ),
    )
    assert isinstance(uploaded, m.AttachmentCreatedEnvelope)
    assert (uploaded.data.filename, uploaded.data.size) == ("screen.png", len(PNG))
    downloaded = attachments_download.sync(uploaded.data.id, client=api)
    assert isinstance(downloaded, types.File)
    assert downloaded.payload.read() == PNG

    # A typed 400 naming the field, and a typed 404.
    invalid = requests_create.sync(
        client=api,
        body=m.RequestCreateInputRequest(title="x" * 201, description="d", priority=m.PriorityEnum.LOW),
    )
    assert isinstance(invalid, m.ErrorEnvelope) and invalid.success is False
    assert invalid.error.code == "validation_error"
    assert "title" in invalid.error.fields.additional_properties
    missing = requests_get.sync_detailed("req_doesnotexist", client=api)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, m.ErrorEnvelope) and missing.parsed.error.code == "not_found"
