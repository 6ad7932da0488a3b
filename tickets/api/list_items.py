"""The items of GET /v1/requests, built from the rows' columns as plain dicts.

The list is the API's busiest call. Making a model instance for each request and its four related
rows, then walking DRF's nested serializers field by field, cost more CPU than the queries did; here
one `values()` query reads just the columns an item shows and a plain function shapes each one.
RequestListItemSerializer still declares the shape for the OpenAPI schema, and a test holds the two
to the same output.
"""

from rest_framework import serializers

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

# DRF's own date-time output (DATETIME_FORMAT in the current time zone), without a serializer around it.
_datetime = serializers.DateTimeField().to_representation


def list_rows(queryset):
    """The list's requests as dicts of COLUMNS: same filters, order and query count, no model instances."""
    return queryset.values(*COLUMNS)


def list_item(row: dict) -> dict:
    """One item, exactly as RequestListItemSerializer shows the request."""
    category = row["category__name"]
    return {
        "id": row["public_id"],
        "number": row["id"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "priority": row["priority"],
        "category": None if category is None else str(category),
        "createdAt": _datetime(row["created_at"]),
        "updatedAt": _datetime(row["seen_updated_at"]),
        "assignedTo": row["assigned_to__public_id"],
        "assignedGroup": row["assigned_group__public_id"],
        "requester": {
            "id": row["requester__public_id"],
            "email": row["requester__email"],
            "name": row["requester__name"],
        },
    }


def list_item_with_survey(row: dict, invitation) -> dict:
    """An item with ?include=survey: `invitation` is the request's latest, or None."""
    item = list_item(row)
    item["survey"] = None if invitation is None else RequestSurveySerializer(invitation).data
    return item
