"""Generations: how processes that keep something in their own memory learn that it changed.

A generation is a random value in the shared cache (Redis) under a name. Whoever changes what a
process may have kept replaces it, at once and again when the transaction commits (a process that
read the old rows before the commit may have kept them under the new value). A process keeps what it
read together with the generation read *before* reading it, and uses it only while the generation is
still the same. Without a shared cache (one process's memory), or while Redis is down, current()
answers None: keep nothing then, because the other processes could not be told.
"""

import uuid

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from .cache import guarded


def _shared_cache():
    store = caches["default"]
    return store if isinstance(store, RedisCache) else None


def current(name: str) -> str | None:
    """The generation kept values must match; None: keep nothing (no shared cache, or it is down)."""
    store = _shared_cache()
    if store is None:
        return None
    key = f"generation:{name}"

    def read():
        value = store.get(key)
        if value is None:  # first use, or Redis lost it: start a fresh one (never an old value again)
            store.add(key, uuid.uuid4().hex, timeout=None)
            value = store.get(key)
        return value

    return guarded(read, fallback=lambda: None)


def _replace(name: str) -> None:
    store = _shared_cache()
    if store is not None:
        guarded(lambda: store.set(f"generation:{name}", uuid.uuid4().hex, timeout=None), fallback=lambda: None)


def changed(name: str) -> None:
    """Ends what every process keeps under this name: now, and again after the commit."""
    if _shared_cache() is None:  # nothing is kept anywhere
        return
    _replace(name)
    transaction.on_commit(lambda: _replace(name))
