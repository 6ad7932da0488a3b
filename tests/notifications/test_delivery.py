"""Sending the outbox (issue 8, points 1, 3 and 4): the emails as a mail client sees them, signed
webhooks as a receiver checks them, claims, retries, the sweep and the pruning."""

from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk import mail_threading
from notifications import delivery, services
from notifications.models import Channel, Delivery, DeliveryStatus, Rule, WebhookEndpoint
from notifications.tasks import sweep_outbox
from tickets.models import Priority, Status
from tickets.services import comment_add, request_create, request_update

from .receiver import start_receiver, stop_receiver


def send_all() -> int:
    return delivery.deliver(list(Delivery.objects.values_list("pk", flat=True)))


@pytest.fixture
def receiver():
    started = start_receiver()
    yield started
    stop_receiver(started)


@pytest.fixture
def endpoint(admin_user, receiver):
    created = services.webhook_create(
        actor=admin_user, url=receiver.url, events=["request.created", "request.updated", "comment.created"]
    )
    receiver.secret = created.secret
    return created


# --- emails ----------------------------------------------------------------------------------------


def test_an_email_carries_number_title_threading_headers_and_a_reply_address(requester, agent, settings):
    settings.NOTIFY_FROM_NAME = "Acme Support"
    settings.DEFAULT_FROM_EMAIL = "help@acme.test"
    request = request_create(actor=requester, title="Printer on fire", description="Smoke", priority=Priority.HIGH)
    comment_add(actor=agent, request=request, content="On my way with a fire extinguisher.")
    assert send_all() == 3
    reply = next(m for m in mail.outbox if m.subject.startswith("Re:"))
    assert reply.subject == f"Re: [#{request.number}] Printer on fire"
    assert reply.to == ["Rita Requester <rita@example.com>"]
    assert parseaddr(reply.from_email) == ("Acme Support", "help@acme.test")
    assert "On my way with a fire extinguisher." in reply.body
    assert "On my way with a fire extinguisher." in reply.alternatives[0][0]
    root = mail_threading.thread_root_id(request.public_id)
    assert reply.extra_headers["In-Reply-To"] == root
    assert reply.extra_headers["References"] == root
    assert mail_threading.request_id_from_message_id(reply.extra_headers["Message-ID"]) == request.public_id
    assert mail_threading.request_id_from_address(reply.reply_to[0]) == request.public_id
    # Each message its own Message-ID, recorded on its row for email intake.
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(set(ids)) == 3
    assert set(Delivery.objects.values_list("message_id", flat=True)) == set(ids)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_requester_email_links_to_their_own_pages_and_an_agent_email_to_the_workspace(requester, agent):
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    send_all()
    to_agent = next(m for m in mail.outbox if "alice@example.com" in m.to[0])
    to_requester = next(m for m in mail.outbox if "rita@example.com" in m.to[0])
    assert f"/agent/requests/{Delivery.objects.first().request.public_id}" in to_agent.body
    assert "/agent/" not in to_requester.body


def test_the_resolved_email_asks_the_survey_with_one_link_per_answer(requester, agent, admin_user, settings):
    from surveys.models import Survey
    from surveys.services import survey_save

    settings.SITE_URL = "https://help.test"
    survey_save(actor=admin_user, survey=Survey(name="How did we do?", cs_scale=2, is_active=True))
    request = request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    request_update(actor=agent, request=request, changes={"assigned_to": agent.public_id})
    request_update(actor=agent, request=request, changes={"status": Status.RESOLVED})
    assert not Delivery.objects.filter(recipient=requester, event="survey_invitation").exists()  # one email
    mail.outbox.clear()
    delivery.deliver(list(Delivery.objects.filter(event=Rule.RESOLVED).values_list("pk", flat=True)))
    (resolved,) = mail.outbox
    assert resolved.subject.startswith("Resolved: [#")
    assert resolved.body.count("https://help.test/survey/") == 3  # good, bad, and the page
    assert 'href="https://help.test/survey/' in resolved.alternatives[0][0]


def test_without_surveys_the_resolved_email_has_no_survey_link(requester, agent):
    request = request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    request_update(actor=agent, request=request, changes={"assigned_to": agent.public_id, "status": Status.RESOLVED})
    mail.outbox.clear()
    delivery.deliver(list(Delivery.objects.filter(event=Rule.RESOLVED).values_list("pk", flat=True)))
    assert "How did we do" not in mail.outbox[0].body


