"""Assembles the project: assets, resources and jobs. Nothing else lives here."""

from __future__ import annotations

import os

import dagster as dg

from funnel_assets.alerts import alert_on_missing_yesterday, alert_on_run_failure
from funnel_assets.assets import marketing, reporting, sales, zoom
from funnel_assets.checks import ASSET_CHECKS
from funnel_assets.jobs import daily_refresh, part1_marketing, part2_sales, zoom_ingest
from funnel_assets.resources.drop_folder import ZoomDropFolder
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.sheets_export import SheetsExport
from funnel_assets.resources.sources import CrmApi, TabularSource
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.schedules import daily_refresh_schedule
from funnel_assets.sensors import zoom_drop_sensor
from funnel_assets.settings import SAMPLE_DATA_DIR, data_dir, default_warehouse_url, mappings_dir, zoom_drop_dir


def from_env(name: str, default: str | None) -> str | dg.EnvVar | None:
    """The variable when it is set (read at run time, never shown in the UI), else the demo default."""
    return dg.EnvVar(name) if os.environ.get(name, "").strip() else default


def build_resources() -> dict[str, dg.ConfigurableResource]:
    google_account = from_env("GOOGLE_SERVICE_ACCOUNT_FILE", None)
    return {
        "warehouse": Warehouse(
            url=from_env("FUNNEL_WAREHOUSE_URL", default_warehouse_url()),
            export_dir=from_env("FUNNEL_EXPORT_DIR", str(data_dir() / "exports")),
        ),
        "mappings": Mappings(directory=from_env("FUNNEL_MAPPINGS_DIR", str(mappings_dir()))),
        "zoom_drop": ZoomDropFolder(directory=from_env("FUNNEL_ZOOM_DROP_DIR", str(zoom_drop_dir()))),
        "leads_source": TabularSource(
            location=from_env("FUNNEL_LEADS_SOURCE", str(SAMPLE_DATA_DIR / "leads.csv")),
            google_service_account_file=google_account,
        ),
        "spend_source": TabularSource(
            location=from_env("FUNNEL_SPEND_SOURCE", str(SAMPLE_DATA_DIR / "spend.csv")),
            google_service_account_file=google_account,
        ),
        "sheets_export": SheetsExport(
            spreadsheet=from_env("FUNNEL_EXPORT_SHEET", ""), google_service_account_file=google_account
        ),
        "crm": CrmApi(
            assigned_leads_url=from_env("CRM_ASSIGNED_LEADS_URL", str(SAMPLE_DATA_DIR / "crm" / "assigned_leads.csv")),
            sales_url=from_env("CRM_SALES_URL", str(SAMPLE_DATA_DIR / "crm" / "sales.csv")),
            token=from_env("CRM_API_TOKEN", None),
            token_query_parameter=from_env("CRM_API_TOKEN_QUERY_PARAMETER", None),
            min_rows_ratio=float(os.environ.get("CRM_MIN_ROWS_RATIO", "").strip() or 0.5),
        ),
    }


defs = dg.Definitions(
    assets=dg.load_assets_from_modules([marketing, zoom, sales, reporting]),
    resources=build_resources(),
    jobs=[part1_marketing, part2_sales, daily_refresh, zoom_ingest],
    asset_checks=ASSET_CHECKS,
    schedules=[daily_refresh_schedule],
    sensors=[zoom_drop_sensor, alert_on_run_failure, alert_on_missing_yesterday],
    # one process per run: on a 2-core box a process per step (Dagster's default) spends more time
    # starting Python and importing pandas than the steps take; the steps run one after another anyway
    executor=dg.in_process_executor,
)
