"""Events beyond Zoom through the drop folder and Dagster: a new form or event is added by editing a
mapping CSV or filling the template, never by code."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from funnel_assets.defs.events.assets import bootcamp_attendance, zoom_reports
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.drop_folders import drop, local_drop_folder
from funnel_assets_tests.support.resources import io_manager_for

EXAMPLES = PROJECT_ROOT / "tools" / "samples" / "events"

# a form the project has never seen: its questions are its own
WORKSHOP_FORM = (
    '"Timestamp","Your full name","Email ID","Mobile (WhatsApp)","City","Which exam?"\r\n'
    '"2026/11/20 9:15:02 AM GMT+5:30","Kavya Menon","kavya.m@example.com","+91 98450 11223","Kochi","CMA US"\r\n'
    '"2026/11/20 11:40:51 AM GMT+5:30","Rohit Jain","rohit.j@example.com","98290 44556","Jaipur","CMA US"\r\n'
)
DECLARATION = (
    "CMA Kochi Workshop,Your full name,,,Email ID,Mobile (WhatsApp),Timestamp,,,CMA Workshop Kochi,2026-11-28,10:00,"
    "webinar,CMA Webinar,,,added by the ops person\n"
)


def run(drop_dir: Path, mappings_dir: Path, warehouse: Warehouse) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [zoom_reports, bootcamp_attendance],
        resources={
            "zoom_drop": local_drop_folder(drop_dir, settle_seconds=0),
            "mappings": Mappings(directory=str(mappings_dir)),
            "io_manager": io_manager_for(warehouse),
        },
    )
    assert result.success
    return result


def test_a_new_form_is_added_by_a_row_in_the_mapping_file_only(tmp_path, warehouse):
    mappings = tmp_path / "mappings"
    shutil.copytree(PROJECT_ROOT / "mappings", mappings)
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "CMA workshop (Responses).csv", WORKSHOP_FORM)
    run(drop_dir, mappings, warehouse)
    ledger = warehouse.read_table("ingested_files")
    assert ledger["status"].tolist() == ["rejected"]
    assert "mappings/registration_forms.csv" in ledger["error"].iloc[0]
    assert "Kavya" not in ledger["error"].iloc[0]

    with (mappings / "registration_forms.csv").open("a", encoding="utf-8") as declarations:
        declarations.write(DECLARATION)
    drop(drop_dir, "CMA workshop (Responses).csv", WORKSHOP_FORM)
    run(drop_dir, mappings, warehouse)
    people = warehouse.read_table("event_participants")
    form = people[people["platform"].eq("form")]
    assert sorted(form["email"]) == ["kavya.m@example.com", "rohit.j@example.com"]
    assert form["registered"].all() and not form["attended"].any()
    assert set(form["event_name"]) == {"CMA Workshop Kochi"} and set(form["event_type"]) == {"webinar"}
    assert set(form["category"]) == {"CMA"}


def test_an_offline_event_is_added_by_filling_the_template(tmp_path, warehouse):
    template = (PROJECT_ROOT / "mappings" / "templates" / "event_attendance.csv").read_text(encoding="utf-8").strip()
    filled = (
        template + "\n"
        "FRM Campus Talk Pune,2026-11-25,webinar,Neha Kulkarni,neha.k@example.com,98220 33445,yes,yes,,18:05,19:30,\n"
        ",,,Arjun Patil,arjun.p@example.com,,yes,no,,,,\n"
    )
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "frm talk.csv", filled)
    run(drop_dir, PROJECT_ROOT / "mappings", warehouse)
    people = warehouse.read_table("event_participants").set_index("email")
    assert set(people["platform"]) == {"manual"}
    assert (
        bool(people.loc["neha.k@example.com", "attended"])
        and people.loc["neha.k@example.com", "minutes_in_session"] == 85
    )
    assert bool(people.loc["arjun.p@example.com", "registered"]) and not bool(
        people.loc["arjun.p@example.com", "attended"]
    )


def test_every_platform_s_example_loads_and_a_re_drop_is_a_duplicate(tmp_path, warehouse):
    drop_dir = tmp_path / "zoom_drop"
    for example in EXAMPLES.glob("*.csv"):
        drop(drop_dir, example.name, example.read_bytes())
    run(drop_dir, PROJECT_ROOT / "mappings", warehouse)
    assert set(warehouse.read_table("event_participants")["platform"]) == {"teams", "meet", "form", "manual"}
    for example in EXAMPLES.glob("*.csv"):
        drop(drop_dir, f"again {example.name}", example.read_bytes())
    run(drop_dir, PROJECT_ROOT / "mappings", warehouse)
    ledger = warehouse.read_table("ingested_files")
    assert sorted(ledger["status"]) == ["duplicate"] * 4 + ["loaded"] * 4
