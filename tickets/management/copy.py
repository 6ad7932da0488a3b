"""Bulk writes for seeding: model instances straight into their table, without Django's per-value
preparation (which was most of the time of a bulk_create of a million rows). PostgreSQL gets one COPY
stream per table; other databases one prepared INSERT run for all rows (executemany)."""

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
