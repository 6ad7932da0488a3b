"""Polling a real IMAP server (pymap, started for each test) holding the corpus: what the messages
become, dedup on a second poll, and what happens to them on the server as configured."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mailboxes import imap as intake_imap
from mailboxes import services
from mailboxes.models import AfterImport, InboundMessage, MessageStatus
from mailboxes.tasks import poll_mailboxes
from tests.mailboxes import corpus
from tickets.models import Comment, Request

pytestmark = pytest.mark.django_db

# What each corpus message becomes when polled: imported (a request or a reply), ignored or quarantined.
EXPECTED = {
    "apple_mail_reply": "reply",
    "bounce": "ignored",
    "broken_mime": "quarantined",
    "gmail_reply": "reply",
    "html_only": "request",
    "inline_image": "request",
    "iso_8859_1": "request",
    "lying_charset": "request",
    "lying_charset_latin1": "request",
    "loop_own_address": "ignored",
    "newsletter_bulk": "ignored",
    "no_message_id": "request",
    "out_of_office": "ignored",
    "outlook_reply": "reply",
    "oversized_attachment": "request",
    "reply_to_closed": "request",
    "shift_jis": "request",
    "windows_1252": "request",
}


def test_the_corpus_is_what_the_tests_expect():
    assert set(corpus.names()) == set(EXPECTED)


def _append_corpus(server, values):
    server.append(*(corpus.load(name, **values) for name in sorted(EXPECTED)))


def _kinds() -> dict[str, str]:
    kinds = {}
    for message in InboundMessage.objects.all():
        if message.status == MessageStatus.IMPORTED:
            kinds[message.key] = "reply" if message.comment_id else "request"
        else:
            kinds[message.key] = message.status
    return kinds


def test_a_poll_imports_the_corpus_and_marks_it_seen_and_a_second_poll_makes_nothing_twice(
    imap, imap_mailbox, corpus_values, thread_request, closed_request
):
    _append_corpus(imap, corpus_values)

    result = intake_imap.poll(imap_mailbox)

    assert (result.fetched, result.errors) == (len(EXPECTED), [])
    assert result.imported == 13 and result.ignored == 4 and result.quarantined == 1
    by_name = {name: services.parsing.message_key(corpus.load(name, **corpus_values)) for name in EXPECTED}
    kinds = _kinds()
    assert {name: kinds[key] for name, key in by_name.items()} == EXPECTED
    assert Comment.objects.filter(request=thread_request).count() == 3  # Gmail, Outlook, Apple Mail
    # Every message, the ignored and quarantined ones too, is marked on the server: it is in our store.
    flags = imap.flags()
    assert len(flags) == len(EXPECTED)
    assert all("\\Seen" in f for f in flags.values())
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_polled_at is not None and imap_mailbox.last_error == ""

    requests = Request.objects.count()
    again = intake_imap.poll(imap_mailbox)
    assert again.fetched == 0
    # The same messages delivered again (another copy on the server): recorded before, nothing twice.
    _append_corpus(imap, corpus_values)
    third = intake_imap.poll(imap_mailbox)
    assert third.fetched == len(EXPECTED) and third.duplicates == len(EXPECTED)
    assert Request.objects.count() == requests
    assert Comment.objects.filter(request=thread_request).count() == 3


def test_imported_mail_can_be_moved_to_a_folder(imap, imap_mailbox):
    services.mailbox_update(actor=None, mailbox=imap_mailbox, changes={"after_import": AfterImport.MOVE})
    imap.append(corpus.load("html_only"), corpus.load("broken_mime"))
    result = intake_imap.poll(imap_mailbox)
    assert result.imported == 1 and result.quarantined == 1
    assert imap.count("INBOX") == 0
    assert imap.count("Imported") == 2


def test_imported_mail_can_be_deleted(imap, imap_mailbox):
    services.mailbox_update(actor=None, mailbox=imap_mailbox, changes={"after_import": AfterImport.DELETE})
    imap.append(corpus.load("html_only"), corpus.load("no_message_id"))
    assert intake_imap.poll(imap_mailbox).imported == 2
    assert imap.count("INBOX") == 0
    assert imap.count("Imported") == 0


def test_a_crash_before_the_server_is_told_loses_nothing_and_makes_nothing_twice(imap, imap_mailbox, monkeypatch):
    services.mailbox_update(actor=None, mailbox=imap_mailbox, changes={"after_import": AfterImport.DELETE})
    imap.append(corpus.load("html_only"), corpus.load("no_message_id"))

    def crash(*args):
        raise ConnectionResetError("the worker died here")

    monkeypatch.setattr(intake_imap, "_after_import", crash)
    failed = intake_imap.poll(imap_mailbox)
    assert "ConnectionResetError" in failed.errors[0]
    # In our store and still on the server.
    assert InboundMessage.objects.filter(status=MessageStatus.IMPORTED).count() == 2
    assert imap.count("INBOX") == 2
    imap_mailbox.refresh_from_db()
    assert "the worker died here" in imap_mailbox.last_error

    monkeypatch.undo()
    again = intake_imap.poll(imap_mailbox)
    assert again.duplicates == 2 and again.imported == 2  # the same two, found in the store
    assert Request.objects.count() == 2
    assert imap.count("INBOX") == 0


def test_a_mailbox_of_several_chunks_is_imported_and_marked_whole(imap, imap_mailbox, monkeypatch):
    monkeypatch.setattr(intake_imap, "CHUNK", 2)
    names = ["html_only", "no_message_id", "iso_8859_1", "windows_1252", "bounce"]
    imap.append(*(corpus.load(name) for name in names))
    result = intake_imap.poll(imap_mailbox)
    assert (result.fetched, result.imported, result.ignored, result.errors) == (5, 4, 1, [])
    assert Request.objects.count() == 4
    assert all("\\Seen" in flags for flags in imap.flags().values())


def test_a_failure_to_mark_a_chunk_stops_the_poll_and_leaves_the_rest_on_the_server(imap, imap_mailbox, monkeypatch):
    monkeypatch.setattr(intake_imap, "CHUNK", 2)
    services.mailbox_update(actor=None, mailbox=imap_mailbox, changes={"after_import": AfterImport.DELETE})
    imap.append(*(corpus.load(name) for name in ["html_only", "no_message_id", "iso_8859_1", "windows_1252"]))
    real = intake_imap._after_import

    def fails_on_the_second(client, mailbox, uids):
        if imap.count("INBOX") < 4:
            raise ConnectionResetError("the server went away")
        real(client, mailbox, uids)

    monkeypatch.setattr(intake_imap, "_after_import", fails_on_the_second)
    failed = intake_imap.poll(imap_mailbox)
    assert "ConnectionResetError" in failed.errors[0]
    # The first chunk was recorded and deleted, the second recorded and kept: nothing is lost.
    assert imap.count("INBOX") == 2
    monkeypatch.setattr(intake_imap, "_after_import", real)
    again = intake_imap.poll(imap_mailbox)
    assert again.fetched == 2 and again.duplicates == 2 and imap.count("INBOX") == 0
    assert Request.objects.count() == 4


def test_wrong_credentials_are_reported_on_the_mailbox_and_nothing_is_lost(imap, imap_mailbox):
    imap.append(corpus.load("html_only"))
    services.mailbox_update(actor=None, mailbox=imap_mailbox, changes={"imap_password": "wrong"})
    result = intake_imap.poll(imap_mailbox)
    assert result.fetched == 0 and result.errors
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error
    assert imap.count("INBOX") == 1


def test_a_mailbox_being_polled_is_not_polled_twice_at_once(imap, imap_mailbox):
    imap.append(corpus.load("html_only"))
    assert intake_imap._lease(imap_mailbox.pk)
    assert intake_imap.poll(imap_mailbox).fetched == 0
    imap_mailbox.__class__.objects.filter(pk=imap_mailbox.pk).update(polling_until=None)
    assert intake_imap.poll(imap_mailbox).fetched == 1


def test_the_beat_task_polls_every_active_mailbox(imap, imap_mailbox, settings):
    beat = settings.CELERY_BEAT_SCHEDULE["poll-mailboxes"]
    assert beat == {"task": "mailboxes.tasks.poll_mailboxes", "schedule": settings.EMAIL_INTAKE_POLL_SECONDS}
    imap.append(corpus.load("html_only"))
    assert poll_mailboxes() == 1  # eager in unit tests: runs the poll here
    assert Request.objects.filter(title="Cannot log in to the portal").exists()
    assert imap.flags()["<20261124090000.4f2a@customer.test>"] >= {"\\Seen"}


def test_an_inactive_mailbox_is_not_polled(imap, imap_mailbox):
    services.mailbox_update(actor=None, mailbox=imap_mailbox, changes={"active": False})
    imap.append(corpus.load("html_only"))
    assert poll_mailboxes() == 0
    assert intake_imap.poll(imap_mailbox).fetched == 0
    assert imap.count("INBOX") == 1


def test_fetch_mail_polls_by_hand(imap, imap_mailbox, capsys):
    imap.append(corpus.load("html_only"), corpus.load("bounce"))
    call_command("fetch_mail")
    out = capsys.readouterr().out
    assert "Support <support@helpdesk.localhost>: 2 fetched, 1 imported, 1 ignored, 0 quarantined" in out
    with pytest.raises(CommandError, match="No active IMAP mailbox named nope"):
        call_command("fetch_mail", "nope")
