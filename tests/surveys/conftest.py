"""Fixtures of the survey tests: an active survey, a request of the requester fixture worked by the
agent fixture, and a way to bring it to a status through the services."""

import pytest
from django.test import Client

from surveys.models import Survey, SurveyType, Trigger
from surveys.services import survey_save
from tickets.models import Priority
from tickets.services import request_create, request_update


def make_survey(admin, **fields) -> Survey:
    fields.setdefault("name", f"Survey {Survey.objects.count() + 1}")
    if fields.get("survey_type", SurveyType.CSAT) == SurveyType.CSAT:
        fields.setdefault("cs_scale", 5)
    fields.setdefault("is_active", True)
    return survey_save(actor=admin, survey=Survey(**fields))


@pytest.fixture
def survey(admin_user):
    """Customer satisfaction on 5 points, sent when a request is resolved (the demo's default)."""
    return make_survey(admin_user, name="How did we do?", trigger=Trigger.RESOLVED)


@pytest.fixture
def ticket(requester, agent, group):
    return request_create(
        actor=agent,
        requester_id=requester.public_id,
        assigned_to=agent.public_id,
        title="Printer on fire",
        description="Smoke everywhere",
        priority=Priority.HIGH,
    )


def move(request, actor, status: str):
    return request_update(actor=actor, request=request, changes={"status": status})


@pytest.fixture
def resolved(ticket, agent, survey):
    """The ticket, resolved: its invitation is recorded."""
    move(ticket, agent, "resolved")
    return ticket


@pytest.fixture
def invitation(resolved):
    return resolved.survey_invitations.get()


@pytest.fixture
def requester_client(requester):
    client = Client()
    client.force_login(requester)
    return client


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _fresh_notification_config(settings):
    # The outbox caches rules and webhook endpoints per process: every test reads its own.
    from notifications import outbox

    settings.WEBHOOK_ALLOW_PRIVATE = True
    outbox.config_changed()
    yield
    outbox.config_changed()
