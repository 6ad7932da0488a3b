"""Who else has a request open, and who is typing a reply: short-lived facts kept in the cache.

Each open request page reports every few seconds; an entry older than PRESENCE_SECONDS is gone. In
the cache only (Redis in production), so a Redis outage loses the notice, never a page.
"""

import time

from django.conf import settings

from helpdesk.cache import cache_get, cache_set


def _key(request_pk: int) -> str:
    return f"presence:{request_pk}"


def report(*, request_pk: int, user, typing: bool) -> list[dict]:
    """Records that user has the request open (and whether typing); returns the others there now."""
    now = time.time()
    ttl = settings.PRESENCE_SECONDS
    entries = {uid: entry for uid, entry in (cache_get(_key(request_pk)) or {}).items() if now - entry["at"] < ttl}
    entries[user.pk] = {"name": user.get_full_name(), "typing": typing, "at": now}
    cache_set(_key(request_pk), entries, ttl)
    return sorted(
        (entry for uid, entry in entries.items() if uid != user.pk), key=lambda e: (not e["typing"], e["name"])
    )
