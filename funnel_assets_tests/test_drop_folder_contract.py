"""Every kind of drop folder keeps one contract, seen through `EventDropFolder` alone, as the sensor and step see it.

Each kind in KINDS is walked through the same calls: the sensor's ticks, then the `zoom_ingest` step, on the same
three files (a good report, the same report again under another name, a file that is no report), with the same
outcomes: one run started, once; the report loaded, its copy a duplicate, the other file rejected with a reason the
ops person can read where they dropped it; nothing taken twice. A new kind of folder is covered by adding it to KINDS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from funnel_assets.defs.events.assets import bootcamp_attendance, zoom_reports
from funnel_assets.defs.events.sensors import zoom_drop_sensor
from funnel_assets.io.drop_folders import PARSED, DriveDropFolder, EventDropFolder, LocalDropFolder
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.drop_folders import drop
from funnel_assets_tests.support.google_standin import (
    ACCOUNT,
)
from funnel_assets_tests.support.resources import io_manager_for
from funnel_assets_tests.support.zoom_files import attendee_report

ASHA = {
    "first": "Asha",
    "last": "K",
    "email": "asha@x.com",
    "phone": "9876543210",
    "registered": "Oct 30, 2025 10:02 AM",
    "joins": [("Nov 3, 2025 07:01 PM", "Nov 3, 2025 07:30 PM", 29)],
}
REPORT = attendee_report("ACCA Masterclass", "812 3456 7890", "Nov 3, 2025 07:00 PM", [ASHA]).encode()
NOT_A_REPORT = b"Name,Email,Phone\nAsha,a@x.com,98765\n"
# dropped in this order, each a while after the one before and all long finished copying or uploading
FILES = (("att.csv", REPORT), ("att (1).csv", REPORT), ("leads_export.csv", NOT_A_REPORT))


@dataclass
class Kind:
    """A kind of drop folder as the ops person meets it."""

    folder: EventDropFolder
    drop: Callable[[str, bytes, float], None]  # (name, content, finished this many seconds ago)
    why_not_loaded: Callable[[str], str]  # where the ops person reads why the file of that name was not loaded


def local_kind(tmp_path: Path, request: pytest.FixtureRequest) -> Kind:
    drop_dir = tmp_path / "zoom_drop"
    drop_dir.mkdir()

    def why_not_loaded(name: str) -> str:
        (note,) = (drop_dir / "rejected").glob(f"*__{name}.reason.txt")
        return note.read_text(encoding="utf-8")

    folder = LocalDropFolder(
        directory=str(drop_dir), parsed_directory=str(tmp_path / "data" / PARSED), settle_seconds=0
    )
    return Kind(
        folder,
        lambda name, content, seconds_ago: drop(drop_dir, name, content, age_seconds=seconds_ago),
        why_not_loaded,
    )


def drive_kind(tmp_path: Path, request: pytest.FixtureRequest) -> Kind:
    standin = request.getfixturevalue("google_standin")  # Google Drive's stand-in (support/google_standin.py)
    drive_folder = standin.add_drive_folder(writers=(ACCOUNT,))
    ids: dict[str, str] = {}

    def upload(name: str, content: bytes, seconds_ago: float) -> None:
        # long past the quiet minute a Drive folder waits after an upload
        ids[name] = standin.add_drive_file(drive_folder, name, content, modified_seconds_ago=600 + seconds_ago)

    folder = DriveDropFolder(
        directory=str(tmp_path / "data" / "zoom_drive"),
        parsed_directory=str(tmp_path / "data" / PARSED),
        drive_folder=f"https://drive.google.com/drive/folders/{drive_folder}",
        google_service_account_file=standin.service_account_file(tmp_path),
        drive_api_url=standin.drive_api,
        settle_seconds=0,
        backoff_seconds=0.01,
    )
    return Kind(folder, upload, lambda name: standin.drive_file(ids[name]).description)


# every kind of drop folder, and how a test makes one
KINDS: dict[type[EventDropFolder], Callable[[Path, pytest.FixtureRequest], Kind]] = {
    LocalDropFolder: local_kind,
    DriveDropFolder: drive_kind,
}


@pytest.fixture(params=list(KINDS), ids=lambda kind: kind.__name__)
def kind(request, tmp_path) -> Kind:
    made = KINDS[request.param](tmp_path, request)
    assert type(made.folder) is request.param
    return made


def tick(folder: EventDropFolder, cursor: str | None) -> dg.SensorResult:
    with dg.instance_for_test() as instance:
        return zoom_drop_sensor(
            dg.build_sensor_context(instance=instance, cursor=cursor, resources={"zoom_drop": folder})
        )


def run(folder: EventDropFolder, warehouse: Warehouse) -> dict:
    """The step, as `zoom_ingest` runs it; the ingested_files metadata it reported."""
    result = dg.materialize(
        [zoom_reports, bootcamp_attendance],
        resources={
            "zoom_drop": folder,
            "mappings": Mappings(directory=str(PROJECT_ROOT / "mappings")),
            "io_manager": io_manager_for(warehouse),
        },
    )
    assert result.success
    event = next(
        e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "ingested_files"
    )
    return {key: value.value for key, value in event.materialization.metadata.items()}


def test_every_kind_of_drop_folder_keeps_the_same_contract(kind: Kind, sqlite_warehouse: Warehouse):
    folder = kind.folder
    empty = tick(folder, None)
    assert not empty.run_requests and empty.skip_reason.skip_message

    for order, (name, content) in enumerate(FILES):
        kind.drop(name, content, 300 - 100 * order)
    first_look = tick(folder, empty.cursor)
    assert not first_look.run_requests, "a file is ready only once two looks agree"
    ready = tick(folder, first_look.cursor)
    (request,) = ready.run_requests
    assert request.run_key.startswith(folder.run_key_prefix) and request.tags == {"zoom_files": "3"}
    assert not tick(folder, ready.cursor).run_requests, "the same files never start a second run"

    facts = run(folder, sqlite_warehouse)
    assert (facts["files_loaded_this_run"], facts["files_duplicate_this_run"], facts["files_rejected_this_run"]) == (
        1,
        1,
        1,
    )
    assert facts["files_still_arriving"] == 0
    ledger = sqlite_warehouse.read_table("ingested_files").set_index("file_name")
    assert ledger["status"].to_dict() == {
        "att.csv": "loaded",
        "att (1).csv": "duplicate",
        "leads_export.csv": "rejected",
    }
    assert sqlite_warehouse.read_table("event_participants")["email"].tolist() == ["asha@x.com"]
    reason = ledger.loc["leads_export.csv", "error"]
    assert reason and reason in kind.why_not_loaded("leads_export.csv"), "the reason is where the file was dropped"

    # nothing is taken twice: not by the sensor, not by a run no sensor started (daily_refresh)
    after = tick(folder, tick(folder, ready.cursor).cursor)
    assert not after.run_requests
    again = run(folder, sqlite_warehouse)
    assert again["files_loaded_this_run"] == again["files_duplicate_this_run"] == again["files_rejected_this_run"] == 0
    assert sqlite_warehouse.row_count("ingested_files") == 3 and sqlite_warehouse.row_count("event_participants") == 1


def test_each_kind_keeps_its_own_cursor_and_run_keys():
    """What one kind left in the sensor's cursor and run keys (before FUNNEL_ZOOM_DROP_DIR changed) is never taken
    for another kind's (a run key ends in a hexadecimal fingerprint, so `zoom-` never reads as `zoom-drive-`)."""
    assert len({kind.cursor_key for kind in KINDS}) == len(KINDS)
    assert len({kind.run_key_prefix for kind in KINDS}) == len(KINDS)
