"""End to end: resolving a request through the services makes a real Celery worker send the survey
invitation to a real SMTP server (aiosmtpd), on Redis and on the embedded filesystem broker, once."""

import socket
import time
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

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


def test_resolving_a_request_emails_the_survey_through_the_worker(
    smtp_server, celery_worker, admin_user, agent, requester, group
):
    survey_save(actor=admin_user, survey=Survey(name="How did we do?", cs_scale=5, is_active=True))
    ticket = request_create(
        actor=agent, requester_id=requester.public_id, title="Printer on fire", description="d", priority=Priority.HIGH
    )
    request_update(actor=agent, request=ticket, changes={"status": "resolved"})

    deadline = time.monotonic() + WAIT_SECONDS
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    assert smtp_server.messages, f"no email within {WAIT_SECONDS} s:\n{celery_worker.log()}"
    time.sleep(0.5)  # a second email, if one were coming, would be here by now
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [requester.email]
    assert "Printer on fire" in message["Subject"]
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain").get_payload(decode=True)
    assert b"https://help.example.com/survey/" in text and b"?rating=3" in text
    assert SurveyInvitation.objects.get(request=ticket).emailed_at is not None
    assert "surveys.tasks.send_invitation_email" in celery_worker.log()
