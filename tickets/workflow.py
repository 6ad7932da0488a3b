"""The request workflow: which status moves, edits, comments and files each role may make.

Pure rules, no database: the services ask these functions before they write, so every front door
(API, admin, HTML pages, commands) obeys the same table. A refused move or edit raises the domain
error the API turns into its envelope.

Closed is final, as in Zendesk: a requester opens a new request instead, an agent may still add
internal notes (the record of what happened), and only an admin may change a closed request (a
correction, recorded as an event like any change).
"""

from datetime import timedelta

from accounts.models import User
from helpdesk.errors import PermissionDenied, ValidationFailed

from .models import Status

REQUESTER, AGENT, ADMIN = "requester", "agent", "admin"

STATUSES = frozenset(Status.values)
LIVE = STATUSES - {Status.CLOSED}
NEEDS_ASSIGNEE = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})
DONE = frozenset({Status.RESOLVED, Status.CLOSED})
WORKING = frozenset({Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING})

# Allowed status moves (from, to) per role; staying in the same status is always allowed.
MOVES: dict[str, frozenset[tuple[str, str]]] = {
    # Requesters resolve or close their own request, confirm a resolution by closing it, or
    # reopen a resolved one.
    REQUESTER: frozenset(
        {(before, after) for before in WORKING for after in DONE}
        | {(Status.RESOLVED, Status.OPEN), (Status.RESOLVED, Status.CLOSED)}
    ),
    # Agents move freely between the statuses of a live request, and may close it.
    AGENT: frozenset((before, after) for before in LIVE for after in STATUSES if before != after),
    ADMIN: frozenset((before, after) for before in STATUSES for after in STATUSES if before != after),
}

# Fields each role may change (status moves are checked against MOVES as well).
REQUESTER_FIELDS = frozenset({"title", "description", "status"})

NEW_REQUEST_HINT = "open a new request instead"
CLOSED_MESSAGE = f"this request is closed; {NEW_REQUEST_HINT}"


def role_of(user: User) -> str:
    if user.is_admin:
        return ADMIN
    return AGENT if user.is_agent else REQUESTER


def ensure_fields(role: str, fields) -> None:
    """403 for a field the role may never change, whatever the status."""
    if role != REQUESTER:
        return
    forbidden = sorted(set(fields) - REQUESTER_FIELDS)
    if forbidden:
        raise PermissionDenied(f"Requesters cannot change {forbidden[0]}.", fields={forbidden[0]: ["agents only"]})


def ensure_move(role: str, before: str, after: str) -> None:
    """403 for a status move the role may not make."""
    if before == after or (before, after) in MOVES[role]:
        return
    if before == Status.CLOSED:
        message = "This request is closed and only an admin can reopen it; open a new request instead."
    elif role == REQUESTER:
        message = "Requesters may only resolve or close their requests, or reopen a resolved one."
    else:
        message = f"Agents cannot move a request from {before} to {after}."
    raise PermissionDenied(message, fields={"status": ["not allowed"]})


def ensure_editable(role: str, status: str, changed_fields) -> None:
    """400 naming the first changed field when the request is closed and the role is no admin."""
    changed = sorted(set(changed_fields))
    if status == Status.CLOSED and role != ADMIN and changed:
        raise ValidationFailed.for_field(changed[0], CLOSED_MESSAGE)


def ensure_assignee(status: str, has_assignee: bool) -> None:
    if status in NEEDS_ASSIGNEE and not has_assignee:
        raise ValidationFailed.for_field("status", f"a request must be assigned to be {status}")


def ensure_may_post(role: str, status: str, *, is_internal: bool, field: str) -> None:
    """Comments and files: internal ones are for agents; a closed request takes only internal ones."""
    if is_internal and role == REQUESTER:
        if field == "file":
            raise PermissionDenied("Requesters cannot attach files to internal notes.")
        raise PermissionDenied("Requesters cannot add internal notes.", fields={"is_internal": ["agents only"]})
    if status == Status.CLOSED and not is_internal:
        message = CLOSED_MESSAGE if role == REQUESTER else f"{CLOSED_MESSAGE} (internal notes are still possible)"
        raise ValidationFailed.for_field(field, message)


def reopen_deadline(status: str, resolved_at, *, days: int):
    """Until when a requester may reopen a resolved request; None for any other request."""
    if status != Status.RESOLVED or resolved_at is None:
        return None
    return resolved_at + timedelta(days=days)


def ensure_reopen_window(role: str, status: str, resolved_at, now, *, days: int, field: str) -> None:
    """A requester reopens a resolved request (with the button or by answering) only until its
    reopen_deadline; after that it is settled and a new request is the way to go on."""
    deadline = reopen_deadline(status, resolved_at, days=days)
    if role == REQUESTER and deadline is not None and now > deadline:
        raise ValidationFailed.for_field(
            field, f"this request was solved more than {days} days ago; {NEW_REQUEST_HINT}"
        )


def reopened_status(has_assignee: bool) -> str:
    """Where a request goes when its requester reopens it or answers: back to its agent if any."""
    return Status.IN_PROGRESS if has_assignee else Status.OPEN


def status_after_requester_reply(status: str, has_assignee: bool) -> str | None:
    """The requester answered a pending or resolved request: it needs an agent again."""
    if status in (Status.PENDING, Status.RESOLVED):
        return reopened_status(has_assignee)
    return None
