"""Fast multi-row INSERT for imports, below the ORM's per-field machinery.

Django's ``bulk_create`` spends most of its time preparing each value of each object; for tens
of thousands of rows that is the whole import. Here the caller hands plain tuples whose values
the database driver adapts itself (str, int, bool, Decimal, None; datetimes go through
``connection.ops`` once), and we send them in large batches: ``executemany`` on SQLite (a C
loop inside one statement), ``execute_values`` multi-row VALUES on PostgreSQL.

Only for models without save() logic or signals that matter: nothing here calls them.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.db import connection


def _copy_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    return value


def db_datetime(value):
    """A timezone-aware datetime as this database wants it in a raw parameter."""
    return connection.ops.adapt_datetimefield_value(value)


def bulk_insert(model, field_names: Sequence[str], rows: Iterable[Sequence], page: int = 2000):
    """INSERT ``rows`` (tuples in ``field_names`` order) into ``model``'s table."""
    meta = model._meta
    columns = [meta.get_field(name).column for name in field_names]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column_sql = ", ".join(quote(c) for c in columns)
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the bulk-load path, no per-row SQL to build or parse. Every string is quoted;
            # None is written as "" too, which FORCE_NULL turns into NULL in the nullable
            # columns (text columns are never nullable here, so their "" stays "").
            nullable = [
                quote(meta.get_field(name).column)
                for name in field_names
                if meta.get_field(name).null
            ]
            options = f", FORCE_NULL ({', '.join(nullable)})" if nullable else ""
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(
                tuple(_copy_value(v) for v in row) for row in rows
            )
            buffer.seek(0)
            # The driver's own cursor under Django's wrapper: translate its errors (a unique
            # violation must arrive as django.db.IntegrityError, as from any other query).
            with connection.wrap_database_errors:
                cursor.cursor.copy_expert(
                    f"COPY {table} ({column_sql}) FROM STDIN WITH (FORMAT csv{options})", buffer
                )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )


def reserve_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` rows about to be inserted with ``bulk_insert``, so the caller
    knows them without reading the rows back. Call inside the transaction that inserts them:
    on PostgreSQL the sequence hands out the ids; on SQLite the transaction already holds the
    database's write lock (``transaction_mode=IMMEDIATE``), so no one else can take them."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))
