"""One part reads the other's table as it last landed, so that a failure in one part never blocks the other."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import polars as pl

from funnel_assets import catalogue
from funnel_assets.io.warehouse import WarehouseIOManager


def last_good(
    context: dg.AssetExecutionContext, io_manager: WarehouseIOManager, table: str, *, polars: bool = False
) -> pd.DataFrame | pl.DataFrame:
    """The other part's table as it last landed, read without waiting on this run's step for it: one part
    never blocks the other. Only a table the catalogue declares among this asset's `last_good_inputs`.
    As a Polars frame when `polars` (for a step whose rule is Polars), pandas otherwise."""
    declared = {name for key in context.assets_def.keys for name in catalogue.table(key.path[-1]).last_good_inputs}
    if table not in declared:
        raise dg.DagsterInvariantViolationError(
            f"{context.assets_def.keys} reads {table} as last landed without declaring it "
            "(catalogue: last_good_inputs)."
        )
    event = context.instance.get_latest_materialization_event(dg.AssetKey(table))
    landed = dg.MetadataValue.timestamp(event.timestamp) if event else "never"
    context.add_asset_metadata({f"{table}_landed": landed})
    return io_manager.read_last_good(table, polars=polars)
