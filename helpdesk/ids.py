"""Public ids: a type prefix and 16 random characters (about 82 bits), never sequential."""

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
_LENGTH = 16


def new_public_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
