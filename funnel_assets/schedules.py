"""The daily refresh: every morning in Asia/Kolkata, everything complete through yesterday."""

import dagster as dg

from funnel_assets.jobs import daily_refresh
from funnel_assets.settings import env

daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_refresh,
    # early morning, after midnight's data has settled and before the team opens the dashboard
    cron_schedule=env("FUNNEL_DAILY_REFRESH_CRON", "30 6 * * *"),
    execution_timezone="Asia/Kolkata",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="daily_refresh at 06:30 Asia/Kolkata (FUNNEL_DAILY_REFRESH_CRON).",
)
