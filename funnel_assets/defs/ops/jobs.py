"""The jobs: each part alone, the whole daily refresh, and the Zoom drop folder's own job."""

from __future__ import annotations

import dagster as dg

part1_marketing = dg.define_asset_job(
    "part1_marketing",
    selection=dg.AssetSelection.groups("marketing"),
    description="Part 1: marketing leads, Zoom events, spend and attribution.",
)

part2_sales = dg.define_asset_job(
    "part2_sales",
    selection=dg.AssetSelection.groups("sales"),
    description="Part 2: CRM assigned leads and sales.",
)

daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=dg.AssetSelection.all(),
    description="Everything, complete through yesterday (D-1).",
)

zoom_ingest = dg.define_asset_job(
    "zoom_ingest",
    selection=dg.AssetSelection.assets("event_participants", "ingested_files", "bootcamp_attendance"),
    description="The Zoom reports waiting in the drop folder, into event_participants (started by zoom_drop_sensor).",
)
