"""The drop folder is shared: a link left in it never makes the pipeline read or write a file outside it.

Each test plants a symbolic link where the pipeline reads or writes, pointing at a file outside the
folder (`victim`), runs the Zoom step, and checks the file outside is untouched and unread.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from funnel_assets.defs.events.assets import bootcamp_attendance, zoom_reports
from funnel_assets.defs.events.sensors import zoom_drop_sensor
from funnel_assets.io.drop_folders import LocalDropFolder
from funnel_assets.io.drop_folders import base as drop_folder_base
from funnel_assets.io.mappings import Mappings
from funnel_assets.settings import PROJECT_ROOT, Settings
from funnel_assets_tests.support.drop_folders import parsed_dir
from funnel_assets_tests.support.resources import io_manager_for
from funnel_assets_tests.support.zoom_files import attendee_report

START = "Nov 3, 2025 07:00 PM"
ASHA = {
    "first": "Asha",
    "last": "K",
    "email": "asha@x.com",
    "phone": "9876543210",
    "registered": "Oct 30, 2025 10:02 AM",
    "joins": [("Nov 3, 2025 07:01 PM", "Nov 3, 2025 07:30 PM", 29)],
}
REPORT = attendee_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]).encode()
ARCHIVED_NAME = f"{hashlib.sha256(REPORT).hexdigest()[:16]}__att.csv"
PRECIOUS = b"a file outside the drop folder that the pipeline must never touch\n"


@pytest.fixture
def drop_dir(tmp_path) -> Path:
    folder = tmp_path / "zoom_drop"
    folder.mkdir()
    return folder


@pytest.fixture
def victim(tmp_path) -> Path:
    outside = tmp_path / "elsewhere" / "precious.txt"
    outside.parent.mkdir()
    outside.write_bytes(PRECIOUS)
    return outside


def link(at: Path, to: Path) -> Path:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(to)
    return at


def run(drop_dir: Path, warehouse) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [zoom_reports, bootcamp_attendance],
        resources={
            "zoom_drop": LocalDropFolder(directory=str(drop_dir), parsed_directory=str(parsed_dir()), settle_seconds=0),
            "mappings": Mappings(directory=str(PROJECT_ROOT / "mappings")),
            "io_manager": io_manager_for(warehouse),
        },
        raise_on_error=False,
    )


def failure(result: dg.ExecuteInProcessResult) -> str:
    """What the failed step said, through Dagster's wrapping of the error."""
    assert not result.success
    error, messages = result.get_step_failure_events()[0].step_failure_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    return "\n".join(messages)


def test_a_link_dropped_in_the_folder_is_never_read_nor_moved(drop_dir, tmp_path, sqlite_warehouse):
    outside = tmp_path / "elsewhere" / "someone_elses_report.csv"
    outside.parent.mkdir()
    outside.write_bytes(REPORT)  # a perfectly good report, but not one dropped here
    link(drop_dir / "att.csv", outside)

    assert run(drop_dir, sqlite_warehouse).success
    assert sqlite_warehouse.row_count("event_participants") == 0 and sqlite_warehouse.row_count("ingested_files") == 0
    assert (drop_dir / "att.csv").is_symlink(), "left where it is, for a person to remove"
    assert outside.read_bytes() == REPORT

    resources = {"zoom_drop": LocalDropFolder(directory=str(drop_dir), parsed_directory=str(parsed_dir()))}
    with dg.instance_for_test() as instance:
        cursor = None
        for _ in range(2):  # two looks: a file would be ready by now
            tick = zoom_drop_sensor(dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources))
            assert not tick.run_requests
            cursor = tick.cursor


def test_a_link_at_the_archives_temporary_name_is_never_written_through(drop_dir, victim, sqlite_warehouse):
    (drop_dir / "att.csv").write_bytes(REPORT)
    link(drop_dir / "processed" / f"{ARCHIVED_NAME}.part", victim)
    assert run(drop_dir, sqlite_warehouse).success
    assert victim.read_bytes() == PRECIOUS
    assert (drop_dir / "processed" / ARCHIVED_NAME).read_bytes() == REPORT
    assert sqlite_warehouse.row_count("event_participants") == 1


def test_a_link_at_the_archived_reports_name_stops_the_step_and_keeps_the_drop_copy(drop_dir, victim, sqlite_warehouse):
    (drop_dir / "att.csv").write_bytes(REPORT)
    link(drop_dir / "processed" / ARCHIVED_NAME, victim)
    message = failure(run(drop_dir, sqlite_warehouse))
    assert "is a link" in message and "remove it" in message
    assert victim.read_bytes() == PRECIOUS
    assert (drop_dir / "att.csv").read_bytes() == REPORT, "never removed before it is archived"


def test_a_linked_sub_folder_is_never_written_into(drop_dir, tmp_path, sqlite_warehouse):
    elsewhere = tmp_path / "elsewhere_folder"
    elsewhere.mkdir()
    (drop_dir / "att.csv").write_bytes(REPORT)
    link(drop_dir / "processed", elsewhere)
    assert "is a link" in failure(run(drop_dir, sqlite_warehouse))
    assert list(elsewhere.iterdir()) == []
    assert (drop_dir / "att.csv").exists()


