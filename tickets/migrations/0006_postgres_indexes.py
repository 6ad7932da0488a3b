"""Indexes PostgreSQL can have and SQLite cannot: GIN for the agent queue's full-text search (SQLite
matches substrings instead; see tickets/search.py), and the SLA order with its nulls last."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations
from django.db.models import F, Index, Q

from tickets.search import COMMENT_VECTOR, REQUEST_VECTOR

INDEXES = [
    ("request", GinIndex(REQUEST_VECTOR, name="req_search")),
    ("comment", GinIndex(COMMENT_VECTOR, name="cmt_search")),
    # ordering=sla and the queue's default order: nearest due first, requests with no running clock last.
    (
        "request",
        Index(
            F("sla_due_at").asc(nulls_last=True),
            F("created_at").desc(),
            F("id").desc(),
            condition=Q(deleted_at__isnull=True),
            name="req_live_sla_order",
        ),
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in INDEXES:
            schema_editor.add_index(apps.get_model("tickets", model), index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in INDEXES:
            schema_editor.remove_index(apps.get_model("tickets", model), index)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_macro")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
