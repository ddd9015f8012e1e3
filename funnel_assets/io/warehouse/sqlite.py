"""SQLite (the embedded default): one file, written in one transaction per table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine

from funnel_assets.io import files
from funnel_assets.io.warehouse.backend import SQL_TYPES, Described, PreparedBatch, quote
from funnel_assets.io.warehouse.column_kinds import (
    ARROW_TYPES,
    declared_type_kind,
    frame_from_arrow,
    polars_arrow,
    polars_from_arrow,
    restore_dtypes,
)
from funnel_assets.io.warehouse.frame_conversion import polars_from_pandas

# Declared types; SQLite keeps them verbatim, and they are read back to restore each column's dtype. Money's
# NUMERIC(14,2) gives the column numeric affinity: amounts are stored as numbers, rounded to paise when written.
SQLITE_TYPES = {**SQL_TYPES, "float": "DOUBLE"}


def _rows(table: pa.Table, kinds: dict[str, str]) -> list[tuple]:
    """Rows as Python values sqlite3 stores: ISO text for dates and times, 0/1 for booleans, money as numbers."""
    cast_to = {"date": pa.string(), "money": pa.float64()}
    columns = [
        column.cast(cast_to[kind]) if kind in cast_to else column
        for column, kind in zip(table.columns, kinds.values(), strict=False)
    ]
    return list(zip(*(column.to_pylist() for column in columns), strict=False))


def _column(values: tuple, kind: str) -> pa.ChunkedArray | pa.Array:
    """One column as sqlite3 returns it (text for dates and times, 0/1 for booleans) in its Arrow type."""
    if kind == "boolean":
        return pa.array(values, type=pa.int64()).cast(pa.bool_())
    if kind in ("date", "timestamp", "timestamptz"):
        # ISO text, an offset on zoned times: Arrow reads a million in a few hundredths of a second
        return pa.array(values, type=pa.string()).cast(ARROW_TYPES[kind])
    return pa.array(values, type=ARROW_TYPES[kind])


class SqliteBackend:
    def __init__(self, url: URL) -> None:
        if url.database and url.database != ":memory:":
            database = Path(url.database)
            files.make_folder(database.parent)
            # SQLite opens its files by name and would follow a link there: refused, as every write is
            for suffix in ("", "-wal", "-shm", "-journal"):
                files.refuse_link(database.with_name(database.name + suffix))
        self.engine: Engine = create_engine(url, connect_args={"timeout": 60})
        with closing(self.engine.raw_connection()) as conn:
            # WAL lets BI readers keep reading while a table is swapped
            conn.execute("PRAGMA journal_mode=WAL")

    def prepare_load(self, arrow: pa.Table, kinds: dict[str, str]) -> list[tuple]:
        return _rows(arrow, kinds)

    def prepare_polars_load(self, batch: pl.DataFrame, kinds: dict[str, str]) -> list[tuple]:
        """The rows through Arrow (to_arrow), as a pandas batch's are: sqlite3 takes Python values either way."""
        return _rows(polars_arrow(batch, kinds), kinds)

    def replace_table(
        self, table: str, kinds: dict[str, str], batches: Iterator[PreparedBatch], comments: Described | None = None
    ) -> int:
        """As the Backend says; SQLite keeps no comments, so `comments` is not stored."""
        staging = f"_stage_{table}_{uuid.uuid4().hex[:8]}"
        columns = ", ".join(f"{quote(c)} {SQLITE_TYPES[k]}" for c, k in kinds.items())
        insert_sql = f"INSERT INTO {quote(staging)} VALUES ({', '.join('?' for _ in kinds)})"
        rows = 0
        with closing(self.engine.raw_connection()) as conn:
            raw = conn.driver_connection
            previous_isolation = raw.isolation_level
            raw.isolation_level = None  # manage the transaction explicitly: DDL included
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute(f"CREATE TABLE {quote(staging)} ({columns})")
                for batch in batches:
                    raw.executemany(insert_sql, batch.load)
                    rows += batch.rows
                raw.execute(f"DROP TABLE IF EXISTS {quote(table)}")
                raw.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(table)}")
                raw.execute("COMMIT")
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raise
            finally:
                raw.isolation_level = previous_isolation
        return rows

    def table_exists(self, table: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).first()
        return found is not None

    def column_kinds(self, table: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(f"PRAGMA table_info({quote(table)})").all()
        return {row[1]: declared_type_kind(row[2]) for row in rows}

    def read_table(self, table: str, kinds: dict[str, str], *, polars: bool = False) -> pd.DataFrame | pl.DataFrame:
        select = ", ".join(quote(c) for c in kinds)
        with closing(self.engine.raw_connection()) as conn:
            rows = conn.cursor().execute(f"SELECT {select} FROM {quote(table)}").fetchall()
        values = list(zip(*rows, strict=False)) if rows else [()] * len(kinds)
        try:
            columns = {c: _column(v, kind) for (c, kind), v in zip(kinds.items(), values, strict=False)}
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # a value another program stored in a shape of its own: pandas reads it more forgivingly
            frame = restore_dtypes(
                pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in zip(kinds, values, strict=False)}), kinds
            )
            return polars_from_pandas(frame, kinds, table) if polars else frame
        return polars_from_arrow(columns, kinds) if polars else frame_from_arrow(columns, kinds)

    def row_count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {quote(table)}").scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()
