"""The drop folder kept in Google Drive, against the local Google stand-in (support/google_standin.py).

The stand-in is a real HTTP server that behaves as Drive documents: it grants a token exactly
the scopes asked for and refuses a call Google's discovery document says they do not cover,
hides a folder not shared with the account (files.get: 404 "File not found: <id>."; files.list:
200 and no files), lists a file still uploading without an md5Checksum, refuses to download a
Google Sheets document and exports its first sheet as CSV. Everything on our side (google-auth
signing a real JWT, the Drive calls, the copy into the local folder, judging, archive, ledger,
notes) runs for real. The one seam: `google_drive.DRIVE_API`, Google's address, points at the stand-in.
"""

from __future__ import annotations

import json
import logging.handlers

import dagster as dg
import pandas as pd
import pytest

from funnel_assets.definitions import build_definitions
from funnel_assets.defs.events.assets import bootcamp_attendance, zoom_reports
from funnel_assets.defs.events.sensors import zoom_drop_sensor
from funnel_assets.defs.resources import zoom_drop_folder
from funnel_assets.io.drop_folders import PARSED, DriveDropFolder, EventDropFolder, LocalDropFolder
from funnel_assets.io.drop_folders.drive import NOTE_START
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources import google_drive
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.google_drive import drive_folder_id
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.settings import PROJECT_ROOT, Settings
from funnel_assets_tests.support import google_standin as google_standin_module
from funnel_assets_tests.support.google_standin import (
    ACCOUNT,
    DRIVE_METADATA,
    DRIVE_READONLY,
    MEDIA,
    GoogleStandin,
)
from funnel_assets_tests.support.resources import io_manager_for
from funnel_assets_tests.support.zoom_files import ASHA, RAVI, START, attendee_report, registration_report

JOINED = [("Nov 3, 2025 07:01 PM", "Nov 3, 2025 07:30 PM", 29), ("Nov 3, 2025 07:35 PM", "Nov 3, 2025 08:30 PM", 55)]
REGISTRATIONS = registration_report("ACCA Masterclass", "812 3456 7890", START, [ASHA, RAVI])
ATTENDANCE = attendee_report("ACCA Masterclass", "812 3456 7890", START, [{**ASHA, "joins": JOINED}, RAVI])
OLD = 600  # seconds since a file finished uploading: long past the quiet minute
EXPORT = "drive.files.export"
TO_DO = [["Task", "Owner", "Done"], ["Call Asha about the masterclass", "Ravi", "no"]]


@pytest.fixture(autouse=True)
def drive_at_the_standin(google_standin: GoogleStandin, monkeypatch) -> None:
    monkeypatch.setattr(google_drive, "DRIVE_API", google_standin.drive_api)


@pytest.fixture
def account_file(google_standin: GoogleStandin, tmp_path) -> str:
    return google_standin.service_account_file(tmp_path)


def address(folder: str) -> str:
    return f"https://drive.google.com/drive/folders/{folder}?usp=sharing"


def drive_folder(tmp_path, folder: str, account_file: str, **options) -> DriveDropFolder:
    """The resource as the definitions make it, without the pauses a test does not need."""
    options.setdefault("settle_seconds", 0)
    return DriveDropFolder(
        directory=str(tmp_path / "data" / "zoom_drive"),
        parsed_directory=str(tmp_path / "data" / PARSED),
        drive_folder=address(folder),
        google_service_account_file=account_file,
        backoff_seconds=0.01,
        **options,
    )


def tick(zoom_drop: EventDropFolder, cursor: str | None = None):
    with dg.instance_for_test() as instance:
        return zoom_drop_sensor(
            dg.build_sensor_context(instance=instance, cursor=cursor, resources={"zoom_drop": zoom_drop})
        )


