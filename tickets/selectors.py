"""Every read of requests, comments and attachments: who sees what is decided here once."""

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict

from accounts.models import Group, Role, User
from helpdesk.cache import cache_get, cache_set
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from sla.selectors import sla_for_request

from .filters import QueueFilter, RequestFilter
from .models import Attachment, Category, Comment, Request

QUEUE_DEFAULT_SORT = "sla"


def visible_requests(user: User) -> QuerySet[Request]:
    """Agents and admins see every live request; requesters only their own."""
    qs = Request.objects.all()
    return qs if user.is_agent else qs.filter(requester=user)


def request_list(*, user: User, filters: dict | None = None) -> QuerySet[Request]:
    filterset = RequestFilter(data=filters or {}, queryset=visible_requests(user))
    if not filterset.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    return filterset.qs.select_related("requester", "assigned_to", "assigned_group", "category")


def _comments_for(user: User) -> QuerySet[Comment]:
    qs = Comment.objects.select_related("author")
    return qs if user.is_agent else qs.filter(is_internal=False)


def _attachments_for(user: User) -> QuerySet[Attachment]:
    qs = Attachment.objects.all()
    # A file attached to an internal note is as internal as the note.
    return qs if user.is_agent else qs.exclude(comment__is_internal=True)


def visible_comments(user: User, request: Request) -> QuerySet[Comment]:
    return _comments_for(user).filter(request=request)


def request_get(*, user: User, public_id: str, detail: bool = False) -> Request:
    """The request with this id if the user may see it; NotFound otherwise, so existence never leaks."""
    qs = visible_requests(user).select_related("requester", "assigned_to", "assigned_group", "category")
    if detail:
        qs = qs.prefetch_related(
            "tags",
            Prefetch("comments", queryset=_comments_for(user), to_attr="visible_comments"),
            Prefetch("attachments", queryset=_attachments_for(user), to_attr="visible_attachments"),
        )
    request = qs.filter(public_id=public_id).first()
    if request is None:
        raise NotFound("No request with this id.")
    if detail:
        request.sla = sla_for_request(request)
    return request


def attachment_get(*, user: User, public_id: str) -> Attachment:
    attachment = Attachment.objects.select_related("request", "comment").filter(public_id=public_id).first()
    if attachment is None:
        raise NotFound("No attachment with this id.")
    request = attachment.request
    may_see = request.deleted_at is None and (user.is_agent or request.requester_id == user.pk)
    if not may_see or (attachment.comment is not None and attachment.comment.is_internal and not user.is_agent):
        raise NotFound("No attachment with this id.")
    return attachment


# --- the agent workspace -----------------------------------------------------------------------


def workspace_choices() -> dict:
    """What the queue's filters and the request page's pickers offer: one query each."""
    return {
        "agents": list(
            User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.ADMIN]).order_by("name", "email")
        ),
        "groups": list(Group.objects.order_by("name")),
        "categories": list(Category.objects.order_by("name")),
    }


def request_queue(*, user: User, params, choices: dict | None = None) -> QueueFilter:
    """The agent queue: filters and sort from the URL (a QueryDict) over the requests the user may
    see, with everything a row shows loaded in a fixed number of queries."""
    if not user.is_agent:
        raise PermissionDenied("The queue is for agents.")
    data = params.copy()
    if not data.get("sort"):
        data["sort"] = QUEUE_DEFAULT_SORT
    queryset = visible_requests(user).select_related("requester", "assigned_to", "assigned_group", "category")
    return QueueFilter(data, queryset=queryset.prefetch_related("sla_clocks"), user=user, **(choices or {}))


def queue_counts(*, user: User, views) -> dict[str, int]:
    """How many requests each built-in view holds for this agent. A COUNT per view is the cost that
    grows with the data, so the counts are cached per agent for QUEUE_COUNTS_SECONDS and loaded by
    the sidebar after the table: the queue itself never waits for them."""
    key = f"queue-counts:{user.pk}:{','.join(v.slug for v in views)}"
    counts = cache_get(key)
    if counts is None:
        counts = {}
        for view in views:
            filterset = request_queue(user=user, params=QueryDict(view.query))
            counts[view.slug] = filterset.qs.order_by().count() if filterset.is_valid() else 0
        cache_set(key, counts, settings.QUEUE_COUNTS_SECONDS)
    return counts


def request_history(*, request: Request):
    """The request's events, oldest first, with who did each (agents see everything)."""
    return list(request.events.select_related("actor").order_by("created_at", "id"))


def requester_recent(*, user: User, request: Request, limit: int = 5) -> list[Request]:
    """The requester's other latest requests that this user may see, for the requester card."""
    return list(
        visible_requests(user)
        .filter(requester_id=request.requester_id)
        .exclude(pk=request.pk)
        .order_by("-created_at", "-id")[:limit]
    )
