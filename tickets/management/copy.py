"""Bulk writes for seeding: plain tuples straight into their table, without model instances or
Django's per-value preparation (which were most of the time of a bulk_create of a million rows).
PostgreSQL gets one COPY stream per table; other databases one prepared INSERT run for all rows."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Writes plain tuples into the model's table, one value per column (attnames) in that order:
    one COPY stream on PostgreSQL, one prepared INSERT run for all rows elsewhere. Columns left out
    take the database's default (the primary key its sequence)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    names = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # SQLite and others want datetimes adapted (SQLite: text in UTC).
        adapt = connection.ops.adapt_datetimefield_value
        dates = [i for i, field in enumerate(fields) if isinstance(field, models.DateTimeField)]
        if dates:
            rows = [tuple(adapt(v) if i in dates else v for i, v in enumerate(row)) for row in rows]
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for the model's table, for rows that others point to."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite and others: above the largest id (and any deleted one: SQLite's AUTOINCREMENT counter).
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(start, row[0] if row else 0)
    return list(range(start + 1, start + 1 + count))


@contextmanager
def indexes_built_after(models_: list) -> Iterator[None]:
    """On PostgreSQL, drops the secondary indexes, unique and foreign-key constraints of those of the
    models' tables that are empty, and makes them again after the block: building an index once over
    a million sorted rows is far cheaper than keeping it up to date row by row, and adding a foreign key
    checks all rows in one join where a deferred constraint fires a check per row at COMMIT. Call it
    inside the transaction: if the block fails, the drops roll back with everything else. Tables with
    rows keep everything (another seed's rows must stay checked as they go in)."""
    if connection.vendor != "postgresql":
        yield
        return
    rebuild = []
    with connection.cursor() as cursor:
        # Dropping a foreign key alters the table it points to, which PostgreSQL refuses while checks
        # deferred to COMMIT are pending there (the seed's users): run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in models_:
            table = model._meta.db_table
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")  # noqa: S608
            if not cursor.fetchone()[0]:
                rebuild.extend(_drop_secondary(cursor, table))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # sorts for the index builds in memory
        # Unique constraints and plain indexes first, foreign keys last (their check reads the indexes).
        for statement in sorted(rebuild, key=lambda sql: " FOREIGN KEY " in sql):
            cursor.execute(statement)


def _drop_secondary(cursor, table: str) -> list[str]:
    """Drops the table's unique and foreign-key constraints and other non-primary indexes; returns
    the statements that make them again."""
    quote = connection.ops.quote_name
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    # Indexes not behind a constraint (a constraint's index goes and comes back with it).
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid) "
        "ORDER BY i.relname",
        [table],
    )
    indexes = cursor.fetchall()
    statements = []
    for name, definition in constraints:
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        statements.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    for name, definition in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
        statements.append(definition)
    return statements
