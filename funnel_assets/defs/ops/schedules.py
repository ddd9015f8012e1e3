"""The daily refresh: every morning in Asia/Kolkata, everything complete through yesterday."""

import dagster as dg

from funnel_assets.lib.clock import TIMEZONE


def daily_refresh_schedule(cron: str) -> dg.ScheduleDefinition:
    """`daily_refresh` at `cron` (FUNNEL_DAILY_REFRESH_CRON, default 06:30), Asia/Kolkata."""
    return dg.ScheduleDefinition(
        name="daily_refresh_schedule",
        job_name="daily_refresh",
        # early morning, after midnight's data has settled and before the team opens the dashboard
        cron_schedule=cron,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"daily_refresh at {cron} (cron, Asia/Kolkata; FUNNEL_DAILY_REFRESH_CRON).",
    )
