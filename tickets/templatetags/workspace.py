"""Template helpers of the agent workspace: URLs that keep the queue's filters, and SLA badges."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.text import capfirst

from sla.models import ClockStatus
from tickets import workflow

register = template.Library()


@register.simple_tag
def query_with(query, **changes) -> str:
    """The current query string with some parameters replaced (None removes one): sort and page
    links that keep every filter. Changing anything but the page goes back to page 1."""
    data = query.copy()
    if "page" not in changes:
        data.pop("page", None)
    for key, value in changes.items():
        data.pop(key, None)
        if value not in (None, ""):
            data[key] = value
    encoded = data.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def sort_link_value(current: str, column: str) -> str:
    """Clicking a sorted column reverses it; another column sorts ascending first."""
    return f"-{column}" if current == column else column


@register.filter
def span(delta: timedelta) -> str:
    """A duration as an agent reads it at a glance: 2d 4h, 3h 20m, 12m."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else "<1m"


def _left(target: datetime, now: datetime) -> str:
    """How far off a running clock's target is: "2h 5m left", or "due now" once it is reached."""
    left = target - now
    return f"{span(left)} left" if left.total_seconds() > 0 else "due now"


def badge(clocks, *, status: str, now: datetime) -> dict:
    """The one SLA fact a queue row shows: the nearest target of a running clock and how far off it
    is, or that it was missed, is paused, or was met."""
    by_status: dict[str, list] = {}
    for clock in clocks:
        by_status.setdefault(clock.status, []).append(clock)
    breached = sorted(by_status.get(ClockStatus.BREACHED, []), key=lambda c: c.target_at)
    running = sorted(
        by_status.get(ClockStatus.AT_RISK, []) + by_status.get(ClockStatus.ON_TRACK, []), key=lambda c: c.target_at
    )
    if status in workflow.DONE:
        if breached:
            return {"state": "missed", "text": "Missed", "title": "A target was missed before it was solved"}
        return {"state": "met", "text": "Met", "title": "Every target was met"} if clocks else {}
    if breached:
        clock = breached[0]
        return {
            "state": "breached",
            "text": f"Overdue by {span(now - clock.target_at)}",
            "title": f"{clock.get_kind_display()} was due {clock.target_at:%Y-%m-%d %H:%M} UTC",
        }
    if running:
        clock = running[0]
        return {
            "state": clock.status,
            "text": capfirst(_left(clock.target_at, now)),
            "title": f"{clock.get_kind_display()} due {clock.target_at:%Y-%m-%d %H:%M} UTC",
        }
    if ClockStatus.PAUSED in by_status:
        return {"state": "paused", "text": "Paused", "title": "Waiting on the requester: the clocks are stopped"}
    return {}


@register.inclusion_tag("agent/_sla_badge.html")
def sla_badge(request):
    """For a request whose sla_clocks were prefetched (the queue does)."""
    return {"badge": badge(request.sla_clocks.all(), status=request.status, now=timezone.now())}


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("agent/_clock.html")
def sla_clock(label: str, clock, stopped=False):
    """One live clock of the request page: its target and how far off it is, or met, missed, paused.
    stopped: the clock's work is done (answered, or solved), so a breach is history, not a countdown."""
    now = timezone.now()
    if clock.status in (ClockStatus.ON_TRACK, ClockStatus.AT_RISK):
        text = _left(clock.target_at, now)
    elif clock.status == ClockStatus.BREACHED:
        text = "missed" if stopped else f"overdue by {span(now - clock.target_at)}"
    elif clock.status == ClockStatus.PAUSED:
        text = "paused while pending"
    else:
        text = "met"
    return {"label": label, "clock": clock, "text": text}


@register.simple_tag
def event_text(event) -> str:
    """A history line as a person would say it (escaped by the template)."""
    if event.kind == "created":
        return "opened the request"
    if event.kind == "commented":
        return "added an internal note" if event.is_internal else "replied"
    if event.kind == "attached":
        return f"attached {event.new_value}" + (" to an internal note" if event.is_internal else "")
    if event.kind == "sla":
        what = "first response" if event.field == "first_response" else "resolution"
        return f"SLA {what}: {event.old_value.replace('_', ' ')} → {event.new_value.replace('_', ' ')}"
    if event.field:
        field = {"assigned_to": "assignee", "assigned_group": "group"}.get(event.field, event.field)
        old, new = event.old_value or "—", event.new_value or "—"
        return f"changed {field} from {old.replace('_', ' ')} to {new.replace('_', ' ')}"
    return event.get_kind_display().lower()


@register.filter
def macro_changes(macro) -> list[str]:
    from tickets.macros import describe

    return describe(macro)


@register.filter
def split(text: str) -> list[str]:
    return text.split()


@register.filter
def count_label(n: int) -> str:
    """A view's count as the sidebar shows it; past the counting cap, "10k+"."""
    from helpdesk.paging import COUNT_CAP

    return f"{COUNT_CAP // 1000}k+" if n > COUNT_CAP else f"{n:,}"