def run(
    zoom_drop: EventDropFolder,
    warehouse: Warehouse,
    *,
    success: bool = True,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [zoom_reports, bootcamp_attendance],
        resources={
            "zoom_drop": zoom_drop,
            "mappings": Mappings(directory=str(PROJECT_ROOT / "mappings")),
            "io_manager": io_manager_for(warehouse),
        },
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success is success
    return result


def logged(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> str:
    """Every line the run wrote to its log."""
    return "\n".join(entry.user_message for entry in instance.all_logs(result.run_id))


def step_error(result: dg.ExecuteInProcessResult) -> str:
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    error, messages = failure.step_failure_data.error, []
    while error is not None:  # Dagster's own wrapper first, then the error the step raised
        messages.append(error.message)
        error = error.cause
    return "\n".join(messages)


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def statuses(warehouse: Warehouse) -> dict[str, str]:
    return warehouse.read_table("ingested_files").set_index("file_name")["status"].to_dict()


# ---- addresses and wiring ----------------------------------------------------------------------------


def test_a_drive_folder_address_in_any_form_the_browser_gives(tmp_path):
    folder = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    for given in (
        f"https://drive.google.com/drive/folders/{folder}",
        f"https://drive.google.com/drive/folders/{folder}?usp=sharing",
        f"https://drive.google.com/drive/u/0/folders/{folder}",
        f"https://drive.google.com/drive/u/1/folders/{folder}?usp=drive_link",
        f"https://drive.google.com/open?id={folder}",
    ):
        assert drive_folder_id(given) == folder, given
    with pytest.raises(SourceError, match="a single file's address"):
        drive_folder_id(f"https://drive.google.com/file/d/{folder}/view?usp=sharing")

    settings = Settings.from_env({"FUNNEL_DATA_DIR": str(tmp_path), "FUNNEL_ZOOM_DROP_DIR": address(folder)})
    assert settings.zoom_drop_drive_folder == address(folder)
    assert settings.zoom_drop_dir == tmp_path / "zoom_drive", "copied under FUNNEL_DATA_DIR, handled as a local folder"
    assert type(zoom_drop_folder(settings)) is DriveDropFolder

    local = Settings.from_env({"FUNNEL_DATA_DIR": str(tmp_path), "FUNNEL_ZOOM_DROP_DIR": str(tmp_path / "drop")})
    assert local.zoom_drop_drive_folder is None and local.zoom_drop_dir == tmp_path / "drop"
    assert type(zoom_drop_folder(local)) is LocalDropFolder, "the local folder stays the default, as it was"
    assert type(zoom_drop_folder(Settings.from_env({"FUNNEL_DATA_DIR": str(tmp_path)}))) is LocalDropFolder


# ---- end to end, through the project's own wiring ----------------------------------------------------


def project(tmp_path, folder: str, account_file: str, warehouse: Warehouse) -> dg.Definitions:
    """The project's definitions as `definitions.py` builds them, with FUNNEL_ZOOM_DROP_DIR a Drive folder."""
    return build_definitions(
        Settings.from_env(
            {
                "FUNNEL_DATA_DIR": str(tmp_path / "data"),
                "FUNNEL_ZOOM_DROP_DIR": address(folder),
                "GOOGLE_SERVICE_ACCOUNT_FILE": account_file,
                "FUNNEL_MAPPINGS_DIR": str(PROJECT_ROOT / "mappings"),
                "FUNNEL_WAREHOUSE_URL": warehouse.url,
                "FUNNEL_WAREHOUSE_SCHEMA": warehouse.schema_name,
                "FUNNEL_EXPORT_DIR": "off",
            }
        )
    )


def test_end_to_end_through_the_sensor_each_file_taken_once_and_left_in_drive(
    tmp_path, google_standin, account_file, warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    registrations = google_standin.add_drive_file(folder, "reg.csv", REGISTRATIONS, modified_seconds_ago=OLD + 60)
    attendance = google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD + 30)
    # the same report downloaded twice and renamed: another name and ID, the same md5Checksum
    renamed = google_standin.add_drive_file(folder, "ACCA attendees (1).csv", ATTENDANCE, modified_seconds_ago=OLD)
    # a Google Sheet that is no event report (someone's to-do list left in the folder)
    sheet = google_standin.add_google_sheet(folder, "ACCA to do", TO_DO, modified_seconds_ago=OLD)
    defs = project(tmp_path, folder, account_file, warehouse)
    sensor, job = defs.resolve_sensor_def("zoom_drop_sensor"), defs.resolve_job_def("zoom_ingest")

    with dg.instance_for_test() as instance:

        def evaluate(cursor):
            with dg.build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources) as context:
                return sensor(context)

        first = evaluate(None)
        assert not first.run_requests, "a file is taken only once two looks agree"
        second = evaluate(first.cursor)
        assert len(second.run_requests) == 1 and second.run_requests[0].run_key.startswith("zoom-drive-")
        result = job.execute_in_process(instance=instance, tags=second.run_requests[0].tags)
        assert result.success

        people = warehouse.read_table("event_participants")
        assert sorted(people["email"]) == ["asha@x.com", "ravi@x.com"]
        asha = people[people["phone"].eq("9876543210")].iloc[0]
        assert bool(asha["registered"]) and bool(asha["attended"]) and asha["minutes_in_session"] == 84
        ledger = warehouse.read_table("ingested_files").set_index("file_name")
        assert ledger["status"].to_dict() == {
            "reg.csv": "loaded",
            "att.csv": "loaded",
            "ACCA attendees (1).csv": "duplicate",
            "ACCA to do.csv": "rejected",
        }
        reason = ledger.loc["ACCA to do.csv", "error"]
        assert reason.startswith("ACCA to do.csv: ") and "Call Asha" not in reason, "a plain reason, no cell quoted"

        # the reason is where the ops person sees it: the Sheet's description in Drive
        note = google_standin.drive_file(sheet).description
        assert note.startswith(NOTE_START) and reason in note and "correct this Google Sheet" in note
        for taken in (registrations, attendance, renamed, sheet):
            assert google_standin.drive_file(taken).parent == folder, "files stay in Drive"
        assert google_standin.drive_file(attendance).description == ""
        assert {c.target for c in google_standin.calls_of("drive.files.update")} == {sheet}
        assert [c.target for c in google_standin.calls_of(EXPORT)] == [sheet], "a Sheet is exported, never downloaded"
        assert google_standin.calls_of(EXPORT)[0].query == {"mimeType": "text/csv"}
        # each token asked for exactly what its calls need: read-only to look and copy, details to write a note
        assert {grant.scopes for grant in google_standin.grants} == {
            frozenset({DRIVE_READONLY}),
            frozenset({DRIVE_METADATA}),
        }
        listing = google_standin.calls_of("drive.files.list")[0].query
        assert listing["q"] == f"'{folder}' in parents and trashed = false"
        assert listing["supportsAllDrives"] == listing["includeItemsFromAllDrives"] == "true"

        # the files stay in Drive, and are never taken again: not by the sensor, not by a full refresh
        # writing the note moved the Sheet's modification time (Drive may, on a change of details): a while later
        # it looks like a new version, and one run finds its first sheet unchanged and takes nothing
        google_standin.drive_file(sheet).modified -= OLD
        moved = evaluate(evaluate(second.cursor).cursor)
        assert len(moved.run_requests) == 1
        assert job.execute_in_process(instance=instance, tags=moved.run_requests[0].tags).success
        assert len(google_standin.calls_of(EXPORT)) == 2 and warehouse.row_count("ingested_files") == 4
        third = evaluate(moved.cursor)
        assert not third.run_requests and "no new Zoom files" in third.skip_reason.skip_message
        downloads = len(google_standin.calls_of(MEDIA)) + len(google_standin.calls_of(EXPORT))
        assert job.execute_in_process(instance=instance).success
        assert len(google_standin.calls_of(MEDIA)) + len(google_standin.calls_of(EXPORT)) == downloads
        assert warehouse.row_count("ingested_files") == 4 and warehouse.row_count("event_participants") == 2


def test_a_folder_not_shared_with_the_service_account_says_to_share_it(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    """Drive lists a folder the account cannot see as empty (200), so the folder is looked up first (404)."""
    folder = google_standin.add_drive_folder()  # shared with nobody
    google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, account_file)

    with pytest.raises(SourceError) as raised:
        tick(zoom_drop)
    message = str(raised.value)
    assert f"add {ACCOUNT} as Editor" in message and "Share" in message
    assert [c.status for c in google_standin.calls_of("drive.files.get")] == [404], "Drive's answer, not retried"

    result = run(zoom_drop, sqlite_warehouse, success=False)
    assert f"add {ACCOUNT} as Editor" in step_error(result)
    assert "ya29." not in message and "private_key" not in message, "no secret in the message"


def test_a_mistyped_folder_id_is_not_taken_for_an_empty_folder(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    google_standin.add_drive_folder(writers=(ACCOUNT,))
    zoom_drop = drive_folder(tmp_path, "1NoSuchFolderIdAtAllInDrive0123", account_file)
    with pytest.raises(SourceError, match="check FUNNEL_ZOOM_DROP_DIR for a typo"):
        tick(zoom_drop)
    assert "check FUNNEL_ZOOM_DROP_DIR for a typo" in step_error(run(zoom_drop, sqlite_warehouse, success=False))


def test_a_file_given_as_the_folder_or_a_folder_in_the_bin_is_named_as_such(tmp_path, google_standin, account_file):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    report = google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD)
    with pytest.raises(SourceError, match="is a file, not a folder"):
        tick(drive_folder(tmp_path, report, account_file))
    google_standin.trash(folder)
    with pytest.raises(SourceError, match="in Google Drive's bin"):
        tick(drive_folder(tmp_path, folder, account_file))
    assert not google_standin.calls_of("drive.files.list"), "nothing listed in a folder that is not the drop folder"


def test_an_incomplete_listing_takes_nothing_and_says_why(tmp_path, google_standin, account_file, sqlite_warehouse):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, account_file)
    google_standin.drive_incomplete_search = True

    with dg.instance_for_test() as instance:
        first = zoom_drop_sensor(dg.build_sensor_context(instance=instance, resources={"zoom_drop": zoom_drop}))
        context = dg.build_sensor_context(instance=instance, cursor=first.cursor, resources={"zoom_drop": zoom_drop})
        said = logging.handlers.BufferingHandler(100)
        context.log.addHandler(said)  # the tick's own log, as the UI shows it
        second = zoom_drop_sensor(context)
        assert not second.run_requests, "two incomplete looks agree on nothing"
        assert "may be incomplete" in "\n".join(record.getMessage() for record in said.buffer)
    instance = dg.DagsterInstance.ephemeral()
    result = run(zoom_drop, sqlite_warehouse, instance=instance)
    assert sqlite_warehouse.row_count("ingested_files") == 0 and not google_standin.calls_of(MEDIA)
    assert "may be incomplete" in logged(instance, result)

    google_standin.drive_incomplete_search = False
    run(zoom_drop, sqlite_warehouse)
    assert statuses(sqlite_warehouse) == {"att.csv": "loaded"}


