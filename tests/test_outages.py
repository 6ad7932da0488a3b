"""Redis or the broker away: the API keeps answering, writes keep their SLA clocks, nothing is lost."""

import logging

import pytest
from django.test import Client
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from helpdesk.broker import broker_breaker
from helpdesk.ratelimit import cache_breaker
from sla import tasks
from sla.models import PendingRebuild, SlaTier
from sla.selectors import sla_for_request
from sla.services import clocks_rebuild, sla_defaults_install
from tests.envelope import data_of, error_of
from tickets.models import Request

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: connections are refused at once, as with a Redis that is down.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture(autouse=True)
def _closed_breakers():
    broker_breaker.reset()
    cache_breaker.reset()
    yield
    broker_breaker.reset()
    cache_breaker.reset()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what a write asked for after commit, as a real commit would."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def redis_down(settings):
    settings.CACHES = DEAD_REDIS


def test_log_in_and_every_call_answer_while_redis_is_down(requester, redis_down, settings, caplog):
    # The requester exists before the outage: saving a user tells Redis (accounts.token_cache), and the
    # outage's one warning is to be seen in here.
    settings.API_RATE_LIMIT = "100/min"
    with caplog.at_level(logging.WARNING, logger="helpdesk.breaker"):
        token = data_of(
            APIClient().post(
                "/v1/auth/token", {"email": requester.email, "password": "correct horse battery"}, format="json"
            ),
            201,
        )["token"]
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.get("/v1/requests")
        data_of(response)
        created = data_of(
            client.post("/v1/requests", {"title": "t", "description": "d", "priority": "low"}, format="json"), 201
        )
        data_of(client.get(f"/v1/requests/{created['id']}"))
    # Counting went on in this process: the headers still tell the truth about this worker.
    assert response["RateLimit-Limit"] == "100"
    assert int(response["RateLimit-Remaining"]) < 100
    # One warning for the outage, not one per call.
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "rate-limit cache" in caplog.records[0].getMessage()


def test_log_in_guessing_stays_limited_while_redis_is_down(redis_down, settings, requester):
    settings.LOGIN_RATE_LIMIT = "2/min"
    body = {"email": requester.email, "password": "wrong"}
    statuses = [APIClient().post("/v1/auth/token", body, format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


@pytest.fixture
def broker_down(monkeypatch):
    """Every publish fails as kombu fails when it cannot reach the broker; counts the attempts."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_request_sla, "delay", refuse)
    monkeypatch.setattr(tasks.rebuild_all_clocks, "delay", refuse)
    return attempts


def test_writes_keep_their_sla_clocks_and_try_a_down_broker_once(broker_down, agent, api_for, committed):
    sla_defaults_install()
    client = api_for(agent)
    ids = []
    for i in range(5):
        with committed(execute=True):
            body = {"title": f"t{i}", "description": "d", "priority": "high"}
            ids.append(data_of(client.post("/v1/requests", body, format="json"), 201)["id"])
    assert len(broker_down) == 1  # the breaker sent the next four writes straight to the fallback
    for request in Request.objects.filter(public_id__in=ids):
        live = sla_for_request(request)
        assert request.sla_status == live.worst_status != ""
        assert request.sla_due_at == live.nearest_due


def tier_form_with_doubled_targets(response) -> dict:
    """The POST a browser sends for the tier's admin page, with every target doubled."""
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if name.endswith("_minutes"):
                    value = int(value) * 2
                if value is not None:
                    data[row.add_prefix(name)] = value
    return data


def test_a_tier_saved_in_admin_while_the_broker_is_down_is_rebuilt_by_the_next_sweep(
    broker_down, client: Client, admin_user, agent, api_for, committed
):
    sla_defaults_install()
    request_id = data_of(
        api_for(agent).post("/v1/requests", {"title": "t", "description": "d", "priority": "high"}, format="json"), 201
    )["id"]
    clocks_rebuild()
    before = Request.objects.get(public_id=request_id).sla_due_at

    tier = SlaTier.objects.get(is_default=True)
    client.force_login(admin_user)
    data = tier_form_with_doubled_targets(client.get(f"/admin/sla/slatier/{tier.pk}/change/"))
    with committed(execute=True):
        response = client.post(f"/admin/sla/slatier/{tier.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert PendingRebuild.objects.count() == 1

    # The broker is back: beat's sweep runs on a worker and does the rebuild that was asked for.
    tasks.sweep_due_clocks()
    assert PendingRebuild.objects.count() == 0
    request = Request.objects.get(public_id=request_id)
    live = sla_for_request(request)
    assert request.sla_due_at == live.nearest_due != before
    assert request.sla_status == live.worst_status


def test_a_failing_broker_is_tried_again_after_the_cool_down(broker_down, monkeypatch, agent, api_for, committed):
    client = api_for(agent)
    body = {"title": "t", "description": "d", "priority": "low"}
    with committed(execute=True):
        data_of(client.post("/v1/requests", body, format="json"), 201)
    now = broker_breaker._open_until
    monkeypatch.setattr("helpdesk.breaker.time.monotonic", lambda: now + 1)
    with committed(execute=True):
        data_of(client.post("/v1/requests", body, format="json"), 201)
    assert len(broker_down) == 2


def test_requesters_still_get_404_not_500_for_others_requests_while_redis_is_down(
    redis_down, requester, other_requester, api_for
):
    theirs = data_of(
        api_for(other_requester).post(
            "/v1/requests", {"title": "t", "description": "d", "priority": "low"}, format="json"
        ),
        201,
    )["id"]
    error_of(api_for(requester).get(f"/v1/requests/{theirs}"), 404)
