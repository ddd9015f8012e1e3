"""What a warehouse database must do: the one interface PostgreSQL and SQLite each implement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class PreparedBatch:
    """One batch of rows cast to its columns' kinds: as Arrow columns, as CSV for COPY (verbatim),
    and as CSV for the export (text made formula-safe; the same bytes when nothing needed it)."""

    arrow: pa.Table
    csv: bytes
    export_csv: bytes = b""


class Backend(Protocol):
    """A database holding the funnel tables; every write replaces a whole table atomically."""

    #: True when the backend loads from the batches' CSV (so it is worth writing once for both)
    loads_csv: bool

    def replace_table(self, table: str, kinds: dict[str, str], batches: Iterator[PreparedBatch]) -> int:
        """Load the batches into a staging table and swap it in, in one transaction; the rows written."""
        ...

    def table_exists(self, table: str) -> bool: ...

    def column_kinds(self, table: str) -> dict[str, str]:
        """Each column's kind, in table order; {} when the table does not exist."""
        ...

    def read_table(self, table: str, kinds: dict[str, str]) -> pd.DataFrame: ...

    def row_count(self, table: str) -> int: ...

    def dispose(self) -> None: ...
