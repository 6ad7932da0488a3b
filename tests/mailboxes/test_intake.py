"""Turning messages into requests and replies: threading, bodies and files, dedup, loops and
quarantine, on the corpus of real-shaped messages (no IMAP here: see test_imap.py)."""

import pytest

from accounts.models import User
from helpdesk.mail_threading import message_id_for
from mailboxes import parsing, services, threads
from mailboxes.models import InboundMessage, MessageStatus
from tests.mailboxes import corpus
from tickets import services as tickets
from tickets.models import Attachment, Comment, Request, Source, Status


def plain(sender="someone@customer.test", subject="Hello", body="Text.", **headers) -> bytes:
    fields = {"From": sender, "To": "support@helpdesk.localhost", "Subject": subject}
    fields |= {name.replace("_", "-"): value for name, value in headers.items()}
    lines = [f"{name}: {value}" for name, value in fields.items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode()


# --- new requests ------------------------------------------------------------------------------


def test_html_only_mail_opens_a_request_from_a_new_requester_in_the_mailbox_group(receive, mailbox):
    outcome = receive(corpus.load("html_only"))

    message = outcome.message
    assert message.status == MessageStatus.IMPORTED
    request = message.request
    assert request.source == Source.EMAIL
    assert request.title == "Cannot log in to the portal"
    assert request.assigned_group == mailbox.group
    assert request.requester.email == "dave@customer.test"
    assert request.requester.name == "Dave Newcomer"
    assert "cannot log in" in request.description
    assert "E-403" in request.description and "Browser: Firefox" in request.description
    assert "<" not in request.description and "alert" not in request.description  # text, no markup or script
    assert outcome.answer == {"requestId": request.public_id, "commentId": None}


@pytest.mark.parametrize(
    ("name", "title", "words"),
    [
        ("iso_8859_1", "Drucker im Büro München", ["äöüß °C ±", "Jürgen Weiß"]),
        ("windows_1252", "Invoice “€ 1 200” is wrong", ["€ 1–200 … please", "Françoise"]),
        ("shift_jis", "プリンターの故障について", ["プリンターが動きません。", "山田太郎"]),
        ("lying_charset", "Menu shows garbage", ["“naïve crème brûlée”", "Zoë"]),
        ("lying_charset_latin1", "Problème de connexion", ["Le système affiche une erreur à la connexion", "René"]),
    ],
)
def test_every_charset_decodes(receive, name, title, words):
    request = receive(corpus.load(name)).message.request
    assert request.title == title
    for word in words:
        assert word in request.description
    assert "\ufffd" not in request.description + request.title


def test_an_inline_image_is_stored_as_an_attachment(receive):
    request = receive(corpus.load("inline_image")).message.request
    attachment = Attachment.objects.get(request=request)
    assert attachment.content_type == "image/png"
    assert attachment.filename.endswith(".png")
    assert attachment.file.read().startswith(b"\x89PNG")
    assert request.description == "This is what I see:"


def test_a_file_over_the_limit_is_dropped_with_a_note_and_the_rest_imports(receive):
    message = receive(corpus.load("oversized_attachment")).message
    assert message.status == MessageStatus.IMPORTED
    request = message.request
    files = list(Attachment.objects.filter(request=request).values_list("filename", "size"))
    assert files == [("summary.txt", 33)]  # the path in its name is gone, as for uploads
    assert "memory.dmp (0.1 MB) was not imported: it is larger than the 0.0625 MB limit" in request.description


def test_unknown_senders_can_be_refused_by_a_setting(receive, settings):
    settings.EMAIL_INTAKE_UNKNOWN_SENDERS = "refuse"
    outcome = receive(corpus.load("html_only"))
    assert outcome.message.status == MessageStatus.IGNORED
    assert "unknown sender dave@customer.test" in outcome.answer["ignored"]
    assert not User.objects.filter(email="dave@customer.test").exists()
    assert not Request.objects.filter(source=Source.EMAIL).exists()


def test_known_senders_still_get_in_when_unknown_ones_are_refused(receive, settings, requester):
    settings.EMAIL_INTAKE_UNKNOWN_SENDERS = "refuse"
    message = receive(corpus.load("inline_image")).message
    assert message.status == MessageStatus.IMPORTED
    assert message.request.requester == requester


def test_a_deactivated_sender_opens_nothing(receive, requester):
    requester.is_active = False
    requester.save()
    outcome = receive(corpus.load("inline_image"))
    assert outcome.message.status == MessageStatus.IGNORED
    assert "deactivated" in outcome.message.reason


def test_an_agent_mailing_the_support_address_opens_a_request_of_their_own(receive, agent):
    message = receive(plain(sender="alice@example.com", subject="Server room too warm")).message
    assert message.request.requester == agent


# --- threading ---------------------------------------------------------------------------------


def test_gmail_reply_threads_by_our_message_id_and_the_quoted_history_is_cut(receive, corpus_values, thread_request):
    message = receive(corpus.load("gmail_reply", **corpus_values)).message

    assert message.request == thread_request
    comment = message.comment
    assert comment.author == thread_request.requester and not comment.is_internal
    assert comment.content == "Thanks, clearing the tray fixed it — it prints again.\n\nRita"
    assert "message-id (ours)" in message.reason
    # The full original stays reachable: the whole text, and the raw message.
    assert "Please open tray 2" in message.text
    assert b"gmail_quote" in bytes(message.raw)


def test_outlook_reply_from_an_agent_threads_by_reply_address_as_a_public_reply_with_its_file(
    receive, corpus_values, thread_request, agent, group
):
    message = receive(corpus.load("outlook_reply", **corpus_values)).message

    comment = message.comment
    assert message.request == thread_request and "reply address" in message.reason
    assert comment.author == agent and not comment.is_internal
    assert comment.content == "I have ordered a new roller kit; the service log is attached."
    assert [a.filename for a in comment.attachments.all()] == ["service-log.txt"]
    thread_request.refresh_from_db()
    assert thread_request.first_response_at is not None


def test_apple_mail_reply_threads_by_subject_number_from_the_requester(receive, corpus_values, thread_request):
    message = receive(corpus.load("apple_mail_reply", **corpus_values)).message
    assert message.request == thread_request and "subject" in message.reason
    assert message.comment.content == "It jammed again this morning, same tray.\n\nRita"


def test_a_subject_number_from_a_stranger_opens_a_new_request(receive, thread_request):
    raw = plain(sender="mallory@evil.test", subject=f"Re: [#{thread_request.number}] Printer on floor 3 jams")
    message = receive(raw).message
    assert message.request != thread_request
    assert message.comment is None
    assert not Comment.objects.filter(request=thread_request).exists()


def test_a_forged_message_id_does_not_thread(receive, thread_request):
    forged = (
        message_id_for(thread_request.public_id, "x").replace(".", "-", 1)[:-20] + "0123456789ab@helpdesk.localhost>"
    )
    raw = plain(sender="rita@example.com", subject="Hi", In_Reply_To=forged)
    assert receive(raw).message.request != thread_request


def test_a_reply_to_a_message_we_received_threads_onto_its_request(receive, requester):
    first = receive(corpus.load("inline_image")).message
    raw = plain(sender="rita@example.com", subject="Forgot: it is the 3rd floor", In_Reply_To="<inline-1@example.com>")
    second = receive(raw).message
    assert second.request == first.request
    assert second.comment is not None and "message-id (received)" in second.reason


def test_in_one_batch_a_reply_to_an_earlier_message_of_the_batch_threads_onto_its_request(mailbox, requester):
    raws = [
        plain(sender="new.person@customer.test", subject="VPN down", Message_ID="<first@customer.test>"),
        plain(sender="new.person@customer.test", subject="Re: VPN down", In_Reply_To="<first@customer.test>"),
        plain(sender="rita@example.com", subject="Printer", Message_ID="<second@customer.test>"),
        plain(sender="rita@example.com", subject="Re: Printer", References="<second@customer.test>"),
    ]
    first, reply, second, second_reply = (o.message for o in services.messages_receive(mailbox=mailbox, raws=raws))
    assert reply.request == first.request and reply.comment is not None
    assert second_reply.request == second.request and second_reply.comment is not None
    assert Request.objects.count() == 2
    assert User.objects.filter(email="new.person@customer.test").count() == 1
    # Saved as they are shown: a second fetch of the batch makes nothing twice.
    for message in InboundMessage.objects.all():
        assert message.status == MessageStatus.IMPORTED and message.imported_at is not None
    again = services.messages_receive(mailbox=mailbox, raws=raws)
    assert all(o.duplicate for o in again) and Comment.objects.count() == 2


def test_in_one_batch_a_failed_import_is_quarantined_and_the_others_are_imported(mailbox, monkeypatch):
    real = tickets.request_create

    def broken(**kwargs):
        request = real(**kwargs)
        if kwargs["title"] == "Breaks":
            raise RuntimeError("database went away")
        return request

    monkeypatch.setattr(tickets, "request_create", broken)
    raws = [
        plain(sender="newcomer@customer.test", subject="Breaks", Message_ID="<b1@customer.test>"),
        plain(sender="newcomer@customer.test", subject="Works", Message_ID="<b2@customer.test>"),
    ]
    failed, imported = (o.message for o in services.messages_receive(mailbox=mailbox, raws=raws))
    assert failed.status == MessageStatus.QUARANTINED and imported.status == MessageStatus.IMPORTED
    # The sender made by the rolled-back import is made again by the next one.
    assert imported.request.requester.email == "newcomer@customer.test"
    assert list(Request.objects.values_list("title", flat=True)) == ["Works"]


def test_the_message_id_comes_before_the_reply_address(receive, requester, thread_request):
    other = tickets.request_create(actor=requester, title="Other", description="x", priority="low")
    corpus_values = corpus.values_for(thread_request)
    raw = corpus.load("out_of_office", **corpus_values).replace(b"Auto-Submitted: auto-replied\r\n", b"")
    raw = raw.replace(b"X-Autoreply: yes\r\n", b"").replace(
        corpus_values["REPLY_ADDRESS"].encode(), corpus.values_for(other)["REPLY_ADDRESS"].encode()
    )
    assert receive(raw).message.request == thread_request


def test_a_reply_to_a_resolved_request_reopens_it(receive, corpus_values, thread_request, agent):
    tickets.request_update(actor=agent, request=thread_request, changes={"status": Status.RESOLVED})
    receive(corpus.load("gmail_reply", **corpus_values))
    thread_request.refresh_from_db()
    assert thread_request.status == Status.OPEN
    assert thread_request.resolved_at is None


def test_a_reply_to_a_closed_request_opens_a_new_one_that_links_to_it(receive, corpus_values, closed_request):
    message = receive(corpus.load("reply_to_closed", **corpus_values)).message
    new = message.request
    assert new != closed_request
    assert message.follows_request == closed_request
    assert f"Follow-up to closed request #{closed_request.number}" in new.description
    assert "The new battery swells too." in new.description
    assert new.source == Source.EMAIL
    closed_request.refresh_from_db()
    assert closed_request.status == Status.CLOSED and not closed_request.comments.exists()


def test_a_reply_the_rules_refuse_opens_a_new_request_that_links_to_the_old_one(
    receive, corpus_values, thread_request, monkeypatch
):
    # E.g. a resolved request past its reopen window: comment_add refuses the requester's answer.
    from helpdesk.errors import ValidationFailed

    def refuse(**kwargs):
        raise ValidationFailed.for_field("content", "this request was solved more than 7 days ago")

    monkeypatch.setattr(tickets, "comment_add", refuse)
    message = receive(corpus.load("gmail_reply", **corpus_values)).message
    assert message.status == MessageStatus.IMPORTED
    assert message.request != thread_request and message.follows_request == thread_request
    assert f"Follow-up to request #{thread_request.number}" in message.request.description
    assert "solved more than 7 days ago" in message.reason


def test_an_agent_reply_to_a_closed_request_is_kept_as_an_internal_note(receive, closed_request, agent):
    raw = plain(sender="alice@example.com", subject="Re: done", In_Reply_To=message_id_for(closed_request.public_id))
    message = receive(raw).message
    assert message.request == closed_request
    assert message.comment.is_internal


def test_someone_else_answering_through_the_reply_address_gets_a_request_of_their_own(
    receive, corpus_values, thread_request
):
    raw = plain(sender="colleague@example.com", subject="Re: Printer", To=corpus_values["REPLY_ADDRESS"])
    message = receive(raw).message
    assert message.request != thread_request
    assert message.request.requester.email == "colleague@example.com"
    assert not thread_request.comments.exists()


def test_each_threading_step_is_one_indexed_query(db, thread_request, requester, django_assert_num_queries):
    received = InboundMessage.objects.create(key="<seen@example.com>", raw=b"x", request=thread_request)
    parsed = parsing.read(plain(In_Reply_To="<seen@example.com>", References="<a@b> <c@d>"))
    with django_assert_num_queries(1):
        assert threads.by_message_id(parsed).request == received.request
    parsed = parsing.read(plain(In_Reply_To=message_id_for(thread_request.public_id)))
    with django_assert_num_queries(1):
        assert threads.by_message_id(parsed).request == thread_request
    parsed = parsing.read(plain(To=corpus.values_for(thread_request)["REPLY_ADDRESS"]))
    with django_assert_num_queries(1):
        assert threads.by_reply_address(parsed).request == thread_request
    parsed = parsing.read(plain(subject=f"Re: [#{thread_request.number}] x"))
    with django_assert_num_queries(1):
        assert threads.by_subject(parsed, requester).request == thread_request


# --- nothing twice, no loops, nothing lost ---------------------------------------------------------


def test_the_same_message_twice_makes_one_request(receive):
    first = receive(corpus.load("html_only"))
    second = receive(corpus.load("html_only"), channel="http")
    assert second.duplicate and second.message.pk == first.message.pk
    assert second.answer == first.answer
    assert Request.objects.count() == 1


def test_a_message_without_message_id_is_deduplicated_by_its_hash(receive):
    first = receive(corpus.load("no_message_id")).message
    assert first.key.startswith("sha256:")
    assert first.status == MessageStatus.IMPORTED
    receive(corpus.load("no_message_id"))
    assert Request.objects.filter(title="Scanner driver download link broken").count() == 1


def test_a_reply_fetched_twice_makes_one_comment(receive, corpus_values, thread_request):
    receive(corpus.load("gmail_reply", **corpus_values))
    receive(corpus.load("gmail_reply", **corpus_values))
    assert thread_request.comments.count() == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("out_of_office", "auto-submitted (auto-replied)"),
        ("bounce", "auto-submitted (auto-replied)"),
        ("newsletter_bulk", "bulk mail (Precedence: bulk)"),
        ("loop_own_address", "loop: sent from our own address support@helpdesk.localhost"),
    ],
)
def test_machines_and_loops_open_nothing_and_get_no_answer(receive, corpus_values, thread_request, name, reason):
    users = User.objects.count()
    outcome = receive(corpus.load(name, **corpus_values))
    assert outcome.message.status == MessageStatus.IGNORED
    assert outcome.answer == {"ignored": reason}
    assert Request.objects.count() == 2  # the fixtures' own
    assert not Comment.objects.exists()
    assert User.objects.count() == users


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X_Autorespond": "yes"}, "auto-reply (X-Autorespond)"),
        ({"X_Autoreply": "yes"}, "auto-reply (X-Autoreply)"),
        ({"Precedence": "junk"}, "bulk mail (Precedence: junk)"),
        ({"Precedence": "list"}, "bulk mail (Precedence: list)"),
        ({"Auto_Submitted": "auto-generated"}, "auto-submitted (auto-generated)"),
        ({"Return_Path": "<>"}, "bounce (empty Return-Path)"),
    ],
)
def test_each_auto_reply_header_is_honoured(receive, headers, reason):
    assert receive(plain(**headers)).answer == {"ignored": reason}


