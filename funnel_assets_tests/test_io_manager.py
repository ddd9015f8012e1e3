"""The warehouse IO manager: tables pass in memory within a run, are read back otherwise, and must
match their declaration in the catalogue."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pandas as pd
import polars as pl
import pytest
from sqlalchemy.engine import make_url

from funnel_assets import catalogue
from funnel_assets.defs.marketing.assets import marketing_spend, spend_by_funnel
from funnel_assets.defs.table_assets import column_schema, reads_columns
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources.resources import TabularSource
from funnel_assets.io.warehouse import Warehouse, WarehouseError, WarehouseIOManager
from funnel_assets.io.warehouse.column_kinds import KIND_WORDS
from funnel_assets.io.warehouse.io_manager import (
    DECLARED_KINDS,
    DEFAULT_MIN_ROWS_RATIO,
    MEANINGFUL_SHARE,
    check_declared_columns,
    content_refusal,
    empty_table,
    shrink_refusal,
)
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.settings import PROJECT_ROOT, Settings
from funnel_assets_tests.support.resources import io_manager_for, landing_dir
from funnel_assets_tests.support.source_files import SPEND_CSV


def spend_resources(tmp_path, warehouse: Warehouse) -> dict:
    spend_file = tmp_path / "spend.csv"
    spend_file.write_text(SPEND_CSV, encoding="utf-8")
    return {
        "spend_source": TabularSource(location=str(spend_file), landing_dir=landing_dir()),
        "mappings": Mappings(directory=str(PROJECT_ROOT / "mappings")),
        "io_manager": io_manager_for(warehouse),
    }


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


def test_a_frame_is_let_go_when_its_last_reader_has_it_not_held_for_steps_that_only_wait_for_it(
    tmp_path, sqlite_warehouse
):
    held_when_the_last_step_ran: list[set[str]] = []

    # waits for marketing_spend without loading it (as reconciliation waits for every source table), and runs last
    @dg.asset(deps=[marketing_spend])
    def waits_for_spend(spend_by_funnel, io_manager: dg.ResourceParam[WarehouseIOManager]) -> None:
        held_when_the_last_step_ran.append({table for _, table in io_manager._held})

    manager = io_manager_for(sqlite_warehouse)
    resources = {**spend_resources(tmp_path, sqlite_warehouse), "io_manager": manager}
    result = dg.materialize([marketing_spend, spend_by_funnel, waits_for_spend], resources=resources)
    assert result.success
    # spend_by_funnel, its only loader, has run: marketing_spend is no longer held (nor spend_by_funnel, just loaded)
    assert held_when_the_last_step_ran == [set()]


def test_a_step_that_names_its_columns_gets_only_those_and_the_rest_are_let_go_once_no_reader_takes_them(
    tmp_path, sqlite_warehouse
):
    seen: dict[str, object] = {}

    @dg.asset(ins=reads_columns(marketing_spend=("spend_date", "cost", "not_a_column")))
    def takes_date_and_cost(marketing_spend: pl.DataFrame, io_manager: dg.ResourceParam[WarehouseIOManager]) -> None:
        seen["first"] = marketing_spend.columns
        seen["held_after_first"] = {table: held.frame.columns for (_, table), held in io_manager._held.items()}

    @dg.asset(ins=reads_columns(marketing_spend=("cost",)), deps=[takes_date_and_cost])
    def takes_cost(marketing_spend: pl.DataFrame, io_manager: dg.ResourceParam[WarehouseIOManager]) -> None:
        seen["second"] = marketing_spend.columns
        seen["held_after_second"] = set(io_manager._held)

    manager = io_manager_for(sqlite_warehouse)
    resources = {**spend_resources(tmp_path, sqlite_warehouse), "io_manager": manager}
    assert dg.materialize([marketing_spend, takes_date_and_cost, takes_cost], resources=resources).success
    # in the table's order; a named column the table lacks is no error (an open table's source may leave one out)
    assert seen["first"] == ["spend_date", "cost"]
    assert seen["held_after_first"] == {"marketing_spend": ["cost"]}, "only what the step still to come takes"
    assert seen["second"] == ["cost"]
    assert seen["held_after_second"] == set()

    # run alone, the step reads back only its columns
    alone = dg.materialize(
        [marketing_spend, takes_date_and_cost, takes_cost], selection=[takes_cost], resources=resources
    )
    assert alone.success and seen["second"] == ["cost"]


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
    with pytest.raises(
        WarehouseError, match=r"spend_by_funnel.*catalogue.*missing \['spend_month', 'impressions', 'clicks'\]"
    ):
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
            "source": ["ACCA_Webinar_Meta"],
            "assigned_on": [pd.Timestamp("2025-11-01", tz=TIMEZONE)],
            "phone": ["9876543210"],
            "user_id": ["919876543210"],
            "employee": ["Deepa Rao"],
            "funnel": ["ACCA Webinar"],
            "parentMobile": ["9123456780"],  # a column the CRM began to send
        }
    )
    shown = preview("crm_assigned_leads", frame)
    assert "9876543210" not in shown and "9123456780" not in shown
    assert shown.count(MASK) == 3, "phone, user_id and the unannounced column"
    assert "ACCA_Webinar_Meta" in shown and "Deepa Rao" in shown, "declared, not personal: shown"


GUARDED = [pytest.param(t, id=t.name) for t in catalogue.TABLES if t.guard]
WITH_KEYS = [
    pytest.param(t, k, id=f"{t.name}.{k.column}") for t in catalogue.TABLES if t.guard for k in t.guard.key_columns
]


@pytest.mark.parametrize("table", GUARDED)
def test_every_guarded_table_declares_key_columns_it_has(table):
    assert table.guard.key_columns, f"{table.name}: the content guard watches no column"
    for key in table.guard.key_columns:
        assert key.column in table.column_names and key.kind in catalogue.KEY_KINDS


@pytest.mark.parametrize("table, key", WITH_KEYS)
def test_a_key_column_that_empties_is_refused_naming_the_source_the_column_and_the_setting(table, key):
    old = {k.column: 1.0 for k in table.guard.key_columns}
    message = content_refusal(table, {**old, key.column: 0.0}, old, DEFAULT_MIN_ROWS_RATIO)
    assert table.source in message and f"`{key.column}`" in message and f"{table.guard.setting}=0" in message
    assert content_refusal(table, {**old, key.column: 0.6}, old, DEFAULT_MIN_ROWS_RATIO) is None, (
        "a moderate drop passes"
    )
    assert content_refusal(table, {**old, key.column: 0.0}, old, 0) is None, "the setting at 0 accepts it"
    sparse = {**old, key.column: MEANINGFUL_SHARE / 2}
    assert content_refusal(table, {**old, key.column: 0.0}, sparse, DEFAULT_MIN_ROWS_RATIO) is None, (
        "a column seldom filled says little"
    )


def test_the_row_guard_takes_the_largest_recent_load_and_names_it():
    leads = catalogue.MARKETING_LEADS
    assert shrink_refusal(leads, 108, 180, 0.5) is None, "against the last load alone, 60% passes"
    message = shrink_refusal(leads, 108, 180, 0.5, largest=300)
    assert (
        "108 rows" in message
        and "300" in message
        and "holds 180" in message
        and "FUNNEL_LEADS_MIN_ROWS_RATIO=0" in message
    )
    assert shrink_refusal(leads, 0, 0, 0.5, largest=0) is None, "nothing to compare with"


def test_usable_values_are_counted_in_the_warehouse_in_one_query(warehouse):
    warehouse.write_table(
        "some_table", pd.DataFrame({"phone": ["9000000001", None, None, "9000000002"], "cost": [1.0, None, 2.0, 3.0]})
    )
    assert warehouse.usable_counts("some_table", ["phone", "cost", "not_there"]) == (4, {"phone": 2, "cost": 3})


# a value of each catalogue type, and a value of another kind (what a step might wrongly hand over instead)
FITTING = {
    catalogue.TEXT: ["9876543210", None],
    catalogue.INTEGER: pd.array([3, None], dtype="Int64"),
    catalogue.FLOAT: [0.25, None],
    catalogue.MONEY: [1234.5, None],
    catalogue.BOOLEAN: pd.array([True, None], dtype="boolean"),
    catalogue.DATE: [date(2025, 11, 1), None],
    catalogue.TIMESTAMP: pd.to_datetime(["2025-11-01 09:30", None]).tz_localize(TIMEZONE),
}
WRONG = {
    catalogue.TEXT: ([9876543210, 9123456780], "integer (whole numbers)"),  # a phone read as a number
    catalogue.INTEGER: (["3", "4"], "text"),
    catalogue.FLOAT: (["0.25", "0.5"], "text"),
    catalogue.MONEY: (["1,234.50", "10"], "text"),
    catalogue.BOOLEAN: (["yes", "no"], "text"),
    catalogue.DATE: (["2025-11-01", "2025-11-02"], "text"),
    catalogue.TIMESTAMP: (pd.to_datetime(["2025-11-01 09:30", "2025-11-02 10:00"]), "timestamp without a time zone"),
}


def declared_frame(table: catalogue.Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: FITTING[c.type] for c in table.columns})


def output_context(table: catalogue.Table) -> dg.OutputContext:
    # entered by the caller: its ephemeral instance is closed then, not by the garbage collector at any moment
    return dg.build_output_context(asset_key=dg.AssetKey(table.name))


@pytest.mark.parametrize("table", [pytest.param(t, id=t.name) for t in catalogue.TABLES])
def test_every_table_lands_with_its_declared_types_and_a_column_of_another_kind_is_refused(warehouse, table):
    manager = io_manager_for(warehouse)
    with output_context(table) as context:
        manager.handle_output(context, declared_frame(table))
        recorded = context.get_logged_metadata()["dagster/column_schema"].schema
    declared = {c.name: DECLARED_KINDS[c.type] for c in table.columns}
    assert warehouse.column_kinds(table.name) == declared
    assert recorded == column_schema(table), "the written schema is the declared one"
    landed = warehouse.read_table(table.name)
    for column in table.columns:
        values, held = WRONG[column.type]
        frame = declared_frame(table).assign(**{column.name: values})
        with output_context(table) as context, pytest.raises(WarehouseError) as refused:
            manager.handle_output(context, frame)
        message = str(refused.value)
        assert (
            f"Table '{table.name}', column '{column.name}' is declared {KIND_WORDS[declared[column.name]]}" in message
        )
        assert f"holds {held}" in message
    assert warehouse.column_kinds(table.name) == declared, "the table keeps its columns' types"
    pd.testing.assert_frame_equal(warehouse.read_table(table.name), landed)
