"""Tables moved column by column between the database and pandas, for the few large reads and writes.

A 50,000-row frame read as SQLAlchemy rows and handed to pandas as row tuples costs a `Row` object per
row, a type conversion per value and a per-row dtype guess; written as row dicts it costs a dict per
row and a bind conversion per value. Both ends here work a column at a time: on SQLite the driver's
plain tuples, each column through its type's own processor once (the conversion SQLAlchemy would have
applied value by value, so every value read or stored is the same), and a DataFrame built from one
list per column (the dtypes pandas infers from row tuples, tested). Other databases return native
types, so the statement runs through SQLAlchemy there; only the DataFrame is built by columns.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, Table, insert


def read_columns(connection: Connection, statement: Select) -> dict[str, list[Any]]:
    """The result of `statement`, one list per selected column (keyed by label), values as SQLAlchemy
    would return them."""
    keys = list(statement.selected_columns.keys())
    if connection.dialect.name != "sqlite":
        rows = connection.execute(statement).all()
        return dict(zip(keys, _transposed(rows, len(keys)), strict=True))
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect)
    params = compiled.construct_params()
    arguments = []
    for name in compiled.positiontup or ():
        process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        arguments.append(params[name] if process is None else process(params[name]))
    cursor = connection.exec_driver_sql(compiled.string, tuple(arguments))
    rows = cursor.fetchall()
    out: dict[str, list[Any]] = {}
    for key, column, values in zip(
        keys, statement.selected_columns, _transposed(rows, len(keys)), strict=True
    ):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        out[key] = values if process is None else [process(v) for v in values]
    return out


def frame_of(columns: dict[str, list[Any]]) -> pd.DataFrame:
    """A DataFrame of `read_columns`' result, equal (dtypes included) to
    `pd.DataFrame(rows, columns=keys)` of the same rows as tuples."""
    if not columns or not len(next(iter(columns.values()))):
        return pd.DataFrame([], columns=list(columns))  # no rows: object columns, as from no tuples
    return pd.DataFrame(columns)


def read_frame(connection: Connection, statement: Select) -> pd.DataFrame:
    """`statement`'s result as a DataFrame, built column by column."""
    return frame_of(read_columns(connection, statement))


def insert_columns(connection: Connection, table: Table, columns: dict[str, list[Any]]) -> None:
    """INSERT into `table` one row per position of `columns` (equal-length lists keyed by column name).

    On SQLite each column goes through its type's bind processor once (dates to text, bytes to blobs:
    what SQLAlchemy applies row by row) and the driver's executemany takes plain tuples; elsewhere the
    rows go to SQLAlchemy's executemany, which batches them for the server."""
    keys = list(columns)
    rows = zip(*columns.values(), strict=True)
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    dialect = connection.dialect
    statement = insert(table).compile(dialect=dialect, column_keys=keys)
    values = []
    for key in statement.positiontup or ():
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        values.append(columns[key] if process is None else [process(v) for v in columns[key]])
    connection.exec_driver_sql(statement.string, list(zip(*values, strict=True)))


def _transposed(rows: list[Any], width: int) -> list[list[Any]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(values) for values in zip(*rows, strict=True)]
