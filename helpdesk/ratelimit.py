"""Fixed-window counters in the cache: the API's rate limit and every log-in and password-reset limit.

The counters live in the cache named by RATELIMIT_CACHE (Redis when REDIS_URL is set). When that
cache is unreachable, counting moves to this process's memory until the breaker lets Redis be tried
again: the site keeps answering during a Redis outage, and password guessing stays bounded (per web
process instead of per site) rather than unlimited.
"""

import hashlib
import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from .cache import cache_breaker, guarded

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400}
_UNITS["day"] = 86400
_RATE = re.compile(r"^(\d+)/(\d*)([a-z]+?)s?$")

_local = LocMemCache("ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @staticmethod
    @lru_cache(maxsize=64)
    def parse(text: str | None) -> "Rate | None":
        """ "20/min", "10/15min", "5/hour", "1200/m"; empty means no limit."""
        if not text or not text.strip():
            return None
        match = _RATE.match(text.strip().lower().replace(" ", ""))
        if not match or match.group(3) not in _UNITS:
            raise ValueError(f"not a rate: {text!r} (use e.g. 20/min, 10/15min, 5/hour)")
        count, multiple, unit = match.groups()
        return Rate(limit=int(count), seconds=int(multiple or 1) * _UNITS[unit])

    def __str__(self):
        return f"{self.limit}/{self.seconds}s"


@dataclass(frozen=True)
class Usage:
    """Where a counter stands: what the RateLimit-* headers and Retry-After report."""

    limit: int
    count: int
    reset: int  # whole seconds until the window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


def account_key(email: str) -> str:
    """A short, stable key for an email as typed: the same whether or not such a user exists."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def clock() -> float:
    """The time windows are cut from (tests pin it so that no count straddles two windows)."""
    return time.time()


def _window(key: str, rate: Rate) -> tuple[str, int]:
    now = clock()
    start = int(now // rate.seconds) * rate.seconds
    return f"rl:{key}:{start}", max(1, math.ceil(start + rate.seconds - now))


def _with_store(operation):
    """Runs operation(cache) on the shared cache, or on this process's memory while it is down."""
    return guarded(lambda: operation(caches[settings.RATELIMIT_CACHE]), fallback=lambda: operation(_local))


# Counts and, on the window's first hit, sets the expiry: one round trip to Redis, atomic.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@lru_cache(maxsize=64)  # one client per thread's cache (gthread workers run several threads)
def _count_script(client):
    return client.register_script(_COUNT_SCRIPT)


def _increment(store, key: str, timeout: int) -> int:
    if isinstance(store, DjangoRedisCache):
        # The same key the cache API uses (its prefix and version), so peek() and clear() see the count.
        client = store._cache.get_client(write=True)
        return int(_count_script(client)(keys=[store.make_and_validate_key(key)], args=[timeout]))
    store.add(key, 0, timeout=timeout)
    try:
        return store.incr(key)
    except ValueError:  # expired between add and incr
        store.add(key, 1, timeout=timeout)
        return 1


def hit(key: str, rate: Rate) -> Usage:
    """Counts one event against key and says where the counter stands."""
    cache_key, reset = _window(key, rate)
    count = _with_store(lambda store: _increment(store, cache_key, rate.seconds + 1))
    return Usage(limit=rate.limit, count=count, reset=reset)


def peek(key: str, rate: Rate) -> Usage:
    """Where the counter stands, without counting."""
    cache_key, reset = _window(key, rate)
    count = _with_store(lambda store: store.get(cache_key, 0))
    return Usage(limit=rate.limit, count=count, reset=reset)


def clear(key: str, rate: Rate) -> None:
    cache_key, _ = _window(key, rate)
    _with_store(lambda store: store.delete(cache_key))


def reset_local_state() -> None:
    """For tests: forget the in-process counters and any known outage."""
    _local.clear()
    cache_breaker.reset()
