"""/v1/webhooks (issue 8, point 4): admins only, ids whk_…, the secret once, an SSRF guard."""

import pytest
from django.core import mail  # noqa: F401

from notifications.models import Delivery, WebhookEndpoint
from tests.factories import AgentFactory, RequesterFactory

from .receiver import start_receiver, stop_receiver

EVENTS = ["request.created", "comment.created"]


@pytest.fixture
def admin_api(admin_user, api_for):
    return api_for(admin_user)


@pytest.fixture
def receiver():
    started = start_receiver()
    yield started
    stop_receiver(started)


def create(api, url="http://127.0.0.1:9/hooks", events=EVENTS, **extra):
    return api.post("/v1/webhooks", {"url": url, "events": events, **extra}, format="json")


@pytest.mark.parametrize("role", ["requester", "agent"])
def test_only_admins_reach_the_webhooks_api(role, api_for, admin_api):
    user = RequesterFactory() if role == "requester" else AgentFactory()
    hook = create(admin_api).json()["data"]["id"]
    api = api_for(user)
    for method, path in [
        ("get", "/v1/webhooks"),
        ("post", "/v1/webhooks"),
        ("get", f"/v1/webhooks/{hook}"),
        ("patch", f"/v1/webhooks/{hook}"),
        ("delete", f"/v1/webhooks/{hook}"),
        ("post", f"/v1/webhooks/{hook}/test"),
        ("get", f"/v1/webhooks/{hook}/deliveries"),
    ]:
        body = {"url": "http://127.0.0.1:9/x", "events": EVENTS} if method in ("post", "patch") else None
        response = getattr(api, method)(path, body, format="json")
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_callers_get_401(db):
    from rest_framework.test import APIClient

    assert APIClient().get("/v1/webhooks").status_code == 401


def test_create_answers_the_secret_once_and_never_again(admin_api):
    response = create(admin_api, description="Slack bridge")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("whk_")
    assert data["secret"].startswith("whsec_")
    assert data["events"] == EVENTS and data["active"] is True and data["description"] == "Slack bridge"
    again = admin_api.get(f"/v1/webhooks/{data['id']}").json()["data"]
    assert "secret" not in again
    listed = admin_api.get("/v1/webhooks").json()["data"]
    assert [w["id"] for w in listed["webhooks"]] == [data["id"]]
    assert "secret" not in listed["webhooks"][0]
    assert listed["pagination"] == {"page": 1, "limit": 20, "total": 1, "pages": 1}


def test_patch_changes_events_and_switches_an_endpoint_off_and_on(admin_api):
    hook = create(admin_api).json()["data"]["id"]
    off = admin_api.patch(f"/v1/webhooks/{hook}", {"active": False, "events": ["sla.breached"]}, format="json")
    assert off.status_code == 200
    assert off.json()["data"]["active"] is False and off.json()["data"]["events"] == ["sla.breached"]
    assert off.json()["data"]["disabledAt"] is not None
    on = admin_api.patch(f"/v1/webhooks/{hook}", {"active": True}, format="json").json()["data"]
    assert on["active"] is True and on["disabledAt"] is None and on["failingSince"] is None


def test_delete_removes_the_endpoint(admin_api):
    hook = create(admin_api).json()["data"]["id"]
    assert admin_api.delete(f"/v1/webhooks/{hook}").json() == {"success": True, "data": {"deleted": True}}
    assert admin_api.get(f"/v1/webhooks/{hook}").status_code == 404
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1:9/x", "events": ["request.exploded"]}, "events"),
        ({"url": "http://127.0.0.1:9/x", "events": []}, "events"),
        ({"url": "ftp://example.com/x", "events": EVENTS}, "url"),
        ({"url": "not a url", "events": EVENTS}, "url"),
        ({"events": EVENTS}, "url"),
        ({"url": "http://127.0.0.1:9/x", "events": EVENTS, "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_refused_naming_the_field(admin_api, body, field):
    response = admin_api.post("/v1/webhooks", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_internal_addresses_are_refused_unless_allowed(admin_api, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = create(admin_api, url=url)
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    assert "WEBHOOK_ALLOW_PRIVATE" in response.json()["error"]["message"]


def test_cloud_metadata_is_refused_even_when_private_addresses_are_allowed(admin_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert create(admin_api, url="http://169.254.169.254/latest/meta-data").status_code == 400
    assert create(admin_api, url="http://127.0.0.1:9/hook").status_code == 201


def test_an_endpoint_whose_address_turned_private_is_not_called(admin_api, settings, receiver):
    hook = create(admin_api, url=receiver.url).json()["data"]["id"]
    settings.WEBHOOK_ALLOW_PRIVATE = False  # as if its DNS name now pointed inside
    admin_api.post(f"/v1/webhooks/{hook}/test")
    from notifications import delivery

    delivery.deliver(list(Delivery.objects.values_list("pk", flat=True)))
    assert receiver.messages == []
    assert "refused" in Delivery.objects.get().last_error


def test_the_test_call_sends_a_signed_message_and_deliveries_list_it(
    admin_api, receiver, django_capture_on_commit_callbacks
):
    created = create(admin_api, url=receiver.url).json()["data"]
    receiver.secret = created["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"/v1/webhooks/{created['id']}/test")
    assert response.status_code == 202
    queued = response.json()["data"]
    assert queued["id"].startswith("dlv_") and queued["event"] == "webhook.test"
    (message,) = receiver.messages
    assert message.verified and message.body["type"] == "webhook.test"
    assert message.webhook_id == queued["webhookId"]
    listed = admin_api.get(f"/v1/webhooks/{created['id']}/deliveries").json()["data"]
    (row,) = listed["deliveries"]
    assert (row["id"], row["status"], row["responseStatus"], row["attempts"]) == (queued["id"], "sent", 204, 1)
    assert row["nextAttemptAt"] is None and row["sentAt"] is not None


def test_unknown_webhook_ids_are_404(admin_api):
    assert admin_api.get("/v1/webhooks/whk_doesnotexist").status_code == 404
    assert admin_api.get("/v1/webhooks/whk_doesnotexist/deliveries").status_code == 404
