"""Assembles the project from the settings and the domain folders under `defs/`. Nothing else lives here."""

from __future__ import annotations

import dagster as dg

from funnel_assets.defs.events import assets as events
from funnel_assets.defs.events import sensors as event_sensors
from funnel_assets.defs.marketing import assets as marketing
from funnel_assets.defs.ops import alerts, jobs
from funnel_assets.defs.ops.schedules import daily_refresh_schedule
from funnel_assets.defs.reporting import assets as reporting
from funnel_assets.defs.resources import resources
from funnel_assets.defs.sales import assets as sales
from funnel_assets.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=dg.load_assets_from_modules([marketing, events, sales, reporting]),
        jobs=[jobs.part1_marketing, jobs.part2_sales, jobs.daily_refresh, jobs.zoom_ingest],
        schedules=[daily_refresh_schedule(settings.daily_refresh_cron)],
        sensors=[
            event_sensors.zoom_drop_sensor,
            alerts.run_failure_alert(settings.ui_url),
            alerts.missing_yesterday_alert(settings.ui_url),
        ],
        resources=resources(settings),
        # one process per run: on a 2-core box a process per step (Dagster's default) spends more time
        # starting Python and importing pandas than the steps take; the steps run one after another anyway
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
