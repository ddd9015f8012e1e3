"""The whole daily refresh through Dagster on the sample data: outputs, checks, reconciliation, exports, schedule."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import pandas as pd
import pytest

from funnel_assets import catalogue
from funnel_assets.defs.ops.schedules import daily_refresh_schedule
from funnel_assets.settings import Settings
from funnel_assets_tests.support.definitions import sample_definitions

OUTPUT_TABLES = {
    "marketing_leads",
    "marketing_spend",
    "spend_by_funnel",
    "event_participants",
    "bootcamp_attendance",
    "ingested_files",
    "lead_touches",
    "lead_first_touch",
    "unmapped_sources",
    "crm_assigned_leads",
    "assigned_leads_monthly",
    "sales",
    "sales_to_map",
    "funnel_people",
    "funnel_metrics_monthly",
    "funnel_stages_monthly",
    "reconciliation",
    "sales_performance_monthly",
    "funnel_cohorts",
}


@pytest.fixture
def refreshed(tmp_path, warehouse):
    result = (
        sample_definitions(tmp_path, warehouse)
        .resolve_job_def("daily_refresh")
        .execute_in_process(instance=dg.DagsterInstance.ephemeral())
    )
    assert result.success
    return result, warehouse


def test_every_output_table_lands_and_is_exported(refreshed, tmp_path):
    _, warehouse = refreshed
    assert {t.name for t in catalogue.TABLES} == OUTPUT_TABLES
    for table in OUTPUT_TABLES:
        assert warehouse.table_exists(table), table
    assert {p.stem for p in (tmp_path / "exports").glob("*.csv")} == OUTPUT_TABLES
    assert warehouse.row_count("funnel_metrics_monthly") > 0 and warehouse.row_count("funnel_people") > 0


def test_the_grain_and_phone_checks_pass_on_the_sample(refreshed):
    result, _ = refreshed
    evaluations = [
        e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert len(evaluations) == len(
        [spec for asset in result.job_def.asset_layer.asset_graph.assets_defs for spec in asset.check_specs]
    )
    failed_errors = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed_errors == []
    stale = {
        e.asset_key.to_user_string() for e in evaluations if e.check_name == "has_yesterdays_data" and not e.passed
    }
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
    schedule = daily_refresh_schedule(Settings.from_env({}).daily_refresh_cron)
    assert schedule.cron_schedule == "30 6 * * *"
    assert schedule.execution_timezone == "Asia/Kolkata"
    context = dg.build_schedule_context(scheduled_execution_time=datetime.fromisoformat("2026-03-10T06:30:00+05:30"))
    requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert len(requests) == 1 and schedule.job_name == "daily_refresh"


def test_a_step_run_alone_reads_its_inputs_back_and_writes_the_same_table(refreshed, tmp_path):
    """Within a run the tables pass in memory; one asset materialised alone reads them back from the
    warehouse, and gets the same answer."""
    _, warehouse = refreshed
    before = {t: warehouse.read_table(t) for t in ("funnel_metrics_monthly", "funnel_people", "unmapped_sources")}
    definitions = sample_definitions(tmp_path, warehouse)
    for table, expected in before.items():
        job = dg.define_asset_job(f"only_{table}", selection=[table]).resolve(
            asset_graph=definitions.resolve_asset_graph()
        )
        result = job.execute_in_process(resources=definitions.resources, instance=dg.DagsterInstance.ephemeral())
        assert result.success
        loaded = {e.event_specific_data.input_name for e in result.all_events if e.event_type_value == "LOADED_INPUT"}
        assert loaded, table
        pd.testing.assert_frame_equal(warehouse.read_table(table), expected)


def test_unmapped_sources_lists_every_mapped_input_and_is_the_same_on_a_second_run(refreshed, tmp_path):
    _, warehouse = refreshed
    first = warehouse.read_table("unmapped_sources")
    assert set(first["seen_in"]) == {"marketing_leads", "crm_assigned_leads", "sales"}
    assert not first.duplicated(["source", "seen_in"]).any()
    again = (
        sample_definitions(tmp_path, warehouse)
        .resolve_job_def("daily_refresh")
        .execute_in_process(instance=dg.DagsterInstance.ephemeral())
    )
    assert again.success
    pd.testing.assert_frame_equal(warehouse.read_table("unmapped_sources"), first)


def test_previews_in_the_event_log_show_no_emails_or_phones(refreshed):
    result, warehouse = refreshed
    leads = warehouse.read_table("marketing_leads")
    # names are masked too, but a lead may share a name with a sales person (shown as staff)
    secrets = set(leads["email"].dropna().head(50)) | set(leads["phone"].dropna().head(50))
    previews = [
        e.materialization.metadata["preview"].value
        for e in result.get_asset_materialization_events()
        if "preview" in e.materialization.metadata
    ]
    assert len(previews) >= len(OUTPUT_TABLES) - 1
    leaked = {s for s in secrets for text in previews if s in text}
    assert not leaked, sorted(leaked)[:5]


def test_all_five_event_platforms_land_and_reach_the_reporting_tables(refreshed, tmp_path):
    """The sample drop folder holds Zoom reports, a Teams and a Meet attendance report, a declared form's responses
    and a filled event template: every one is loaded, and their people count downstream like Zoom's."""
    _, warehouse = refreshed
    participants = warehouse.read_table("event_participants")
    by_platform = participants.groupby("platform").agg(attended=("attended", "sum"), registered=("registered", "sum"))
    assert set(by_platform.index) == {"zoom", "teams", "meet", "form", "manual"}
    assert by_platform.loc["teams", "attended"] > 0 and by_platform.loc["meet", "attended"] > 0
    assert by_platform.loc["form", "registered"] > 0 and by_platform.loc["form", "attended"] == 0
    assert by_platform.loc["manual", "attended"] > 0
    assert set(participants.loc[participants["platform"].eq("form"), "event_type"]) == {"bootcamp"}  # as declared
    ledger = warehouse.read_table("ingested_files")
    assert set(ledger["status"]) == {"loaded"}, ledger.loc[ledger["status"].ne("loaded"), ["file_name", "error"]]
    # the people of other platforms are touches of their own: first touch and the funnel's attendees see them
    touches = warehouse.read_table("lead_touches")
    for platform in ("teams", "meet", "form", "manual"):
        sessions = set(participants.loc[participants["platform"].eq(platform), "event_id"])
        assert touches["event_id"].isin(sessions).any(), f"no touch from the {platform} session"
    teams_phones = set(
        participants.loc[participants["platform"].eq("teams") & participants["attended"], "phone"].dropna()
    )
    people = warehouse.read_table("funnel_people")
    if teams_phones:
        assert people.loc[people["phone"].isin(teams_phones), "attended"].all()
