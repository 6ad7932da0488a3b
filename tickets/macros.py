"""Macros, pure: filling a reply's placeholders, and the field changes a macro stages for a request.
No templates are run on macro text (an agent's text must not reach the template engine): the few
placeholders are replaced by plain values, and the page escapes the result like any reply."""

import re

from .models import Macro, Request

_PLACEHOLDER = re.compile(r"{{\s*(requester\.name|requester\.email|request\.number|request\.title|agent\.name)\s*}}")


def split_tags(text: str) -> list[str]:
    """Tags as people type them in one box: separated by commas, spaces or both."""
    return [t for t in text.replace(",", " ").split() if t]


def render_body(body: str, *, request: Request, agent) -> str:
    values = {
        "requester.name": request.requester.get_full_name(),
        "requester.email": request.requester.email,
        "request.number": str(request.number),
        "request.title": request.title,
        "agent.name": agent.get_full_name(),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], body)


def field_changes(macro: Macro, *, current_tags: set[str]) -> dict:
    """What request_update is asked to change when the reply is sent (status comes with the reply)."""
    changes = {}
    if macro.priority:
        changes["priority"] = macro.priority
    if macro.assigned_group_id:
        changes["assigned_group"] = macro.assigned_group.public_id
    if macro.assigned_to_id:
        changes["assigned_to"] = macro.assigned_to.public_id
    add, remove = set(split_tags(macro.add_tags.lower())), set(split_tags(macro.remove_tags.lower()))
    if add or remove:
        tags = sorted((current_tags | add) - remove)
        if tags != sorted(current_tags):
            changes["tags"] = tags
    return changes


def describe(macro: Macro) -> list[str]:
    """The staged changes in words, for the reply box."""
    parts = []
    if macro.status:
        parts.append(f"status → {macro.get_status_display()}")
    if macro.priority:
        parts.append(f"priority → {macro.get_priority_display()}")
    if macro.assigned_group_id:
        parts.append(f"group → {macro.assigned_group.name}")
    if macro.assigned_to_id:
        parts.append(f"assignee → {macro.assigned_to.get_full_name()}")
    if macro.add_tags:
        parts.append("add tags " + ", ".join(split_tags(macro.add_tags)))
    if macro.remove_tags:
        parts.append("remove tags " + ", ".join(split_tags(macro.remove_tags)))
    return parts
