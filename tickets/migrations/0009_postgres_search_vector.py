"""The requests' full-text vector as a stored generated column (PostgreSQL only; SQLite matches
substrings, see tickets/search.py), with its GIN index.

With only an expression index, every row a search reads had its vector computed again: walking the
queue's order and testing each row cost about 0.1 ms a row, so PostgreSQL preferred fetching every
match (40,000 for a common word at a million requests) and sorting them: about a second. Stored, the
test is a comparison, and a common word's page is found by walking the list's own index until the
page is full (tickets/search.py picks the plan by a bounded probe). The vector is the same expression
as before, so matches are unchanged; the old expression index (0006's req_search) goes.
"""

from django.db import migrations

ADD = [
    "ALTER TABLE tickets_request ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, COALESCE(title, '')::text || ' ' || COALESCE(description, ''))) STORED",
    "CREATE INDEX req_search_vector ON tickets_request USING gin (search_vector) WHERE deleted_at IS NULL",
    "DROP INDEX IF EXISTS req_search",
]
REMOVE = [
    "CREATE INDEX req_search ON tickets_request USING gin "
    "(to_tsvector('simple'::regconfig, COALESCE(title, '')::text || ' ' || COALESCE(description, '')))",
    "ALTER TABLE tickets_request DROP COLUMN IF EXISTS search_vector",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in ADD:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in REMOVE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_postgres_list_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
