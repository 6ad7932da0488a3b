"""A request's history as the engine's Timeline (pure: takes plain values, no ORM)."""

from collections.abc import Iterable
from datetime import datetime

from .engine import Timeline

PENDING = "pending"
DONE = ("resolved", "closed")


def reads_updated_at(status: str) -> bool:
    """Whether the timeline of a request in this status may read its last update (see build_timeline):
    otherwise a change of updated_at alone leaves its clocks as they are."""
    return status == PENDING or status in DONE


def build_timeline(
    *,
    created_at: datetime,
    first_response_at: datetime | None,
    status: str,
    resolved_at: datetime | None,
    updated_at: datetime,
    status_changes: Iterable[tuple[datetime, str, str]],
) -> Timeline:
    """status_changes: (when, old status, new status), oldest first, from the request's events.

    Requests written in bulk (seed_data) have no status events; their current state still counts:
    pending since the last update, resolved or closed since resolved_at.
    """
    paused: list[tuple[datetime, datetime | None]] = []
    done: list[tuple[datetime, datetime | None]] = []
    pause_start = done_start = None
    for when, old, new in status_changes:
        if new == PENDING and old != PENDING:
            pause_start = when
        elif old == PENDING and new != PENDING and pause_start is not None:
            paused.append((pause_start, when))
            pause_start = None
        if new in DONE and old not in DONE:
            done_start = when
        elif old in DONE and new not in DONE and done_start is not None:
            done.append((done_start, when))
            done_start = None

    if status == PENDING:
        paused.append((pause_start or updated_at, None))
    if status in DONE:
        done.append((done_start or resolved_at or updated_at, None))
    return Timeline(created_at=created_at, first_response_at=first_response_at, paused=tuple(paused), done=tuple(done))
