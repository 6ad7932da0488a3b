"""The cache (Redis when REDIS_URL is set) behind one circuit breaker. Everything we keep there can
be counted again or kept elsewhere for a while, so an outage turns each use into its fallback,
never into an error, and a cache known to be down is not retried on every call."""

from django.conf import settings
from django.core.cache import cache

from .breaker import CircuitBreaker

cache_breaker = CircuitBreaker("The rate-limit cache", cooldown=settings.SERVICE_RETRY_SECONDS)


def guarded(operation, *, fallback):
    """operation() against the cache; fallback() while it is known to be down, or when this call
    finds it down (redis-py's ConnectionError, TimeoutError, ...: any error means "down")."""
    if not cache_breaker.is_open:
        try:
            return operation()
        except Exception as exc:
            cache_breaker.record_failure(exc)
    return fallback()


def cache_get(key: str, default=None):
    return guarded(lambda: cache.get(key, default), fallback=lambda: default)


def cache_set(key: str, value, timeout: float) -> None:
    guarded(lambda: cache.set(key, value, timeout), fallback=lambda: None)
