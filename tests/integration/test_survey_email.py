"""End to end: resolving a request through the services makes a real Celery worker send, from the
notifications outbox, ONE email to the requester to a real SMTP server (aiosmtpd): the "resolved"
email asking the survey, or the survey's own invitation when the resolved rule is off. On Redis and on
the embedded filesystem broker."""

import socket
import time
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from notifications import outbox
from notifications.models import SURVEY_INVITATION, Delivery, DeliveryStatus, NotificationRule, Rule
from surveys.models import Survey, SurveyInvitation
from surveys.services import survey_save
from tickets.models import Priority
from tickets.services import request_create, request_update

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]

WAIT_SECONDS = 20


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server on 127.0.0.1, named in the environment the worker starts with."""
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd 1.4 cannot listen on port 0 itself: find a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(controller.port))
    monkeypatch.setenv("SITE_URL", "https://help.example.com")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _fresh_notification_config():
    # The outbox caches its rules per process, and the flush after a test sends no signal.
    outbox.config_changed()
    yield
    outbox.config_changed()


def message_id(message) -> str:
    return "".join(message["Message-ID"].split())  # unfolded


def _resolve_and_receive(smtp_server, celery_worker, admin_user, agent, requester):
    survey_save(actor=admin_user, survey=Survey(name="How did we do?", cs_scale=5, is_active=True))
    ticket = request_create(
        actor=agent, requester_id=requester.public_id, title="Printer on fire", description="d", priority=Priority.HIGH
    )
    request_update(actor=agent, request=ticket, changes={"status": "resolved"})

    def to_requester():
        return [(to, m) for to, m in smtp_server.messages if to == [requester.email] and "Printer" in m["Subject"]]

    def waiting():  # the acknowledgement of the request and what its resolving wrote
        return Delivery.objects.filter(recipient=requester).exclude(status=DeliveryStatus.SENT).exists()

    deadline = time.monotonic() + WAIT_SECONDS
    while (waiting() or len(to_requester()) < 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not waiting(), f"deliveries still waiting after {WAIT_SECONDS} s:\n{celery_worker.log()}"
    time.sleep(0.5)  # a second email, if one were coming, would be here by now
    received = [m for _, m in to_requester() if not m["Subject"].endswith("(received)")]
    assert len(received) == 1, [m["Subject"] for _, m in to_requester()]
    message = received[0]
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain").get_payload(decode=True)
    assert b"https://help.example.com/survey/" in text and b"?rating=3" in text and b"?rating=-3" in text
    assert f".{ticket.public_id}." in message_id(message)  # names its request (signed by the worker's key)
    assert "notifications.tasks.deliver" in celery_worker.log()
    return ticket, message


def test_resolving_a_request_emails_the_survey_through_the_worker(
    smtp_server, celery_worker, admin_user, agent, requester, group
):
    """The resolved email, with the survey in it: one email, not two."""
    ticket, message = _resolve_and_receive(smtp_server, celery_worker, admin_user, agent, requester)
    assert message["Subject"] == f"Resolved: [#{ticket.number}] Printer on fire"
    invitation = SurveyInvitation.objects.get(request=ticket)
    row = Delivery.objects.get(recipient=requester, event=Rule.RESOLVED)
    assert row.payload["survey"] == invitation.public_id and row.message_id == message_id(message)
    assert not Delivery.objects.filter(event=SURVEY_INVITATION).exists()


def test_with_the_resolved_rule_off_the_worker_sends_the_invitation_itself(
    smtp_server, celery_worker, admin_user, agent, requester, group
):
    NotificationRule.objects.update_or_create(rule=Rule.RESOLVED, defaults={"enabled": False})
    ticket, message = _resolve_and_receive(smtp_server, celery_worker, admin_user, agent, requester)
    assert message["Subject"] == f"How did we do? Request #{ticket.number}: Printer on fire"
    invitation = SurveyInvitation.objects.get(request=ticket)
    row = Delivery.objects.get(idempotency_key=f"survey-{invitation.public_id}")
    assert row.status == DeliveryStatus.SENT and row.message_id == message_id(message)
