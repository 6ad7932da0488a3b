"""Mailboxes and the quarantine in Django admin."""

import pytest
from django.urls import reverse

from mailboxes.models import InboundMessage, Mailbox, MessageStatus
from tests.mailboxes import corpus


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_mailbox_made_in_admin_keeps_its_password_hidden_and_shows_the_secret_once(admin_client, group):
    response = admin_client.post(
        reverse("admin:mailboxes_mailbox_add"),
        {
            "name": "Support",
            "address": "support@example.com",
            "group": group.pk,
            "active": "on",
            "imap_host": "imap.example.com",
            "imap_port": 993,
            "imap_tls": "on",
            "imap_username": "support",
            "imap_password": "hunter2-imap-secret",
            "imap_folder": "INBOX",
            "after_import": "seen",
            "move_to_folder": "Imported",
        },
        follow=True,
    )
    assert response.status_code == 200
    mailbox = Mailbox.objects.get()
    assert mailbox.imap_password == "hunter2-imap-secret" and mailbox.group == group
    assert "shown only now: mbxs_" in response.content.decode()

    page = admin_client.get(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "hunter2-imap-secret" not in page
    assert "••••••••et" in page  # the stored password, masked
    # Saving the form with the password left empty keeps it.
    admin_client.post(
        reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]),
        {
            "name": "Support desk",
            "address": "support@example.com",
            "group": group.pk,
            "active": "on",
            "imap_host": "imap.example.com",
            "imap_port": 993,
            "imap_tls": "on",
            "imap_username": "support",
            "imap_password": "",
            "imap_folder": "INBOX",
            "after_import": "seen",
            "move_to_folder": "Imported",
        },
    )
    mailbox.refresh_from_db()
    assert mailbox.name == "Support desk" and mailbox.imap_password == "hunter2-imap-secret"


def test_the_quarantine_shows_the_raw_message_escaped_and_retries_it(admin_client, mailbox, monkeypatch):
    from tickets import services as tickets

    real = tickets.request_create
    monkeypatch.setattr(tickets, "request_create", lambda **kw: (_ for _ in ()).throw(RuntimeError("disk full")))
    from mailboxes.services import message_receive

    message = message_receive(mailbox=mailbox, raw=corpus.load("html_only")).message
    assert message.status == MessageStatus.QUARANTINED
    listing = admin_client.get(reverse("admin:mailboxes_inboundmessage_changelist") + "?status=quarantined")
    assert "RuntimeError: disk full" in listing.content.decode()
    page = admin_client.get(reverse("admin:mailboxes_inboundmessage_change", args=[message.pk])).content.decode()
    assert "&lt;script&gt;alert" in page and "<script>alert" not in page  # shown as text, never rendered
    raw = admin_client.get(reverse("admin:mailboxes_inboundmessage_raw", args=[message.pk]))
    assert raw["Content-Type"] == "message/rfc822" and raw.content == bytes(message.raw)

    monkeypatch.setattr(tickets, "request_create", real)
    response = admin_client.post(
        reverse("admin:mailboxes_inboundmessage_changelist"),
        {"action": "retry_import", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "1 imported, 0 ignored, 0 still quarantined." in response.content.decode()
    assert InboundMessage.objects.get(pk=message.pk).status == MessageStatus.IMPORTED
