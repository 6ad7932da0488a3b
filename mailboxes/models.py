"""Email intake: the mailboxes mail arrives in, and every message they received (the record that
makes intake idempotent, threads replies to the messages we received, and keeps quarantined mail)."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from helpdesk.ids import new_public_id


def new_mailbox_id() -> str:
    return new_public_id("mbx_")


class AfterImport(models.TextChoices):
    MARK_SEEN = "seen", "Mark as seen"
    MOVE = "move", "Move to a folder"
    DELETE = "delete", "Delete"


INBOUND_SECRET_PREFIX = "mbxs_"


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Mailbox(models.Model):
    """A support address whose mail becomes requests: polled over IMAP, or posted to us by a mail
    provider (POST /v1/mailboxes/:id/inbound), or both."""

    public_id = models.CharField(max_length=24, unique=True, default=new_mailbox_id, editable=False)
    name = models.CharField(max_length=100)
    address = models.EmailField(help_text="The support address mail is sent to, e.g. support@example.com.")
    group = models.ForeignKey(
        "accounts.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The group new requests from this mailbox land in.",
    )
    active = models.BooleanField(default=True, help_text="Inactive mailboxes are neither polled nor take posts.")

    imap_host = models.CharField("IMAP host", max_length=255, blank=True, help_text="Empty: no IMAP polling.")
    imap_port = models.PositiveIntegerField("IMAP port", default=993)
    imap_tls = models.BooleanField("IMAP over TLS", default=True)
    imap_username = models.CharField("IMAP user", max_length=255, blank=True)
    # Stored as given: the IMAP server needs it in clear. Never shown in full again (admin, API).
    imap_password = models.CharField("IMAP password", max_length=255, blank=True)
    imap_folder = models.CharField("IMAP folder", max_length=255, default="INBOX")
    after_import = models.CharField(max_length=8, choices=AfterImport.choices, default=AfterImport.MARK_SEEN)
    move_to_folder = models.CharField(
        max_length=255, blank=True, default="Imported", help_text="Where imported mail goes when moved."
    )

    inbound_secret_hash = models.CharField(max_length=64, editable=False)
    inbound_secret_hint = models.CharField(max_length=12, editable=False)

    # The poll lease: a poll holds the mailbox until this instant, so two polls never run at once.
    polling_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "mailboxes"
        indexes = [models.Index(fields=["active"], name="mbx_active")]

    def __str__(self):
        return f"{self.name} <{self.address}>"

    @property
    def polls_imap(self) -> bool:
        return bool(self.imap_host and self.imap_username)

    def new_inbound_secret(self) -> str:
        """Sets a new inbound secret and returns it in clear; only its hash is kept."""
        raw = INBOUND_SECRET_PREFIX + secrets.token_urlsafe(32)
        self.inbound_secret_hash = hash_secret(raw)
        self.inbound_secret_hint = raw[:10]
        return raw

    @property
    def password_masked(self) -> str:
        if not self.imap_password:
            return ""
        return "•" * 8 + (self.imap_password[-2:] if len(self.imap_password) >= 8 else "")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", "Received, not yet imported"
    IMPORTED = "imported", "Imported"
    IGNORED = "ignored", "Ignored"
    QUARANTINED = "quarantined", "Quarantined"


class InboundMessage(models.Model):
    """One message as we received it. Written (raw bytes included) before anything else happens to
    it, keyed by its Message-ID, or by a hash of its bytes when it has none: a message fetched or
    posted twice finds its row and makes nothing twice."""

    key = models.CharField(
        max_length=255, unique=True, help_text="The Message-ID as sent, or sha256:… of the raw bytes."
    )
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    raw = models.BinaryField(help_text="The message exactly as received.")
    size = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=8, default="imap", help_text="imap or http.")
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it was ignored or quarantined; how it was threaded.")
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True, help_text="The whole text body, quoted history and signature included.")
    request = models.ForeignKey("tickets.Request", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.ForeignKey("tickets.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    follows_request = models.ForeignKey(
        "tickets.Request",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The closed request this message replied to; it opened the new request instead.",
    )
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-received_at"], name="inmsg_status_received"),
            models.Index(
                fields=["follows_request"], name="inmsg_follows", condition=models.Q(follows_request__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.subject or '(no subject)'} from {self.sender or '?'}"

    @property
    def is_done(self) -> bool:
        return self.status in (MessageStatus.IMPORTED, MessageStatus.IGNORED)
