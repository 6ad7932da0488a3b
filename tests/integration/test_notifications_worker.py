"""End to end (issue 8, point 5): a real Celery worker sends the outbox to a real SMTP server
(aiosmtpd, in this process) and to a real HTTP receiver that checks the Standard Webhooks
signatures. Then the outages: the broker down while requests are written, and a worker killed in
the middle of a batch. The tests write through the API and the services and read what arrived."""

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings

from helpdesk import mail_threading
from helpdesk.broker import broker_breaker
from notifications import services as notify_services
from notifications.models import Channel, Delivery, DeliveryStatus
from notifications.outbox import config_changed
from tests.notifications.receiver import start_receiver, stop_receiver
from tickets.models import Priority
from tickets.services import request_create

from .conftest import (
    BROKER_ENVIRONMENT,
    ROOT,
    Worker,
    _database_url,
    _reset_broker_pool,
    _stop,
    _wait_until_ready,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]

ARRIVAL_SECONDS = 40
POLL_SECONDS = 0.2


# --- the real components ---------------------------------------------------------------------------


class Inbox:
    """What the SMTP server received; `delay` makes it a slow mail server."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self._lock:
            # A long header arrives folded; unfolded it keeps the fold's leading space.
            return [m["Message-ID"].strip() for m in self.messages]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def receiver():
    started = start_receiver()
    yield started
    stop_receiver(started)


@pytest.fixture
def notify_env(smtp, settings, monkeypatch):
    """What the worker needs to send: the SMTP server, private webhook addresses, quick sweeps."""
    for name, value in {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "NOTIFY_SWEEP_SECONDS": "1",
        "NOTIFY_CLAIM_SECONDS": "4",
        "NOTIFY_CONFIG_SECONDS": "0",
        # The worker signs Message-IDs and reply addresses with the key this process checks them with.
        "SECRET_KEY": django_settings.SECRET_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.NOTIFY_FIRST_TRY_GRACE_SECONDS = 2  # written here: how long the sweep leaves a row to its task
    config_changed()
    yield
    config_changed()


def _start_worker(broker: dict, folder: Path, name: str) -> Worker:
    """A `celery worker -B` like tests/integration/conftest.py's, startable twice in one test."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }
    for key in (*BROKER_ENVIRONMENT, "REDIS_URL"):
        env.pop(key, None)
    env.update(broker)
    nodename = f"{name}-{os.environ.get('PYTEST_XDIST_WORKER', 'master')}@integration"
    command = [
        *(sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-B", "-P", "solo"),
        *("--without-mingle", "--without-gossip", "-s", str(folder / "beat-schedule"), "-n", nodename, "-l", "info"),
    ]
    log_path = folder / "worker.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(process=process, nodename=nodename, log_path=log_path)
    try:
        _wait_until_ready(worker)
    except BaseException:
        _stop(process)  # never leave a worker behind: it would take the next test's tasks
        raise
    return worker


def _wait_for(what: str, check, worker_logs=()) -> None:
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while not check():
        if time.monotonic() > deadline:
            logs = "\n".join(w.log()[-4000:] for w in worker_logs)
            pytest.fail(f"{what} not within {ARRIVAL_SECONDS} s; rows: {_rows()}\n{logs}")
        time.sleep(POLL_SECONDS)


def _rows():
    return list(Delivery.objects.order_by("pk").values_list("event", "status", "attempts", "last_error"))


def _all_sent() -> bool:
    return not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()


@pytest.fixture
def webhook(admin_user, receiver):
    endpoint = notify_services.webhook_create(
        actor=admin_user, url=receiver.url, events=["request.created", "comment.created", "request.updated"]
    )
    receiver.secret = endpoint.secret
    return endpoint


# --- the happy path, on Redis and on the embedded broker of `make run` ------------------------------------


def test_a_worker_sends_threaded_emails_and_signed_webhooks(
    notify_env, smtp, receiver, webhook, celery_worker, requester, agent, api_for
):
    created = api_for(requester).post(
        "/v1/requests", {"title": "Printer on fire", "description": "Smoke", "priority": "high"}, format="json"
    )
    assert created.status_code == 201
    public_id = created.json()["data"]["id"]
    replied = api_for(agent).post(f"/v1/requests/{public_id}/comments", {"content": "On my way"}, format="json")
    assert replied.status_code == 201

    # The acknowledgement and the reply to the requester, the new-request mail to both agents (the admin too).
    _wait_for(
        "4 emails and 2 webhooks", lambda: len(smtp.messages) >= 4 and len(receiver.messages) >= 2, [celery_worker]
    )
    _wait_for("every delivery recorded as sent", _all_sent, [celery_worker])
    number = Delivery.objects.filter(request__public_id=public_id).first().request.number
    by_to = {(m["To"].addresses[0].addr_spec, m["Subject"]) for m in smtp.messages}
    assert by_to == {
        ("rita@example.com", f"[#{number}] Printer on fire (received)"),
        ("alice@example.com", f"New request: [#{number}] Printer on fire"),
        ("ada@example.com", f"New request: [#{number}] Printer on fire"),
        ("rita@example.com", f"Re: [#{number}] Printer on fire"),
    }
    root = mail_threading.thread_root_id(public_id)
    for message in smtp.messages:
        assert mail_threading.request_id_from_message_id(message["Message-ID"]) == public_id
        assert message["In-Reply-To"].strip() == root and message["References"].strip() == root
        assert mail_threading.request_id_from_address(message["Reply-To"]) == public_id
        assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}
    # Each Message-ID is on its delivery row, for email intake to thread replies by.
    assert sorted(smtp.message_ids()) == sorted(
        Delivery.objects.filter(channel=Channel.EMAIL).values_list("message_id", flat=True)
    )
    assert all(m.verified for m in receiver.messages)
    assert sorted(m.body["type"] for m in receiver.messages) == ["comment.created", "request.created"]
    assert "Task notifications.tasks.deliver" in celery_worker.log()


