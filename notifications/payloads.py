"""Webhook bodies, in the /v1 shapes: {"type", "timestamp", "data": {...}} as Standard Webhooks
suggests, where data.request is a request as GET /v1/requests lists it. Written with the change,
so a receiver sees the request as it was when the event happened."""

from datetime import datetime

from helpdesk.api.envelope import camel
from tickets.models import Comment, Request, RequestEvent

_TIME = "%Y-%m-%dT%H:%M:%SZ"


def api_field(name: str) -> str:
    return camel(name)


def _time(value: datetime | None) -> str | None:
    return value.strftime(_TIME) if value else None


def _user(user) -> dict | None:
    return {"id": user.public_id, "email": user.email, "name": user.name} if user else None


def request_data(request: Request, users: dict) -> dict:
    requester = users.get(request.requester_id) or request.requester
    assignee = None
    if request.assigned_to_id:
        assignee = users.get(request.assigned_to_id) or request.assigned_to
    return {
        "id": request.public_id,
        "number": request.number,
        "title": request.title,
        "description": request.description,
        "status": request.status,
        "priority": request.priority,
        "category": request.category.name if request.category_id else None,
        "createdAt": _time(request.created_at),
        "updatedAt": _time(request.updated_at),
        "assignedTo": assignee.public_id if assignee else None,
        "assignedGroup": request.assigned_group.public_id if request.assigned_group_id else None,
        "requester": _user(requester),
        "deleted": request.deleted_at is not None,
    }


def comment_data(comment: Comment) -> dict:
    return {
        "id": comment.public_id,
        "content": comment.content,
        "author": {"id": comment.author.public_id, "name": comment.author.get_full_name()},
        "isInternal": comment.is_internal,
        "createdAt": _time(comment.created_at),
    }


def webhook_body(kind: str, event: RequestEvent, request: Request, users: dict, extra: dict, *, now) -> dict:
    data = {"request": request_data(request, users)}
    if "changes" in extra:
        data["changes"] = extra["changes"]
    if "comment_id" in extra:
        comment = getattr(event, "about", None)  # tickets.services hands the comment over with its event
        if not isinstance(comment, Comment) or comment.public_id != extra["comment_id"]:
            comment = Comment.objects.select_related("author").filter(public_id=extra["comment_id"]).first()
        data["comment"] = comment_data(comment) if comment else {"id": extra["comment_id"]}
    if "clock" in extra:
        data["sla"] = {"clock": extra["clock"], "status": event.new_value}
    if event.actor_id:
        actor = users.get(event.actor_id) or event.actor
        data["actor"] = _user(actor)
    return {"type": kind, "timestamp": _time(event.created_at or now), "data": data}


def test_body(endpoint, *, now) -> dict:
    return {"type": "webhook.test", "timestamp": _time(now), "data": {"webhook": endpoint.public_id}}