def test_an_install_overrides_an_email_with_its_own_template(requester, agent, settings, tmp_path):
    folder = tmp_path / "emails" / "notifications"
    folder.mkdir(parents=True)
    (folder / "request_created_requester_subject.txt").write_text("Got it: [#{{ request.number }}] {{ request.title }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    send_all()
    assert any(m.subject.startswith("Got it: [#") for m in mail.outbox)


def test_a_failed_send_is_retried_later_with_backoff_then_given_up_with_its_error(requester, settings, monkeypatch):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(ConnectionRefusedError("SMTP down")),
    )
    row = Delivery.objects.get(event=Rule.REQUEST_CREATED_REQUESTER)
    before = timezone.now()
    assert delivery.deliver([row.pk]) == 0
    row.refresh_from_db()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1
    assert "SMTP down" in row.last_error
    # First retry after NOTIFY_RETRY_BASE_SECONDS, jittered to between half and all of it.
    wait = (row.due_at - before).total_seconds()
    assert settings.NOTIFY_RETRY_BASE_SECONDS * 0.5 - 1 <= wait <= settings.NOTIFY_RETRY_BASE_SECONDS + 1
    assert delivery.deliver([row.pk]) == 0  # not due yet: left alone
    Delivery.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert delivery.deliver([row.pk]) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.due_at) == (DeliveryStatus.FAILED, 2, None)
    assert "SMTP down" in row.last_error


def test_backoff_doubles_up_to_its_ceiling(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS, settings.NOTIFY_RETRY_MAX_SECONDS = 30, 600
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (6, 600), (20, 600)]:
        seconds = delivery.backoff(attempts).total_seconds()
        assert ceiling / 2 <= seconds <= ceiling


# --- claims: never two senders ---------------------------------------------------------------------


def test_a_delivery_claimed_by_one_worker_is_not_taken_by_another(requester):
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    _, first = delivery.claim(ids)
    _, second = delivery.claim(ids)
    assert len(first) == len(ids) and second == []


def test_a_delivery_sent_but_not_recorded_is_sent_again_only_after_its_claim_ran_out(requester, settings):
    settings.NOTIFY_CLAIM_SECONDS = 60
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    row = Delivery.objects.get(event=Rule.REQUEST_CREATED_REQUESTER)
    delivery.claim([row.pk])  # a worker took it, sent it, and died before recording it
    assert delivery.due_ids(limit=10) == []
    assert delivery.due_ids(limit=10, now=timezone.now() + timedelta(seconds=61)) == [row.pk]


def test_the_sweep_with_nothing_due_is_one_query(requester, django_assert_num_queries):
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    send_all()
    with django_assert_num_queries(1):
        assert sweep_outbox() == 0


def test_the_sweep_sends_what_waited_for_the_broker(requester, agent, settings):
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    assert mail.outbox == []  # the after-commit task never came (tests run in one transaction)
    Delivery.objects.update(due_at=timezone.now())  # the grace for the after-commit task is over
    assert sweep_outbox() == 2  # CELERY_TASK_ALWAYS_EAGER: the batches run here
    assert len(mail.outbox) == 2
    assert sweep_outbox() == 0


def test_writes_hand_their_deliveries_to_a_worker_after_commit(requester, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_pruning_removes_old_delivered_rows_only(requester, agent, settings):
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    request_create(actor=requester, title="Scanner", description="x", priority=Priority.LOW)
    sent, failed, _ = Delivery.objects.order_by("pk")[:3]
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT, due_at=None)
    Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, due_at=None)
    Delivery.objects.update(created_at=timezone.now() - timedelta(days=settings.NOTIFY_RETENTION_DAYS + 1))
    assert delivery.prune() == 1
    assert not Delivery.objects.filter(pk=sent.pk).exists()
    assert Delivery.objects.count() == 3  # of 4: the failed one and the two still to send stay


def test_an_admin_retries_failed_deliveries(requester, admin_user, agent):
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    row = Delivery.objects.get(event=Rule.REQUEST_CREATED_REQUESTER)
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, due_at=None, attempts=8)
    with pytest.raises(Exception, match="Only admins"):
        delivery.retry(actor=agent, ids=[row.pk])
    assert delivery.retry(actor=admin_user, ids=[row.pk]) == 1
    assert delivery.deliver([row.pk]) == 1
    assert Delivery.objects.get(pk=row.pk).status == DeliveryStatus.SENT


# --- webhooks --------------------------------------------------------------------------------------


def test_webhooks_are_signed_so_the_standard_verifier_accepts_them(requester, agent, endpoint, receiver):
    request = request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    comment_add(actor=agent, request=request, content="Internal thoughts", is_internal=True)
    send_all()
    assert [m.verified for m in receiver.messages] == [True, True]
    bodies = {m.body["type"]: m.body for m in receiver.messages}
    created = bodies["request.created"]["data"]["request"]
    assert created["id"] == request.public_id and created["number"] == request.number
    assert created["requester"] == {"id": requester.public_id, "email": "rita@example.com", "name": "Rita Requester"}
    comment = bodies["comment.created"]["data"]["comment"]
    assert comment["isInternal"] is True and comment["content"] == "Internal thoughts"
    # webhook-id is the delivery's idempotency key: the same on every retry, so receivers drop repeats.
    assert set(receiver.ids()) == set(
        Delivery.objects.filter(channel=Channel.WEBHOOK).values_list("idempotency_key", flat=True)
    )


