"""Generations: how processes that keep something in their own memory learn that it changed.

A generation is a random value in the shared cache (Redis) under a name. Whoever changes what a
process may have kept replaces it, at once and again when the transaction commits (a process that
read the old rows before the commit may have kept them under the new value). A process keeps what it
read together with the generation read *before* reading it, and uses it only while the generation is
still the same. Without a shared cache (one process's memory), or while Redis is down, current()
answers None: keep nothing then, because the other processes could not be told.
"""

import time
import uuid

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

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


class Remembered:
    """Values one process keeps, each for at most `seconds` and under a tag it must be asked with again;
    past `max_entries` it starts again (a crude bound on memory). Kept adds the generation as the tag;
    used alone (tag None), it is a plain time-bounded memo (helpdesk.paging's large filter sets)."""

    def __init__(self, *, seconds: float, max_entries: int = 10_000):
        self.seconds, self.max_entries = seconds, max_entries
        self._entries: dict = {}  # key -> (tag, monotonic time kept, value)

    def get(self, key, tag=None):
        """The value kept under this tag and not too old; None otherwise."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        made_under, kept_at, value = entry
        if made_under != tag or time.monotonic() - kept_at > self.seconds:
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key, value, tag=None) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (tag, time.monotonic(), value)

    def forget_all(self) -> None:
        """For tests: this process's values."""
        self._entries.clear()


class Kept(Remembered):
    """Values one process keeps under its generation `name`, each for at most `seconds` (which bounds
    what no change announced: a write that sent no signal, or one made while Redis was down)."""

    def __init__(self, name: str, *, seconds: float, max_entries: int = 10_000):
        super().__init__(seconds=seconds, max_entries=max_entries)
        self.name = name

    def generation(self) -> str | None:
        """Read it before the database, and keep what is read then under it (see the module)."""
        return current(self.name)

    def get(self, key, generation: str | None):
        """The value kept under this generation and not too old; None otherwise (always, without one)."""
        return None if generation is None else super().get(key, generation)

    def put(self, key, generation: str | None, value) -> None:
        if generation is not None:
            super().put(key, value, generation)

    def changed(self) -> None:
        changed(self.name)


def changed_on_save_or_delete(models, handler, *, uid: str) -> None:
    """handler(sender, **signal kwargs) after each save or delete of these models."""
    for model in models:
        name = model.__name__
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}-{name}-save", weak=False)
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}-{name}-delete", weak=False)
