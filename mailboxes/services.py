"""Every write of email intake: mailboxes, and turning a received message into a request or a reply.

A message is recorded (raw bytes and its key) in a transaction of its own before anything else, so
it is never lost and never imported twice; the import then runs in one transaction through the
tickets services (the same rules, events, size and filename limits as the API), and anything that
goes wrong there rolls the import back and quarantines the message with its error."""

import contextlib
import logging
import traceback
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Group, User
from accounts.services import requester_get_or_create
from helpdesk.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from tickets import services as tickets
from tickets.models import Priority, Request, Source, Status

from . import parsing, rows, threads
from .models import AfterImport, InboundMessage, Mailbox, MessageStatus

log = logging.getLogger(__name__)

TITLE_MAX = 200


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("Only admins may manage mailboxes.")


# --- mailboxes ---------------------------------------------------------------------------------

MAILBOX_FIELDS = (
    "name",
    "address",
    "group",
    "active",
    "imap_host",
    "imap_port",
    "imap_tls",
    "imap_username",
    "imap_password",
    "imap_folder",
    "after_import",
    "move_to_folder",
)


def _mailbox_fill(mailbox: Mailbox, fields: dict) -> Mailbox:
    for name in MAILBOX_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(mailbox, name, value.strip() if isinstance(value, str) and name != "imap_password" else value)
    if not mailbox.name:
        raise ValidationFailed.for_field("name", "give the mailbox a name")
    if not mailbox.address or "@" not in mailbox.address:
        raise ValidationFailed.for_field("address", "an email address, e.g. support@example.com")
    mailbox.address = mailbox.address.lower()
    if mailbox.imap_host and not mailbox.imap_username:
        raise ValidationFailed.for_field("imap_username", "required with an IMAP host")
    if not 1 <= (mailbox.imap_port or 0) <= 65535:
        raise ValidationFailed.for_field("imap_port", "a port between 1 and 65535")
    if not mailbox.imap_folder:
        raise ValidationFailed.for_field("imap_folder", "the folder to read, e.g. INBOX")
    if mailbox.after_import == AfterImport.MOVE:
        if not mailbox.move_to_folder:
            raise ValidationFailed.for_field("move_to_folder", "the folder to move imported mail to")
        if mailbox.move_to_folder == mailbox.imap_folder:
            raise ValidationFailed.for_field("move_to_folder", "must differ from the folder that is read")
    if mailbox.group is not None and not isinstance(mailbox.group, Group):
        raise ValidationFailed.for_field("group", "not a group")
    return mailbox


@transaction.atomic
def mailbox_create(*, actor: User | None, **fields) -> tuple[Mailbox, str]:
    """Returns the mailbox and its inbound secret in clear (shown once; only a hash is kept)."""
    _require_admin(actor)
    mailbox = _mailbox_fill(Mailbox(), fields)
    secret = mailbox.new_inbound_secret()
    mailbox.save()
    return mailbox, secret


@transaction.atomic
def mailbox_update(*, actor: User | None, mailbox: Mailbox, changes: dict) -> Mailbox:
    """changes: any of MAILBOX_FIELDS; an empty imap_password keeps the stored one."""
    _require_admin(actor)
    if "imap_password" in changes and not changes["imap_password"]:
        changes = {k: v for k, v in changes.items() if k != "imap_password"}
    _mailbox_fill(mailbox, changes).save()
    return mailbox


@transaction.atomic
def mailbox_delete(*, actor: User | None, mailbox: Mailbox) -> None:
    """The messages it received stay (dedup and threading keep working); they lose their mailbox."""
    _require_admin(actor)
    mailbox.delete()


@transaction.atomic
def mailbox_rotate_secret(*, actor: User | None, mailbox: Mailbox) -> str:
    _require_admin(actor)
    secret = mailbox.new_inbound_secret()
    mailbox.save(update_fields=["inbound_secret_hash", "inbound_secret_hint"])
    return secret


# --- receiving -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    message: InboundMessage
    duplicate: bool = False

    @property
    def answer(self) -> dict:
        """What the inbound endpoint answers: what the message became."""
        m = self.message
        if m.status == MessageStatus.IMPORTED:
            return {
                "requestId": m.request.public_id if m.request else None,
                "commentId": m.comment.public_id if m.comment else None,
            }
        if m.status == MessageStatus.IGNORED:
            return {"ignored": m.reason}
        return {"quarantined": m.reason or "not imported yet"}


