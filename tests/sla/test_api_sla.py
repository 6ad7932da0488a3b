"""The SLA as API clients see it: the sla object, durations, the slaStatus filter and ordering=sla."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sla.models import SlaClock, SlaTarget, SlaTier
from sla.services import clocks_recompute
from tickets.models import Priority, Request
from tickets.services import comment_add, request_create, request_update


@pytest.fixture
def round_the_clock(db):
    tier = SlaTier.objects.create(name="Round the clock", is_default=True)
    for priority in Priority.values:
        SlaTarget.objects.create(
            tier=tier, priority=priority, first_response_minutes=60, resolution_minutes=600, business_hours=False
        )


def make_request(requester, *, age: timedelta, title="x"):
    request = request_create(actor=requester, title=title, description="y", priority=Priority.MEDIUM)
    Request.objects.filter(pk=request.pk).update(created_at=timezone.now() - age)
    clocks_recompute(request_id=request.pk)
    return request


def test_a_change_recomputes_the_clocks_after_commit(requester, round_the_clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = request_create(actor=requester, title="x", description="y", priority=Priority.LOW)
    assert set(SlaClock.objects.filter(request=request).values_list("kind", flat=True)) == {
        "first_response",
        "resolution",
    }
    assert Request.objects.get(pk=request.pk).sla_status == "on_track"


def test_nothing_is_recomputed_when_the_change_is_rolled_back(
    requester, round_the_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_create(actor=requester, title="x", description="y", priority=Priority.LOW)
    # Queued for after commit, not run inside the transaction: the SLA recompute and the outbox's hand-off.
    assert len(callbacks) == 2
    assert not SlaClock.objects.exists()


def test_the_sla_status_filter_uses_the_stored_clocks(requester, agent, round_the_clock, api_for):
    fresh = make_request(requester, age=timedelta(minutes=5), title="fresh")
    risky = make_request(requester, age=timedelta(minutes=50), title="risky")
    late = make_request(requester, age=timedelta(hours=2), title="late")
    client = api_for(agent)

    def titles(status):
        return {r["title"] for r in client.get(f"/v1/requests?slaStatus={status}").json()["data"]["requests"]}

    assert titles("on_track") == {fresh.title}
    assert titles("at_risk") == {risky.title}
    assert titles("breached") == {late.title}


def test_ordering_by_sla_puts_the_nearest_target_first_and_stopped_clocks_last(
    requester, agent, round_the_clock, api_for
):
    later = make_request(requester, age=timedelta(minutes=5), title="later")
    sooner = make_request(requester, age=timedelta(minutes=40), title="sooner")
    done = make_request(requester, age=timedelta(minutes=50), title="done")
    request_update(actor=agent, request=done, changes={"status": "resolved"})
    clocks_recompute(request_id=done.pk)

    data = api_for(agent).get("/v1/requests?ordering=sla").json()["data"]["requests"]
    assert [r["title"] for r in data] == [sooner.title, later.title, done.title]
    # Reversed: the furthest target first, and stopped clocks still last.
    data = api_for(agent).get("/v1/requests?ordering=-sla").json()["data"]["requests"]
    assert [r["title"] for r in data] == [later.title, sooner.title, done.title]


@pytest.mark.parametrize("query", ["slaStatus=late", "ordering=title", "ordering=+sla"])
def test_unknown_sla_filter_or_ordering_values_are_400_naming_the_parameter(agent, api_for, query):
    response = api_for(agent).get(f"/v1/requests?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json()["error"]["message"].startswith(f"{name}:")
    assert name in response.json()["error"]["fields"]


def test_the_detail_shows_durations_in_business_minutes_once_they_are_known(requester, agent, round_the_clock, api_for):
    request = make_request(requester, age=timedelta(minutes=30))
    url = f"/v1/requests/{request.public_id}"
    before = api_for(agent).get(url).json()["data"]
    assert (before["firstResponseMinutes"], before["resolutionMinutes"]) == (None, None)
    assert before["sla"]["tier"] == "Round the clock"
    assert before["sla"]["responseStatus"] == "on_track"

    comment_add(actor=agent, request=request, content="Looking")
    after = api_for(agent).get(url).json()["data"]
    assert after["firstResponseMinutes"] == 30
    assert after["sla"]["responseStatus"] == "met"
    assert after["resolutionMinutes"] is None


def test_a_comment_recomputes_the_clocks_only_when_it_changes_what_they_read(
    requester, agent, round_the_clock, monkeypatch, django_capture_on_commit_callbacks
):
    from tickets import services

    recomputed = []
    real = services.recompute_after_commit
    monkeypatch.setattr(services, "recompute_after_commit", lambda pk: (recomputed.append(pk), real(pk)))
    request = make_request(requester, age=timedelta(minutes=30))

    def stored():
        row = Request.objects.get(pk=request.pk)
        clocks = sorted(SlaClock.objects.filter(request=request).values_list("kind", "status", "target_at"))
        return row.sla_status, row.sla_due_at, clocks

    def comment(actor, **kwargs):
        recomputed.clear()
        with django_capture_on_commit_callbacks(execute=True):
            comment_add(actor=actor, request=Request.objects.get(pk=request.pk), content="x", **kwargs)
        return bool(recomputed)

    assert comment(agent, is_internal=True) is False  # a note: nothing the clocks read changed
    assert comment(agent) is True  # the first answer stops the first-response clock
    assert ("first_response", "met") in [(kind, status) for kind, status, _ in stored()[2]]
    assert comment(agent) is False and comment(requester) is False  # further replies, still open
    before = stored()
    clocks_recompute(request_id=request.pk)
    assert stored() == before  # what a full recompute makes: the skipped ones changed nothing
    request_update(actor=agent, request=Request.objects.get(pk=request.pk), changes={"status": "pending"})
    assert comment(agent, is_internal=True) is True  # waiting: the pause may start at the last update
    assert comment(requester) is True  # the requester's answer ends the wait
    assert Request.objects.get(pk=request.pk).status == "open"
