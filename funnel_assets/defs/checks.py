"""Asset checks, from each table's declaration in the catalogue: is each output table what a BI
user can trust this morning?

ERROR checks guard the grain and the phone key the BI tool relies on; WARN checks flag what a
person should look at (a stale source, many Miscellaneous rows, a table that shrank). The checks
run inside their table's own step, on the frame the step has just written (defs/table_assets.py):
no extra step, no second read of the table.
"""

from collections.abc import Iterator
from datetime import timedelta

import dagster as dg
import pandas as pd
import polars as pl

from funnel_assets import catalogue
from funnel_assets.io.warehouse.io_manager import EXPORT_PATH, EXPORT_PROBLEM
from funnel_assets.lib.clock import today
from funnel_assets.lib.quality import malformed_phones, miscellaneous_share, negative_values, newest_day, repeated_keys

WARN = dg.AssetCheckSeverity.WARN
STALE_CHECK = "has_yesterdays_data"
EXPORT_CHECK = "exported"


def _grain_name(table: catalogue.Table) -> str:
    return f"one_row_per_{'_'.join(table.key)}"


def check_specs(table: catalogue.Table) -> list[dg.AssetCheckSpec]:
    asset = table.name
    specs = []
    if table.key:
        specs.append(
            dg.AssetCheckSpec(
                _grain_name(table), asset=asset, description=f"No two rows of {asset} share {', '.join(table.key)}."
            )
        )
    if table.phone:
        specs.append(
            dg.AssetCheckSpec(
                "phone_keys_well_formed", asset=asset, description="Every phone is exactly 10 digits, or empty."
            )
        )
    for column in table.non_negative:
        specs.append(
            dg.AssetCheckSpec(f"{column}_not_negative", asset=asset, description=f"No row has a negative {column}.")
        )
    if table.funnel_column:
        specs.append(
            dg.AssetCheckSpec(
                "miscellaneous_share",
                asset=asset,
                description=(
                    "The share of rows in Other Sources (Miscellaneous) stays under FUNNEL_MAX_MISCELLANEOUS_SHARE "
                    "(default 25%); above it, the monthly mapping is due (see unmapped_sources / sales_to_map)."
                ),
            )
        )
    if table.fresh_column:
        specs.append(
            dg.AssetCheckSpec(
                STALE_CHECK,
                asset=asset,
                description=(
                    f"The newest {table.fresh_column} is from yesterday (Asia/Kolkata) or later: "
                    "the source sent yesterday's rows."
                ),
            )
        )
    if table.shrink_check:
        specs.append(
            dg.AssetCheckSpec(
                "did_not_shrink_sharply",
                asset=asset,
                description="The table has at least half the rows of its previous materialisation.",
            )
        )
    specs.append(
        dg.AssetCheckSpec(
            EXPORT_CHECK,
            asset=asset,
            description=(
                f"With exports on (FUNNEL_EXPORT_DIR), {asset}.csv was written with the table. "
                "The table lands in the warehouse even when its export cannot be written; "
                "this check then fails, saying which file and why."
            ),
        )
    )
    return specs


def _export_of_latest(context: dg.AssetExecutionContext, asset: str) -> tuple[str | None, str | None]:
    """(export path, why it was not written) of the table's latest materialisation; (None, None) with exports off."""
    records = context.instance.fetch_materializations(dg.AssetKey(asset), limit=1).records
    metadata = records[0].asset_materialization.metadata if records and records[0].asset_materialization else {}
    path, problem = metadata.get(EXPORT_PATH), metadata.get(EXPORT_PROBLEM)
    return (str(path.value) if path else None), (str(problem.value) if problem and problem.value else None)


def export_result(asset: str, path: str | None, problem: str | None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=EXPORT_CHECK,
        passed=problem is None,
        description=problem,
        metadata={"export": path or "exports are off"},
    )


def _previous_row_count(context: dg.AssetExecutionContext, asset: str) -> int | None:
    records = context.instance.fetch_materializations(dg.AssetKey(asset), limit=2).records
    counts = [r.asset_materialization.metadata.get("dagster/row_count") for r in records if r.asset_materialization]
    return int(counts[1].value) if len(counts) > 1 and counts[1] is not None else None


def checked_columns(table: catalogue.Table) -> list[str]:
    """The columns the table's checks look at."""
    columns = [*table.key, *(["phone"] if table.phone else []), *table.non_negative]
    columns += [c for c in (table.funnel_column, table.fresh_column) if c]
    return list(dict.fromkeys(columns))


def evaluate(
    table: catalogue.Table,
    frame: pl.DataFrame | pd.DataFrame,
    max_miscellaneous_share: float,
    previous_rows: int | None,
) -> Iterator[dg.AssetCheckResult]:
    """Every check the table's declaration asks for, on the table as written."""
    asset = table.name
    rows = len(frame)
    if isinstance(frame, pd.DataFrame):  # a step whose rule is still pandas: only the checked columns are converted
        frame = pl.from_pandas(frame[checked_columns(table)])
    if table.key:
        repeated = repeated_keys(frame, table.key)
        yield dg.AssetCheckResult(
            asset_key=asset, check_name=_grain_name(table), passed=repeated == 0, metadata={"repeated_keys": repeated}
        )
    if table.phone:
        malformed = malformed_phones(frame["phone"])
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name="phone_keys_well_formed",
            passed=malformed == 0,
            metadata={"malformed_phones": malformed},
        )
    for column in table.non_negative:
        negative = negative_values(frame[column])
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name=f"{column}_not_negative",
            passed=negative == 0,
            metadata={f"negative_{column}_rows": negative},
        )
    if table.funnel_column:
        misc, share = miscellaneous_share(frame[table.funnel_column])
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name="miscellaneous_share",
            passed=share <= max_miscellaneous_share,
            severity=WARN,
            metadata={"miscellaneous_rows": misc, "share": round(share, 4), "limit": max_miscellaneous_share},
        )
    if table.fresh_column:
        newest = newest_day(frame[table.fresh_column])
        yesterday = today() - timedelta(days=1)
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name=STALE_CHECK,
            passed=newest is not None and newest >= yesterday,
            severity=WARN,
            metadata={"newest": str(newest), "expected_at_least": str(yesterday)},
        )
    if table.shrink_check:
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name="did_not_shrink_sharply",
            passed=previous_rows is None or rows >= 0.5 * previous_rows,
            severity=WARN,
            metadata={"rows": rows, "previous_rows": previous_rows or 0},
        )


def results_after_write(
    table: catalogue.Table, frame: pl.DataFrame | pd.DataFrame, context: dg.AssetExecutionContext
) -> Iterator[dg.AssetCheckResult]:
    """The table's checks, run in its own step once the IO manager has written `frame`."""
    # the warehouse's setting; an IO manager that has none (a test's in-memory one) gets the default
    limit = getattr(context.resources.io_manager, "max_miscellaneous_share", catalogue.DEFAULT_MAX_MISCELLANEOUS_SHARE)
    previous = _previous_row_count(context, table.name) if table.shrink_check else None
    yield from evaluate(table, frame, limit, previous)
    yield export_result(table.name, *_export_of_latest(context, table.name))
