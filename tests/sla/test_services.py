"""The stored SLA clocks: recompute, the sweep by index, policies, calendars and history events."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from sla.models import BusinessCalendar, OpeningHours, SlaClock, SlaPolicy, SlaTarget, SlaTier
from sla.selectors import load_config
from sla.services import clocks_rebuild, clocks_recompute, clocks_sweep, sla_defaults_install
from tests.factories import GroupFactory, RequesterFactory
from tickets.models import EventKind, Priority, Request, RequestEvent
from tickets.services import comment_add, request_create, request_update

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def hour_tier(db):
    """Default tier: first response in 60, resolution in 240 round-the-clock minutes, any priority."""
    tier = SlaTier.objects.create(name="Hourly", is_default=True)
    for priority in Priority.values:
        SlaTarget.objects.create(
            tier=tier, priority=priority, first_response_minutes=60, resolution_minutes=240, business_hours=False
        )
    return tier


@pytest.fixture
def ticket(requester, hour_tier):
    request = request_create(actor=requester, title="VPN down", description="No tunnel", priority=Priority.HIGH)
    Request.objects.filter(pk=request.pk).update(created_at=T0, updated_at=T0)
    request.refresh_from_db()
    return request


def clocks_of(request) -> dict[str, SlaClock]:
    return {c.kind: c for c in SlaClock.objects.filter(request=request)}


def sla_events(request) -> list[tuple[str, str, str]]:
    return list(
        RequestEvent.objects.filter(request=request, kind=EventKind.SLA).values_list("field", "old_value", "new_value")
    )


def test_recompute_stores_both_clocks_and_the_requests_sla_columns(ticket):
    clocks_recompute(request_id=ticket.pk, now=T0 + timedelta(minutes=10))

    clocks = clocks_of(ticket)
    assert clocks["first_response"].status == "on_track"
    assert clocks["first_response"].target_at == T0 + timedelta(minutes=60)
    # At risk once less than 25% of the hour is left: at minute 45.
    assert clocks["first_response"].next_check_at == T0 + timedelta(minutes=45)
    assert clocks["resolution"].target_at == T0 + timedelta(minutes=240)
    ticket.refresh_from_db()
    assert (ticket.sla_tier, ticket.sla_status, ticket.sla_due_at) == ("Hourly", "on_track", T0 + timedelta(minutes=60))


def test_the_sweep_moves_a_due_clock_and_records_the_move_once(ticket):
    clocks_recompute(request_id=ticket.pk, now=T0)

    assert clocks_sweep(now=T0 + timedelta(minutes=46)) == 1
    assert clocks_of(ticket)["first_response"].status == "at_risk"
    assert clocks_of(ticket)["first_response"].next_check_at == T0 + timedelta(minutes=60)
    assert clocks_sweep(now=T0 + timedelta(minutes=46)) == 0  # nothing due any more: a second sweep does nothing

    assert clocks_sweep(now=T0 + timedelta(minutes=61)) == 1
    assert clocks_of(ticket)["first_response"].status == "breached"
    assert clocks_of(ticket)["first_response"].next_check_at is None
    assert sla_events(ticket) == [("first_response", "on_track", "at_risk"), ("first_response", "at_risk", "breached")]
    ticket.refresh_from_db()
    assert ticket.sla_status == "breached"


def test_recomputing_twice_records_a_move_once(ticket):
    clocks_recompute(request_id=ticket.pk, now=T0)
    clocks_recompute(request_id=ticket.pk, now=T0 + timedelta(hours=2))
    clocks_recompute(request_id=ticket.pk, now=T0 + timedelta(hours=2))

    assert sla_events(ticket) == [("first_response", "on_track", "breached")]


def test_a_sweep_with_nothing_due_costs_one_query(ticket, django_assert_num_queries):
    clocks_recompute(request_id=ticket.pk, now=T0)
    with django_assert_num_queries(1):
        assert clocks_sweep(now=T0 + timedelta(minutes=1)) == 0


def test_a_sweep_touches_only_the_clocks_that_are_due(requester, hour_tier):
    made = []
    for minutes_ago in (0, 50):
        request = request_create(actor=requester, title="x", description="y", priority=Priority.LOW)
        Request.objects.filter(pk=request.pk).update(created_at=T0 - timedelta(minutes=minutes_ago))
        clocks_recompute(request_id=request.pk, now=T0 - timedelta(minutes=minutes_ago))
        made.append(request)
    fresh, old = made

    assert clocks_sweep(now=T0) == 1  # only the 50-minute-old request reached its at-risk instant
    assert clocks_of(old)["first_response"].status == "at_risk"
    assert clocks_of(fresh)["first_response"].status == "on_track"
    assert clocks_of(fresh)["first_response"].computed_at == T0


def test_an_agent_reply_meets_the_first_response_clock(ticket, agent):
    comment_add(actor=agent, request=ticket, content="On it")
    Request.objects.filter(pk=ticket.pk).update(first_response_at=T0 + timedelta(minutes=20))
    clocks_recompute(request_id=ticket.pk, now=T0 + timedelta(minutes=30))

    clock = clocks_of(ticket)["first_response"]
    assert (clock.status, clock.next_check_at, clock.elapsed_seconds) == ("met", None, 20 * 60)
    assert sla_events(ticket) == []  # first computed as met: no move from a previous status


def test_pending_pauses_the_clocks_and_takes_them_off_the_sweep(ticket, agent, group):
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    Request.objects.filter(pk=ticket.pk).update(created_at=ten_minutes_ago)
    request_update(actor=agent, request=ticket, changes={"assigned_to": agent.public_id, "status": "pending"})
    clocks_recompute(request_id=ticket.pk, now=timezone.now() + timedelta(hours=5))

    for clock in clocks_of(ticket).values():
        assert (clock.status, clock.next_check_at) == ("paused", None)
        assert clock.elapsed_seconds < 11 * 60  # the five hours in pending do not count


def test_a_deleted_request_leaves_the_sweep(ticket):
    clocks_recompute(request_id=ticket.pk, now=T0)
    Request.objects.filter(pk=ticket.pk).update(deleted_at=T0)
    clocks_recompute(request_id=ticket.pk, now=T0)
    assert not SlaClock.objects.filter(request=ticket, next_check_at__isnull=False).exists()


def test_the_rebuild_recomputes_every_request_in_bulk(ticket, requester, django_assert_max_num_queries):
    for _ in range(30):
        request_create(actor=requester, title="x", description="y", priority=Priority.LOW)
    SlaClock.objects.all().delete()
    with django_assert_max_num_queries(15):
        assert clocks_rebuild() == 31
    assert SlaClock.objects.count() == 62
    assert not Request.objects.filter(sla_status="").exists()


# --- policies and calendars --------------------------------------------------------------------


def tier_with(name, minutes, **kwargs):
    tier = SlaTier.objects.create(name=name, **kwargs)
    for priority in Priority.values:
        SlaTarget.objects.create(
            tier=tier, priority=priority, first_response_minutes=minutes, resolution_minutes=minutes * 4
        )
    return tier


@pytest.fixture
def tiers(db):
    return {
        "default": tier_with("Standard", 240, is_default=True),
        "vip": tier_with("VIP", 30),
        "critical": tier_with("Critical", 15),
        "group": tier_with("Group", 120),
    }


def test_the_first_matching_policy_by_position_picks_the_tier(tiers, group):
    SlaPolicy.objects.create(name="critical", position=1, tier=tiers["critical"], priority=Priority.CRITICAL)
    SlaPolicy.objects.create(name="vip", position=2, tier=tiers["vip"], requester_is_vip=True)
    SlaPolicy.objects.create(name="group", position=3, tier=tiers["group"], group=group)
    SlaPolicy.objects.create(name="off", position=0, tier=tiers["group"], is_active=False)
    config = load_config()

    def tier(priority, vip=False, group_id=None):
        return config.tier_for(priority=priority, is_vip=vip, group_id=group_id).name

    assert tier(Priority.CRITICAL, vip=True) == "Critical"  # position 1 wins over the VIP policy
    assert tier(Priority.LOW, vip=True, group_id=group.pk) == "VIP"
    assert tier(Priority.LOW, group_id=group.pk) == "Group"
    assert tier(Priority.LOW) == "Standard"  # no policy matches: the default tier


def test_without_any_configuration_the_built_in_targets_apply(db):
    targets = load_config().tier_for(priority=Priority.HIGH, is_vip=False, group_id=None)
    assert (targets.name, targets.first_response.minutes, targets.first_response.business_hours) == (
        "Tier 2",
        240,
        True,
    )


def test_a_vip_requester_gets_the_vip_tier_through_the_api(db, agent, api_for):
    sla_defaults_install()
    vip = RequesterFactory(is_vip=True)
    request = request_create(actor=vip, title="CEO laptop", description="Broken", priority=Priority.HIGH)
    data = api_for(agent).get(f"/v1/requests/{request.public_id}").json()["data"]
    assert data["sla"]["tier"] == "Tier 1"


def test_a_groups_calendar_decides_its_business_hours(requester, agent):
    calendar = BusinessCalendar.objects.create(name="Night desk", time_zone="UTC")
    OpeningHours.objects.create(calendar=calendar, weekday=0, opens=time(20), closes=time(23))
    tier = SlaTier.objects.create(name="Business", is_default=True)
    SlaTarget.objects.create(tier=tier, priority=Priority.LOW, first_response_minutes=60, resolution_minutes=120)
    night = GroupFactory(members=[agent], calendar=calendar)
    request = request_create(
        actor=agent,
        title="x",
        description="y",
        priority=Priority.LOW,
        requester_id=requester.public_id,
        assigned_group=night.public_id,
    )
    Request.objects.filter(pk=request.pk).update(created_at=T0)  # Monday 09:00, before the night desk opens
    clocks_recompute(request_id=request.pk, now=T0)

    assert clocks_of(request)["first_response"].target_at == datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


# --- failures and concurrency ------------------------------------------------------------------


def make_due(count):
    tier = SlaTier.objects.get_or_create(name="Hourly", defaults={"is_default": True})[0]
    for priority in Priority.values:
        SlaTarget.objects.get_or_create(
            tier=tier,
            priority=priority,
            defaults={"first_response_minutes": 60, "resolution_minutes": 240, "business_hours": False},
        )
    requester = RequesterFactory()
    ids = []
    for n in range(count):
        request = request_create(actor=requester, title=f"r{n}", description="x", priority=Priority.HIGH)
        Request.objects.filter(pk=request.pk).update(created_at=T0, updated_at=T0)
        clocks_recompute(request_id=request.pk, now=T0)
        ids.append(request.pk)
    return ids


def test_one_request_the_engine_cannot_compute_does_not_hold_up_the_others(monkeypatch, caplog, db):
    from sla import services

    ids = make_due(3)
    real = services.compute_sla

    def compute(request, **kwargs):
        if request.pk == ids[1]:
            raise ValueError("broken history")
        return real(request, **kwargs)

    monkeypatch.setattr(services, "compute_sla", compute)
    assert clocks_sweep(now=T0 + timedelta(minutes=61)) == 2
    assert set(Request.objects.filter(sla_status="breached").values_list("pk", flat=True)) == {ids[0], ids[2]}
    # The broken one stays due, for the next sweep once it is fixed.
    assert SlaClock.objects.filter(request_id=ids[1], next_check_at__lte=T0 + timedelta(minutes=61)).exists()
    assert "SLA recompute failed for request" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_sweeps_and_recomputes_running_at_once_record_each_move_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs real row locks: runs on the PostgreSQL pass")
    ids = make_due(60)
    now = T0 + timedelta(minutes=61)
    errors = []

    def run(work):
        try:
            work()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def recompute_all():
        for pk in reversed(ids):
            clocks_recompute(request_id=pk, now=now)

    threads = [threading.Thread(target=run, args=(lambda: clocks_sweep(now=now, batch=10),)) for _ in range(3)]
    threads.append(threading.Thread(target=run, args=(recompute_all,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    breached = RequestEvent.objects.filter(kind=EventKind.SLA, field="first_response", new_value="breached")
    assert sorted(breached.values_list("request_id", flat=True)) == sorted(ids)
    assert not SlaClock.objects.filter(next_check_at__lte=now).exists()
