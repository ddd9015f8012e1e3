"""Which run's landing files a step reads: its own, or on a re-execution those of the run it re-executes."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pandas as pd

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
