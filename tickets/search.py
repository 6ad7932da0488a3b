"""Free text over requests for the agent queue: PostgreSQL full-text search on GIN indexes; on SQLite
(the embedded default, small data) each word as a substring, without an index.

Words are matched as prefixes ("print" finds "printer") in the 'simple' configuration: support text
mixes languages, product names and codes, and stemming English would miss the rest. Only word
characters reach the query, so user input can never be a tsquery syntax error.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Comment, Request

CONFIG = "simple"
_WORD = re.compile(r"\w+", re.UNICODE)

# The indexed expressions: queries must build exactly these for PostgreSQL to use the indexes
# (migration tickets 0006 creates them on PostgreSQL only).
REQUEST_VECTOR = SearchVector("title", "description", config=CONFIG)
COMMENT_VECTOR = SearchVector("content", config=CONFIG)


def _prefix_query(text: str) -> SearchQuery | None:
    words = _WORD.findall(text.lower())[:8]
    if not words:
        return None
    return SearchQuery(" & ".join(f"{w}:*" for w in words), config=CONFIG, search_type="raw")


def matching(queryset: QuerySet[Request], text: str) -> QuerySet[Request]:
    """Requests whose title, description or any comment holds every word of the text; "123" also
    finds request 123, and "#123" only it."""
    text = text.strip()
    number = text.lstrip("#")
    by_number = Q(pk=int(number)) if number.isdigit() and len(number) < 18 else Q(pk__in=[])
    if text.startswith("#") and number.isdigit():
        return queryset.filter(by_number)  # "#123" means the request, not the text "123"
    if connection.vendor == "postgresql":
        query = _prefix_query(text)
        if query is None:
            return queryset.filter(by_number)
        # Two id sets, each found through its GIN index, so neither the page nor its COUNT computes a
        # vector per row (an OR of the match itself with EXISTS made PostgreSQL scan every request).
        by_text = Request.objects.annotate(v=REQUEST_VECTOR).filter(v=query).order_by().values("pk")
        by_comment = Comment.objects.annotate(v=COMMENT_VECTOR).filter(v=query).order_by().values("request_id")
        return queryset.filter(Q(pk__in=by_text.union(by_comment)) | by_number)
    words = _WORD.findall(text)[:8]
    if not words:
        return queryset.filter(by_number)
    every_word = Q()
    for word in words:  # each word somewhere: the title, the description or a comment
        in_comments = Comment.objects.filter(request=OuterRef("pk"), content__icontains=word)
        every_word &= Q(title__icontains=word) | Q(description__icontains=word) | Exists(in_comments)
    return queryset.filter(every_word | by_number)
