"""Free text over requests for the agent queue: PostgreSQL full-text search on GIN indexes; on SQLite
(the embedded default, small data) each word as a substring, without an index.

On PostgreSQL the requests' vector is a stored column (migration 0009) and comments have an
expression index. The planner's estimate, then a bounded probe (at most PROBE + 1 ids through the
GIN indexes) pick the plan: few matches are handed to the list as an id list (fetched by key, then
ordered); many matches are tested row by row while PostgreSQL walks the list's own order, which
fills a page after a few hundred rows. Either way neither the page nor its bounded count reads every match.

Words are matched as prefixes ("print" finds "printer") in the 'simple' configuration: support text
mixes languages, product names and codes, and stemming English would miss the rest. Only word
characters reach the query, so user input can never be a tsquery syntax error.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from helpdesk.paging import planner_rows

from .models import Comment, Request

CONFIG = "simple"
_WORD = re.compile(r"\w+", re.UNICODE)

# The indexed expressions: queries must build exactly these for PostgreSQL to use the indexes
# (migration tickets 0006 creates them on PostgreSQL only; 0009 stores the request's as a column).
REQUEST_VECTOR = SearchVector("title", "description", config=CONFIG)
COMMENT_VECTOR = SearchVector("content", config=CONFIG)


# Up to this many matches, the list gets them as an id list; beyond, it tests rows in its own order.
PROBE = 2000


def _prefix_text(text: str) -> str | None:
    words = _WORD.findall(text.lower())[:8]
    return " & ".join(f"{w}:*" for w in words) if words else None


def _prefix_query(text: str) -> SearchQuery | None:
    raw = _prefix_text(text)
    return SearchQuery(raw, config=CONFIG, search_type="raw") if raw else None


def _stored_match(raw: str) -> RawSQL:
    # The stored column of migration 0009 (not a model field: SQLite has no such column).
    return RawSQL(
        "tickets_request.search_vector @@ to_tsquery(%s::regconfig, %s)", [CONFIG, raw], output_field=BooleanField()
    )


def _row_match(raw: str) -> RawSQL:
    """The request's own text, or any of its comments (their ids computed once, as an array)."""
    return RawSQL(
        "(tickets_request.search_vector @@ to_tsquery(%s::regconfig, %s) OR tickets_request.id = ANY(ARRAY("
        "SELECT c.request_id FROM tickets_comment c WHERE "
        "to_tsvector(%s::regconfig, COALESCE(c.content, '')) @@ to_tsquery(%s::regconfig, %s))))",
        [CONFIG, raw, CONFIG, CONFIG, raw],
        output_field=BooleanField(),
    )


def matching(queryset: QuerySet[Request], text: str) -> QuerySet[Request]:
    """Requests whose title, description or any comment holds every word of the text; "123" also
    finds request 123, and "#123" only it."""
    text = text.strip()
    number = text.lstrip("#")
    by_number = Q(pk=int(number)) if number.isdigit() and len(number) < 18 else Q(pk__in=[])
    if text.startswith("#") and number.isdigit():
        return queryset.filter(by_number)  # "#123" means the request, not the text "123"
    if connection.vendor == "postgresql":
        raw = _prefix_text(text)
        if raw is None:
            return queryset.filter(by_number)
        query = SearchQuery(raw, config=CONFIG, search_type="raw")
        by_text = Request.objects.filter(_stored_match(raw)).order_by().values("pk")
        by_comment = Comment.objects.annotate(v=COMMENT_VECTOR).filter(v=query).order_by().values("request_id")
        # The planner's estimate from the column's statistics first (no rows read): a word in
        # thousands of requests goes straight to the row-by-row plan. Otherwise a real probe, which
        # is cheap when the matches are few. UNION ALL streams, so it stops after PROBE + 1 ids.
        if planner_rows(by_text) <= 2 * PROBE:
            found = list(by_text.union(by_comment, all=True).values_list("pk", flat=True)[: PROBE + 1])
            if len(found) <= PROBE:
                return queryset.filter(Q(pk__in=found) | by_number)
        return queryset.filter(Q(_row_match(raw)) | by_number)
    words = _WORD.findall(text)[:8]
    if not words:
        return queryset.filter(by_number)
    every_word = Q()
    for word in words:  # each word somewhere: the title, the description or a comment
        in_comments = Comment.objects.filter(request=OuterRef("pk"), content__icontains=word)
        every_word &= Q(title__icontains=word) | Q(description__icontains=word) | Exists(in_comments)
    return queryset.filter(every_word | by_number)
