"""A table the catalogue declares, as a Polars frame: its columns in order, each of the engine's type for its
declared type (text String, whole numbers Int64, amounts Float64, instants in Asia/Kolkata to the microsecond)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE

POLARS_TYPES: dict[str, pl.DataType] = {
    catalogue.TEXT: pl.String(),
    catalogue.INTEGER: pl.Int64(),
    catalogue.FLOAT: pl.Float64(),
    catalogue.MONEY: pl.Float64(),
    catalogue.BOOLEAN: pl.Boolean(),
    catalogue.DATE: pl.Date(),
    catalogue.TIMESTAMP: pl.Datetime("us", TIMEZONE),
}


def declared_schema(table: str) -> pl.Schema:
    """The table's columns, in the catalogue's order, with their Polars types."""
    return pl.Schema({c.name: POLARS_TYPES[c.type] for c in catalogue.table(table).columns})


def declared_frame(table: str, rows: Iterable[Mapping[str, Any]] = ()) -> pl.DataFrame:
    """The table from rows (dicts by column name; none gives the empty table), typed as declared."""
    return pl.DataFrame(list(rows), schema=declared_schema(table))
