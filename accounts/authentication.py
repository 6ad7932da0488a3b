from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from . import token_cache
from .models import ApiToken, hash_token

LAST_USED_PRECISION = timedelta(minutes=1)
# key hash -> when this process last stamped the token (a cached token's last_used_at is as old as the entry).
_stamped: dict[str, datetime] = {}


def _record_use(token: ApiToken, now: datetime) -> None:
    """Records use at most once a minute, so reads do not each cost a write: each process skips the
    query within the minute, and the condition keeps the processes together to one write a minute."""
    last = max(filter(None, [token.last_used_at, _stamped.get(token.key_hash)]), default=None)
    if last is not None and now - last <= LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION), pk=token.pk
    ).update(last_used_at=now)
    if len(_stamped) > 10_000:
        _stamped.clear()
    _stamped[token.key_hash] = now


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; request.auth is the ApiToken."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        now = timezone.now()
        key_hash = hash_token(raw)
        generation = token_cache.current_generation()  # before the database: see token_cache
        cached = token_cache.get(key_hash, generation)
        if cached is not None:
            token, user = cached
            token.user = user
        else:
            # Revoked, expired and unknown tokens get the same answer: nothing to learn from probing.
            token = (
                ApiToken.objects.select_related("user")
                .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), key_hash=key_hash, revoked_at__isnull=True)
                .first()
            )
            if token is not None:
                token_cache.put(key_hash, generation, token)
        if token is None or not token.user.is_active or token.revoked_at is not None or token.is_expired:
            raise AuthenticationFailed("Invalid, revoked or expired token.")
        _record_use(token, now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
