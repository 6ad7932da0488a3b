"""The signed survey link: it names one invitation, for this purpose only, and expires.

django.core.signing with a salt of its own, so no other signed value of the site (a password reset,
a session, a mail-threading signature) can pass for it, and a token made for one invitation can
never answer another: the invitation it names is the only thing it can rate.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing

_SALT = "surveys.invitation-link"


def make_token(invitation_public_id: str) -> str:
    return signing.dumps({"inv": invitation_public_id}, salt=_SALT)


def read_token(token: str) -> str | None:
    """The invitation id the token names, or None when it is forged, altered, malformed or expired."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=timedelta(days=settings.SURVEY_LINK_DAYS))
    except (signing.BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    value = data.get("inv") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
