"""A failure in one part never blocks the other, within one run of daily_refresh; a full rebuild
from a source that came back empty or far smaller is refused and the last good table stays."""

from __future__ import annotations

import dagster as dg
import pytest

from funnel_assets.defs.last_good import last_good
from funnel_assets_tests.support.definitions import sample_definitions

PART2_TABLES = ("crm_assigned_leads", "assigned_leads_monthly", "sales", "sales_to_map")
PART1_TABLES = ("marketing_leads", "marketing_spend", "spend_by_funnel", "event_participants", "lead_first_touch")


def daily_refresh(tmp_path, warehouse, **environ) -> dg.ExecuteInProcessResult:
    job = sample_definitions(tmp_path, warehouse, **environ).resolve_job_def("daily_refresh")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {e.step_key: e.step_failure_data.error.message for e in result.all_events if e.is_step_failure}


def landed(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_an_empty_drop_folder_is_refused_and_part_2_still_lands_with_the_last_good_attendance(tmp_path, warehouse):
    assert daily_refresh(tmp_path, warehouse).success
    participants = warehouse.read_table("event_participants")
    attended_before = warehouse.read_table("assigned_leads_monthly")["attended"].sum()
    assert attended_before > 0

    empty = tmp_path / "share_not_mounted"
    empty.mkdir()
    result = daily_refresh(tmp_path, warehouse, FUNNEL_ZOOM_DROP_DIR=str(empty))
    assert not result.success
    message = failures(result)["zoom_reports"]
    assert "Zoom reports" in message and "FUNNEL_ZOOM_DROP_DIR" in message and "FUNNEL_ZOOM_MIN_ROWS_RATIO=0" in message
    assert warehouse.row_count("event_participants") == len(participants), "the last good table stays"
    assert set(PART2_TABLES) <= landed(result), "Part 2 is not held up by Part 1"
    assert warehouse.read_table("assigned_leads_monthly")["attended"].sum() == attended_before


def test_a_drop_folder_path_that_is_a_file_is_refused_too(tmp_path, sqlite_warehouse):
    assert daily_refresh(tmp_path, sqlite_warehouse).success
    rows = sqlite_warehouse.row_count("event_participants")
    a_file = tmp_path / "not_a_folder.csv"
    a_file.write_text("x\n")
    result = daily_refresh(tmp_path, sqlite_warehouse, FUNNEL_ZOOM_DROP_DIR=str(a_file))
    assert "zoom_reports" in failures(result)
    assert sqlite_warehouse.row_count("event_participants") == rows


def test_a_real_shrink_is_accepted_with_its_setting(tmp_path, sqlite_warehouse):
    assert daily_refresh(tmp_path, sqlite_warehouse).success
    empty = tmp_path / "emptied_on_purpose"
    empty.mkdir()
    result = daily_refresh(tmp_path, sqlite_warehouse, FUNNEL_ZOOM_DROP_DIR=str(empty), FUNNEL_ZOOM_MIN_ROWS_RATIO="0")
    assert "zoom_reports" not in failures(result)
    assert sqlite_warehouse.row_count("event_participants") == 0


def test_an_empty_lead_sheet_is_refused_and_the_leads_stay(tmp_path, sqlite_warehouse):
    assert daily_refresh(tmp_path, sqlite_warehouse).success
    leads = sqlite_warehouse.row_count("marketing_leads")
    header_only = tmp_path / "leads.csv"
    header_only.write_text("Name,Email,Phone number,City,Question 1,utmSource,utmMedium,utmCamp,created date\n")
    result = daily_refresh(tmp_path, sqlite_warehouse, FUNNEL_LEADS_SOURCE=str(header_only))
    message = failures(result)["marketing_leads"]
    assert "lead sheet gave nothing" in message and "FUNNEL_LEADS_SOURCE" in message
    assert sqlite_warehouse.row_count("marketing_leads") == leads
    assert set(PART2_TABLES) <= landed(result)


def test_the_crm_failing_does_not_stop_part_1(tmp_path, warehouse):
    missing = str(tmp_path / "crm_down.csv")
    result = daily_refresh(tmp_path, warehouse, CRM_ASSIGNED_LEADS_URL=missing, CRM_SALES_URL=missing)
    assert not result.success
    assert {"crm_assigned_leads", "sales"} <= set(failures(result))
    assert set(PART1_TABLES) <= landed(result), "Part 1 is not held up by Part 2"


def test_a_table_of_the_other_part_is_read_as_last_landed_only_when_declared():
    @dg.asset(name="crm_assigned_leads")
    def undeclared(context):
        last_good(context, None, "marketing_leads")

    with pytest.raises(dg.DagsterInvariantViolationError, match="without declaring it"):
        dg.materialize([undeclared])
