"""Writing many rows at once, in SQL rather than object by object: new rows by COPY, and lists of ids as a table
for `INSERT … SELECT` and `UPDATE … WHERE … IN`. PostgreSQL is the production database; SQLite (the embedded
`make run`) takes the plain path: bulk_create, and JSON for a list of ids."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models

# COPY's text format: one row a line, columns split by tabs, \N for NULL, and these characters escaped in a value.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def ids_table(ids: Iterable[int]) -> tuple[str, list]:
    """A list of ids as SQL for a one-column table named `id`, and its one parameter: a whole list in one
    parameter (an array, or a JSON text on SQLite) rather than one parameter an id."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::integer[]) AS id", [ids]
    return "SELECT value AS id FROM json_each(%s)", [json.dumps(ids)]


def ids_in(column: str, ids: Iterable[int]) -> tuple[str, list]:
    """`column IN ids` as SQL, and its one parameter. On PostgreSQL `= ANY(array)`, which the planner reads as a
    condition an index answers (an `IN (SELECT unnest(…))` it may read as a join to plan around)."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::integer[])", [ids]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]  # noqa: S608 - a column of ours


def insert_new(model: type[models.Model], objects: list[models.Model]) -> list[models.Model]:
    """Insert new, unsaved `objects` of `model` and give them their primary keys, as bulk_create does (no save(),
    no signals; defaults and auto_now stamps filled in), in one COPY on PostgreSQL: the keys are taken from the
    table's sequence first, and the rows go as text, with none of an INSERT's per-value work in Python.
    A row that breaks a constraint fails the COPY, with Django's IntegrityError, as an INSERT would."""
    if not objects:
        return objects
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects, batch_size=500)
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (key,) in zip(objects, cursor.fetchall(), strict=True):
            setattr(obj, meta.pk.attname, key)
        fields = meta.concrete_fields
        texts = [_copy_text(field) for field in fields]
        stamped = [getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in fields]
        text = io.StringIO()
        for obj in objects:
            values = obj.__dict__
            text.write(
                "\t".join(
                    as_text(field.pre_save(obj, True) if stamp else values[field.attname])
                    for field, as_text, stamp in zip(fields, texts, stamped, strict=True)
                )
            )
            text.write("\n")
        text.seek(0)
        columns = ", ".join(quote(field.column) for field in fields)
        with connection.wrap_database_errors:  # the driver's own method: its errors as Django's, as execute() has them
            cursor.copy_expert(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN", text)
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias
    return objects


def _copy_text(field: models.Field):
    """How a value of `field` is written in COPY's text format. Text, whole numbers and None as they are (what the
    database would be given for them, only quicker); anything else as the field prepares it for the database."""
    if isinstance(field, models.JSONField):
        return lambda value: r"\N" if value is None else json.dumps(value, cls=field.encoder).translate(_COPY_ESCAPES)
    # A flag and a moment with its time zone are written as the field would prepare them, without asking it (an
    # import writes 60,000 of them): a flag as is, a moment as PostgreSQL is given it (adapt_datetimefield_value
    # keeps an aware one as it is). A naive moment still goes through the field, which warns and makes it aware.
    flag = isinstance(field, models.BooleanField)
    moment = isinstance(field, models.DateTimeField)

    def as_text(value: object) -> str:
        kind = type(value)
        if kind is str:
            return value.translate(_COPY_ESCAPES)
        if kind is int:
            return str(value)
        if value is None:
            return r"\N"
        if flag and kind is bool:
            return "t" if value else "f"
        if moment and kind is datetime and value.tzinfo is not None:
            return value.isoformat()
        value = field.get_db_prep_save(value, connection)
        if value is None:
            return r"\N"
        if isinstance(value, str):
            return value.translate(_COPY_ESCAPES)
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, int | float | Decimal):
            return str(value)
        raise TypeError(f"{field} holds a {type(value).__name__}, which insert_new cannot write")

    return as_text