def messages_record(*, mailbox: Mailbox | None, raws: list[bytes], channel: str) -> list[tuple[InboundMessage, bool]]:
    """Stores raw messages under their keys, committed, before anything else happens to them: one
    query finds those received before, one inserts the others. Returns (row, is new) per message,
    in order; a message repeated in the batch is new only the first time."""
    keys = [parsing.message_key(raw) for raw in raws]
    # Not the raw bytes back again: an import reads them when it locks its messages.
    records = InboundMessage.objects.defer("raw")
    found = {m.key: m for m in records.filter(key__in=set(keys)).select_related("request", "comment")}
    fresh: dict[str, InboundMessage] = {}
    for key, raw in zip(keys, raws, strict=True):
        if key not in found and key not in fresh:
            fresh[key] = InboundMessage(key=key, mailbox=mailbox, raw=raw, size=len(raw), channel=channel)
    if fresh:
        with transaction.atomic():
            # ignore_conflicts: the same message arrived meanwhile by another way. Either way the row
            # is there now, and the import's lock and status check make it one request.
            InboundMessage.objects.bulk_create(fresh.values(), ignore_conflicts=True)
        fresh = {m.key: m for m in records.filter(key__in=list(fresh))}
    result, seen = [], set()
    for key in keys:
        is_new = key in fresh and key not in seen
        seen.add(key)
        result.append((fresh[key] if key in fresh else found[key], is_new))
    return result


def message_record(*, mailbox: Mailbox | None, raw: bytes, channel: str) -> tuple[InboundMessage, bool]:
    return messages_record(mailbox=mailbox, raws=[raw], channel=channel)[0]


@dataclass
class _Batch:
    """What the imports of a batch share, each read once rather than once a message: our own
    addresses, the messages locked for import (one SELECT … FOR UPDATE), their parsed form, and
    their senders' accounts (one query for every sender of the batch)."""

    ours: set[str]
    locked: dict[int, InboundMessage] = field(default_factory=dict)
    parsed: dict[int, parsing.Parsed] = field(default_factory=dict)
    senders: dict[str, User | None] = field(default_factory=dict)  # email -> account; None: nobody has it
    # Messages imported in this batch, saved together by save() in one UPDATE at its end, and the
    # requests they made or joined (key -> request id): threading finds those as it finds saved ones.
    done: dict[int, InboundMessage] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)

    def sender(self, email: str) -> User | None:
        if email in self.senders:
            return self.senders[email]
        return User.objects.filter(email=email).first()  # stored lower-case: the unique index

    def add_done(self, message: InboundMessage) -> None:
        self.done[message.pk] = message
        if message.request_id is not None:
            self.received[message.key] = message.request_id

    def save(self) -> None:
        if self.done:
            rows.messages_save(list(self.done.values()), IMPORT_FIELDS)  # not the raw bytes again
            self.done.clear()
            self.received.clear()


def _batch_for(message_ids: list[int]) -> _Batch:
    """Locks the batch's messages (in id order, as any other worker does) and reads what their imports need."""
    batch = _Batch(ours=_our_addresses())
    if not message_ids:
        return batch
    locked = InboundMessage.objects.select_for_update(of=("self",)).select_related("mailbox__group")
    batch.locked = {m.pk: m for m in locked.filter(pk__in=message_ids).order_by("pk")}
    for message in batch.locked.values():
        if message.status == MessageStatus.RECEIVED:
            with contextlib.suppress(Exception):  # unreadable: read again by its import, which quarantines it
                batch.parsed[message.pk] = parsing.read(bytes(message.raw))
    emails = {p.sender_email for p in batch.parsed.values()}
    batch.senders = dict.fromkeys(emails) | {u.email: u for u in User.objects.filter(email__in=emails)}
    return batch


def messages_receive(*, mailbox: Mailbox | None, raws: list[bytes], channel: str = "imap") -> list[Outcome]:
    """Records messages, then imports each one not imported before. Never raises for a bad message:
    each ends up imported, ignored or quarantined, and the others go on.

    The records commit first; the imports then share one transaction, each in a savepoint of its
    own (a failure rolls back that message alone), so a batch costs one commit, not one a message.
    A crash before that commit leaves the messages recorded and not imported: the next fetch of
    them (they are still on the server) imports them."""
    recorded = messages_record(mailbox=mailbox, raws=raws, channel=channel)
    outcomes = []
    with transaction.atomic():
        batch = _batch_for([m.pk for m, _ in recorded if m.status == MessageStatus.RECEIVED])
        for message, is_new in recorded:
            if message.status != MessageStatus.RECEIVED:
                outcomes.append(Outcome(message, duplicate=True))
                continue
            # New, or recorded by a run that stopped before importing it: import it now.
            outcomes.append(Outcome(message_import(message_id=message.pk, batch=batch), duplicate=not is_new))
        batch.save()
    return outcomes


def message_receive(*, mailbox: Mailbox | None, raw: bytes, channel: str = "imap") -> Outcome:
    return messages_receive(mailbox=mailbox, raws=[raw], channel=channel)[0]


