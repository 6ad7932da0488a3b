import time

import pytest
from rest_framework.test import APIClient

from accounts.services import token_issue
from tests.factories import AdminFactory, AgentFactory, GroupFactory, RequesterFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Factories hash a password per user; the real hasher would make the suite ten times slower.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _rate_windows_start_now(monkeypatch):
    # Fixed windows: a test that counts 40 log-ins must not see the minute turn half way. The clock
    # stands one second into an hour (every window length divides an hour) until a test moves it.
    from helpdesk import ratelimit

    start = (int(time.time()) // 3600) * 3600 + 1
    monkeypatch.setattr(ratelimit, "clock", lambda: start)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache; each test starts with none, and with no known outage.
    from django.core.cache import cache

    from helpdesk import ratelimit
    from helpdesk.broker import broker_breaker
    from notifications.outbox import config_changed

    cache.clear()
    ratelimit.reset_local_state()
    broker_breaker.reset()
    config_changed()  # the notification rules and webhook endpoints each process caches
    yield
    cache.clear()
    ratelimit.reset_local_state()
    broker_breaker.reset()
    config_changed()


@pytest.fixture
def requester(db):
    return RequesterFactory(name="Rita Requester", email="rita@example.com")


@pytest.fixture
def other_requester(db):
    return RequesterFactory(name="Otto Other", email="otto@example.com")


@pytest.fixture
def agent(db):
    return AgentFactory(name="Alice Agent", email="alice@example.com")


@pytest.fixture
def admin_user(db):
    return AdminFactory(name="Ada Admin", email="ada@example.com")


@pytest.fixture
def group(agent):
    return GroupFactory(name="Software Support", members=[agent])


def client_for(user) -> APIClient:
    """An API client authenticated with a real bearer token of this user."""
    client = APIClient()
    _, raw = token_issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api_for():
    return client_for
