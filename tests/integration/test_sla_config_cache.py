"""The SLA configuration kept per process (sla.selectors.current_config), with Redis shared: a
repeated detail does not load it again, yet a change of targets or of a group's calendar shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Group
from helpdesk import ratelimit
from sla import selectors
from sla.models import BusinessCalendar, OpeningHours, SlaTarget, SlaTier
from tickets.models import Priority
from tickets.services import request_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def redis_cache(shared_services, settings):
    settings.CACHES = {"default": {"BACKEND": "helpdesk.redis_cache.RedisCache", "LOCATION": shared_services}}
    ratelimit.reset_local_state()
    selectors.kept_config.forget_all()
    yield
    selectors.kept_config.forget_all()


@pytest.fixture
def tier():
    tier = SlaTier.objects.create(name="Round the clock", is_default=True)
    for priority in Priority.values:
        SlaTarget.objects.create(
            tier=tier, priority=priority, first_response_minutes=60, resolution_minutes=600, business_hours=False
        )
    return tier


def _detail(api_for, agent, request):
    return api_for(agent).get(f"/v1/requests/{request.public_id}").json()["data"]


def test_a_repeated_detail_does_not_load_the_sla_configuration_again(tier, requester, agent, api_for):
    request = request_create(actor=requester, title="Printer", description="Jammed", priority=Priority.MEDIUM)
    _detail(api_for, agent, request)
    with CaptureQueriesContext(connection) as queries:
        assert _detail(api_for, agent, request)["sla"]["tier"] == "Round the clock"
    assert not any("sla_slatier" in q["sql"] for q in queries.captured_queries)


def test_changed_targets_show_in_the_next_detail(tier, requester, agent, api_for):
    request = request_create(actor=requester, title="Printer", description="Jammed", priority=Priority.MEDIUM)
    before = _detail(api_for, agent, request)["sla"]
    target = SlaTarget.objects.get(tier=tier, priority=Priority.MEDIUM)
    target.first_response_minutes = 120
    target.save()
    after = _detail(api_for, agent, request)["sla"]
    assert before["responseTarget"] != after["responseTarget"]


def test_a_group_given_a_calendar_shows_in_the_next_detail(tier, requester, agent, api_for):
    SlaTarget.objects.filter(tier=tier).update(business_hours=True)
    selectors.config_changed()  # update() sends no signal: whoever uses it says so
    group = Group.objects.create(name="Night shift")
    request = request_create(actor=requester, title="Printer", description="Jammed", priority=Priority.MEDIUM)
    request.assigned_group = group
    request.save(update_fields=["assigned_group"])
    before = _detail(api_for, agent, request)["sla"]
    calendar = BusinessCalendar.objects.create(name="Sundays only", time_zone="UTC")
    OpeningHours.objects.create(calendar=calendar, weekday=6, opens="00:00", closes="01:00")
    group.calendar = calendar
    group.save()
    assert _detail(api_for, agent, request)["sla"]["responseTarget"] != before["responseTarget"]
