"""The portal's reads: a requester's own requests, on the tickets selectors' visibility rule."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from tickets import workflow
from tickets.models import Comment, Request
from tickets.selectors import request_get, visible_requests

SHOWS = {
    "open": ~Q(status__in=workflow.DONE),
    "solved": Q(status__in=workflow.DONE),
    "all": Q(),
}


def my_requests(*, user: User, show: str = "open", q: str = "") -> QuerySet[Request]:
    """The requester's own requests, newest activity first, each with who answered last (one query)."""
    last_public = Comment.objects.filter(request=OuterRef("pk"), is_internal=False).order_by("-created_at", "-id")
    qs = (
        visible_requests(user)
        .filter(requester=user)
        .filter(SHOWS.get(show, SHOWS["open"]))
        .annotate(
            last_author_id=Subquery(last_public.values("author_id")[:1]),
            last_author_name=Subquery(last_public.values("author__name")[:1]),
        )
        .order_by("-public_updated_at", "-id")
    )
    q = q.strip()
    if q:
        match = Q(title__icontains=q) | Q(description__icontains=q)
        if q.lstrip("#").isdigit():
            match |= Q(pk=int(q.lstrip("#")))
        qs = qs.filter(match)
    return qs


def my_request(*, user: User, public_id: str) -> Request:
    """One of the requester's own requests with what they may see of it: public replies and files.
    Anyone else's, or an unknown id, is a NotFound: the same answer, so nothing leaks."""
    return request_get(user=user, public_id=public_id, detail=True)