def message_retry(*, actor: User | None, message: InboundMessage) -> InboundMessage:
    """Admin's "retry import" of a quarantined message."""
    _require_admin(actor)
    updated = InboundMessage.objects.filter(pk=message.pk, status=MessageStatus.QUARANTINED).update(
        status=MessageStatus.RECEIVED
    )
    if not updated:
        raise ValidationFailed.for_field("status", "only quarantined messages can be retried")
    return message_import(message_id=message.pk)


IMPORT_FIELDS = [
    "status",
    "reason",
    "sender",
    "subject",
    "text",
    "request",
    "comment",
    "follows_request",
    "attempts",
    "imported_at",
]


def message_import(*, message_id: int, batch: _Batch | None = None) -> InboundMessage:
    """Imports one recorded message. Within a batch (messages_receive), the message's row is saved
    with the batch's others when the batch ends (batch.save()), in the same transaction."""
    alone = batch is None
    batch = batch or _Batch(ours=_our_addresses())
    if message_id in batch.done:  # repeated in the batch: imported a moment ago
        return batch.done[message_id]
    try:
        with transaction.atomic():
            # Locked, and judged as it is now: two workers importing one message make one request.
            # A batch locked its messages already; a message repeated in it is read again.
            message = batch.locked.pop(message_id, None)
            if message is None:
                locked = InboundMessage.objects.select_for_update(of=("self",))  # not the outer-joined mailbox
                message = locked.select_related("mailbox__group").get(pk=message_id)
            if message.status != MessageStatus.RECEIVED:
                return message
            message.attempts += 1
            _import(message, batch)
            message.imported_at = timezone.now()
            if alone:
                message.save(update_fields=IMPORT_FIELDS)  # not the raw bytes again
        if not alone:
            batch.add_done(message)
        return message
    except Exception as exc:  # any failure of one message quarantines it and never stops the others
        batch.senders.clear()  # a sender made by the rolled-back import is gone again: look them up
        error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        log.warning("Quarantined inbound message %s: %s", message_id, error)
        detail = "".join(traceback.format_exception(exc, limit=-6)) if not isinstance(exc, DomainError) else ""
        # The failed attempt was rolled back with the import: count it here.
        InboundMessage.objects.filter(pk=message_id).update(
            **_headline(message_id),
            status=MessageStatus.QUARANTINED,
            reason=(error + ("\n\n" + detail if detail else ""))[:10_000],
            attempts=F("attempts") + 1,
        )
        message = InboundMessage.objects.select_related("mailbox", "request", "comment").get(pk=message_id)
        return message


def _headline(message_id: int) -> dict:
    """Sender and subject of a message that could not be imported, as far as they can be read."""
    raw = InboundMessage.objects.filter(pk=message_id).values_list("raw", flat=True).first()
    try:
        msg = parsing.parse(bytes(raw or b""))
        return {
            "sender": parseaddr(parsing.header_text(msg, "From"))[1][:254],
            "subject": parsing.header_text(msg, "Subject")[:255],
        }
    except Exception:
        return {}


def _our_addresses() -> set[str]:
    addresses = {
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
        settings.HELPDESK_REPLY_ADDRESS.lower(),
        *(a.lower() for a in Mailbox.objects.values_list("address", flat=True)),
    }
    return {a for a in addresses if a}


def _is_ours(address: str, ours: set[str]) -> bool:
    # Our reply address plus-addressed for a request (support+req_….sig@) is ours too.
    if address in ours:
        return True
    local, _, domain = address.partition("@")
    base_local, _, base_domain = settings.HELPDESK_REPLY_ADDRESS.lower().partition("@")
    return domain == base_domain and local.startswith(base_local + "+")


def _ignore(message: InboundMessage, reason: str) -> None:
    message.status = MessageStatus.IGNORED
    message.reason = reason


def _import(message: InboundMessage, batch: _Batch) -> None:
    parsed = batch.parsed.pop(message.pk, None) or parsing.read(bytes(message.raw))  # Unparseable: quarantined
    message.sender = parsed.sender_email[:254]
    message.subject = parsed.subject[:255]
    message.text = parsed.text
    if _is_ours(parsed.sender_email, batch.ours):
        return _ignore(message, f"loop: sent from our own address {parsed.sender_email}")
    if parsed.auto_reason:
        return _ignore(message, parsed.auto_reason)

    sender = batch.sender(parsed.sender_email)
    if sender is not None and not sender.is_active:
        return _ignore(message, f"sender {parsed.sender_email} is deactivated")
    thread = threads.find_thread(parsed, sender, received=batch.received)
    if sender is None:
        if settings.EMAIL_INTAKE_UNKNOWN_SENDERS == "refuse":
            return _ignore(message, f"unknown sender {parsed.sender_email} (EMAIL_INTAKE_UNKNOWN_SENDERS=refuse)")
        sender = requester_get_or_create(email=parsed.sender_email, name=parsed.sender_name)
        batch.senders[parsed.sender_email] = sender  # their next message in the batch finds them

    if thread is not None:
        return _reply(message, parsed, sender, thread)
    _open(message, parsed, sender, reason="new request")


