"""Pagination of GET /v1/requests: page/limit as the seed documents it, or a cursor (keyset) for
integrations that walk everything, and a total that never costs a full COUNT(*).

- `page`/`limit`: as ever. The page is an OFFSET into the ordering, so page 50,000 reads the
  999,980 index entries before it; fine for people, not for a sync.
- `cursor`: empty for the first page, then the `nextCursor` of the previous answer. The next page
  starts right after the last request of that answer in the ordering's keyset (for -createdAt:
  created_at, id), so it reads only `limit` index entries however deep it is, and a request created
  meanwhile never shifts a page (no repeats, no gaps). It is signed and names its ordering and
  filters: send the same ones again.
- `total` (helpdesk.paging.bounded_total): exact up to EXACT_TOTAL_UP_TO, else PostgreSQL's estimate
  (a page-mode total above the threshold is an estimate; cursor mode says so in `totalEstimated`),
  remembered for a minute by each process for a filter set past the threshold.
"""

import hashlib
import json
import math
from datetime import datetime

from django.core import signing
from django.db import connection
from django.db.models import F, Func, Q
from django.db.models.expressions import OrderBy

from helpdesk.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE, _positive_int
from helpdesk.errors import ValidationFailed
from helpdesk.paging import EXACT_TOTAL_UP_TO, bounded_total

from ..filters import ORDERING_KEYS
from .list_items import list_rows, rows_by_ids

CURSOR_SALT = "tickets.api.requests-cursor"
# Parameters that do not change which requests a list holds (include: what each item carries); the
# rest are its filters, which a cursor must be sent with again.
NOT_FILTERS = {"page", "limit", "cursor", "include"}


def _fingerprint(params, ordering: str) -> str:
    filters = sorted((k, v) for k in params if k not in NOT_FILTERS for v in params.getlist(k) if k != "ordering")
    return hashlib.sha256(json.dumps([ordering, filters]).encode()).hexdigest()[:16]


