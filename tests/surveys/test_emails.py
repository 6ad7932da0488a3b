"""The invitation email goes through the notifications outbox like every other notification: one
email per change to the requester (the "resolved" email asks the survey when it goes, else the
invitation is its own email), written with the change, sent after commit by the outbox's workers
with their claims and retries, with the signed links, never for a rolled-back change."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from helpdesk.mail_threading import request_id_from_address, request_id_from_message_id
from notifications import delivery
from notifications.models import SURVEY_INVITATION, Channel, Delivery, DeliveryStatus, NotificationRule, Rule
from notifications.outbox import muted
from notifications.tasks import sweep_outbox
from surveys.links import invitation_url
from surveys.models import SurveyInvitation, Trigger
from surveys.services import answer_submit
from tests.surveys.conftest import make_survey, move
from tickets.models import Priority
from tickets.services import request_create

pytestmark = pytest.mark.django_db

LABELS = ("Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Very dissatisfied")


def to_requester(requester) -> list:
    return [m for m in mail.outbox if requester.email in m.to[0]]


def send_all() -> int:
    """Sends what the outbox holds, but for the news of the ticket fixture's creation."""
    news = (Rule.REQUEST_CREATED_REQUESTER, Rule.REQUEST_CREATED_AGENTS, Rule.ASSIGNED)
    return delivery.deliver(list(Delivery.objects.exclude(event__in=news).values_list("pk", flat=True)))


def requester_rows(requester):
    rows = Delivery.objects.filter(channel=Channel.EMAIL, recipient=requester)
    return rows.exclude(event=Rule.REQUEST_CREATED_REQUESTER).order_by("pk")


def switch_off_resolved_rule():
    NotificationRule.objects.update_or_create(rule=Rule.RESOLVED, defaults={"enabled": False})


def assert_links_per_rating(message, count=6):
    text, (html, kind) = message.body, message.alternatives[0]
    assert kind == "text/html"
    for label in LABELS:
        assert label in text and label in html
    assert text.count("https://help.example.com/survey/") == count  # five ratings and the page itself
    assert "?rating=3" in text and "?rating=-3" in html


def test_the_invitation_email_goes_after_commit_with_a_link_per_rating(
    ticket, agent, requester, survey, django_capture_on_commit_callbacks, settings
):
    """Resolved with the survey sent on resolve: ONE email, the "resolved" one, asking the survey."""
    settings.SITE_URL = "https://help.example.com"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move(ticket, agent, "resolved")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    (message,) = to_requester(requester)
    assert message.to == ["Rita Requester <rita@example.com>"]
    assert message.subject == f"Resolved: [#{ticket.number}] Printer on fire"
    assert "Your request has been resolved." in message.body
    assert request_id_from_address(message.reply_to[0]) == ticket.public_id
    assert request_id_from_message_id(message.extra_headers["Message-ID"]) == ticket.public_id
    assert_links_per_rating(message)
    (row,) = requester_rows(requester).filter(event=Rule.RESOLVED)
    assert row.status == DeliveryStatus.SENT and row.payload["survey"] == SurveyInvitation.objects.get().public_id
    assert not Delivery.objects.filter(event=SURVEY_INVITATION).exists()


def test_the_links_in_the_resolved_email_answer_that_survey(ticket, agent, requester, survey, client, settings):
    settings.SITE_URL = ""
    move(ticket, agent, "resolved")
    send_all()
    (message,) = to_requester(requester)
    link = next(line.split(": ", 1)[1] for line in message.body.splitlines() if "Very satisfied:" in line)
    page = client.get(link)
    assert page.status_code == 200 and "Printer on fire" in page.content.decode()
    assert SurveyInvitation.objects.get().rated_at is None  # opening a link records nothing


def test_with_the_resolved_rule_off_the_invitation_is_its_own_email(ticket, agent, requester, survey, settings):
    settings.SITE_URL = "https://help.example.com"
    switch_off_resolved_rule()
    move(ticket, agent, "resolved")
    invitation = SurveyInvitation.objects.get()
    (row,) = requester_rows(requester)
    assert row.event == SURVEY_INVITATION and row.idempotency_key == f"survey-{invitation.public_id}"
    send_all()
    (message,) = to_requester(requester)
    assert message.subject == f"How did we do? Request #{ticket.number}: Printer on fire"
    assert "was resolved" in message.body
    assert request_id_from_address(message.reply_to[0]) == ticket.public_id
    assert request_id_from_message_id(message.extra_headers["Message-ID"]) == ticket.public_id
    assert_links_per_rating(message)
    assert Delivery.objects.get(pk=row.pk).message_id == message.extra_headers["Message-ID"]


def test_a_survey_sent_on_close_is_its_own_email_after_the_resolved_one(ticket, agent, requester, admin_user, settings):
    settings.SITE_URL = "https://help.example.com"
    make_survey(admin_user, trigger=Trigger.CLOSED)
    move(ticket, agent, "resolved")
    send_all()
    (resolved,) = to_requester(requester)
    assert resolved.subject.startswith("Resolved:") and "/survey/" not in resolved.body  # not asked yet
    mail.outbox.clear()
    move(ticket, agent, "closed")
    send_all()
    (message,) = to_requester(requester)
    assert message.subject.startswith("How did we do?") and "was closed" in message.body
    assert_links_per_rating(message)