def test_a_drive_folder_without_a_service_account_key_says_which_setting_to_set(
    tmp_path, google_standin, sqlite_warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, None)  # GOOGLE_SERVICE_ACCOUNT_FILE not set

    with pytest.raises(SourceError, match="set GOOGLE_SERVICE_ACCOUNT_FILE"):
        tick(zoom_drop)
    result = run(zoom_drop, sqlite_warehouse, success=False)
    assert "set GOOGLE_SERVICE_ACCOUNT_FILE" in step_error(result)
    assert not google_standin.calls_of("drive.files.list"), "nothing asked of Google without a key"
    assert not sqlite_warehouse.table_exists("event_participants")


def test_an_empty_drive_folder_starts_no_run_and_a_refresh_keeps_the_zoom_tables(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD)
    run(drive_folder(tmp_path, folder, account_file), sqlite_warehouse)
    assert sqlite_warehouse.row_count("event_participants") == 2

    empty = google_standin.add_drive_folder(writers=(ACCOUNT,))  # say the address was changed to a new, empty folder
    elsewhere = drive_folder(tmp_path / "elsewhere", empty, account_file)
    assert not tick(elsewhere).run_requests
    run(elsewhere, sqlite_warehouse, success=False)  # nothing archived there: the guard refuses to empty the table
    assert sqlite_warehouse.row_count("event_participants") == 2, "the Zoom history stays"


