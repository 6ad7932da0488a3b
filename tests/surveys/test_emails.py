"""The invitation email: sent once after commit, with the signed links, never for a rolled-back change."""

import pytest
from django.core import mail

from helpdesk.mail_threading import request_id_from_address
from surveys.emails import send_invitation
from surveys.links import invitation_url
from surveys.models import SurveyInvitation
from surveys.services import answer_submit
from tests.surveys.conftest import move

pytestmark = pytest.mark.django_db


def test_the_invitation_email_goes_after_commit_with_a_link_per_rating(
    ticket, agent, survey, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://help.example.com"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move(ticket, agent, "resolved")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rita@example.com"]
    assert f"#{ticket.number}" in message.subject and "Printer on fire" in message.subject
    assert request_id_from_address(message.reply_to[0]) == ticket.public_id
    text, (html, kind) = message.body, message.alternatives[0]
    assert kind == "text/html"
    for label in ("Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Very dissatisfied"):
        assert label in text and label in html
    assert text.count("https://help.example.com/survey/") == 6  # five ratings and the page itself
    assert "?rating=3" in text and "?rating=-3" in html
    assert SurveyInvitation.objects.get().emailed_at is not None


def test_running_the_send_twice_sends_one_email(invitation):
    assert send_invitation(invitation.pk) is True
    assert send_invitation(invitation.pk) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_can_be_retried(invitation, monkeypatch):
    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(OSError):
        send_invitation(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.emailed_at is None  # the claim rolled back with the failure
    monkeypatch.undo()
    assert send_invitation(invitation.pk) is True


def test_a_deactivated_requester_gets_no_email(invitation, requester):
    requester.is_active = False
    requester.save()
    assert send_invitation(invitation.pk) is False
    assert mail.outbox == []


def test_the_user_text_in_the_html_email_is_escaped(ticket, agent, survey):
    ticket.title = "<b>bold</b>"
    ticket.save()
    move(ticket, agent, "resolved")
    send_invitation(SurveyInvitation.objects.get().pk)
    html = mail.outbox[0].alternatives[0][0]
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" in mail.outbox[0].body  # plain text is not HTML


def test_invitation_url_names_the_latest_unanswered_invitation(ticket, agent, survey, settings):
    settings.SITE_URL = "https://help.example.com"
    assert invitation_url(ticket) is None  # none sent
    move(ticket, agent, "resolved")
    url = invitation_url(ticket)
    assert url.startswith("https://help.example.com/survey/") and url.endswith("/")
    answer_submit(invitation=ticket.survey_invitations.get(), rating=3)
    assert invitation_url(ticket) is None  # answered
