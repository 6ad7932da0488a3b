"""Bearer tokens recently checked, kept by each process so that most /v1 calls skip the token query.

Why it is safe: everything that could end or change what a token grants announces itself. Revoking
one or all of a user's tokens, changing an expiry, and saving or deleting any user (a password, a
role, a deactivation) or token replace a generation value in the shared cache (at once and again
after commit), and an entry made under another generation is never used. The generation is read
before the database, so an entry can only be older than the value it is filed under. A revoked
token, a password change or a deactivation therefore stops working on every process at once, and
expiry is checked on every call. This needs a cache all processes share (Redis): with a per-process
cache, or while Redis is down, nothing is cached and every call asks the database. Entries also live
at most TOKEN_CACHE_SECONDS, which bounds the one gap: a change made while its process could not
reach Redis is seen by the others' entries only when they expire. Each call gets its own unpickled
token and user, so nothing one request does to them is seen by the next.
"""

import pickle

from helpdesk import generations

TOKEN_CACHE_SECONDS = 10

# key_hash -> pickled (token, user), under the tokens' generation
_kept = generations.Kept("auth-tokens", seconds=TOKEN_CACHE_SECONDS)


def current_generation() -> str | None:
    """The generation entries must match; None: do not cache (no shared cache, or it is down)."""
    return _kept.generation()


def tokens_changed() -> None:
    """Ends every process's cached tokens (helpdesk.generations)."""
    _kept.changed()


def get(key_hash: str, generation: str | None):
    """(token, user) as cached under this generation, fresh copies; None if not cached."""
    pickled = _kept.get(key_hash, generation)
    return None if pickled is None else pickle.loads(pickled)  # noqa: S301 (bytes this process pickled itself)


def put(key_hash: str, generation: str | None, token) -> None:
    """Keeps a token checked against the database (with token.user loaded) under the generation read
    before that check."""
    _kept.put(key_hash, generation, pickle.dumps((token, token.user)))


def forget_all() -> None:
    """For tests: this process's entries."""
    _kept.forget_all()