# ---- a file still being uploaded ----------------------------------------------------------------------

FIRST_PART = ATTENDANCE[: ATTENDANCE.index("Yes,Asha")]


def test_a_file_still_uploading_is_taken_once_two_looks_see_it_whole(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    # Drive lists it before its content is complete: size 0, no md5Checksum; a download gives what has arrived
    uploading = google_standin.add_drive_file(folder, "att.csv", FIRST_PART, uploading=True, modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, account_file)

    first = tick(zoom_drop)
    second = tick(zoom_drop, first.cursor)
    assert not second.run_requests and "still uploading" in second.skip_reason.skip_message, "no checksum yet"
    run(zoom_drop, sqlite_warehouse)
    assert sqlite_warehouse.row_count("ingested_files") == 0, "a run no sensor started (daily_refresh) waits too"

    google_standin.upload(uploading, ATTENDANCE)  # finished a moment ago
    finished = tick(zoom_drop, second.cursor)
    assert not finished.run_requests, "changed since the last look"
    quiet = tick(zoom_drop, finished.cursor)
    assert not quiet.run_requests, "modified within the last minute: Drive may still be settling it"

    google_standin.upload(uploading, ATTENDANCE, modified_seconds_ago=120)
    settled = tick(zoom_drop, tick(zoom_drop, quiet.cursor).cursor)
    assert len(settled.run_requests) == 1
    run(zoom_drop, sqlite_warehouse)
    assert statuses(sqlite_warehouse) == {"att.csv": "loaded"}
    assert sqlite_warehouse.row_count("event_participants") == 2, "the whole file, not the part listed at first"
    assert not google_standin.calls_of("drive.files.update"), "nothing to tell: it loaded"


def test_a_run_takes_a_file_only_if_its_own_two_looks_agree_and_the_copy_matches_the_checksum(
    tmp_path, google_standin, account_file, sqlite_warehouse, monkeypatch
):
    """A run no sensor started (daily_refresh) looks twice itself, and checks the copy against the listing."""
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    file_id = google_standin.add_drive_file(folder, "att.csv", FIRST_PART, modified_seconds_ago=OLD)

    class UploadGoesOnBetweenLooks(DriveDropFolder):
        def pause_between_looks(self, seconds: float) -> None:
            google_standin.upload(file_id, ATTENDANCE, modified_seconds_ago=OLD)

    changing = UploadGoesOnBetweenLooks(
        directory=str(tmp_path / "data" / "zoom_drive"),
        parsed_directory=str(tmp_path / "data" / PARSED),
        drive_folder=address(folder),
        google_service_account_file=account_file,
        settle_seconds=0,
    )
    result = run(changing, sqlite_warehouse)
    assert sqlite_warehouse.row_count("ingested_files") == 0
    assert metadata(result, "ingested_files")["files_still_arriving"] == 1

    # a new version lands after the listing and before the copy: the copy does not match the listed checksum
    download = google_drive.DriveApi.download

    def replaced_meanwhile(api, file):
        google_standin.upload(file_id, REGISTRATIONS, modified_seconds_ago=OLD)
        return download(api, file)

    monkeypatch.setattr(google_drive.DriveApi, "download", replaced_meanwhile)
    run(drive_folder(tmp_path, folder, account_file), sqlite_warehouse)
    assert sqlite_warehouse.row_count("ingested_files") == 0, "left for the next run"
    monkeypatch.setattr(google_drive.DriveApi, "download", download)

    run(drive_folder(tmp_path, folder, account_file), sqlite_warehouse)
    assert statuses(sqlite_warehouse) == {"att.csv": "loaded"}
    assert sqlite_warehouse.read_table("ingested_files")["report_type"].tolist() == ["webinar_registration"]


# ---- duplicates, corrections, notes ----------------------------------------------------------------------


def test_a_renamed_duplicate_adds_nothing_and_a_corrected_version_clears_the_note(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    zoom_drop = drive_folder(tmp_path, folder, account_file)
    google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD)
    run(zoom_drop, sqlite_warehouse)
    first = sqlite_warehouse.read_table("event_participants")

    google_standin.add_drive_file(folder, "att renamed.csv", ATTENDANCE, modified_seconds_ago=OLD)
    result = run(zoom_drop, sqlite_warehouse)
    assert metadata(result, "ingested_files")["files_duplicate_this_run"] == 1
    assert statuses(sqlite_warehouse)["att renamed.csv"] == "duplicate"
    assert sqlite_warehouse.read_table("event_participants").equals(first)

    # a report cut short is rejected, with the reason in its description in Drive
    whole = attendee_report(
        "CFA Talk", "845 1111 2222", START, [{**ASHA, "joins": JOINED}, {**RAVI, "joins": JOINED[:1]}]
    )
    cut = google_standin.add_drive_file(
        folder, "cfa.csv", whole[: whole.index("Yes,Asha") + 30], modified_seconds_ago=OLD
    )
    run(zoom_drop, sqlite_warehouse)
    note = google_standin.drive_file(cut).description
    assert note.startswith(NOTE_START) and "cut short" in note and "download the report again" in note
    assert (tmp_path / "data" / "zoom_drive" / "rejected").is_dir(), "set aside locally as in a local drop folder"

    # the ops person uploads the whole report over it (Drive keeps the ID): taken again, loaded, the note cleared
    google_standin.upload(cut, whole, modified_seconds_ago=OLD)
    run(zoom_drop, sqlite_warehouse)
    assert google_standin.drive_file(cut).description == ""
    rows = sqlite_warehouse.read_table("ingested_files")
    assert rows.loc[rows["file_name"].eq("cfa.csv"), "status"].tolist() == ["rejected", "loaded"]
    assert set(sqlite_warehouse.read_table("event_participants")["event_name"]) == {"ACCA Masterclass", "CFA Talk"}


def test_a_folder_shared_as_viewer_says_once_that_notes_cannot_be_written_and_writes_them_once_it_can(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    folder = google_standin.add_drive_folder(readers=(ACCOUNT,))  # shared as Viewer: it can read, not write
    sheets = [
        google_standin.add_google_sheet(folder, f"Registrations {i}", TO_DO, modified_seconds_ago=OLD) for i in (1, 2)
    ]
    zoom_drop, instance = drive_folder(tmp_path, folder, account_file), dg.DagsterInstance.ephemeral()
    result = run(zoom_drop, sqlite_warehouse, instance=instance)
    assert statuses(sqlite_warehouse) == {"Registrations 1.csv": "rejected", "Registrations 2.csv": "rejected"}, (
        "the data path does not wait on a note"
    )
    assert metadata(result, "ingested_files")["drive_notes_not_written_yet"] == 2
    log = logged(instance, result)
    assert log.count(f"shared with {ACCOUNT} as Viewer") == 1 and f"Share the folder with {ACCOUNT} as Editor" in log
    assert not google_standin.calls_of("drive.files.update"), "Drive said the folder cannot be edited: nothing tried"

    google_standin.drive_file(folder).writers.add(ACCOUNT)
    result = run(zoom_drop, sqlite_warehouse)
    assert all(google_standin.drive_file(sheet).description.startswith(NOTE_START) for sheet in sheets)
    assert metadata(result, "ingested_files")["drive_notes_written_this_run"] == 2
    assert set(statuses(sqlite_warehouse).values()) == {"rejected"}, "refused once, not again"


# ---- scopes: the stand-in refuses what a token does not cover -------------------------------------------


def test_a_token_without_the_scope_a_call_needs_is_refused(
    tmp_path, google_standin, account_file, sqlite_warehouse, monkeypatch
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    google_standin.add_drive_file(folder, "att.csv", "not a Zoom report\n", modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, account_file)

    # metadata.readonly can list the folder but not download a file's content
    monkeypatch.setattr(google_drive, "READ_SCOPES", ("https://www.googleapis.com/auth/drive.metadata.readonly",))
    result = run(zoom_drop, sqlite_warehouse, success=False)
    assert "insufficient authentication scopes" in step_error(result) and "Report this as a bug" in step_error(result)
    assert [c.status for c in google_standin.calls_of(MEDIA)] == [403], "refused, never retried"
    monkeypatch.undo()
    monkeypatch.setattr(google_drive, "DRIVE_API", google_standin.drive_api)

    # drive.readonly cannot write a description: the file is rejected, the note waits, the refusal is explained
    monkeypatch.setattr(google_drive, "NOTE_SCOPES", google_drive.READ_SCOPES)
    instance = dg.DagsterInstance.ephemeral()
    result = run(zoom_drop, sqlite_warehouse, instance=instance)
    assert statuses(sqlite_warehouse) == {"att.csv": "rejected"}
    assert [c.status for c in google_standin.calls_of("drive.files.update")] == [403]
    assert metadata(result, "ingested_files")["drive_notes_not_written_yet"] == 1
    assert "drive.readonly, which does not cover it" in logged(instance, result)
    record = json.loads((tmp_path / "data" / "zoom_drive" / "ledger" / "drive_files.json").read_text())
    assert [row["note_state"] for row in record] == ["pending"]


# ---- shared drives, paging, Drive's rate limit ------------------------------------------------------------


def test_a_folder_in_a_shared_drive_listed_page_by_page_through_a_rate_limit(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,), shared_drive=True)
    google_standin.add_drive_file(folder, "reg.csv", REGISTRATIONS, modified_seconds_ago=OLD)
    google_standin.add_drive_file(folder, "att.csv", ATTENDANCE, modified_seconds_ago=OLD)
    google_standin.add_drive_file(folder, "notes.txt", "not a report", mime_type="text/plain", modified_seconds_ago=OLD)
    google_standin.drive_page_size = 1
    google_standin.fail("drive.files.list", 403, reason="userRateLimitExceeded")  # Drive's rate limit is a 403 too

    run(drive_folder(tmp_path, folder, account_file), sqlite_warehouse)
    assert statuses(sqlite_warehouse) == {"reg.csv": "loaded", "att.csv": "loaded"}, "the text file is left alone"
    lists = google_standin.calls_of("drive.files.list")
    assert lists[0].status == 403 and all(c.status == 200 for c in lists[1:])
    assert any("pageToken" in c.query for c in lists), "page after page"
    assert all(c.query.get("supportsAllDrives") == "true" for c in google_standin.calls_of(MEDIA))


def test_the_drive_api_not_enabled_for_the_project_says_where_to_enable_it(tmp_path, google_standin, account_file):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    google_standin.fail("drive.files.get", 403, reason="accessNotConfigured")
    with pytest.raises(SourceError, match="APIs & Services > Library > Google Drive API"):
        tick(drive_folder(tmp_path, folder, account_file))
    assert len(google_standin.calls_of("drive.files.get")) == 1, "not a rate limit: not retried"


# ---- a Google Sheet in the folder: Google Meet's attendance report is one -------------------------------

# as Meet titles the sheet it puts in the organiser's Drive, and fills it: times of day only, so the date is the title's
MEET_TITLE = "ACCA Weekly Q&A - 2026-11-03 - Attendance"
MEET_HEADER = ["First name", "Last name", "Email", "Duration", "Time joined", "Time exited"]
MEET_ROWS = [
    MEET_HEADER,
    ["Asha", "Kumar", "asha.kumar@gmail.com", "1 hr 2 min", "6:02 PM", "7:04 PM"],
    ["Ravi", "Patel", "ravi.patel@yahoo.com", "42 min", "6:10 PM", "6:52 PM"],
]


def test_a_google_meet_attendance_sheet_in_drive_loads_as_meet_and_an_unchanged_one_is_never_taken_twice(
    tmp_path, google_standin, account_file, warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    sheet = google_standin.add_google_sheet(folder, MEET_TITLE, MEET_ROWS, modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, account_file)

    first = tick(zoom_drop)
    second = tick(zoom_drop, first.cursor)
    assert len(second.run_requests) == 1, "a Sheet is taken once two looks agree, as a file is"
    run(zoom_drop, warehouse)

    people = warehouse.read_table("event_participants")
    assert sorted(people["email"]) == ["asha.kumar@gmail.com", "ravi.patel@yahoo.com"]
    assert set(people["platform"]) == {"meet"} and bool(people["attended"].all())
    assert set(pd.to_datetime(people["event_date"]).dt.date.astype(str)) == {"2026-11-03"}, "the date in its title"
    assert set(people["event_name"]) == {"ACCA Weekly Q&A"}
    assert people.set_index("email")["minutes_in_session"].to_dict() == {
        "asha.kumar@gmail.com": 62,
        "ravi.patel@yahoo.com": 42,
    }
    assert statuses(warehouse) == {f"{MEET_TITLE}.csv": "loaded"}, "named after its title, as a CSV"
    assert [c.query for c in google_standin.calls_of(EXPORT)] == [{"mimeType": "text/csv"}]
    assert not google_standin.calls_of(MEDIA), "a Google Sheet is exported, never downloaded"
    assert {grant.scopes for grant in google_standin.grants} == {frozenset({DRIVE_READONLY})}, "the read-only token"
    assert google_standin.drive_file(sheet).description == "" and not google_standin.calls_of("drive.files.update")

    # left in Drive unchanged: never taken again, by the sensor or by a full refresh
    third = tick(zoom_drop, second.cursor)
    assert not third.run_requests and "no new Zoom files" in third.skip_reason.skip_message
    run(zoom_drop, warehouse)
    assert len(google_standin.calls_of(EXPORT)) == 1 and warehouse.row_count("ingested_files") == 1
    assert warehouse.row_count("event_participants") == 2


def test_an_edited_meet_sheet_is_taken_again_and_replaces_the_earlier(
    tmp_path, google_standin, account_file, warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    sheet = google_standin.add_google_sheet(folder, MEET_TITLE, MEET_ROWS, modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, account_file)
    run(zoom_drop, warehouse)

    # the organiser corrects the sheet: Ravi stayed longer, and someone missing from it is added
    corrected = [MEET_ROWS[0], MEET_ROWS[1], ["Ravi", "Patel", "ravi.patel@yahoo.com", "55 min", "6:10 PM", "7:05 PM"]]
    corrected.append(["Meera", "Shah", "meera.shah@gmail.com", "30 min", "6:30 PM", "7:00 PM"])
    google_standin.edit_sheet(sheet, corrected, modified_seconds_ago=OLD)
    first = tick(zoom_drop)
    assert len(tick(zoom_drop, first.cursor).run_requests) == 1, "a new version of the Sheet"
    run(zoom_drop, warehouse)

    assert len(google_standin.calls_of(EXPORT)) == 2
    rows = warehouse.read_table("ingested_files")
    assert rows["file_name"].tolist() == [f"{MEET_TITLE}.csv"] * 2
    assert rows["status"].tolist() == ["replaced", "loaded"], "the later version of the session wins"
    people = warehouse.read_table("event_participants").set_index("email")
    assert people["minutes_in_session"].to_dict() == {
        "asha.kumar@gmail.com": 62,
        "ravi.patel@yahoo.com": 55,
        "meera.shah@gmail.com": 30,
    }
    assert set(people["platform"]) == {"meet"}


def test_a_sheet_that_is_no_event_report_is_rejected_with_a_note_and_loads_once_corrected(
    tmp_path, google_standin, account_file, sqlite_warehouse
):
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    sheet = google_standin.add_google_sheet(folder, "ACCA Weekly Q&A - 2026-11-03", TO_DO, modified_seconds_ago=OLD)
    zoom_drop = drive_folder(tmp_path, folder, account_file)
    run(zoom_drop, sqlite_warehouse)

    ledger = sqlite_warehouse.read_table("ingested_files")
    assert ledger["status"].tolist() == ["rejected"]
    reason = ledger["error"].iloc[0]
    assert reason.startswith("ACCA Weekly Q&A - 2026-11-03.csv: ")
    assert not any(value in reason for value in ("Call Asha", "Ravi")), "a plain reason: no cell quoted"
    note = google_standin.drive_file(sheet).description
    assert note.startswith(NOTE_START) and reason in note and "correct this Google Sheet" in note
    assert "Google Sheets document" not in note, "it was read, not refused unread"

    # unchanged (though the note moved its modification time), it is not taken again
    google_standin.drive_file(sheet).modified -= OLD
    run(zoom_drop, sqlite_warehouse)
    assert sqlite_warehouse.row_count("ingested_files") == 1 and len(google_standin.calls_of("drive.files.update")) == 1

    # the organiser pastes Meet's attendance into it: taken again, loaded, the note cleared
    google_standin.edit_sheet(sheet, MEET_ROWS, modified_seconds_ago=OLD)
    run(zoom_drop, sqlite_warehouse)
    assert sqlite_warehouse.read_table("ingested_files")["status"].tolist() == ["rejected", "loaded"]
    assert google_standin.drive_file(sheet).description == ""
    assert set(sqlite_warehouse.read_table("event_participants")["platform"]) == {"meet"}


def test_a_sheet_too_large_for_drive_to_export_is_refused_with_a_note(
    tmp_path, google_standin, account_file, sqlite_warehouse, monkeypatch
):
    monkeypatch.setattr(google_standin_module, "EXPORT_LIMIT_BYTES", 100)  # Drive's is 10 MB
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    sheet = google_standin.add_google_sheet(folder, MEET_TITLE, MEET_ROWS, modified_seconds_ago=OLD)
    run(drive_folder(tmp_path, folder, account_file), sqlite_warehouse)

    assert [c.status for c in google_standin.calls_of(EXPORT)] == [403], "Drive's answer, not retried"
    ledger = sqlite_warehouse.read_table("ingested_files")
    assert ledger["status"].tolist() == ["rejected"] and "too large" in ledger["error"].iloc[0]
    assert "too large" in google_standin.drive_file(sheet).description
