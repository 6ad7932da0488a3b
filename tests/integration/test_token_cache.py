"""Bearer tokens cached per process (accounts.token_cache), with Redis shared: a repeated call skips
the token query, yet revoking, a password change, a deactivation or an expiry ends the token at once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import token_cache
from accounts.services import token_expiry_set, token_issue
from helpdesk import ratelimit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def redis_cache(shared_services, settings):
    settings.CACHES = {"default": {"BACKEND": "helpdesk.redis_cache.RedisCache", "LOCATION": shared_services}}
    ratelimit.reset_local_state()
    token_cache.forget_all()
    yield
    token_cache.forget_all()


def _client(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def agent_token(agent):
    return token_issue(user=agent)


def test_a_repeated_call_does_not_look_the_token_up_again(agent_token):
    client = _client(agent_token[1])
    assert client.get("/v1/users/me").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/v1/users/me").json()["data"]["email"] == "alice@example.com"
    assert not any("accounts_apitoken" in q["sql"] for q in queries.captured_queries)


def test_a_revoked_token_stops_working_at_once(agent_token):
    client = _client(agent_token[1])
    assert client.get("/v1/users/me").status_code == 200
    assert client.delete("/v1/auth/token").status_code == 200
    assert client.get("/v1/users/me").status_code == 401


def test_a_password_change_ends_the_other_tokens_at_once(agent, agent_token):
    client = _client(agent_token[1])
    assert client.get("/v1/users/me").status_code == 200
    agent.set_password("a-whole-new-password-2026")
    agent.save()
    assert client.get("/v1/users/me").status_code == 401


def test_a_deactivated_user_is_refused_at_once(agent, agent_token):
    client = _client(agent_token[1])
    assert client.get("/v1/users/me").status_code == 200
    agent.is_active = False
    agent.save()
    assert client.get("/v1/users/me").status_code == 401


def test_a_role_change_applies_at_once(agent, agent_token):
    client = _client(agent_token[1])
    assert client.get("/v1/users").status_code == 200  # agents and admins only
    agent.role = "requester"
    agent.save()
    assert client.get("/v1/users").status_code == 403


def test_an_expired_token_is_refused_at_once(agent_token):
    token, raw = agent_token
    client = _client(raw)
    assert client.get("/v1/users/me").status_code == 200
    token_expiry_set(token=token, expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/v1/users/me").status_code == 401
