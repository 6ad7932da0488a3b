"""The /v1 rate limit against a real Redis: each call counted once, in one round trip (a Lua script),
the window expiring in Redis, and the cache API reading the same counter."""

import pytest
import redis

from helpdesk import ratelimit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_cache(shared_services, settings):
    settings.CACHES = {"default": {"BACKEND": "helpdesk.redis_cache.RedisCache", "LOCATION": shared_services}}
    ratelimit.reset_local_state()
    client = redis.Redis.from_url(shared_services)
    yield client
    client.close()


def test_each_api_call_counts_once_in_redis_until_the_limit_refuses(redis_cache, settings, agent, api_for):
    settings.API_RATE_LIMIT = "3/min"
    client = api_for(agent)
    remaining = [client.get("/v1/requests")["RateLimit-Remaining"] for _ in range(3)]
    refused = client.get("/v1/requests")

    assert remaining == ["2", "1", "0"]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # The counter expires with its window, in Redis itself.
    (key,) = [k for k in redis_cache.keys("*") if b"rl:api:user:" in k]
    assert 0 < redis_cache.ttl(key) <= 61


def test_the_cache_api_reads_and_clears_the_counter_the_script_counts(redis_cache):
    rate = ratelimit.Rate.parse("10/min")
    for _ in range(4):
        usage = ratelimit.hit("login:203.0.113.9", rate)

    assert usage.count == 4
    assert ratelimit.peek("login:203.0.113.9", rate).count == 4
    ratelimit.clear("login:203.0.113.9", rate)
    assert ratelimit.peek("login:203.0.113.9", rate).count == 0
    assert ratelimit.hit("login:203.0.113.9", rate).count == 1
