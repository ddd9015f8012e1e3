"""From the catalogue to Dagster: an asset for a declared table, with its key, group, description,
column schema and checks taken from the one declaration in `funnel_assets/catalogue.py`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

import dagster as dg

from funnel_assets import catalogue
from funnel_assets.defs.checks import check_specs, results_after_write
from funnel_assets.io.warehouse.io_manager import READS_COLUMNS

# the frame library a table's step computes it with (shown in the UI), and where it lands
POLARS, PANDAS = "polars", "pandas"


def kinds(engine: str) -> set[str]:
    return {engine, "sql"}


def column_schema(table: catalogue.Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c.name, type=c.type, description=c.meaning) for c in table.columns]
    )


def table_metadata(table: catalogue.Table) -> dict[str, Any]:
    return {"dagster/column_schema": column_schema(table), "grain": table.grain}


# the daily refresh runs early morning; a day and a few hours later a table it did not rebuild is stale
DAILY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=30), warn_window=timedelta(hours=26))


def table_asset(
    name: str, *, engine: str = POLARS, **asset_args: Any
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """`@dg.asset` for a table of the catalogue; the function returns the table as a DataFrame.

    The table's checks run in the same step, on the returned frame, once the IO manager has written it."""
    declared = catalogue.table(name)
    if declared.daily_freshness:
        asset_args.setdefault("freshness_policy", DAILY)

    def decorate(compute: Callable[..., Any]) -> dg.AssetsDefinition:
        # the signature Dagster reads (inputs, resources, context) is `compute`'s, through functools.wraps
        @functools.wraps(compute)
        def compute_write_and_check(*args: Any, **kwargs: Any) -> Iterator[Any]:
            frame = compute(*args, **kwargs)
            # Dagster hands the output to the IO manager before this generator resumes: the checks see
            # the table as written, and what the write recorded (its export)
            yield dg.Output(frame)
            yield from results_after_write(declared, frame, dg.AssetExecutionContext.get())

        return dg.asset(
            name=name,
            group_name=declared.group,
            description=declared.description,
            kinds=kinds(engine),
            metadata=table_metadata(declared),
            check_specs=check_specs(declared),
            **asset_args,
        )(compute_write_and_check)

    return decorate


def reads_columns(**tables: Iterable[str]) -> dict[str, dg.AssetIn]:
    """Inputs (`ins=`) that take only these columns of their tables (those a table has): the warehouse IO manager
    then holds no more of a wide table than the steps still to read it take, and reads no more back."""
    return {name: dg.AssetIn(metadata={READS_COLUMNS: sorted(columns)}) for name, columns in tables.items()}


def table_out(name: str, *, engine: str = POLARS, **out_args: Any) -> dg.AssetOut:
    """One table of a multi-asset step, described by the catalogue."""
    declared = catalogue.table(name)
    return dg.AssetOut(
        group_name=declared.group,
        description=declared.description,
        kinds=kinds(engine),
        metadata=table_metadata(declared),
        **out_args,
    )
