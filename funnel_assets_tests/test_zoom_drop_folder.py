"""The Zoom drop folder end to end through Dagster: the assets, the ledger, the folders, the sensor."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pandas as pd

from funnel_assets.defs.zoom.assets import bootcamp_attendance, zoom_reports
from funnel_assets.io.drop_folder import ZoomDropFolder
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.defs.zoom.sensors import zoom_drop_sensor
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.conftest import io_manager_for
from funnel_assets_tests.support.zoom_files import attendee_report, registration_report

START = "Nov 3, 2025 07:00 PM"
ASHA = {"first": "Asha", "last": "K", "email": "asha@x.com", "phone": "9876543210", "registered": "Oct 30, 2025 10:02 AM"}
RAVI = {"first": "Ravi", "last": "P", "email": "ravi@x.com", "phone": "9876500000", "registered": "Oct 31, 2025 10:02 AM"}
JOINED = [("Nov 3, 2025 07:01 PM", "Nov 3, 2025 07:30 PM", 29), ("Nov 3, 2025 07:35 PM", "Nov 3, 2025 08:30 PM", 55)]


def drop(folder: Path, name: str, content: str | bytes, *, age_seconds: float = 120) -> Path:
    """A file as the ops person leaves it, finished copying `age_seconds` ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))
    return path


def run(drop_dir: Path, warehouse: Warehouse) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [zoom_reports, bootcamp_attendance],
        resources={
            "zoom_drop": ZoomDropFolder(directory=str(drop_dir)),
            "mappings": Mappings(directory=str(PROJECT_ROOT / "mappings")),
            "io_manager": io_manager_for(warehouse),
        },
    )
    assert result.success
    return result


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_good_files_load_bad_ones_are_set_aside_with_a_reason(tmp_path, warehouse: Warehouse):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "reg.csv", registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA, RAVI]))
    drop(drop_dir, "att.csv", "\ufeff" + attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, RAVI]))
    drop(drop_dir, "leads_export.csv", "Name,Email,Phone\nAsha,a@x.com,98765\n")
    drop(drop_dir, "empty.csv", "")
    truncated = attendee_report("CFA Talk", "845 1111 2222", START, [{**ASHA, "joins": JOINED}])
    drop(drop_dir, "cut.csv", truncated[: truncated.index("Yes,Asha") + 30])

    result = run(drop_dir, warehouse)

    people = warehouse.read_table("event_participants")
    assert len(people) == 2
    asha = people[people["phone"].eq("9876543210")].iloc[0]
    assert bool(asha["registered"]) and bool(asha["attended"]) and asha["minutes_in_session"] == 84
    assert asha["join_count"] == 2 and asha["category"] == "ACCA" and asha["conductor"] == "Rahul Sharma"

    ledger = warehouse.read_table("ingested_files").set_index("file_name")
    assert ledger["status"].to_dict() == {
        "reg.csv": "loaded", "att.csv": "loaded", "leads_export.csv": "rejected", "empty.csv": "rejected", "cut.csv": "rejected",
    }  # fmt: skip
    assert ledger.loc["att.csv", "report_type"] == "webinar_attendee" and ledger.loc["att.csv", "event_id"] == "81234567890"
    assert "not a Zoom" in ledger.loc["leads_export.csv", "error"] and "cut short" in ledger.loc["cut.csv", "error"]

    assert sorted(p.name for p in drop_dir.glob("*.csv")) == []
    assert len(list((drop_dir / "processed").glob("*.csv"))) == 2
    reasons = {p.name.split("__", 1)[1]: p.read_text() for p in (drop_dir / "rejected").glob("*.reason.txt")}
    assert set(reasons) == {"leads_export.csv.reason.txt", "empty.csv.reason.txt", "cut.csv.reason.txt"}
    assert "is empty" in reasons["empty.csv.reason.txt"] and "download the report from Zoom again" in reasons["empty.csv.reason.txt"]

    facts = metadata(result, "ingested_files")
    assert (facts["files_loaded_this_run"], facts["files_rejected_this_run"]) == (2, 3)
    assert metadata(result, "event_participants")["attendees"] == 1


def test_same_content_again_is_a_duplicate_and_a_correction_replaces_the_earlier_report(tmp_path, sqlite_warehouse):
    drop_dir = tmp_path / "zoom_drop"
    original = attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}])
    drop(drop_dir, "att.csv", original)
    run(drop_dir, sqlite_warehouse)
    first = sqlite_warehouse.read_table("event_participants")

    drop(drop_dir, "att (1).csv", original)  # downloaded twice
    result = run(drop_dir, sqlite_warehouse)
    assert metadata(result, "ingested_files")["files_duplicate_this_run"] == 1
    pd.testing.assert_frame_equal(sqlite_warehouse.read_table("event_participants"), first)

    corrected = attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, {**RAVI, "joins": JOINED[:1]}])
    drop(drop_dir, "att.csv", corrected)
    run(drop_dir, sqlite_warehouse)
    people = sqlite_warehouse.read_table("event_participants")
    assert sorted(people["email"]) == ["asha@x.com", "ravi@x.com"], "the corrected report, not both"
    assert people["minutes_in_session"].tolist() == [84.0, 29.0]
    statuses = sqlite_warehouse.read_table("ingested_files")["status"].tolist()
    assert statuses == ["replaced", "duplicate", "loaded"]


def test_a_file_still_being_copied_waits(tmp_path, sqlite_warehouse):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "att.csv", attendee_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]), age_seconds=0)
    result = run(drop_dir, sqlite_warehouse)
    assert (drop_dir / "att.csv").exists()
    assert metadata(result, "ingested_files")["files_still_arriving"] == 1
    assert sqlite_warehouse.row_count("event_participants") == 0


def sensor_tick(drop_dir: Path, cursor: str | None = None):
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"zoom_drop": ZoomDropFolder(directory=str(drop_dir))}
        )
        return zoom_drop_sensor(context)


def test_sensor_starts_one_run_per_new_or_changed_set_of_files(tmp_path):
    drop_dir = tmp_path / "zoom_drop"
    empty = sensor_tick(drop_dir)
    assert not empty.run_requests and "no Zoom files" in empty.skip_reason.skip_message

    drop(drop_dir, "att.csv", attendee_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]), age_seconds=0)
    copying = sensor_tick(drop_dir)
    assert not copying.run_requests and "still arriving" in copying.skip_reason.skip_message

    os.utime(drop_dir / "att.csv", (time.time() - 120, time.time() - 120))
    first = sensor_tick(drop_dir)
    assert len(first.run_requests) == 1 and first.run_requests[0].job_name in (None, "zoom_ingest")
    again = sensor_tick(drop_dir, cursor=first.cursor)
    assert not again.run_requests, "the same files never start a second run"

    drop(drop_dir, "reg.csv", registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]))
    changed = sensor_tick(drop_dir, cursor=first.cursor)
    assert len(changed.run_requests) == 1 and changed.run_requests[0].run_key != first.run_requests[0].run_key