def test_auto_submitted_no_is_a_person(receive):
    assert receive(plain(Auto_Submitted="no")).message.status == MessageStatus.IMPORTED


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.com", "helpdesk@localhost", "support+x@helpdesk.localhost"]
)
def test_mailer_daemons_and_our_own_addresses_are_ignored(receive, settings, sender):
    settings.DEFAULT_FROM_EMAIL = "helpdesk@localhost"
    assert receive(plain(sender=sender)).message.status == MessageStatus.IGNORED


def test_broken_mime_is_quarantined_with_its_raw_bytes_and_error(receive):
    raw = corpus.load("broken_mime")
    outcome = receive(raw)
    message = outcome.message
    assert message.status == MessageStatus.QUARANTINED
    assert "broken MIME structure" in message.reason
    assert bytes(message.raw) == raw
    assert outcome.answer == {"quarantined": message.reason}
    assert not Request.objects.exists()


def test_an_import_that_fails_is_quarantined_rolled_back_and_retried_later(receive, monkeypatch, admin_user):
    real = tickets.request_create

    def broken(**kwargs):
        real(**kwargs)  # written, then the failure: the import must roll it back
        raise RuntimeError("database went away")

    monkeypatch.setattr(tickets, "request_create", broken)
    failed = receive(corpus.load("html_only")).message
    assert failed.status == MessageStatus.QUARANTINED and "RuntimeError: database went away" in failed.reason
    assert not Request.objects.exists()
    # The next message is not held up by it.
    monkeypatch.setattr(tickets, "request_create", real)
    assert receive(corpus.load("no_message_id")).message.status == MessageStatus.IMPORTED
    # Admin's "retry import".
    retried = services.message_retry(actor=admin_user, message=failed)
    assert retried.status == MessageStatus.IMPORTED and retried.request.title == "Cannot log in to the portal"
    assert retried.attempts == 2


def test_only_quarantined_messages_can_be_retried(receive, admin_user):
    from helpdesk.errors import ValidationFailed

    message = receive(corpus.load("html_only")).message
    with pytest.raises(ValidationFailed):
        services.message_retry(actor=admin_user, message=message)


def test_a_message_recorded_but_not_imported_is_imported_when_it_comes_again(mailbox):
    # A crash after the record was committed and before the import: the next fetch finishes it.
    raw = corpus.load("html_only")
    services.message_record(mailbox=mailbox, raw=raw, channel="imap")
    outcome = services.message_receive(mailbox=mailbox, raw=raw)
    assert outcome.message.status == MessageStatus.IMPORTED
    assert Request.objects.count() == 1


def test_garbage_is_quarantined_not_raised(receive):
    assert receive(b"\x00\xff\xfe not a message at all").message.status == MessageStatus.QUARANTINED
