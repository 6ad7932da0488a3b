"""Bulk writes for seeding: PostgreSQL's COPY of model instances (ids set by the caller)."""

from django.db import connection


def copy_models(model, objects: list) -> None:
    """Streams the instances' concrete columns into the model's table with COPY (PostgreSQL only)."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and getattr(objects[0], f.attname) is None)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])
