"""Every read of requests, comments and attachments: who sees what is decided here once."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from helpdesk.errors import NotFound, ValidationFailed
from sla.selectors import sla_for_request

from .filters import RequestFilter
from .models import Attachment, Comment, Request


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
