"""The items of GET /v1/requests, built from the rows' columns as plain dicts.

The list is the API's busiest call. Making a model instance for each request and its four related
rows, then walking DRF's nested serializers field by field, cost more CPU than the queries did; here
one `values()` query reads just the columns an item shows and a plain function shapes each one.
RequestListItemSerializer still declares the shape for the OpenAPI schema, and a test holds the two
to the same output.
"""

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from surveys.api.serializers import RequestSurveySerializer

# What an item shows, plus the keys of every ordering's cursor (filters.ORDERING_KEYS).
COLUMNS = (
    "id",
    "public_id",
    "title",
    "description",
    "status",
    "priority",
    "category__name",
    "created_at",
    "seen_updated_at",
    "sla_due_at",
    "assigned_to__public_id",
    "assigned_group__public_id",
    "requester__public_id",
    "requester__email",
    "requester__name",
)


def _datetime_formatter():
    """DRF's DateTimeField output (DATETIME_FORMAT in the current time zone), with the time zone and
    format looked up once per page instead of once per value."""
    output = api_settings.DATETIME_FORMAT
    if output is None or output.lower() == ISO_8601:
        return serializers.DateTimeField().to_representation
    zone = timezone.get_current_timezone()
    return lambda value: value.astimezone(zone).strftime(output) if value else None


def list_rows(queryset):
    """The list's requests as dicts of COLUMNS: same filters, order and query count, no model instances."""
    return queryset.values(*COLUMNS)


def list_items(rows: list[dict], invitations: dict | None = None) -> list[dict]:
    """The page's items, exactly as RequestListItemSerializer shows the requests; with `invitations`
    (request pk -> its latest survey invitation, for ?include=survey) each also carries `survey`, as
    RequestListItemWithSurveySerializer shows it."""
    as_text = _datetime_formatter()
    items = [_item(row, as_text) for row in rows]
    if invitations is not None:
        for item, row in zip(items, rows, strict=True):
            invitation = invitations.get(row["id"])
            item["survey"] = None if invitation is None else RequestSurveySerializer(invitation).data
    return items


def _item(row: dict, as_text) -> dict:
    category = row["category__name"]
    return {
        "id": row["public_id"],
        "number": row["id"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "priority": row["priority"],
        "category": None if category is None else str(category),
        "createdAt": as_text(row["created_at"]),
        "updatedAt": as_text(row["seen_updated_at"]),
        "assignedTo": row["assigned_to__public_id"],
        "assignedGroup": row["assigned_group__public_id"],
        "requester": {
            "id": row["requester__public_id"],
            "email": row["requester__email"],
            "name": row["requester__name"],
        },
    }
