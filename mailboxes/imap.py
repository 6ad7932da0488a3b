"""Polling a mailbox over IMAP (imap-tools). Each message is recorded in our store before the
server is told anything (seen, moved or deleted), so a crash at any point leaves it on the server
or in our store, never nowhere; the dedup key makes the next poll skip what was recorded."""

import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessage, MailMessageFlags

from . import services
from .models import AfterImport, Mailbox, MessageStatus

log = logging.getLogger(__name__)

CHUNK = 100  # messages fetched per IMAP FETCH, and told to the server per command
TIMEOUT_SECONDS = 30  # each network operation
LEASE = timedelta(minutes=15)  # a poll that died keeps the mailbox this long at most


class RawMailMessage(MailMessage):
    """imap-tools' message, keeping the bytes exactly as the server sent them. It is not parsed
    here (imap-tools would parse every message once more): intake reads the bytes itself, and the
    uid comes from the FETCH response line."""

    def __init__(self, fetch_data: list) -> None:
        self.raw, self._raw_uid_data, self._raw_flag_data = self._get_message_data_parts(fetch_data)


class _MailBox(MailBox):
    email_message_class = RawMailMessage


class _MailBoxUnencrypted(MailBoxUnencrypted):
    email_message_class = RawMailMessage


@dataclass
class PollResult:
    fetched: int = 0
    imported: int = 0
    ignored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: services.Outcome) -> None:
        self.fetched += 1
        if outcome.duplicate and outcome.message.status != MessageStatus.RECEIVED:
            self.duplicates += 1
        status = outcome.message.status
        if status == MessageStatus.IMPORTED:
            self.imported += 1
        elif status == MessageStatus.IGNORED:
            self.ignored += 1
        elif status == MessageStatus.QUARANTINED:
            self.quarantined += 1


def connect(mailbox: Mailbox):
    cls = _MailBox if mailbox.imap_tls else _MailBoxUnencrypted
    client = cls(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT_SECONDS)
    # imaplib writes a command, then its literal: without this, Nagle's algorithm and delayed ACKs
    # cost about 40 ms per command.
    client.client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client.login(mailbox.imap_username, mailbox.imap_password, initial_folder=mailbox.imap_folder)


def _lease(mailbox_id: int) -> bool:
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox_id, active=True)
        .filter(Q(polling_until__isnull=True) | Q(polling_until__lt=now))
        .update(polling_until=now + LEASE)
    )


def _after_import(client, mailbox: Mailbox, uids: list[str]) -> None:
    if not uids:
        return
    if mailbox.after_import == AfterImport.DELETE:
        client.delete(uids)
    elif mailbox.after_import == AfterImport.MOVE:
        client.move(uids, mailbox.move_to_folder)
    else:
        client.flag(uids, MailMessageFlags.SEEN, True)


def _fetch(client, uids: list[str]) -> list[RawMailMessage]:
    # uid_list: one UID FETCH for the chunk, without a SEARCH before it. An unsolicited FETCH (of
    # flags) that some servers interleave has no uid: skipped.
    return [m for m in client.fetch(uid_list=uids, mark_seen=False, bulk=True) if m.uid]


def poll(mailbox: Mailbox, *, limit: int | None = None) -> PollResult:
    """Fetches the mailbox's new mail, records and imports each message, then marks, moves or
    deletes on the server what was recorded. Skips (returns an empty result) when another poll of
    this mailbox is running."""
    result = PollResult()
    if not mailbox.polls_imap or not _lease(mailbox.pk):
        return result
    error = ""
    try:
        with connect(mailbox) as client:
            if mailbox.after_import == AfterImport.MOVE and not client.folder.exists(mailbox.move_to_folder):
                client.folder.create(mailbox.move_to_folder)
            # Moved or deleted mail leaves the folder, so all that is there is new; marked mail stays.
            criteria = AND(seen=False) if mailbox.after_import == AfterImport.MARK_SEEN else AND(all=True)
            uids = client.uids(criteria)
            if limit is not None:
                uids = uids[:limit]
            chunks = [uids[start : start + CHUNK] for start in range(0, len(uids), CHUNK)]
            # Only the one reader thread talks to the server, in the order its work is handed to it:
            # it fetches the next chunk and marks the last one while this one is imported, so the
            # waits for the network and the server overlap our work.
            with ThreadPoolExecutor(max_workers=1) as server:
                ahead = server.submit(_fetch, client, chunks[0]) if chunks else None
                marked = None
                for index in range(len(chunks)):
                    fetched = ahead.result()
                    if index + 1 < len(chunks):
                        ahead = server.submit(_fetch, client, chunks[index + 1])
                    outcomes = services.messages_receive(mailbox=mailbox, raws=[m.raw for m in fetched], channel="imap")
                    for outcome in outcomes:
                        result.add(outcome)
                    if marked is not None:
                        marked.result()  # the previous chunk's: its failure stops the poll here
                    # Recorded (committed) first, then the server hears of it.
                    marked = server.submit(_after_import, client, mailbox, [m.uid for m in fetched])
                if marked is not None:
                    marked.result()
    except Exception as exc:  # the server, the network, the credentials: say so on the mailbox
        error = f"{type(exc).__name__}: {exc}"
        result.errors.append(error)
        log.warning("Polling mailbox %s failed: %s", mailbox.public_id, error)
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            polling_until=None, last_polled_at=timezone.now(), last_error=error[:2000]
        )
    return result
