"""Re-running is safe: any asset re-materialised alone writes byte-identical tables to a full run,
and names that look like SQL or paths reach the warehouse and the file system unharmed."""

from __future__ import annotations

import os
import time

import dagster as dg
import pytest

from funnel_assets.lib.zoom_ingest import LOADED
from funnel_assets_tests.support.definitions import sample_definitions
from funnel_assets_tests.support.zoom_files import attendee_report


def exports(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


@pytest.mark.parametrize(
    "assets",
    [
        ("marketing_leads",),
        ("lead_first_touch",),
        ("crm_assigned_leads", "assigned_leads_monthly"),  # one step writes both
        ("sales", "sales_to_map"),
        ("funnel_people",),
        ("funnel_metrics_monthly", "funnel_stages_monthly"),
        ("event_participants", "ingested_files"),
    ],
    ids=lambda assets: assets[0],
)
def test_one_asset_rematerialised_alone_gives_the_same_bytes(tmp_path, sqlite_warehouse, assets):
    definitions = sample_definitions(tmp_path, sqlite_warehouse)
    instance = dg.DagsterInstance.ephemeral()
    assert definitions.resolve_job_def("daily_refresh").execute_in_process(instance=instance).success
    before = exports(tmp_path / "exports")

    again = definitions.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey(asset) for asset in assets]
    )
    assert again.success
    assert exports(tmp_path / "exports") == before


def test_injection_looking_names_reach_sql_and_files_unharmed(tmp_path, warehouse):
    definitions = sample_definitions(tmp_path, warehouse)
    drop = tmp_path / "zoom_drop"
    name = "Robert'); DROP TABLE funnel_people;-- ..%2F..%2Fetc.csv"
    person = {
        "first": "Robert'); DROP TABLE x;--",
        "last": '"; DELETE FROM sales; --',
        "email": "bobby@x.com",
        "phone": "9000000099",
        "registered": "Nov 1, 2025 10:00 AM",
    }
    path = drop / name
    path.write_text(attendee_report("ACCA $(rm -rf /) Masterclass", "812 0000 0099", "Nov 3, 2025 07:00 PM", [person]))
    os.utime(path, (time.time() - 120, time.time() - 120))
    assert (
        definitions.resolve_job_def("daily_refresh").execute_in_process(instance=dg.DagsterInstance.ephemeral()).success
    )

    people = warehouse.read_table("event_participants")
    bobby = people[people["email"].eq("bobby@x.com")].iloc[0]
    assert (
        bobby["name"].startswith("Robert'); Drop Table X;--") and bobby["event_name"] == "ACCA $(rm -rf /) Masterclass"
    )
    ledger = warehouse.read_table("ingested_files").set_index("file_name")
    assert ledger.loc[name, "status"] == LOADED
    archived = [p for p in (drop / "processed").iterdir() if p.name.endswith(name)]
    assert len(archived) == 1 and archived[0].parent == drop / "processed"
    assert warehouse.row_count("funnel_people") > 0
