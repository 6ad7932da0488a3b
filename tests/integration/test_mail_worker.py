"""Email intake with real components: a Celery worker with beat (on Redis, and on the embedded
filesystem broker) polls a real IMAP server (pymap) holding the corpus, against PostgreSQL."""

import time

import pytest

from mailboxes.models import InboundMessage, MessageStatus
from tests.mailboxes import corpus

# The mailbox fixtures, shared with tests/mailboxes (an imported fixture is registered here too).
from tests.mailboxes.conftest import (  # noqa: F401
    _intake_settings,
    closed_request,
    corpus_values,
    imap,
    imap_mailbox,
    imap_session,
    mailbox,
    thread_request,
)
from tests.mailboxes.test_imap import EXPECTED
from tickets.models import Comment, Request

WAIT_SECONDS = 60


@pytest.fixture
def worker_settings(shared_database, monkeypatch, settings):
    """The worker is another process: it must see the rows committed (the shared database, asked
    for before the mailbox fixtures make them), sign and check Message-IDs with our key, poll
    every second, and apply the tests' attachment limit."""
    monkeypatch.setenv("SECRET_KEY", settings.SECRET_KEY)
    monkeypatch.setenv("EMAIL_INTAKE_POLL_SECONDS", "1")
    monkeypatch.setenv("ATTACHMENT_MAX_BYTES", str(settings.ATTACHMENT_MAX_BYTES))
    monkeypatch.setenv("HELPDESK_REPLY_ADDRESS", settings.HELPDESK_REPLY_ADDRESS)
    monkeypatch.setenv("MAIL_DOMAIN", "")
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL)
    monkeypatch.setenv("EMAIL_INTAKE_UNKNOWN_SENDERS", "create")


def _wait_for(condition, worker, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{worker.log()}")
        time.sleep(0.2)
    pytest.fail(f"no {what} within {WAIT_SECONDS} s:\n{worker.log()}")


def test_the_beat_poll_on_a_real_worker_imports_the_corpus_once_and_marks_it_on_the_server(
    transactional_db,
    worker_settings,
    imap,  # noqa: F811 (the fixtures imported above)
    imap_mailbox,  # noqa: F811
    corpus_values,  # noqa: F811
    thread_request,  # noqa: F811
    closed_request,  # noqa: F811
    celery_worker,
):
    imap.append(*(corpus.load(name, **corpus_values) for name in sorted(EXPECTED)))

    _wait_for(lambda: InboundMessage.objects.count() == len(EXPECTED), celery_worker, "corpus import")
    _wait_for(lambda: all("\\Seen" in flags for flags in imap.flags().values()), celery_worker, "messages marked seen")

    statuses = dict(InboundMessage.objects.values_list("key", "status"))
    for name, kind in EXPECTED.items():
        key = corpus_key(name, corpus_values)
        expected = MessageStatus.IMPORTED if kind in ("request", "reply") else kind
        assert statuses[key] == expected, name
    assert Comment.objects.filter(request=thread_request).count() == 3
    requests = Request.objects.count()

    # More beats: nothing is fetched twice; a second copy of a message is recorded once.
    imap.append(corpus.load("html_only"))
    _wait_for(lambda: all("\\Seen" in f for f in imap.flags().values()), celery_worker, "the copy marked seen")
    time.sleep(1.5)
    assert Request.objects.count() == requests
    assert InboundMessage.objects.count() == len(EXPECTED)


def corpus_key(name, values):
    from mailboxes.parsing import message_key

    return message_key(corpus.load(name, **values))
