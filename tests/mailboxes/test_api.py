"""/v1/mailboxes (admins only) and POST /v1/mailboxes/:id/inbound (the mailbox's inbound secret),
the latter fed the same corpus as the IMAP poll."""

import pytest
from rest_framework.test import APIClient

from mailboxes.models import InboundMessage, Mailbox, hash_secret
from tests.mailboxes import corpus
from tests.mailboxes.test_imap import EXPECTED
from tickets.models import Request

BODY = {
    "name": "Support",
    "address": "Support@Helpdesk.localhost",
    "active": True,
    "imap": {
        "host": "imap.example.com",
        "port": 993,
        "tls": True,
        "username": "support@example.com",
        "password": "s3cret imap pass",
        "folder": "INBOX",
        "afterImport": "move",
        "moveTo": "Imported",
    },
}


@pytest.fixture
def admin_api(api_for, admin_user):
    return api_for(admin_user)


def _create(api, **changes) -> dict:
    response = api.post("/v1/mailboxes", {**BODY, **changes}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def test_an_admin_creates_a_mailbox_and_sees_its_inbound_secret_once(admin_api, group):
    data = _create(admin_api, groupId=group.public_id)

    assert data["id"].startswith("mbx_")
    assert data["address"] == "support@helpdesk.localhost"
    assert data["groupId"] == group.public_id
    assert data["imap"] == {
        "host": "imap.example.com",
        "port": 993,
        "tls": True,
        "username": "support@example.com",
        "passwordSet": True,
        "folder": "INBOX",
        "afterImport": "move",
        "moveTo": "Imported",
    }
    secret = data["inboundSecret"]
    assert secret.startswith("mbxs_")
    mailbox = Mailbox.objects.get(public_id=data["id"])
    assert mailbox.imap_password == "s3cret imap pass"  # as given: the IMAP server needs it
    assert mailbox.inbound_secret_hash == hash_secret(secret) and secret not in str(vars(mailbox))
    # Never again: not in a read, not in the list.
    shown = admin_api.get(f"/v1/mailboxes/{data['id']}").content.decode()
    listed = admin_api.get("/v1/mailboxes").content.decode()
    for text in (shown, listed):
        assert secret not in text and "s3cret" not in text and "inboundSecret" not in text
    assert admin_api.get("/v1/mailboxes").json()["data"]["pagination"]["total"] == 1


def test_patch_changes_fields_and_an_empty_password_keeps_the_stored_one(admin_api):
    data = _create(admin_api)
    response = admin_api.patch(
        f"/v1/mailboxes/{data['id']}",
        {"active": False, "imap": {"password": "", "afterImport": "delete", "port": 143, "tls": False}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    imap = response.json()["data"]["imap"]
    assert (imap["afterImport"], imap["port"], imap["tls"], imap["passwordSet"]) == ("delete", 143, False, True)
    mailbox = Mailbox.objects.get(public_id=data["id"])
    assert mailbox.imap_password == "s3cret imap pass" and not mailbox.active
    admin_api.patch(f"/v1/mailboxes/{data['id']}", {"imap": {"password": "new one"}}, format="json")
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "new one"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"imap": {**BODY["imap"], "moveTo": ""}}, "imap.moveTo"),
        ({"imap": {**BODY["imap"], "port": 70000}}, "imap.port"),
        ({"imap": {**BODY["imap"], "afterImport": "archive"}}, "imap.afterImport"),
        ({"imap": {**BODY["imap"], "hots": "x"}}, "imap.hots"),
        ({"imap": {**BODY["imap"], "username": ""}}, "imap.username"),
        ({"address": "not an address"}, "address"),
        ({"groupId": "grp_doesnotexist"}, "groupId"),
        ({"secret": "x"}, "secret"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(admin_api, body, field):
    response = admin_api.post("/v1/mailboxes", {**BODY, **body}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"], error
    assert error["message"].startswith(field)


def test_delete_removes_the_mailbox_and_keeps_what_it_received(admin_api):
    data = _create(admin_api)
    secret = data["inboundSecret"]
    APIClient().post(
        f"/v1/mailboxes/{data['id']}/inbound",
        corpus.load("html_only"),
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert admin_api.delete(f"/v1/mailboxes/{data['id']}").json() == {"success": True, "data": {"deleted": True}}
    assert admin_api.get(f"/v1/mailboxes/{data['id']}").status_code == 404
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_only_admins_manage_mailboxes(api_for, request, who, admin_api):
    data = _create(admin_api)
    api = api_for(request.getfixturevalue(who))
    assert api.get("/v1/mailboxes").status_code == 403
    assert api.post("/v1/mailboxes", BODY, format="json").status_code == 403
    assert api.get(f"/v1/mailboxes/{data['id']}").status_code == 403
    assert api.patch(f"/v1/mailboxes/{data['id']}", {"name": "x"}, format="json").status_code == 403
    assert api.delete(f"/v1/mailboxes/{data['id']}").status_code == 403
    assert APIClient().get("/v1/mailboxes").status_code == 401


# --- the inbound endpoint -------------------------------------------------------------------------


@pytest.fixture
def inbound(admin_api, group):
    data = _create(admin_api, groupId=group.public_id)
    client = APIClient()

    def post(raw: bytes, secret: str | None = data["inboundSecret"], content_type="message/rfc822", mailbox=data["id"]):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        return client.post(f"/v1/mailboxes/{mailbox}/inbound", raw, content_type=content_type, **headers)

    post.mailbox_id = data["id"]
    return post


def test_the_corpus_posted_becomes_what_the_imap_poll_makes_of_it(inbound, corpus_values, thread_request):
    for name, kind in sorted(EXPECTED.items()):
        response = inbound(corpus.load(name, **corpus_values))
        assert response.status_code == 202, (name, response.json())
        data = response.json()["data"]
        if kind == "request":
            assert data["commentId"] is None and data["requestId"].startswith("req_"), name
        elif kind == "reply":
            assert data["requestId"] == thread_request.public_id and data["commentId"].startswith("cmt_"), name
        else:
            assert list(data) == [kind], (name, data)
    assert thread_request.comments.count() == 3


def test_posting_a_message_twice_answers_the_same_and_makes_one_request(inbound):
    first = inbound(corpus.load("html_only")).json()["data"]
    second = inbound(corpus.load("html_only"))
    assert second.status_code == 202 and second.json()["data"] == first
    assert Request.objects.count() == 1


def test_the_inbound_secret_is_required_and_must_be_this_mailboxs(inbound, admin_api):
    other = _create(admin_api, name="Billing", address="billing@helpdesk.localhost")
    raw = corpus.load("html_only")
    assert inbound(raw, secret=None).status_code == 401
    assert inbound(raw, secret="mbxs_wrong").status_code == 401
    assert inbound(raw, secret=other["inboundSecret"]).status_code == 401
    assert inbound(raw, mailbox="mbx_doesnotexist").status_code == 401
    response = inbound(raw, secret="mbxs_wrong")
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Request.objects.exists()


def test_an_inactive_mailbox_refuses_posts(inbound, admin_api):
    admin_api.patch(f"/v1/mailboxes/{inbound.mailbox_id}", {"active": False}, format="json")
    response = inbound(corpus.load("html_only"))
    assert response.status_code == 403 and response.json()["error"]["code"] == "mailbox_inactive"


def test_only_message_rfc822_is_taken(inbound):
    response = inbound(b'{"subject": "hi"}', content_type="application/json")
    assert response.status_code == 415
    assert inbound(b"", content_type="message/rfc822").status_code == 400


def test_a_message_over_the_size_limit_is_a_413_read_no_further(inbound, settings):
    settings.EMAIL_INTAKE_MAX_BYTES = 10_000
    response = inbound(corpus.load("oversized_attachment"))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not InboundMessage.objects.exists()
    assert inbound(corpus.load("html_only")).status_code == 202
