"""The whole daily refresh through Dagster on the sample data: outputs, checks, reconciliation, exports, schedule."""

from __future__ import annotations

import shutil
from datetime import datetime

import dagster as dg
import pytest

from funnel_assets.assets import marketing, reporting, sales, zoom
from funnel_assets.checks import ASSET_CHECKS
from funnel_assets.jobs import daily_refresh
from funnel_assets.resources.drop_folder import ZoomDropFolder
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.sheets_export import SheetsExport
from funnel_assets.resources.sources import CrmApi, TabularSource
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.schedules import daily_refresh_schedule
from funnel_assets.settings import PROJECT_ROOT, SAMPLE_DATA_DIR

OUTPUT_TABLES = {
    "marketing_leads", "marketing_spend", "spend_by_funnel", "event_participants", "bootcamp_attendance", "ingested_files",
    "lead_touches", "lead_first_touch", "unmapped_sources", "crm_assigned_leads", "assigned_leads_monthly", "sales",
    "sales_to_map", "funnel_people", "funnel_metrics_monthly", "funnel_stages_monthly", "reconciliation",
}  # fmt: skip


def sample_definitions(tmp_path, warehouse: Warehouse) -> dg.Definitions:
    drop = tmp_path / "zoom_drop"
    drop.mkdir()
    for report in (SAMPLE_DATA_DIR / "zoom").glob("*.csv"):
        shutil.copy2(report, drop / report.name)
    return dg.Definitions(
        assets=dg.load_assets_from_modules([marketing, zoom, sales, reporting]),
        asset_checks=ASSET_CHECKS,
        jobs=[daily_refresh],
        resources={
            "warehouse": Warehouse(url=warehouse.url, schema_name=warehouse.schema_name, export_dir=str(tmp_path / "exports")),
            "mappings": Mappings(directory=str(PROJECT_ROOT / "mappings")),
            "zoom_drop": ZoomDropFolder(directory=str(drop)),
            "leads_source": TabularSource(location=str(SAMPLE_DATA_DIR / "leads.csv")),
            "spend_source": TabularSource(location=str(SAMPLE_DATA_DIR / "spend.csv")),
            "sheets_export": SheetsExport(),  # off
            "crm": CrmApi(
                assigned_leads_url=str(SAMPLE_DATA_DIR / "crm" / "assigned_leads.csv"),
                sales_url=str(SAMPLE_DATA_DIR / "crm" / "sales.csv"),
            ),
        },
    )


@pytest.fixture
def refreshed(tmp_path, warehouse):
    result = sample_definitions(tmp_path, warehouse).resolve_job_def("daily_refresh").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    return result, warehouse


def test_every_output_table_lands_and_is_exported(refreshed, tmp_path):
    _, warehouse = refreshed
    for table in OUTPUT_TABLES:
        assert warehouse.table_exists(table), table
    assert {p.stem for p in (tmp_path / "exports").glob("*.csv")} == OUTPUT_TABLES
    assert warehouse.row_count("funnel_metrics_monthly") > 0 and warehouse.row_count("funnel_people") > 0


def test_the_grain_and_phone_checks_pass_on_the_sample(refreshed):
    result, _ = refreshed
    evaluations = [e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert len(evaluations) == len([key for check in ASSET_CHECKS for key in check.check_keys])
    failed_errors = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed_errors == []
    stale = {e.asset_key.to_user_string() for e in evaluations if e.check_name == "has_yesterdays_data" and not e.passed}
    assert "marketing_leads" in stale, "the sample data ends in 2025: yesterday's data is missing, and said so"


def test_every_source_is_reconciled_and_the_funnel_shows_at_a_glance(refreshed):
    result, warehouse = refreshed
    table = warehouse.read_table("reconciliation")
    assert set(table["source"]) == {"lead sheet", "spend sheet", "Zoom reports", "CRM assigned leads", "CRM sales"}
    leads = table[table["source"].eq("lead sheet")]
    assert (leads["rows_read"] == 300).all() and (leads["rows_loaded"] == 300).all()
    assert "kept with phone empty: no phone given" in set(leads["reason"])
    metrics_event = next(
        e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "funnel_metrics_monthly"
    )
    glance = metrics_event.materialization.metadata["funnel_at_a_glance"].value
    assert "| leads |" in glance and "| conversions |" in glance


def test_the_schedule_runs_daily_refresh_early_morning_in_india():
    assert daily_refresh_schedule.cron_schedule == "30 6 * * *"
    assert daily_refresh_schedule.execution_timezone == "Asia/Kolkata"
    context = dg.build_schedule_context(scheduled_execution_time=datetime.fromisoformat("2026-03-10T06:30:00+05:30"))
    requests = list(daily_refresh_schedule.evaluate_tick(context).run_requests or [])
    assert len(requests) == 1 and daily_refresh_schedule.job_name == "daily_refresh"
