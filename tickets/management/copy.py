"""Bulk writes for seeding: model instances straight into their table, without Django's per-value
preparation (which was most of the time of a bulk_create of a million rows). PostgreSQL gets one COPY
stream per table; other databases one prepared INSERT run for all rows (executemany)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models


def _adapter(field):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value  # SQLite: text; PostgreSQL: the value itself
    return None


def insert_models(model, objects: list) -> None:
    """Writes the instances' concrete columns (the primary key too when the caller has set it)."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and getattr(objects[0], f.attname) is None)]
    getters = [(f.attname, _adapter(f)) for f in fields]
    rows = (
        tuple(adapt(getattr(obj, name)) if adapt else getattr(obj, name) for name, adapt in getters) for obj in objects
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))  # noqa: S608


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for the model's table, to set before insert_models."""
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
