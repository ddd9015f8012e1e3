"""What a warehouse database must do: the one interface PostgreSQL and SQLite each implement."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd
import polars as pl
import pyarrow as pa

# The SQL type of each column kind (PostgreSQL's; SQLite keeps whatever it is given, and takes DOUBLE).
SQL_TYPES = {
    "text": "TEXT",
    "integer": "BIGINT",
    "float": "DOUBLE PRECISION",
    "money": "NUMERIC(14,2)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamptz": "TIMESTAMPTZ",
}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class Described:
    """What a table's declaration adds to its frame: the table's and each column's meaning (PostgreSQL
    comments, which BI tools show), and each declared column's kind (column_kinds.py), which the column is
    written as and its values must fit (a column not in `kinds` is typed by its dtype)."""

    comment: str = ""
    column_comments: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedBatch:
    """One batch of rows cast to its columns' kinds: how many, as the database loads them (CSV for
    PostgreSQL's COPY, rows for SQLite; values verbatim), and as CSV for the export (text made
    formula-safe)."""

    rows: int
    load: bytes | list[tuple]
    export_csv: bytes = b""


class Backend(Protocol):
    """A database holding the funnel tables; every write replaces a whole table atomically."""

    def prepare_load(self, arrow: pa.Table, kinds: dict[str, str]) -> bytes | list[tuple]:
        """A batch as replace_table loads it; called on the thread that prepares the next batch
        while the database loads this one."""
        ...

    def prepare_polars_load(self, batch: pl.DataFrame, kinds: dict[str, str]) -> bytes | list[tuple]:
        """A Polars batch spelt as the warehouse takes it (column_kinds.polars_batch) as replace_table loads it,
        by the cheapest path the database has; called on the same thread as prepare_load."""
        ...

    def replace_table(
        self, table: str, kinds: dict[str, str], batches: Iterator[PreparedBatch], comments: Described | None = None
    ) -> int:
        """Load the batches into a staging table and swap it in, in one transaction, with the table's and its
        columns' comments where the database keeps them; the rows written."""
        ...

    def table_exists(self, table: str) -> bool: ...

    def column_kinds(self, table: str) -> dict[str, str]:
        """Each column's kind, in table order; {} when the table does not exist."""
        ...

    def read_table(self, table: str, kinds: dict[str, str], *, polars: bool = False) -> pd.DataFrame | pl.DataFrame:
        """The table's columns of `kinds`, restored to their dtypes (column_kinds.frame_from_arrow), or as Polars
        with the engine's types (column_kinds.polars_from_arrow) when `polars`."""
        ...

    def row_count(self, table: str) -> int: ...

    def dispose(self) -> None: ...
