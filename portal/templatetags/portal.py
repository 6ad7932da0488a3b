"""How the portal words things for requesters."""

from django import template

from tickets.models import Status

register = template.Library()

# Plain words for what the status means to the person who asked.
STATUS_WORDS = {
    Status.OPEN: "Open",
    Status.ASSIGNED: "Open",
    Status.IN_PROGRESS: "In progress",
    Status.PENDING: "Waiting for you",
    Status.RESOLVED: "Solved",
    Status.CLOSED: "Closed",
}


@register.filter
def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)
