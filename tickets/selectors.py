"""Every read of requests, comments and attachments: who sees what is decided here once."""

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import Group, User
from helpdesk.errors import NotFound, ValidationFailed
from sla.selectors import sla_for_request

from .filters import RequestFilter
from .models import Attachment, Comment, Request


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


def _updated_at_seen_by(user: User) -> str:
    # Requesters see (and sort by) the last change they can see, so internal work stays unseen.
    return "updated_at" if user.is_agent else "public_updated_at"


def visible_requests(user: User) -> QuerySet[Request]:
    """The live requests the user may see, each with `seen_updated_at`: its updatedAt for them."""
    rule = _reach(user)
    qs = Request.objects.all() if rule is None else Request.objects.filter(rule)
    return qs.annotate(seen_updated_at=F(_updated_at_seen_by(user)))


def may_see_request(user: User, request: Request) -> bool:
    """The service-side check of the same rule, for a request already loaded (and maybe locked)."""
    if request.deleted_at is not None:
        return False
    rule = _reach(user)
    return rule is None or Request.objects.filter(rule, pk=request.pk).exists()


def as_seen_by(user: User, request: Request) -> Request:
    """Gives a request a service returned the `seen_updated_at` the selectors give to reads."""
    request.seen_updated_at = getattr(request, _updated_at_seen_by(user))
    return request


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