def test_closing_an_open_request_asks_the_survey_in_its_one_email(ticket, agent, requester, admin_user, settings):
    """Closed straight from open: the "resolved" email goes for that change, and carries the survey."""
    settings.SITE_URL = "https://help.example.com"
    make_survey(admin_user, trigger=Trigger.CLOSED)
    move(ticket, agent, "closed")
    send_all()
    (message,) = to_requester(requester)
    assert message.subject.startswith("Resolved:")
    assert_links_per_rating(message)


def test_a_requester_who_resolves_their_own_request_gets_the_invitation_alone(requester, agent, survey):
    ticket = request_create(actor=requester, title="Printer on fire", description="d", priority=Priority.LOW)
    Delivery.objects.all().delete()
    move(ticket, requester, "resolved")  # nobody is told of their own change: no "resolved" email
    send_all()
    (message,) = to_requester(requester)
    assert message.subject.startswith("How did we do?")


def test_resolving_again_after_a_reopen_asks_nothing_new(ticket, agent, requester, survey, settings):
    settings.SITE_URL = "https://help.example.com"
    move(ticket, agent, "resolved")
    answer_submit(invitation=SurveyInvitation.objects.get(), rating=3)
    move(ticket, agent, "open")
    move(ticket, agent, "resolved")
    mail.outbox.clear()
    last = Delivery.objects.filter(event=Rule.RESOLVED).latest("pk")
    delivery.deliver([last.pk])
    (message,) = to_requester(requester)
    assert "/survey/" not in message.body  # answered: the second "resolved" email asks nothing
    assert SurveyInvitation.objects.count() == 1


def test_a_deactivated_requester_gets_nothing(ticket, agent, requester, survey):
    requester.is_active = False
    requester.save()
    switch_off_resolved_rule()
    move(ticket, agent, "resolved")
    assert SurveyInvitation.objects.exists()  # recorded for the report, emailed to nobody
    assert not requester_rows(requester).exists()


def test_a_requester_deactivated_before_the_send_gets_nothing(ticket, agent, requester, survey):
    switch_off_resolved_rule()
    move(ticket, agent, "resolved")
    requester.is_active = False
    requester.save()
    assert send_all() == 0
    assert to_requester(requester) == []
    assert requester_rows(requester).get().status == DeliveryStatus.CANCELLED


def test_muted_changes_send_no_invitation(ticket, agent, requester, survey):
    with muted():
        move(ticket, agent, "resolved")
    assert SurveyInvitation.objects.exists()
    assert not Delivery.objects.exclude(event=Rule.REQUEST_CREATED_REQUESTER).exists()  # but the fixture's


def test_a_rolled_back_change_leaves_no_invitation_and_no_email(ticket, agent, survey):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        move(ticket, agent, "resolved")
        raise RuntimeError("the change fails after the move")
    assert not SurveyInvitation.objects.exists()
    assert not Delivery.objects.exclude(event=Rule.REQUEST_CREATED_REQUESTER).exists()  # but the fixture's


def test_the_invitation_is_delivered_once_however_often_it_is_handed_over(ticket, agent, requester, survey):
    switch_off_resolved_rule()
    move(ticket, agent, "resolved")
    ids = list(requester_rows(requester).values_list("pk", flat=True))
    assert delivery.deliver(ids) == 1
    assert delivery.deliver(ids) == 0  # a task run twice, a sweep after the task
    assert sweep_outbox() == 0
    assert len(to_requester(requester)) == 1


def test_a_failed_invitation_send_is_retried_like_every_notification(
    ticket, agent, requester, survey, settings, monkeypatch
):
    switch_off_resolved_rule()
    move(ticket, agent, "resolved")

    def refuse(self, messages):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    assert send_all() == 0
    row = requester_rows(requester).get()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1
    assert "mail server down" in row.last_error and row.due_at > timezone.now()  # backoff
    monkeypatch.undo()
    Delivery.objects.filter(pk=row.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    assert sweep_outbox() == 1  # the beat's sweep takes it when its time comes
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 2
    (message,) = to_requester(requester)
    assert message.subject.startswith("How did we do?")


def test_an_invitation_answered_before_its_email_went_is_not_sent(ticket, agent, requester, survey):
    switch_off_resolved_rule()
    move(ticket, agent, "resolved")
    answer_submit(invitation=SurveyInvitation.objects.get(), rating=3, actor=requester)  # on the request page
    assert send_all() == 0
    assert to_requester(requester) == []
    assert requester_rows(requester).get().status == DeliveryStatus.CANCELLED


def test_the_user_text_in_the_html_email_is_escaped(ticket, agent, requester, survey):
    ticket.title = "<b>bold</b>"
    ticket.save()
    switch_off_resolved_rule()
    move(ticket, agent, "resolved")
    send_all()
    (message,) = to_requester(requester)
    html = message.alternatives[0][0]
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" in message.body  # plain text is not HTML


def test_invitation_url_names_the_latest_unanswered_invitation(ticket, agent, survey, settings):
    settings.SITE_URL = "https://help.example.com"
    assert invitation_url(ticket) is None  # none sent
    move(ticket, agent, "resolved")
    url = invitation_url(ticket)
    assert url.startswith("https://help.example.com/survey/") and url.endswith("/")
    answer_submit(invitation=ticket.survey_invitations.get(), rating=3)
    assert invitation_url(ticket) is None  # answered