def _files_and_notes(parsed: parsing.Parsed) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The message's files as uploads, and a note for each the size limit or an empty body refused:
    such a file is dropped, never a failed import."""
    uploads, notes = [], []
    limit = settings.ATTACHMENT_MAX_BYTES
    for file in parsed.files:
        name = tickets.sanitize_filename(file.filename)
        if len(file.content) > limit:
            notes.append(
                f"[The attachment {name} ({len(file.content) / 1024 / 1024:.1f} MB) was not imported: "
                f"it is larger than the {limit / 1024 / 1024:g} MB limit.]"
            )
        elif not file.content:
            notes.append(f"[The attachment {name} was empty and was not imported.]")
        else:
            uploads.append(SimpleUploadedFile(name, file.content, file.content_type))
    return uploads, notes


def _with_notes(text: str, notes: list[str]) -> str:
    return "\n\n".join(part for part in [text.strip(), *notes] if part)


def _open(
    message: InboundMessage,
    parsed: parsing.Parsed,
    sender: User,
    *,
    reason: str,
    follows: Request | None = None,
    preface: str = "",
):
    uploads, notes = _files_and_notes(parsed)
    description = _with_notes(preface, [parsed.text, *notes]) or "(no text)"
    title = " ".join(parsed.subject.split())[:TITLE_MAX] or "(no subject)"
    mailbox = message.mailbox
    request = tickets.request_create(
        actor=sender,
        title=title,
        description=description,
        priority=Priority.MEDIUM,
        source=Source.EMAIL,
        routed_group=mailbox.group if mailbox else None,
    )
    for upload in uploads:
        tickets.attachment_add(actor=sender, request=request, upload=upload)
    message.status = MessageStatus.IMPORTED
    message.request = request
    message.follows_request = follows
    message.reason = reason


def _reply(message: InboundMessage, parsed: parsing.Parsed, sender: User, thread: threads.Thread) -> None:
    request = thread.request
    content = parsing.new_text(parsed.text)
    is_requester = sender.pk == request.requester_id
    if not (is_requester or sender.is_agent):
        # Someone the request is not shared with: their mail opens a request of their own, pointing
        # to the one they answered, so nobody reads a request they may not see.
        return _open(
            message,
            parsed,
            sender,
            reason=f"sender is not a party to #{request.number}",
            preface=f"(This message answered request #{request.number}, which is not shared with its sender.)",
        )
    if request.status == Status.CLOSED:
        if sender.is_agent and not is_requester:
            # Closed is final; an agent's mail about it is kept as an internal note (the record).
            return _comment(message, parsed, sender, request, content, internal=True, how=thread.how)
        return _open(
            message,
            parsed,
            sender,
            reason=f"reply to closed request #{request.number}",
            follows=request,
            preface=f"(Follow-up to closed request #{request.number}: {request.title})",
        )
    try:
        _comment(message, parsed, sender, request, content, internal=False, how=thread.how)
    except ValidationFailed as exc:
        if not is_requester:
            raise
        # The rules refuse the requester's answer on this request (settled, past its reopen window):
        # as for a closed one, their mail opens a new request that names the old one.
        return _open(
            message,
            parsed,
            sender,
            reason=f"reply to #{request.number} refused ({exc.message}); opened a new request",
            follows=request,
            preface=f"(Follow-up to request #{request.number}: {request.title})",
        )


def _comment(message, parsed, sender: User, request: Request, content: str, *, internal: bool, how: str) -> None:
    uploads, notes = _files_and_notes(parsed)
    content = _with_notes(content, notes) or "(no text; see the attachments)"
    try:
        if uploads:
            comment = tickets.reply_post(
                actor=sender, request=request, content=content, is_internal=internal, files=uploads
            )
        else:  # the same service reply_post starts with, one savepoint fewer
            comment = tickets.comment_add(actor=sender, request=request, content=content, is_internal=internal)
    except NotFound as exc:
        raise NotFound(f"#{request.number} is out of reach of {sender.email}") from exc
    message.status = MessageStatus.IMPORTED
    message.request = request
    message.comment = comment
    message.reason = f"reply on #{request.number} by {how}" + (
        " (internal note: the request is closed)" if internal else ""
    )
