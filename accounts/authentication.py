from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiToken, hash_token

LAST_USED_PRECISION = timedelta(minutes=1)


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
        # Revoked, expired and unknown tokens get the same answer: nothing to learn from probing.
        token = (
            ApiToken.objects.select_related("user")
            .filter(
                Q(expires_at__isnull=True) | Q(expires_at__gt=now), key_hash=hash_token(raw), revoked_at__isnull=True
            )
            .first()
        )
        if token is None or not token.user.is_active:
            raise AuthenticationFailed("Invalid, revoked or expired token.")
        # Record use at most once a minute, so reads do not each cost a write.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
