"""page/limit pagination with the /v1 pagination object {page, limit, total, pages}."""

import math

from helpdesk.errors import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_PAGE = 10**9


def _positive_int(params, name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed.for_field(name, "must be a whole number") from None
    if value < 1 or (maximum is not None and value > maximum):
        bound = f"between 1 and {maximum}" if maximum else "1 or more"
        raise ValidationFailed.for_field(name, f"must be {bound}")
    return value


def paginate(queryset, params) -> tuple[list, dict]:
    """One COUNT and one SELECT whatever the page size; a page past the end is empty, not an error."""
    page = _positive_int(params, "page", 1, maximum=MAX_PAGE)
    limit = _positive_int(params, "limit", DEFAULT_LIMIT, maximum=MAX_LIMIT)
    total = queryset.count()
    offset = (page - 1) * limit
    items = list(queryset[offset : offset + limit]) if offset < total else []
    return items, {"page": page, "limit": limit, "total": total, "pages": math.ceil(total / limit)}
