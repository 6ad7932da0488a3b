"""survey.rated (issue 8, point 4): each answer is a signed webhook message written in the answer's
transaction, with the request and the survey in their /v1 shapes; a changed answer is a new event."""

import pytest

from helpdesk.errors import ValidationFailed
from notifications import delivery, services
from notifications.models import Channel, Delivery
from notifications.outbox import muted
from surveys.services import answer_submit
from tests.notifications.receiver import start_receiver, stop_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    started = start_receiver()
    yield started
    stop_receiver(started)


@pytest.fixture
def endpoint(admin_user, receiver):
    created = services.webhook_create(actor=admin_user, url=receiver.url, events=["survey.rated"])
    receiver.secret = created.secret
    return created


def rated_rows():
    return Delivery.objects.filter(channel=Channel.WEBHOOK, event="survey.rated").order_by("pk")


def test_an_answer_is_a_signed_survey_rated_message_in_the_v1_shapes(invitation, requester, endpoint, receiver):
    answer_submit(invitation=invitation, rating=2, comment="Quick!", actor=requester)
    (row,) = rated_rows()
    assert row.endpoint_id == endpoint.pk and row.request_id == invitation.request_id
    assert delivery.deliver([row.pk]) == 1
    (message,) = receiver.messages
    assert message.verified and message.webhook_id == row.idempotency_key
    body = message.body
    assert body["type"] == "survey.rated"
    assert body["data"]["request"]["id"] == invitation.request.public_id
    survey = body["data"]["survey"]
    assert survey["id"] == invitation.public_id and survey["surveyId"] == invitation.survey.public_id
    assert survey["answered"] is True and survey["rating"] == 2 and survey["type"] == 1 and survey["scale"] == 5
    assert survey["additionalCommentsResponse"] == "Quick!"
    assert survey["ratedAt"] and survey["sentAt"]


def test_a_changed_answer_is_a_new_event_with_its_own_key(invitation, endpoint, receiver):
    answer_submit(invitation=invitation, rating=3)
    answer_submit(invitation=invitation, rating=-3)
    first, second = rated_rows()
    assert first.idempotency_key != second.idempotency_key
    assert [first.payload["data"]["survey"]["rating"], second.payload["data"]["survey"]["rating"]] == [3, -3]
    delivery.deliver([first.pk, second.pk])
    assert len(set(receiver.ids())) == 2


def test_a_refused_answer_writes_no_message(invitation, endpoint):
    with pytest.raises(ValidationFailed):
        answer_submit(invitation=invitation, rating=9)
    assert not rated_rows().exists()


def test_endpoints_that_did_not_ask_for_survey_rated_get_nothing(invitation, admin_user, receiver):
    services.webhook_create(actor=admin_user, url=receiver.url, events=["request.updated"])
    answer_submit(invitation=invitation, rating=3)
    assert not rated_rows().exists()


def test_muted_answers_notify_nobody(invitation, endpoint):
    with muted():
        answer_submit(invitation=invitation, rating=3)
    assert not rated_rows().exists()
