"""The project's definitions load, and the jobs run the way the README says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from funnel_assets import catalogue
from funnel_assets.definitions import build_definitions, defs
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.settings import Settings
from funnel_assets_tests.support.cli import dagster_cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_definitions_load_and_every_job_resolves():
    dg.Definitions.validate_loadable(defs)
    assert [s.name for s in defs.sensors] == ["zoom_drop_sensor", "alert_on_run_failure", "alert_on_missing_yesterday"]
    assert [s.name for s in defs.schedules] == ["daily_refresh_schedule"]
    for job in ("part1_marketing", "part2_sales", "daily_refresh", "zoom_ingest"):
        assert defs.resolve_job_def(job) is not None


def test_alerts_link_to_the_run_in_the_ui_the_settings_name(capfd):
    """FUNNEL_UI_URL reaches the alert's link through the definitions, read once when they are assembled."""

    @dg.asset
    def breaks() -> None:
        raise dg.Failure(description="the source is down")

    instance = dg.DagsterInstance.ephemeral()
    failed = dg.materialize([breaks], instance=instance, raise_on_error=False)
    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
        dagster_event=failed.get_run_failure_event(),
    ).for_run_failure()
    built = build_definitions(Settings.from_env({"FUNNEL_UI_URL": "https://funnel.example.in/"}))

    built.resolve_sensor_def("alert_on_run_failure")(context)

    assert f"the source is down Open: https://funnel.example.in/runs/{failed.run_id}" in capfd.readouterr().err


def test_every_table_of_the_catalogue_is_one_asset_described_by_its_declaration():
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    for table in catalogue.TABLES:
        spec = specs[table.name]
        assert spec.group_name == table.group, table.name
        assert spec.description == table.description, table.name
        schema = spec.metadata["dagster/column_schema"]
        assert [(c.name, c.type, c.description) for c in schema.columns] == [
            (c.name, c.type, c.meaning) for c in table.columns
        ]
    # the only asset that is not a table is the optional Google Sheet export
    assert set(specs) - {t.name for t in catalogue.TABLES} == {"google_sheet_export"}


def test_lineage_is_the_signature_no_asset_reads_a_table_it_did_not_declare():
    """Assets get tables only as inputs through the IO manager: no asset code touches the warehouse,
    and every input of every asset is a declared table that an asset of the project produces. The one
    other way in, a table of the other part as it last landed (`last_good`), refuses a table the
    catalogue does not declare among the asset's `last_good_inputs` (tested in test_parts_independent)."""
    defs_folder = PROJECT_ROOT / "funnel_assets" / "defs"
    # resources.py configures the IO manager; nothing else under defs/ may reach the warehouse
    for module in set(defs_folder.rglob("*.py")) - {defs_folder / "resources.py"}:
        text = module.read_text()
        for forbidden in ("read_table", ".row_count(", "Warehouse(", "sqlalchemy", "create_engine"):
            assert forbidden not in text, f"{module.relative_to(PROJECT_ROOT)} uses {forbidden}"
    graph = defs.resolve_asset_graph()
    tables = {t.name for t in catalogue.TABLES}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        for parent in node.parent_keys:
            assert parent.to_user_string() in tables, f"{key.to_user_string()} reads {parent.to_user_string()}"
    # unmapped_sources takes every input that goes through the funnel mapping, whatever step ran first
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("unmapped_sources")).parent_keys} == {
        "marketing_leads",
        "crm_assigned_leads",
        "sales",
    }


def test_dg_check_defs_loads_the_project_and_warns_of_nothing(tmp_path):
    """`dg check defs`, Dagster's own CLI, finds the project from pyproject.toml; run as the README runs it
    (`.venv/bin/dg`, no virtual environment activated), it prints no warning."""
    environ = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    shutil.copy2(PROJECT_ROOT / "dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")  # the project's instance
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "check", "defs"],
        cwd=PROJECT_ROOT,
        env={**environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "All definitions loaded successfully" in result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr


def test_assets_sit_in_their_part_and_say_what_a_row_is():
    groups = {}
    for spec in defs.resolve_all_asset_specs():
        groups[spec.key.to_user_string()] = spec.group_name
        # house rule: an asset's docstring opens with what one row of its table is
        assert (spec.description or "").startswith("One "), spec.key
    assert groups["marketing_spend"] == "marketing"
    assert groups["crm_assigned_leads"] == "sales"
    assert groups["event_participants"] == groups["ingested_files"] == "marketing"
    assert groups["unmapped_sources"] == "reporting"
    assert set(groups.values()) <= {"marketing", "sales", "reporting"}


def test_the_parts_share_no_assets():
    marketing = {k.to_user_string() for k in defs.resolve_job_def("part1_marketing").asset_layer.executable_asset_keys}
    sales = {k.to_user_string() for k in defs.resolve_job_def("part2_sales").asset_layer.executable_asset_keys}
    assert marketing and sales and not marketing & sales


def test_daily_refresh_runs_from_the_command_line(tmp_path):
    """`dagster job execute -m funnel_assets.definitions -j daily_refresh` on the sample data."""
    warehouse_file = tmp_path / "warehouse.sqlite"
    drop_dir = tmp_path / "zoom_drop"
    drop_dir.mkdir()
    for report in (PROJECT_ROOT / "sample_data" / "zoom").glob("*.csv"):
        shutil.copy2(report, drop_dir / report.name)  # keeps the old mtime: finished copying
    (tmp_path / "dagster_home").mkdir()
    dagster_cli(
        "job",
        "execute",
        "-m",
        "funnel_assets.definitions",
        "-j",
        "daily_refresh",
        env={
            "FUNNEL_ZOOM_DROP_DIR": str(drop_dir),
            "FUNNEL_WAREHOUSE_URL": f"sqlite:///{warehouse_file}",
            "FUNNEL_DATA_DIR": str(tmp_path / "data"),
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        },
        cwd=tmp_path,
    )
    warehouse = Warehouse(url=f"sqlite:///{warehouse_file}")
    for table in (
        "marketing_spend",
        "spend_by_funnel",
        "crm_assigned_leads",
        "event_participants",
        "bootcamp_attendance",
    ):
        assert warehouse.row_count(table) > 0, table


def test_workspace_yaml_loads_the_same_code_location(tmp_path):
    """`dagster dev -w workspace.yaml` finds the project."""
    result = dagster_cli("definitions", "validate", "-w", "workspace.yaml", env={"DAGSTER_HOME": str(tmp_path)})
    assert "Validation successful for code location funnel_assets" in result.stderr + result.stdout
