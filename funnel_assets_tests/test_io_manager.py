"""The warehouse IO manager: tables pass in memory within a run, are read back otherwise, and must
match their declaration in the catalogue."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from funnel_assets.defs.marketing.assets import marketing_spend, spend_by_funnel
from funnel_assets.io.tabular_source import TabularSource
from funnel_assets.io.warehouse import Warehouse, WarehouseError, WarehouseIOManager
from funnel_assets.io.warehouse.io_manager import check_declared_columns, empty_table
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.settings import Settings
from sqlalchemy.engine import make_url
from funnel_assets_tests.conftest import io_manager_for
from funnel_assets_tests.test_assets_first_tables import SPEND_CSV


def spend_resources(tmp_path, warehouse: Warehouse) -> dict:
    spend_file = tmp_path / "spend.csv"
    spend_file.write_text(SPEND_CSV, encoding="utf-8")
    return {"spend_source": TabularSource(location=str(spend_file)), "io_manager": io_manager_for(warehouse)}


def test_within_a_run_the_next_step_gets_the_table_in_memory(tmp_path, sqlite_warehouse, monkeypatch):
    def no_reading(self, table, columns=None):
        raise AssertionError(f"{table} was read back from the warehouse within the run")

    monkeypatch.setattr(Warehouse, "read_table", no_reading)
    manager = io_manager_for(sqlite_warehouse)
    resources = {**spend_resources(tmp_path, sqlite_warehouse), "io_manager": manager}
    result = dg.materialize([marketing_spend, spend_by_funnel], resources=resources)
    assert result.success
    assert sqlite_warehouse.row_count("spend_by_funnel") > 0
    assert manager._held == {}, "every frame is let go once its last reader has it"


def test_a_step_run_alone_reads_its_input_back_from_the_warehouse(tmp_path, warehouse):
    resources = spend_resources(tmp_path, warehouse)
    assert dg.materialize([marketing_spend, spend_by_funnel], resources=resources).success
    in_run = warehouse.read_table("spend_by_funnel")
    warehouse.write_table("spend_by_funnel", in_run.head(1))
    alone = dg.materialize([marketing_spend, spend_by_funnel], selection=[spend_by_funnel], resources=resources)
    assert alone.success
    pd.testing.assert_frame_equal(warehouse.read_table("spend_by_funnel"), in_run)


def test_a_table_that_does_not_match_its_declaration_is_refused_naming_it():
    frame = pd.DataFrame({"spend_date": [], "funnel": [], "cost": []})
    with pytest.raises(WarehouseError, match=r"spend_by_funnel.*catalogue.*missing \['spend_month', 'impressions', 'clicks'\]"):
        check_declared_columns("spend_by_funnel", frame)
    complete = empty_table("spend_by_funnel")
    check_declared_columns("spend_by_funnel", complete)
    with pytest.raises(WarehouseError, match=r"undeclared \['surprise'\]"):
        check_declared_columns("spend_by_funnel", complete.assign(surprise=[]))
    # an open table carries the source's own extra columns
    check_declared_columns("marketing_spend", empty_table("marketing_spend").assign(ad_group=[]))


def test_a_table_never_written_reads_as_empty_with_its_declared_types(tmp_path):
    manager = WarehouseIOManager(url=f"sqlite:///{tmp_path / 'w.sqlite'}")
    context = dg.build_input_context(asset_key=dg.AssetKey("event_participants"))
    frame = manager.load_input(context)
    assert frame.empty and "attended" in frame.columns and "phone" in frame.columns
    assert str(frame["attended"].dtype) == "boolean"
    assert str(frame["first_join_time"].dtype) == f"datetime64[ns, {TIMEZONE}]"


def test_the_warehouse_password_is_read_when_connecting_and_may_hold_any_character(monkeypatch):
    password = "p@ss:w/rd#1"
    settings = Settings.from_env({"FUNNEL_WAREHOUSE_HOST": "db.internal", "FUNNEL_WAREHOUSE_USER": "funnel"})
    assert password not in settings.warehouse_url and "db.internal:5432/warehouse" in settings.warehouse_url
    monkeypatch.setenv("FUNNEL_WAREHOUSE_PASSWORD", password)
    warehouse = WarehouseIOManager(url=settings.warehouse_url).warehouse
    parsed = make_url(warehouse.url)
    assert (parsed.host, parsed.password, parsed.username) == ("db.internal", password, "funnel")
    assert "p@ss" not in warehouse.display_url and "w/rd" not in warehouse.display_url


def test_a_preview_masks_personal_columns_and_columns_a_source_added_unannounced():
    from funnel_assets.io.warehouse.io_manager import MASK, preview

    frame = pd.DataFrame(
        {
            "source": ["ACCA_Webinar_Meta"], "assigned_on": [pd.Timestamp("2025-11-01", tz=TIMEZONE)],
            "phone": ["9876543210"], "user_id": ["919876543210"], "employee": ["Deepa Rao"],
            "funnel": ["ACCA Webinar"], "parentMobile": ["9123456780"],  # a column the CRM began to send
        }
    )  # fmt: skip
    shown = preview("crm_assigned_leads", frame)
    assert "9876543210" not in shown and "9123456780" not in shown
    assert shown.count(MASK) == 3, "phone, user_id and the unannounced column"
    assert "ACCA_Webinar_Meta" in shown and "Deepa Rao" in shown, "declared, not personal: shown"