# --- outages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_with_the_broker_down_writes_succeed_and_everything_is_delivered_once_when_it_returns(
    notify_env, smtp, receiver, webhook, broker, requester, agent, api_for, settings, tmp_path
):
    real_broker = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    _reset_broker_pool()
    written = []
    for i in range(4):
        created = api_for(requester).post(
            "/v1/requests", {"title": f"Outage {i}", "description": "d", "priority": "low"}, format="json"
        )
        assert created.status_code == 201
        written.append(created.json()["data"]["id"])
        reply = api_for(agent).post(f"/v1/requests/{written[-1]}/comments", {"content": "Seen"}, format="json")
        assert reply.status_code == 201
    assert broker_breaker.is_open
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0).count()
    assert waiting == Delivery.objects.count() == 4 * 4 + 4 * 2  # 4 emails and 2 webhooks a request
    assert smtp.messages == [] and receiver.messages == []

    # The broker and a worker come back: beat's sweep finds what waited.
    settings.CELERY_BROKER_URL = real_broker
    _reset_broker_pool()
    broker_breaker.reset()
    worker = _start_worker(broker, tmp_path / "worker", "outage")
    try:
        _wait_for("every delivery sent", _all_sent, [worker])
        time.sleep(3)  # a few more sweeps: nothing may go twice
    finally:
        _stop(worker.process)
    assert len(smtp.messages) == 16 and len(set(smtp.message_ids())) == 16
    assert len(receiver.messages) == 8 and len(set(receiver.ids())) == 8
    assert all(m.verified for m in receiver.messages)


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_resends_only_what_it_had_claimed(
    notify_env, smtp, broker, requester, tmp_path
):
    smtp.delay = 0.25  # a slow mail server, so the kill lands in the middle of the work
    _reset_broker_pool()
    for i in range(16):
        request_create(actor=requester, title=f"Crash {i}", description="d", priority=Priority.LOW)
    total = Delivery.objects.count()
    assert total == 16  # the acknowledgements (no agents here)

    first = _start_worker(broker, tmp_path / "first", "crash-a")
    try:
        _wait_for("a few emails", lambda: len(smtp.messages) >= 4, [first])
    finally:
        os.killpg(first.process.pid, signal.SIGKILL)  # no warm shutdown: killed mid-send
        first.process.wait(10)
    claimed_at_kill = set(
        Delivery.objects.filter(status=DeliveryStatus.SENDING).values_list("message_id", "idempotency_key")
    )
    assert Delivery.objects.exclude(status=DeliveryStatus.SENT).exists(), "the kill came too late to test anything"

    second = _start_worker(broker, tmp_path / "second", "crash-b")
    try:
        _wait_for("every delivery sent after the restart", _all_sent, [second])
        time.sleep(2)
    finally:
        _stop(second.process)
    received = Counter(smtp.message_ids())
    sent_ids = set(Delivery.objects.values_list("message_id", flat=True))
    assert set(received) == sent_ids and len(sent_ids) == total  # nothing lost
    repeats = {message_id for message_id, count in received.items() if count > 1}
    # Only a message the killed worker had claimed (sent, not yet recorded) may arrive twice, once
    # its claim ran out; the Message-ID is the same, so a mail system can drop it.
    claimed_keys = {key for _, key in claimed_at_kill}
    assert max(received.values()) <= 2
    assert all(any(key in message_id for key in claimed_keys) for message_id in repeats), (repeats, claimed_keys)
    assert len(repeats) <= len(claimed_keys) <= django_settings.NOTIFY_BATCH_SIZE
