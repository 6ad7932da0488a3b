"""Saving a batch's imported messages in one statement: UPDATE … FROM (VALUES …), which PostgreSQL
and SQLite (3.33+) both take. Written out because Django's bulk_update() builds a CASE WHEN per
field and row, and that cost more CPU than the UPDATE per message it was meant to replace
(scripts/bench_intake.py: about a third of the importer's CPU)."""

from django.db import connection

from .models import InboundMessage

ROWS_PER_STATEMENT = 500


def messages_save(messages: list[InboundMessage], field_names: list[str]) -> None:
    """Writes field_names of each message, by id, in one UPDATE per ROWS_PER_STATEMENT rows."""
    meta = InboundMessage._meta
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    q = connection.ops.quote_name
    # A VALUES list names its columns column1, column2 … in both databases. PostgreSQL types them
    # from the literals (NULL is text), so each is cast to its column's type; SQLite needs no cast.
    if connection.vendor == "postgresql":
        values = [f"CAST(v.column{i} AS {field.db_type(connection)})" for i, field in enumerate(fields, 1)]
    else:
        values = [f"v.column{i}" for i in range(1, len(fields) + 1)]
    table = q(meta.db_table)
    assignments = ", ".join(f"{q(field.column)} = {value}" for field, value in zip(fields[1:], values[1:], strict=True))
    row = f"({', '.join(['%s'] * len(fields))})"
    for start in range(0, len(messages), ROWS_PER_STATEMENT):
        chunk = messages[start : start + ROWS_PER_STATEMENT]
        params = [
            field.get_db_prep_save(getattr(message, field.attname), connection) for message in chunk for field in fields
        ]
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(chunk))}) AS v "  # noqa: S608 (our own names)
            f"WHERE {table}.{q(meta.pk.column)} = {values[0]}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