def test_a_link_among_the_archived_reports_is_never_read(drop_dir, tmp_path, sqlite_warehouse):
    outside = tmp_path / "elsewhere" / "report.csv"
    outside.parent.mkdir()
    outside.write_bytes(REPORT)
    link(drop_dir / "processed" / ARCHIVED_NAME, outside)
    assert run(drop_dir, sqlite_warehouse).success
    assert sqlite_warehouse.row_count("event_participants") == 0


def test_a_link_at_the_rejection_notes_name_is_passed_by(drop_dir, victim, sqlite_warehouse, monkeypatch):
    moment = pd.Timestamp("2025-11-04 09:30:05", tz="Asia/Kolkata")
    monkeypatch.setattr(drop_folder_base, "now", lambda: moment)
    (drop_dir / "leads.csv").write_bytes(b"Name,Email,Phone\nAsha,a@x.com,98765\n")
    link(drop_dir / "rejected" / "2025-11-04_093005__leads.csv.reason.txt", victim)

    assert run(drop_dir, sqlite_warehouse).success
    assert victim.read_bytes() == PRECIOUS
    rejected = drop_dir / "rejected"
    assert (rejected / "2025-11-04_093005_1__leads.csv").read_bytes().startswith(b"Name,Email")
    assert "not a Zoom" in (rejected / "2025-11-04_093005_1__leads.csv.reason.txt").read_text()


def test_a_link_at_the_ledgers_temporary_name_is_never_written_through(drop_dir, victim, sqlite_warehouse):
    (drop_dir / "att.csv").write_bytes(REPORT)
    link(drop_dir / "ledger" / "ingested_files.csv.part", victim)
    assert run(drop_dir, sqlite_warehouse).success
    assert victim.read_bytes() == PRECIOUS
    assert not (drop_dir / "ledger" / "ingested_files.csv").is_symlink()
    assert "att.csv" in (drop_dir / "ledger" / "ingested_files.csv").read_text()


def test_a_link_at_the_ledgers_name_is_neither_read_nor_written(drop_dir, tmp_path, sqlite_warehouse):
    outside = tmp_path / "elsewhere" / "ledger.csv"
    outside.parent.mkdir()
    outside.write_text("file_name,sha256,status\nsecret.csv,abc,loaded\n")
    (drop_dir / "att.csv").write_bytes(REPORT)
    link(drop_dir / "ledger" / "ingested_files.csv", outside)
    message = failure(run(drop_dir, sqlite_warehouse))
    assert "is a link" in message and "ingested_files.csv" in message
    assert outside.read_text() == "file_name,sha256,status\nsecret.csv,abc,loaded\n"
    assert (drop_dir / "att.csv").exists()


def test_the_containers_run_as_a_user_with_a_fixed_uid_not_root():
    """What a followed link could reach is limited to what that user may write."""
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] == "funnel", "the last USER decides who the containers run as"
    assert re.search(r"useradd[^\n]*--uid\s+\S+[^\n]*funnel", dockerfile)
    assert re.search(r"chown[^\n]*/opt/funnel", dockerfile), "the folders it writes belong to it"


def test_a_link_at_a_parsed_reports_name_is_neither_read_nor_written(drop_dir, victim, sqlite_warehouse):
    (drop_dir / "att.csv").write_bytes(REPORT)
    kept = link(parsed_dir() / f"{hashlib.sha256(REPORT).hexdigest()}.arrow", victim)
    assert run(drop_dir, sqlite_warehouse).success
    assert run(drop_dir, sqlite_warehouse).success  # the next run reads the archive again, passing the link by
    assert victim.read_bytes() == PRECIOUS and kept.is_symlink()
    assert sqlite_warehouse.row_count("event_participants") == 1


def test_a_linked_parsed_reports_folder_is_never_written_into(drop_dir, tmp_path, sqlite_warehouse):
    elsewhere = tmp_path / "elsewhere_folder"
    elsewhere.mkdir()
    (drop_dir / "att.csv").write_bytes(REPORT)
    link(parsed_dir(), elsewhere)
    assert run(drop_dir, sqlite_warehouse).success
    assert list(elsewhere.iterdir()) == []
    assert sqlite_warehouse.row_count("event_participants") == 1


def test_a_drop_folder_configured_through_a_link_works_and_its_parsed_reports_stay_off_the_share(
    drop_dir, tmp_path, sqlite_warehouse
):
    """The configured folder may be reached through a link on purpose (an administrator's choice: the settings
    resolve it once); below it none is followed. Parsed reports are kept in FUNNEL_DATA_DIR, never on the share,
    where anyone could put other rows in place of a real report's."""
    through = link(tmp_path / "shared_zoom", drop_dir)
    (drop_dir / "att.csv").write_bytes(REPORT)
    configured = Settings.from_env({"FUNNEL_ZOOM_DROP_DIR": str(through), "FUNNEL_DATA_DIR": str(tmp_path / "data")})
    assert run(configured.zoom_drop_dir, sqlite_warehouse).success
    assert [p.name for p in parsed_dir().iterdir()] == [f"{hashlib.sha256(REPORT).hexdigest()}.arrow"]
    assert len(list((drop_dir / "processed").iterdir())) == 1
    assert not list(drop_dir.rglob("*.arrow"))
