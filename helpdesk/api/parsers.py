"""The one body parser of the JSON endpoints: bounded in size and depth before anything else runs."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, get_encoding

from helpdesk.errors import TooLarge

# No /v1 body nests deeper than a few levels; anything deeper is refused here, so no later step
# (a repr in an error message, a serializer) can recurse through it.
MAX_DEPTH = 32


def _nesting_exceeds(value, limit: int) -> bool:
    """Whether containers nest deeper than limit: level by level, so depth costs no stack and a
    flat list of a million items costs one comprehension."""
    level, depth = [value], 1
    while level:
        if depth > limit:
            return True
        deeper = []
        for node in level:
            children = node.values() if type(node) is dict else node
            deeper += [child for child in children if type(child) is dict or type(child) is list]
        level, depth = deeper, depth + 1
    return False


def body_too_large() -> TooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return TooLarge(f"The request body is larger than the {limit:,} byte limit.")


class JsonParser(BaseParser):
    """application/json, of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes.

    DRF's JSONParser leaves the size check to request.body, whose refusal is Django's HTML 400. This
    parser reads the stream itself, never more than the limit, answers a larger body with a 413 in
    the envelope, and turns every way a body can fail to decode into a 400 parse_error.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise body_too_large()  # refused unread
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise body_too_large()
        encoding = get_encoding(parser_context or {})
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        except (ValueError, UnicodeError) as exc:  # JSONDecodeError is a ValueError
            raise ParseError(f"JSON parse error - {_short(exc)}") from None
        if isinstance(data, dict | list) and _nesting_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
        return data


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON.
    raise ValueError(f"{name} is not valid JSON")


def _short(exc: Exception) -> str:
    return str(exc)[:200]
