"""From the catalogue to Dagster: an asset for a declared table, with its key, group, description
and column schema taken from the one declaration in `funnel_assets/catalogue.py`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import dagster as dg

from funnel_assets import catalogue

KINDS = {"pandas", "sql"}


def column_schema(table: catalogue.Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c.name, type=c.type, description=c.meaning) for c in table.columns]
    )


def table_metadata(table: catalogue.Table) -> dict[str, Any]:
    return {"dagster/column_schema": column_schema(table), "grain": table.grain}


# the daily refresh runs early morning; a day and a few hours later a table it did not rebuild is stale
DAILY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=30), warn_window=timedelta(hours=26))


def table_asset(name: str, **asset_args: Any) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """`@dg.asset` for a table of the catalogue; the function returns the table as a DataFrame."""
    declared = catalogue.table(name)
    if declared.daily_freshness:
        asset_args.setdefault("freshness_policy", DAILY)
    return dg.asset(
        name=name,
        group_name=declared.group,
        description=declared.description,
        kinds=KINDS,
        metadata=table_metadata(declared),
        **asset_args,
    )


def table_out(name: str, **out_args: Any) -> dg.AssetOut:
    """One table of a multi-asset step, described by the catalogue."""
    declared = catalogue.table(name)
    return dg.AssetOut(
        group_name=declared.group,
        description=declared.description,
        kinds=KINDS,
        metadata=table_metadata(declared),
        **out_args,
    )
