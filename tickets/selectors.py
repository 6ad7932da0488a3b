"""Every read of requests, comments and attachments: who sees what is decided here once."""

import hashlib

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import QueryDict

from accounts.models import Group, Role, User
from helpdesk.cache import cache_get, cache_set
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from helpdesk.paging import COUNT_CAP
from sla.selectors import sla_for_request

from .filters import QueueFilter, RequestFilter, ordering_name
from .models import Attachment, Category, Comment, Macro, Request, SavedView

QUEUE_DEFAULT_SORT = "sla"


def _reach(user: User) -> Q | None:
    """Who sees which live requests, the one rule for every list, page and service (None: all).

    Admins see everything. Agents see everything too, unless AGENT_REACH is "groups": then the
    requests of their groups, those assigned to them, and those in no group yet (someone has to
    triage them). Anyone sees the requests they asked for themselves.
    """
    if user.is_admin or (user.is_agent and settings.AGENT_REACH == "all"):
        return None
    own = Q(requester=user)
    if not user.is_agent:
        return own
    my_groups = Group.objects.filter(members=user).values("pk")
    return own | Q(assigned_to=user) | Q(assigned_group__isnull=True) | Q(assigned_group__in=my_groups)


def updated_at_seen_by(user: User) -> str:
    """The column a user sees as a request's updatedAt."""
    # Requesters see (and sort by) the last change they can see, so internal work stays unseen.
    return "updated_at" if user.is_agent else "public_updated_at"


def visible_requests(user: User) -> QuerySet[Request]:
    """The live requests the user may see, each with `seen_updated_at`: its updatedAt for them."""
    rule = _reach(user)
    qs = Request.objects.all() if rule is None else Request.objects.filter(rule)
    return qs.annotate(seen_updated_at=F(updated_at_seen_by(user)))


def may_see_request(user: User, request: Request) -> bool:
    """The service-side check of the same rule, for a request already loaded (and maybe locked)."""
    if request.deleted_at is not None:
        return False
    if request.requester_id == user.pk:  # the rule's own part, `Q(requester=user)`, without a query
        return True
    rule = _reach(user)
    return rule is None or Request.objects.filter(rule, pk=request.pk).exists()


def as_seen_by(user: User, request: Request) -> Request:
    """Gives a request a service returned the `seen_updated_at` the selectors give to reads."""
    request.seen_updated_at = getattr(request, updated_at_seen_by(user))
    return request


def request_list(*, user: User, filters: dict | None = None) -> QuerySet[Request]:
    """The /v1 list: visible requests, filtered, in the ordering `ordering_name(filters)` names."""
    filters = dict(filters or {})
    filters["ordering"] = ordering_name(filters)
    filterset = RequestFilter(data=filters, queryset=visible_requests(user))
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


def request_get(*, user: User, public_id: str, detail: bool = False, related: bool = True) -> Request:
    """The request with this id if the user may see it; NotFound otherwise, so existence never leaks.
    related=False: without its requester, assignee, group and category joined in, for a caller that
    needs only the request itself (on PostgreSQL, planning the four joins costs more than running them)."""
    qs = visible_requests(user)
    if related:
        qs = qs.select_related("requester", "assigned_to", "assigned_group", "category")
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
    """The attachment if the user may see its request (and its note, for files on internal notes)."""
    attachment = (
        _attachments_for(user)
        .filter(public_id=public_id, request__in=visible_requests(user).values("pk"))
        .select_related("request", "comment")
        .first()
    )
    if attachment is None:
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
    fingerprint = hashlib.sha256("\n".join(f"{v.slug}?{v.query}" for v in views).encode()).hexdigest()[:16]
    key = f"queue-counts:{user.pk}:{fingerprint}"
    counts = cache_get(key)
    if counts is None:
        counts = {}
        for view in views:
            filterset = request_queue(user=user, params=QueryDict(view.query))
            # At most COUNT_CAP + 1 rows each, as the queue's own count: flat cost at any size.
            counts[view.slug] = filterset.qs.order_by()[: COUNT_CAP + 1].count() if filterset.is_valid() else 0
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


def _own_or_shared(user: User) -> Q:
    """Saved views and macros an agent may use: their own and the shared ones (no owner)."""
    return Q(owner__isnull=True) | Q(owner=user)


def saved_views_for(user: User) -> list:
    """The views shared with every agent, then the agent's own, each in their order."""
    views = SavedView.objects.filter(_own_or_shared(user))
    return sorted(views, key=lambda v: (v.owner_id is not None, v.position, v.pk))


def saved_view_get(*, user: User, pk: int) -> SavedView:
    view = SavedView.objects.filter(_own_or_shared(user), pk=pk).first()
    if view is None:
        raise NotFound("No view with this id.")
    return view


def macros_for(user: User, *, search: str = "") -> QuerySet[Macro]:
    """The macros an agent may use: the shared ones and their own, searched by name and text."""
    qs = Macro.objects.filter(_own_or_shared(user)).select_related("assigned_group", "assigned_to")
    if search.strip():
        qs = qs.filter(Q(name__icontains=search.strip()) | Q(body__icontains=search.strip()))
    return qs.order_by("name", "id")


def macro_get(*, user: User, pk) -> Macro:
    macro = macros_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if macro is None:
        raise NotFound("No macro with this id.")
    return macro
