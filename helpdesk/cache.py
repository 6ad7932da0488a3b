"""Cache reads and writes that a Redis outage turns into misses, never into errors: what we cache
(counts, for example) can always be computed again."""

import logging

from django.core.cache import cache

from .breaker import CircuitBreaker

log = logging.getLogger(__name__)


def _breaker() -> CircuitBreaker:
    from .ratelimit import cache_breaker  # one breaker for the one cache

    return cache_breaker


def cache_get(key: str, default=None):
    if _breaker().is_open:
        return default
    try:
        return cache.get(key, default)
    except Exception as exc:  # redis-py's ConnectionError, TimeoutError, ...
        _breaker().record_failure(exc)
        return default


def cache_set(key: str, value, timeout: float) -> None:
    if _breaker().is_open:
        return
    try:
        cache.set(key, value, timeout)
    except Exception as exc:
        _breaker().record_failure(exc)
