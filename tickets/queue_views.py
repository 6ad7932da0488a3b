"""The queue's built-in views: saved filters every agent has, shown with counts in the sidebar."""

from dataclasses import dataclass

from django.http import QueryDict

WORKING = "status=open&status=assigned&status=in_progress"


@dataclass(frozen=True)
class QueueView:
    slug: str
    name: str
    query: str  # the queue URL's query string


BUILTIN_VIEWS = [
    QueueView("mine", "My open", f"assignee=me&{WORKING}"),
    QueueView("unassigned", "Unassigned in my groups", f"assignee=none&group=mine&{WORKING}"),
    QueueView("open", "All open", WORKING),
    QueueView("breaching", "Breaching soon", f"sla=at_risk&sla=breached&{WORKING}"),
    QueueView("pending", "Pending", "status=pending"),
    QueueView("resolved", "Recently resolved", "status=resolved&sort=-updated"),
]

_NOT_FILTERS = {"page", "size"}


def normalised(query: QueryDict | str) -> tuple:
    """A query's filters in a fixed order, so a view is recognised however its URL was built."""
    data = QueryDict(query) if isinstance(query, str) else query
    return tuple(sorted((k, v) for k in data for v in data.getlist(k) if k not in _NOT_FILTERS and v))


def active_view(query: QueryDict, views=BUILTIN_VIEWS) -> QueueView | None:
    current = normalised(query)
    return next((v for v in views if normalised(v.query) == current), None)