def test_a_request_update_is_one_webhook_with_every_changed_field(requester, agent, endpoint, receiver):
    request = request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    request_update(
        actor=agent,
        request=request,
        changes={"priority": Priority.HIGH, "title": "Printer on fire", "assigned_to": agent.public_id},
    )
    send_all()
    (updated,) = [m.body for m in receiver.messages if m.body["type"] == "request.updated"]
    assert updated["data"]["changes"] == {
        "title": {"from": "Printer", "to": "Printer on fire"},
        "priority": {"from": "low", "to": "high"},
        "status": {"from": "open", "to": "assigned"},
        "assignedTo": {"from": None, "to": "alice@example.com"},
    }
    assert updated["data"]["request"]["assignedTo"] == agent.public_id
    assert updated["data"]["actor"]["id"] == agent.public_id


def test_a_receiver_answering_non_2xx_is_a_failure_retried_later(requester, endpoint, receiver):
    receiver.status = 500
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    send_all()
    row = Delivery.objects.get(channel=Channel.WEBHOOK)
    assert (row.status, row.response_status) == (DeliveryStatus.PENDING, 500)
    assert row.last_error.startswith("HTTP 500")
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None


def test_an_endpoint_failing_for_a_day_is_disabled_and_the_admins_are_emailed(
    requester, admin_user, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 410
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(hours=25))
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    with django_capture_on_commit_callbacks(execute=True):
        delivery.deliver(list(Delivery.objects.filter(channel=Channel.WEBHOOK).values_list("pk", flat=True)))
    endpoint.refresh_from_db()
    assert endpoint.active is False and endpoint.disabled_at is not None
    notice = Delivery.objects.get(event=Rule.WEBHOOK_DISABLED)
    assert notice.recipient == admin_user and notice.status == DeliveryStatus.SENT
    assert any(m.subject == f"Webhook {endpoint.public_id} disabled" for m in mail.outbox)
    # A disabled endpoint is sent nothing more.
    Delivery.objects.all().delete()
    request_create(actor=requester, title="Scanner", description="x", priority=Priority.LOW)
    assert not Delivery.objects.filter(channel=Channel.WEBHOOK).exists()


def test_a_request_deleted_is_sent_to_the_endpoints_that_asked(requester, admin_user, receiver):
    endpoint = services.webhook_create(actor=admin_user, url=receiver.url, events=["request.deleted"])
    receiver.secret = endpoint.secret
    request = request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    from tickets.services import request_delete

    request_delete(actor=admin_user, request_id=request.public_id)
    send_all()
    assert [m.body["type"] for m in receiver.messages] == ["request.deleted"]
    assert receiver.messages[0].body["data"]["request"]["deleted"] is True


def test_no_webhook_query_is_made_when_no_endpoint_exists(requester, agent):
    request = request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    request_update(actor=agent, request=request, changes={"assigned_to": agent.public_id})  # warms the config
    with CaptureQueriesContext(connection) as queries:
        request_update(actor=agent, request=request, changes={"title": "Printer, still"})
    assert not [q for q in queries.captured_queries if "notifications_" in q["sql"]]


def test_a_survey_rating_reaches_the_endpoints_that_asked_for_survey_rated(requester, admin_user, receiver):
    from notifications.outbox import webhook_event

    endpoint = services.webhook_create(actor=admin_user, url=receiver.url, events=["survey.rated"])
    receiver.secret = endpoint.secret
    request = request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    rating = {"survey": {"id": "srv_abc", "kind": "csat", "score": 5, "comment": "Quick!"}}
    webhook_event("survey.rated", request=request, data=rating, key="rating-1")
    webhook_event("survey.rated", request=request, data=rating, key="rating-1")  # once per rating
    send_all()
    (message,) = receiver.messages
    assert message.verified and message.body["type"] == "survey.rated"
    assert message.body["data"]["survey"]["score"] == 5
    assert message.body["data"]["request"]["id"] == request.public_id


def test_an_endpoint_deleted_while_another_process_still_caches_it_fails_no_write(requester, endpoint, receiver):
    from notifications import outbox

    request_create(actor=requester, title="Warm", description="x", priority=Priority.LOW)  # caches the endpoint
    WebhookEndpoint.objects.filter(pk=endpoint.pk)._raw_delete(WebhookEndpoint.objects.db)  # as in another process
    assert outbox._current_config()[1]  # this process has not heard of it
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    send_all()
    assert receiver.messages == []
    assert set(Delivery.objects.filter(channel=Channel.WEBHOOK).values_list("status", flat=True)) == {
        DeliveryStatus.CANCELLED
    }
