"""Resolved requests are closed once their reopen window has passed: closed is final, so the
requester's next question becomes a new request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.errors import ValidationFailed
from tests.factories import RequestFactory
from tickets import services
from tickets.models import EventKind, Status
from tickets.tasks import close_settled_requests

pytestmark = pytest.mark.django_db


def resolved(days_ago, **fields):
    return RequestFactory(status=Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=days_ago), **fields)


def test_only_requests_past_the_window_are_closed_with_an_event_by_nobody(settings):
    settings.REOPEN_DAYS = 7
    settled, recent = resolved(8), resolved(6)
    working = RequestFactory(status=Status.OPEN)
    assert close_settled_requests() == 1
    settled.refresh_from_db(), recent.refresh_from_db(), working.refresh_from_db()
    assert (settled.status, recent.status, working.status) == (Status.CLOSED, Status.RESOLVED, Status.OPEN)
    assert settled.closed_at is not None and settled.public_updated_at == settled.closed_at
    event = settled.events.get(kind=EventKind.CHANGED, field="status")
    assert (event.actor, event.old_value, event.new_value) == (None, "resolved", "closed")
    assert close_settled_requests() == 0  # nothing twice


def test_a_closed_request_takes_no_more_public_replies(settings, requester):
    settings.REOPEN_DAYS = 7
    request = resolved(30, requester=requester)
    close_settled_requests()
    request.refresh_from_db()
    with pytest.raises(ValidationFailed, match="closed"):
        services.comment_add(actor=requester, request=request, content="one more thing")


def test_it_can_be_switched_off(settings):
    settings.AUTO_CLOSE_RESOLVED = False
    settings.REOPEN_DAYS = 7
    request = resolved(30)
    assert close_settled_requests() == 0
    request.refresh_from_db()
    assert request.status == Status.RESOLVED


def test_a_run_closes_at_most_its_limit(settings):
    settings.REOPEN_DAYS = 1
    for _ in range(3):
        resolved(5)
    assert services.requests_close_settled(limit=2) == 2
    assert services.requests_close_settled(limit=2) == 1
