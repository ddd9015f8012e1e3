"""Pandas <-> Polars at the IO manager's boundary: a step gets the kind of frame its input asks for.

Both conversions are driven by each column's kind (the catalogue's declared type, or the dtype of a column
the catalogue does not declare), so they give what reading the table back from the warehouse gives:
- pandas made from Polars has exactly read_table's dtypes (object text with None, Int64, float64, boolean,
  date objects, datetime64[ns, Asia/Kolkata]), built by the same function (column_kinds.frame_from_arrow);
- Polars made from pandas has the engine's column types (column_kinds.POLARS_TYPES: String, Int64, Float64,
  Boolean, Date, Datetime("us", "Asia/Kolkata")), built as a Polars read-back is (polars_from_arrow).
Values are kept as they are (blank text stays blank: only the warehouse stores it as NULL).
"""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa

from funnel_assets import catalogue
from funnel_assets.io.warehouse.column_kinds import (
    ARROW_TYPES,
    arrow_strings,
    cast_to_kinds,
    column_kind,
    frame_from_arrow,
    polars_from_arrow,
    polars_typed,
    restore_dtypes,
)

# The warehouse kind (column_kinds.py) of each catalogue type: a catalogue TIMESTAMP is an instant.
DECLARED_KINDS = {
    catalogue.TEXT: "text",
    catalogue.INTEGER: "integer",
    catalogue.FLOAT: "float",
    catalogue.MONEY: "money",
    catalogue.BOOLEAN: "boolean",
    catalogue.DATE: "date",
    catalogue.TIMESTAMP: "timestamptz",
}

Frame = pd.DataFrame | pl.DataFrame


def frame_kinds(table: str, frame: Frame) -> dict[str, str]:
    """Each column's kind: as the catalogue declares it, or by its dtype (a column an open table's source added)."""
    declared = {c.name: DECLARED_KINDS[c.type] for c in catalogue.table(table).columns}
    return {str(c): declared.get(str(c)) or column_kind(frame[c]) for c in frame.columns}


def pandas_from_polars(frame: pl.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """A Polars frame as pandas with the dtypes a read-back of its kinds has."""
    try:
        typed = polars_typed(frame, kinds).to_arrow()
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError):
        # a column Polars cannot cast to its kind's type (a list held as text): pandas' own casts instead
        return restore_dtypes(frame.to_pandas(), kinds)
    return frame_from_arrow({c: typed.column(c).cast(ARROW_TYPES[kind]) for c, kind in kinds.items()}, kinds)


def polars_from_pandas(frame: pd.DataFrame, kinds: dict[str, str], table: str) -> pl.DataFrame:
    """A pandas frame as Polars with the engine's column types for its kinds."""
    # money as plain amounts: a conversion keeps values (a frame held or read back is to the paisa already)
    cast = cast_to_kinds(frame, {c: "float" if kind == "money" else kind for c, kind in kinds.items()}, table)
    # missing values (None, NaN, NaT, NA) become null
    columns = {c: arrow_strings(s) if kinds[c] == "text" else pa.array(s, from_pandas=True) for c, s in cast.items()}
    return polars_from_arrow(columns, kinds)


def as_wanted(frame: Frame, table: str, polars: bool) -> Frame:
    """The frame as the kind a step asks for (Polars when `polars`, else pandas); the same frame when it already is."""
    if isinstance(frame, pl.DataFrame) == polars:
        return frame
    kinds = frame_kinds(table, frame)
    return polars_from_pandas(frame, kinds, table) if polars else pandas_from_polars(frame, kinds)
