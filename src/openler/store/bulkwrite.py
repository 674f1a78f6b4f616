"""Many rows written in few statements (roster issuance writes thousands per transaction).

Each value is converted by its column's type, as an ``INSERT`` through SQLAlchemy would
(JSON encoded, datetimes made UTC …), and the rows go to the driver in one call, in the
caller's transaction: ``COPY … FROM STDIN`` on PostgreSQL (psycopg's ``executemany``
sends one ``INSERT`` per row, and multi-row ``VALUES`` statements cost more to build than
to run), one prepared ``INSERT`` stepped per row (``executemany``) on SQLite. Driver
errors are raised as SQLAlchemy raises them for an ``INSERT`` (``IntegrityError`` …).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session


def table_of(model: type[DeclarativeBase]) -> Table:
    return cast(Table, model.__table__)


def write_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    json_text: Collection[str] = (),
) -> None:
    """Insert ``rows`` (dicts of column values, all with the same keys) into ``table``.

    ``json_text`` names JSON columns whose values are given already encoded (a JSON text,
    made where the value was made — a signing worker writes the credential it signed),
    passed on as they are instead of being encoded again."""
    if not rows:
        return
    connection = session.connection()
    names = list(rows[0])
    values = _converted(connection, table, names, rows, set(json_text))
    driver = connection.connection.driver_connection
    assert driver is not None
    failure = connection.dialect.loaded_dbapi.Error
    try:
        if connection.dialect.name == "postgresql":
            _copy(driver, table, names, values)
        else:
            columns = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
            marks = ", ".join("?" for _ in names)
            cursor = driver.cursor()
            try:
                target = connection.dialect.identifier_preparer.format_table(table)
                sql = f"INSERT INTO {target} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
                cursor.executemany(sql, values)
            finally:
                cursor.close()
    except failure as exc:
        raise DBAPIError.instance(f"INSERT INTO {table.name}", None, exc, failure) from exc


def _converted(
    connection: Connection,
    table: Table,
    names: list[str],
    rows: Sequence[dict[str, Any]],
    json_text: set[str],
) -> list[list[Any]]:
    dialect = connection.dialect
    convert: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(names):
        if name in json_text:
            if not isinstance(table.c[name].type, JSON):
                raise TypeError(f"{table.name}.{name} is not a JSON column")
            continue
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            convert.append((position, processor))
    values = [[row[name] for name in names] for row in rows]
    # a chunk's rows share their moments (issued at the chunk's ``now``, valid until the
    # same day): each UTC moment is converted once per column — for ``UTC`` itself, equal
    # moments are the same value (no ``fold`` makes two equal moments differ)
    seen: dict[tuple[int, datetime], Any] = {}
    for row in values:
        for position, process in convert:
            value = row[position]
            if value is None:
                continue
            if type(value) is datetime and value.tzinfo is UTC:
                key = (position, value)
                found = seen.get(key, seen)
                if found is seen:
                    found = seen[key] = process(value)
                row[position] = found
            else:
                row[position] = process(value)
    return values


def _copy(driver: Any, table: Table, names: list[str], values: list[list[Any]]) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)
