"""PostgreSQL: vacuum and analyze the requests table after 1% of its rows changed, not the default 20%.

Lists read their sort keys and filters from covering indexes (index-only scans) and count the same
way; such a scan must visit the table for every page that changed since the last VACUUM (the
visibility map). Requests change all day (replies move updated_at, the SLA sweep moves sla_status):
at 1,000,000 requests, 33,000 such updates made "created in November, by last update" read 187,000
rows from the table, 14 ms -> 220 ms. The default would wait for 200,000 changes. Autovacuum must be
on (PostgreSQL's default; the README's production section says so).
"""

from django.db import migrations

SETTINGS = (
    "autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01, "
    "autovacuum_analyze_scale_factor = 0.02"
)
RESET = "autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor"


def vacuum_often(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE tickets_request SET ({SETTINGS})")


def as_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE tickets_request RESET ({RESET})")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_list_indexes_cover_the_sort_keys")]
    operations = [migrations.RunPython(vacuum_often, as_default, elidable=False)]
