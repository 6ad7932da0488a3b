"""Public ids: a type prefix and 16 random characters (about 82 bits), never sequential."""

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
_LENGTH = 16
_SPACE = len(_ALPHABET) ** _LENGTH


def new_public_id(prefix: str) -> str:
    # One uniform draw below 36**16, written in base 36: the same uniform characters as a draw per
    # character, at one call to the OS's randomness instead of sixteen (ids are made on every write).
    number = secrets.randbelow(_SPACE)
    characters = []
    for _ in range(_LENGTH):
        number, digit = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[digit])
    return prefix + "".join(characters)