def _encode(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _make_cursor(row, ordering: str, fingerprint: str) -> str:
    keys = [_encode(row[field]) for field, _, _ in ORDERING_KEYS[ordering]]
    return signing.dumps({"o": ordering, "f": fingerprint, "k": keys}, salt=CURSOR_SALT, compress=True)


def _read_cursor(raw: str, ordering: str, fingerprint: str) -> list:
    try:
        data = signing.loads(raw, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise ValidationFailed.for_field("cursor", "is not a cursor this API gave out") from None
    if data.get("o") != ordering or data.get("f") != fingerprint:
        raise ValidationFailed.for_field(
            "cursor", "was made for other filters or another ordering: send the same ones as the first page"
        )
    keys = data.get("k")
    if not isinstance(keys, list) or len(keys) != len(ORDERING_KEYS[ordering]):
        raise ValidationFailed.for_field("cursor", "is not a cursor this API gave out")
    return [datetime.fromisoformat(value) if isinstance(value, str) else value for value in keys]


def _after(keys, values) -> Q:
    """Rows strictly after `values` in the keyset order of non-null `keys` (the last key is unique).
    A redundant bound on the first key (>= or <=) lets PostgreSQL start the index scan there."""
    (field, descending, _), value = keys[0], values[0]
    beyond = Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
    if len(keys) == 1:
        return beyond
    tie = Q(**{field: value}) & _after(keys[1:], values[1:])
    return Q(**{f"{field}__{'lte' if descending else 'gte'}": value}) & (beyond | tie)


def _page_after(take, queryset, keys, values, limit: int) -> list:
    """The `limit` rows after `values` (rows: take(queryset, limit)). With a nullable first key (the SLA
    orders: requests with no running clock last), the rows with a value and those without are two
    index ranges: read the first, and only when it runs out, the start of the second (one more query,
    once per walk)."""
    (field, _, nullable), first = keys[0], values[0]
    if not nullable:
        return take(queryset.filter(_after(keys, values)), limit)
    if first is None:
        return take(queryset.filter(Q(**{f"{field}__isnull": True}) & _after(keys[1:], values[1:])), limit)
    rows = take(queryset.filter(Q(**{f"{field}__isnull": False}) & _after(keys, values)), limit)
    if len(rows) < limit:
        rows += take(queryset.filter(**{f"{field}__isnull": True}), limit - len(rows))
    return rows


def _walked(queryset, limit: int, offset: int = 0, *, updated_field: str) -> list:
    """The page read in the ordering's index (the usual plan: it stops after offset + limit matches).
    On PostgreSQL the ids first, from the requests alone, then their rows (list_items.rows_by_ids):
    each statement is cheap to plan, and the rows skipped by an offset are read as index entries only
    (at 1,000,000 requests page 1,000 of 20: 62 ms -> 6.5 ms)."""
    if connection.vendor != "postgresql":
        return list(list_rows(queryset)[offset : offset + limit])
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    return rows_by_ids(ids, updated_field=updated_field)


def _sorted_from_matches(queryset, limit: int, offset: int = 0, *, updated_field: str) -> list:
    """The same page found another way: the ids of all the matches sorted by expressions no index serves
    (COALESCE(x) is x), then the page's rows by those ids. PostgreSQL then finds the matches by the
    filters' indexes, rather than walk an ordering index past every row that does not match, and sorts
    ids and sort keys only, read from a covering index where there is one (tickets/0011). Right for a
    list known to hold few matches (its exact total is at most EXACT_TOTAL_UP_TO: the count just found
    them all) and for a range of creation times ordered by last update, whose matches cluster at one
    end of the updated_at index (at 1,000,000 requests a month of them: 14 ms sorted this way, 100-400
    ms sorted with all their columns, 475-750 ms walked). The SLA orders keep their walk: due times do
    not follow creation, so matches come soon. Other databases keep the plain order."""
    if connection.vendor != "postgresql":
        return _walked(queryset, limit, offset, updated_field=updated_field)
    orders = []
    for order in queryset.query.order_by:
        if isinstance(order, str):  # "-created_at", "seen_updated_at" (an annotation), "id"
            expression = Func(F(order.removeprefix("-")), function="COALESCE")
            orders.append(OrderBy(expression, descending=order.startswith("-")))
        else:  # OrderBy(F(name), nulls_last=True)
            expression = Func(order.expression, function="COALESCE")
            orders.append(OrderBy(expression, descending=order.descending, nulls_last=order.nulls_last))
    ids = list(queryset.order_by(*orders).values_list("pk", flat=True)[offset : offset + limit])
    return rows_by_ids(ids, updated_field=updated_field)


def paginate_requests(queryset, params, *, ordering: str, updated_field: str) -> tuple[list, dict]:
    """A page of the list's requests (a queryset of them, ordered) as rows (dicts: list_items.list_rows)
    and its pagination object. The count and the page's ids read the requests alone; only the page's
    rows are read with the list's columns. updated_field: the column the viewer sees as updatedAt.

    Page mode: exactly the seed's {page, limit, total, pages}; total is exact up to EXACT_TOTAL_UP_TO,
    so a total above it is an estimate. Cursor mode (a `cursor` parameter, empty for the first page):
    {limit, total, totalEstimated, pages, nextCursor}, with no page number (its position is not counted)."""
    limit = _positive_int(params, "limit", DEFAULT_LIMIT, maximum=MAX_LIMIT)
    cursor_mode = "cursor" in params
    cursor = params.get("cursor") or None
    if cursor_mode and params.get("page"):
        raise ValidationFailed.for_field("cursor", "send either cursor or page, not both")
    fingerprint = _fingerprint(params, ordering)
    total, exact = bounded_total(queryset)
    pages = math.ceil(total / limit)
    created_range = "createdAfter" in params or "createdBefore" in params
    few = exact and total <= EXACT_TOTAL_UP_TO
    how = _sorted_from_matches if few or (created_range and "updatedAt" in ordering) else _walked

    def take(queryset, limit, offset=0):
        return how(queryset, limit, offset, updated_field=updated_field)

    if not cursor_mode:
        page = _positive_int(params, "page", 1, maximum=MAX_PAGE)
        offset = (page - 1) * limit
        # A page past the end is empty, not an error (and costs no query when the total is exact).
        items = take(queryset, limit, offset) if offset < total or not exact else []
        return items, {"page": page, "limit": limit, "total": total, "pages": pages}
    if cursor:
        keys, after = ORDERING_KEYS[ordering], _read_cursor(cursor, ordering, fingerprint)
        rows = _page_after(take, queryset, keys, after, limit + 1)
    else:
        rows = take(queryset, limit + 1)
    items = rows[:limit]
    next_cursor = _make_cursor(items[-1], ordering, fingerprint) if len(rows) > limit else None
    return items, {
        "limit": limit,
        "total": total,
        "totalEstimated": not exact,
        "pages": pages,
        "nextCursor": next_cursor,
    }
