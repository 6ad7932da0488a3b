"""PostgreSQL indexes for the list orders and filters at a million requests (SQLite cannot put NULLS LAST
in an index and does not need them at its sizes):

- ordering=-sla, the reverse SLA order with its nulls last (no clock running) as in the forward order;
- the SLA order (the queue's default) and the updatedAt order within one status, one assignee, one
  group or one priority, so a filtered page reads `limit` index entries instead of sorting every match;
- INCLUDE columns so the bounded counts of the queue's combinations (assignee, group, priority or
  SLA status with statuses) are index-only scans;
- extended statistics over the filter columns, so the planner's estimate of a combination (which
  pagination.total reports past EXACT_TOTAL_UP_TO) does not assume they are independent.
"""

from django.db import migrations

LIVE = "WHERE deleted_at IS NULL"
SLA = "sla_due_at ASC NULLS LAST, created_at DESC, id DESC"
STATEMENTS = [
    (
        f"CREATE INDEX req_live_sla_desc ON tickets_request (sla_due_at DESC NULLS LAST, created_at, id) {LIVE}",
        "DROP INDEX IF EXISTS req_live_sla_desc",
    ),
    (f"CREATE INDEX req_status_sla ON tickets_request (status, {SLA}) {LIVE}", "DROP INDEX IF EXISTS req_status_sla"),
    (
        f"CREATE INDEX req_status_sla_desc ON tickets_request (status, sla_due_at DESC NULLS LAST, created_at, id) {LIVE}",
        "DROP INDEX IF EXISTS req_status_sla_desc",
    ),
    (
        f"CREATE INDEX req_assignee_sla ON tickets_request (assigned_to_id, {SLA}) INCLUDE (status, priority) {LIVE}",
        "DROP INDEX IF EXISTS req_assignee_sla",
    ),
    (
        f"CREATE INDEX req_group_sla ON tickets_request (assigned_group_id, {SLA}) "
        f"INCLUDE (status, priority, assigned_to_id) {LIVE}",
        "DROP INDEX IF EXISTS req_group_sla",
    ),
    (
        f"CREATE INDEX req_priority_sla ON tickets_request (priority, {SLA}) INCLUDE (status) {LIVE}",
        "DROP INDEX IF EXISTS req_priority_sla",
    ),
    (
        f"CREATE INDEX req_sla_status_status ON tickets_request (sla_status, status) INCLUDE (assigned_to_id) {LIVE}",
        "DROP INDEX IF EXISTS req_sla_status_status",
    ),
    (
        f"CREATE INDEX req_status_updated ON tickets_request (status, updated_at DESC, id DESC) {LIVE}",
        "DROP INDEX IF EXISTS req_status_updated",
    ),
    (
        "CREATE STATISTICS req_filter_stats (dependencies, mcv) "
        "ON status, priority, assigned_to_id, assigned_group_id FROM tickets_request",
        "DROP STATISTICS IF EXISTS req_filter_stats",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql, _ in STATEMENTS:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, sql in reversed(STATEMENTS):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_updated_order_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
