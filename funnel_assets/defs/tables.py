"""From the catalogue to Dagster: an asset for a declared table, with its key, group, description
and column schema taken from the one declaration in `funnel_assets/catalogue.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets import catalogue
from funnel_assets.io import files
from funnel_assets.io.sources.csv_reading import set_aside_values
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.warehouse import WarehouseIOManager
from funnel_assets.lib.clock import today
from funnel_assets.lib.columns import MissingColumnsError
from funnel_assets.lib.funnel_mapping import MappingError

KINDS = {"pandas", "sql"}
# a source that is down may be back in a minute; a step retry re-reads this run's landing file
SOURCE_RETRY = dg.RetryPolicy(max_retries=2, delay=30)


class AsOfConfig(dg.Config):
    as_of: str = Field(
        default="",
        description="Count everything before this date (YYYY-MM-DD); empty means today in Asia/Kolkata (D-1).",
    )

    def today(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of.strip() else today()


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


def reconciliation(read: int | pd.DataFrame, rows_loaded: int, **issues: int) -> dict[str, Any]:
    """Every input row accounted for: how many were read, how many landed, and why any was set aside or kept
    with a gap. Issue names are written for a person (`__` becomes `: `, `_` a space); the `reconciliation`
    table collects these from every source. Given the source table as read, the values it set aside (a
    control character in them) are counted too, by column."""
    counted = {name.replace("__", ": ").replace("_", " "): int(n) for name, n in issues.items() if n}
    if isinstance(read, pd.DataFrame):
        for column, n in set_aside_values(read).items():
            counted[f"kept with value empty: control character in {column}"] = n
    rows_read = len(read) if isinstance(read, pd.DataFrame) else read
    return {
        "reconciliation": dg.MetadataValue.json(
            {"rows_read": int(rows_read), "rows_loaded": int(rows_loaded), "issues": counted}
        )
    }


@contextmanager
def readable_failures() -> Iterator[None]:
    """Turn the project's own errors into a Dagster Failure whose description is the message.

    A wrong token, a missing file or a broken mapping fails at once (a step retry would
    only repeat it); a server still down after the HTTP retries may be retried by the
    asset's RetryPolicy.
    """
    try:
        yield
    except SourceError as exc:
        raise dg.Failure(description=str(exc), allow_retries=exc.retryable) from None
    except (MissingColumnsError, MappingError, files.UnsafePathError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


# files downloaded longer ago than this are too old to reuse: start a new run instead
LANDING_FILES_KEPT_FRESH = timedelta(days=1)


def landing_run(context: dg.AssetExecutionContext) -> str:
    """The run whose landing files this step reads: a re-execution of a failed run (from the UI's
    "re-execute from failure") reuses what the original run downloaded; a new run downloads afresh.

    A re-execution of an old run is refused when its downloads are more than a day old, or when a
    newer run has materialised this step's tables since: it would put older data over newer.
    """
    root = context.run.root_run_id
    if not root:
        return context.run.run_id
    original = context.instance.get_run_record_by_id(root)
    started = original.start_time or original.create_timestamp.timestamp() if original else None
    if started is None:
        return root
    age = pd.Timestamp.now(tz="UTC") - pd.Timestamp(started, unit="s", tz="UTC")
    if age > pd.Timedelta(LANDING_FILES_KEPT_FRESH):
        raise dg.Failure(
            description=(
                f"This re-executes run {root}, whose downloads are {age.days} day(s) old: they are not reused. "
                "Launch a new run (Jobs, Launch run) to download the sources afresh."
            ),
            allow_retries=False,
        )
    for key in context.selected_asset_keys:
        latest = context.instance.get_latest_materialization_event(key)
        if latest and latest.run_id not in (root, context.run.run_id) and latest.timestamp > started:
            raise dg.Failure(
                description=(
                    f"{key.to_user_string()} was materialised by a newer run ({latest.run_id}) after run {root} "
                    "started: re-executing that run would replace newer data with its older downloads. Launch a new "
                    "run instead."
                ),
                allow_retries=False,
            )
    return root


def last_good(context: dg.AssetExecutionContext, io_manager: WarehouseIOManager, table: str) -> pd.DataFrame:
    """The other part's table as it last landed, read without waiting on this run's step for it: one part
    never blocks the other. Only a table the catalogue declares among this asset's `last_good_inputs`."""
    declared = {name for key in context.assets_def.keys for name in catalogue.table(key.path[-1]).last_good_inputs}
    if table not in declared:
        raise dg.DagsterInvariantViolationError(
            f"{context.assets_def.keys} reads {table} as last landed without declaring it (catalogue: last_good_inputs)."
        )
    event = context.instance.get_latest_materialization_event(dg.AssetKey(table))
    landed = dg.MetadataValue.timestamp(event.timestamp) if event else "never"
    context.add_output_metadata({f"{table}_landed": landed})
    return io_manager.read_last_good(table)
