"""A drop folder kept in Google Drive (FUNNEL_ZOOM_DROP_DIR set to a Drive folder's address).

The ops person drops the event reports (Zoom, Teams, Meet, forms, the offline template) into a
Drive folder shared with the service account. Each new file is copied once into a local folder
under FUNNEL_DATA_DIR (`zoom_drive/`), and that folder is then handled exactly as a local drop
folder (`base.py`): the same judging, archive, corrections, ledger and `ingested_files`.
What differs is only how a file arrives, and where the ops person reads why one was not loaded.

- Taken once. A Drive file is known by its ID and its content's checksum (Drive's md5Checksum;
  a Google Sheet, which has none, by its modification time: see below).
  Each version taken is recorded in `zoom_drive/ledger/drive_files.json`, beside the ledger: a
  file left in Drive is never taken again, and a new version of it (a corrected report uploaded
  over it: same ID, new content) is. The same content under another name and ID is taken, and the
  ledger records it as `duplicate`: it adds nothing.
- Left in Drive. The folder is the ops person's: files taken stay where they are, and the
  pipeline's tokens can read files and write a file's description, never change a file's
  content or delete it (see `sources/google_drive.py`).
- Still uploading. Drive lists a file before its content is complete: no md5Checksum yet, a size
  that is still changing, a modification time of a moment ago. A file is taken only when two
  looks (the sensor's previous tick and this one; in a run, two listings `settle_seconds` apart)
  see the same checksum, size and modification time, it has a checksum, and it was not modified
  within the last `quiet_seconds`. Age alone proves nothing (an upload tool may keep the file's
  own, older, time), so the two looks decide. The copy is checked against the checksum it was
  listed with: a file replaced meanwhile waits for the next look.
- Why a file was not loaded is written into that file's description in Drive (the file's Details
  panel), starting "Not loaded into the funnel tables". A description rather than a `.reason.txt`
  uploaded beside it: it stays with the file however the folder is sorted or the file renamed, it
  adds no file to the folder for the sensor to pass over, and writing it needs only the
  `drive.metadata` scope (a file's details, never its content), where uploading a file needs the
  full `drive` scope. When a corrected version of that file loads, the note is cleared. A note that
  could not be written (a folder shared as Viewer) is tried again on every run.
- A Google Sheets document (Google Meet's attendance report is one: Meet puts it in the organiser's
  Drive) is copied as its first sheet exported as CSV (Drive's `files.export`, with the same
  read-only token), named after its title, and judged as any dropped CSV: the content decides what
  it is (a report opened in Sheets is read as that report; a sheet that is no event report is
  rejected with the usual reason, and its note says so). A Sheet has no checksum, so the version
  taken is its modification time: an edited sheet is taken again (a correction), an unchanged one
  never twice; one whose modification time moved with no change to its first sheet (a note written,
  a rename) is not taken again either: its export is compared with the copy taken last. A Sheet
  edited within the last `quiet_seconds` waits, as an upload does. Drive refuses to export above
  10 MB: such a Sheet is refused with a note saying so.
- Sub-folders and other Google documents are left alone; shortcuts are never followed (as links
  in the local folder are not), with a warning in the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.io.drop_folders.base import (
    LEDGER,
    DropFolderError,
    EventDropFolder,
    Glance,
    Intake,
    Log,
    ReadyFile,
    Told,
    first_names,
)
from funnel_assets.io.files import safe_name
from funnel_assets.io.sources import google_drive
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.google_drive import (
    GOOGLE_SHEET,
    SHORTCUT,
    DriveApi,
    DriveCallError,
    DriveFile,
    drive_folder_id,
)
from funnel_assets.io.sources.http import HttpLimits
from funnel_assets.lib.clock import now
from funnel_assets.lib.zoom_ingest import REJECTED, Verdict, content_hash

RECORD = LEDGER.parent / "drive_files.json"
COPIED = "copied"  # copied into the local folder, not judged yet
NOTE_START = "Not loaded into the funnel tables"
GOOGLE_APPS = "application/vnd.google-apps."
TOO_LARGE_TO_EXPORT = (
    "it is a Google Sheets document too large for Google Drive to export as CSV (more than 10 MB); an event "
    "report is far smaller, so check what this sheet holds"
)


def note_text(reason: str, at: pd.Timestamp, *, sheet: bool = False) -> str:
    """The note a file not loaded carries in its Drive description, in the ops person's words."""
    what_to_do = (
        "correct this Google Sheet (it is read again once it changes), or put the right report into this folder "
        "instead."
        if sheet
        else "download the report again from where it came from (Zoom, Teams, Google Meet, the form) and drop the "
        "new file into this folder. This file can then be deleted."
    )
    return f"{NOTE_START} ({at:%d %b %Y %H:%M}, India time).\nWhy: {reason}\nWhat to do: {what_to_do}"


def kind_of(file: DriveFile) -> str | None:
    """What an entry of the folder is to the pipeline: `csv` (a report to take), `sheet` (a Google Sheets
    document, taken as its first sheet exported as CSV), `shortcut` (never followed), or None (anything else,
    left alone)."""
    if file.mime_type == SHORTCUT:
        return "shortcut"
    if file.mime_type == GOOGLE_SHEET:
        return "sheet"
    if file.mime_type.startswith(GOOGLE_APPS):
        return None  # sub-folders, Docs, Forms...: not reports
    if file.name.lower().endswith(".csv") and not file.name.startswith((".", "~$")):
        return "csv"
    return None


def local_name(file: DriveFile) -> str:
    """A Drive file's name as one safe local file name (Drive allows '/' in a name, and any length); a Google Sheet's
    is its title + `.csv`, which keeps the meeting's name and date Meet titles its sheet with."""
    name = safe_name(file.name + ".csv" if file.mime_type == GOOGLE_SHEET else file.name)
    # a hidden name would never be seen by the local folder's look (it skips those, as Office's lock files)
    return "_" + name if name.startswith((".", "~$")) else name


@dataclass(frozen=True)
class Sorting:
    """The folder's entries by what to do with them now (entries left alone and files taken before are in none)."""

    ready: list[DriveFile]  # to take now, oldest first: CSV files to copy, Google Sheets documents to export
    arriving: list[DriveFile]  # still uploading, or changed since the previous look
    shortcuts: list[DriveFile]


@dataclass(frozen=True)
class Refusal:
    """A Drive file taken but not copied, and why in plain words."""

    file: DriveFile
    reason: str


@dataclass(frozen=True)
class DriveCopy:
    """What a run took from Drive."""

    copied: list[str]  # names in the local folder
    refused: list[Refusal]  # Google Sheets documents Drive would not export
    arriving: list[DriveFile]  # left for a later look

    def refusals(self) -> list[Verdict]:
        """The files refused as the ledger records them: rejected, with no content to hash."""
        return [Verdict(local_name(r.file), None, REJECTED, error=r.reason) for r in self.refused]


@dataclass(frozen=True)
class DriveNotes:
    """The notes written in Drive this run, and those still to write (with why, in plain words)."""

    written: int
    pending: int
    problems: list[str]


class DriveDropFolder(EventDropFolder):
    """The drop folder for event reports kept in Google Drive, copied into a local working folder."""

    cursor_key: ClassVar[str] = "drive"
    run_key_prefix: ClassVar[str] = "zoom-drive-"

    directory: str = Field(
        description="Local copy of the Drive folder (FUNNEL_DATA_DIR/zoom_drive): files taken from Drive are judged, "
        "archived and listed here exactly as in a local drop folder."
    )
    drive_folder: str = Field(description="The Google Drive folder's address (FUNNEL_ZOOM_DROP_DIR).")
    google_service_account_file: str | None = Field(
        default=None, description="Service-account JSON the folder is shared with (GOOGLE_SERVICE_ACCOUNT_FILE)."
    )
    drive_api_url: str | None = Field(default=None, description="The Google Drive API's address; Google's when empty.")
    quiet_seconds: float = Field(
        default=60.0,
        description="A file modified in Drive this recently is left for a later look: Drive lists a file before its "
        "upload has finished.",
    )
    connect_timeout_seconds: float = Field(
        default=HttpLimits.connect_timeout, description="Seconds to wait for a connection to Google."
    )
    read_timeout_seconds: float = Field(
        default=HttpLimits.read_timeout, description="Seconds to wait for the next bytes of an answer."
    )
    max_attempts: int = Field(
        default=HttpLimits.max_attempts, description="Tries per Drive call before giving up (429, 5xx, rate limits)."
    )
    backoff_seconds: float = Field(
        default=HttpLimits.backoff_seconds, description="First wait between tries; doubles each time."
    )
    max_file_bytes: int = Field(default=200 * 1024**2, description="Largest file copied from Drive.")

    # -- what every drop folder does ---------------------------------------------------------------

    def glance(self, earlier: Mapping[str, list], log: Log) -> Glance:
        """One look at the Drive folder (looked up, then listed), with a read-only token.

        A file is ready when this look sees it as the previous one did (same checksum, size and modification time,
        by file ID), complete, and not taken before: files stay in Drive once taken, so the record of files taken,
        not their absence, keeps a run from starting twice. A folder Drive cannot show (not shared with the service
        account) fails the look with a message saying so."""
        listing = self.listing(log=log)
        sorting = self.sort(earlier, listing)
        self.warn_about_shortcuts(sorting.shortcuts, log)
        where = "in the Google Drive folder"
        arriving = len(sorting.arriving)
        reason = (
            f"{arriving} file(s) still uploading or changed since the last look (looked at again next tick)"
            if arriving
            else "no new Zoom files"
        )
        names = first_names([file.name for file in sorting.ready])
        return Glance(
            seen={file.id: list(file.look) for file in listing},
            ready=[ReadyFile(file.name, f"{file.id}:{file.version}") for file in sorting.ready],
            nothing_ready=f"{reason} {where}",
            already_started=f"a run was already started for the {len(sorting.ready)} waiting file(s) {where}",
            starting=f"{len(sorting.ready)} Zoom file(s) to take {where}: {names}",
        )

    def take_in(self) -> Intake:
        """Copy the files ready in Drive into the working folder (`copy_from_drive`: a Google Sheet as its first sheet
        exported as CSV, one Drive will not export refused); once the ledger is written, why a file was not loaded
        goes where the ops person sees it, that file's description in Drive (`tell_drive`)."""
        copy = self.copy_from_drive()

        def tell(verdicts: list[Verdict], at: pd.Timestamp) -> Told:
            notes = self.tell_drive(verdicts, copy.refused, at)
            facts = {
                "drive_files_copied_this_run": len(copy.copied),
                "drive_notes_written_this_run": notes.written,
                "drive_notes_not_written_yet": notes.pending,
            }
            return Told(problems=notes.problems, facts=facts)

        return Intake(refused=copy.refusals(), arriving=len(copy.arriving), tell=tell)

    # -- Drive -----------------------------------------------------------------------------------

    @property
    def folder_id(self) -> str:
        return drive_folder_id(self.drive_folder)

    def drive(self, scopes: tuple[str, ...] | None = None) -> DriveApi:
        """The Drive API with a token of exactly these scopes: read-only unless a note is to be written."""
        settings = HttpLimits(
            connect_timeout=self.connect_timeout_seconds,
            read_timeout=self.read_timeout_seconds,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            max_bytes=self.max_file_bytes,
        )
        return DriveApi(
            self.google_service_account_file,
            scopes or google_drive.READ_SCOPES,
            settings,
            api_url=self.drive_api_url or google_drive.DRIVE_API,
            label="The Zoom drop folder in Google Drive",
        )

    def listing(self, api: DriveApi | None = None, log: Log | None = None) -> list[DriveFile]:
        """The folder's entries as Drive lists them now; none if Drive says its search was incomplete (a file
        missing from the look would count as gone, and one listed without its details as new)."""
        listed = (api or self.drive()).list_folder(self.folder_id)
        if listed.incomplete:
            (log or dg.get_dagster_logger()).warning(
                "Google Drive said its listing of the Zoom drop folder may be incomplete (it could not search "
                "everywhere it looks), so nothing is taken from the folder on this look; it is looked at again on "
                "the next one."
            )
            return []
        return listed.files

    def sort(self, earlier: Mapping[str, tuple | list], listing: list[DriveFile]) -> Sorting:
        """Which entries to take now: seen alike by the earlier look (by file ID), complete and quiet, and not
        taken before."""
        taken = self.taken()
        moment = datetime.now(UTC)
        ready, arriving, shortcuts = [], [], []
        for file in listing:
            kind = kind_of(file)
            if kind == "shortcut":
                shortcuts.append(file)
            elif kind is None or (file.id, file.version) in taken:
                continue
            elif tuple(earlier.get(file.id) or ()) != file.look or not self._complete(file, moment):
                arriving.append(file)
            else:
                ready.append(file)
        ready.sort(key=lambda f: (f.modified_time or "", f.name))
        return Sorting(ready, arriving, shortcuts)

    def _complete(self, file: DriveFile, moment: datetime) -> bool:
        """Its content is whole (Drive gives a checksum; a Google Sheet has none and is always whole) and it has not
        been touched within `quiet_seconds` (someone may still be typing in a Sheet)."""
        if file.md5 is None and file.mime_type != GOOGLE_SHEET:
            return False
        modified = file.modified
        return modified is None or (moment - modified).total_seconds() >= self.quiet_seconds

    def warn_about_shortcuts(self, shortcuts: Iterable[DriveFile], log: Log) -> None:
        for shortcut in shortcuts:
            log.warning(
                f"{shortcut.name} in the Drive folder is a shortcut, not a file, and was not read: drop the "
                "report itself."
            )

    # -- taking files ------------------------------------------------------------------------------

    def copy_from_drive(self) -> DriveCopy:
        """Copy the files ready in Drive into the local folder and record them as taken: two listings
        `settle_seconds` apart, as the local folder's step looks twice, so a run that no sensor started
        (daily_refresh) never takes a file still uploading. One file per local name at a time (Drive allows two
        files of one name): the other waits for the next run."""
        api = self.drive()
        first = self.listing(api)
        first_sorting = self.sort({}, first)  # against no earlier look: whatever is new counts as arriving
        self.warn_about_shortcuts(first_sorting.shortcuts, dg.get_dagster_logger())
        if not first_sorting.arriving:
            return DriveCopy([], [], [])  # nothing new: no second look needed
        self.pause_between_looks(self.settle_seconds)
        sorting = self.sort({file.id: file.look for file in first}, self.listing(api))
        copied, refused, arriving = [], [], list(sorting.arriving)
        in_local_folder = {path.name for path in self.looks()}
        records, recorded = self.read_record(), False
        try:
            for file in sorting.ready:
                name = local_name(file)
                if name in in_local_folder:
                    arriving.append(file)  # a namesake waiting: taken on the next run
                    continue
                if file.mime_type == GOOGLE_SHEET:
                    try:
                        content = api.export_csv(file)
                    except DriveCallError as exc:
                        if exc.status == 403 and "exportSizeLimitExceeded" in exc.reasons:
                            refused.append(Refusal(file, TOO_LARGE_TO_EXPORT))
                            continue
                        raise
                    if content is not None and _same_as_last_taken(records, file, content):
                        recorded = True
                        continue  # its details changed (a note written, a rename), not its first sheet: nothing new
                else:
                    content = api.download(file)
                    if content is not None and hashlib.md5(content, usedforsecurity=False).hexdigest() != file.md5:
                        content = None  # replaced since it was listed
                if content is None:
                    arriving.append(file)  # deleted, cut short, or replaced since it was listed
                    continue
                self.write_file(name, content, replace=False)  # whole or not at all, never through a link
                in_local_folder.add(name)
                records.append(_record(file, name, content_hash(content)))
                copied.append(name)
        finally:
            if copied or recorded:  # what was copied is recorded even if a later download fails: never taken twice
                self.write_record(records)
        return DriveCopy(copied, refused, arriving)

    # -- telling the ops person ------------------------------------------------------------------

    def tell_drive(self, verdicts: Iterable[Verdict], refused: Iterable[Refusal], at: pd.Timestamp) -> DriveNotes:
        """After the ledger is written: record what became of each file taken from Drive, and write into the
        description of each one not loaded why (or clear such a note once a corrected version of the file loads)."""
        rows = self.read_record()
        copied = {(row["copied_as"], row["sha256"]): row for row in rows if row["status"] == COPIED}
        for verdict in verdicts:
            row = copied.pop((verdict.file_name, verdict.sha256), None)
            if row is not None:  # None: a file put into the local folder by hand, not taken from Drive
                _settle(row, verdict.status, verdict.error, at)
        for refusal in refused:
            row = _record(refusal.file, None, None)
            _settle(row, REJECTED, refusal.reason, at)
            rows.append(row)
        notes = self._write_notes(rows)
        self.write_record(rows)
        return notes

    def _write_notes(self, rows: list[dict]) -> DriveNotes:
        """Every note still to write, newest version of each file only; one that fails waits for the next run."""
        newest = {row["file_id"]: row for row in rows}  # rows are kept in the order taken
        for row in rows:
            if row["note_state"] == "pending" and newest[row["file_id"]] is not row:
                row["note_state"] = "superseded"  # a later version of the file was taken since
        pending = [row for row in rows if row["note_state"] == "pending"]
        if not pending:
            return DriveNotes(0, 0, [])
        problems: list[str] = []
        try:
            api = self.drive(google_drive.NOTE_SCOPES)
            folder = api.folder(self.folder_id)
        except SourceError as exc:
            return DriveNotes(0, len(pending), [str(exc)])
        if not folder.can_edit:
            return DriveNotes(
                0,
                len(pending),
                [
                    f"The Zoom drop folder in Google Drive is shared with {api.account} as Viewer, so the note saying "
                    f"why a file was not loaded could not be written on {len(pending)} file(s). Share the folder with "
                    f"{api.account} as Editor; the notes are written on the next run."
                ],
            )
        written = 0
        for row in pending:
            try:
                found = api.set_description(row["file_id"], row["note"])
            except SourceError as exc:
                problems.append(str(exc))
                continue
            row["note_state"] = "written" if found else "file deleted"
            written += found
        return DriveNotes(written, len(pending) - written, list(dict.fromkeys(problems)))

    # -- the record of files taken ---------------------------------------------------------------

    def read_record(self) -> list[dict]:
        """Every version of a Drive file ever taken, in the order taken (empty before the first)."""
        path = self.path / RECORD
        for part in (path.parent, path):
            if part.is_symlink():
                raise DropFolderError(f"{part} is a link: the pipeline never reads through links. Remove it.")
        if not path.is_file():
            return []
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DropFolderError(
                f"{path} cannot be read ({exc.__class__.__name__}). It lists the Google Drive files already taken: "
                "restore it from a backup, or remove it to have every file in the Drive folder looked at again (those "
                "already loaded are then recorded as duplicates and add nothing)."
            ) from None

    def write_record(self, rows: list[dict]) -> None:
        """Replace the record, whole or not at all, never through a link."""
        content = json.dumps(rows, indent=1, ensure_ascii=False).encode("utf-8")
        self.write_file(RECORD, content, replace=True)

    def taken(self) -> set[tuple[str, str]]:
        """(file ID, version) of every file ever taken, and of every later version of a Google Sheet found to be the
        same as the one taken (its first sheet unchanged)."""
        return {
            (row["file_id"], version)
            for row in self.read_record()
            for version in (row["version"], *row.get("same_content_versions", ()))
        }


def _record(file: DriveFile, copied_as: str | None, sha256: str | None) -> dict:
    return {
        "file_id": file.id,
        "version": file.version,
        "name": file.name,
        "copied_as": copied_as,
        "sha256": sha256,
        "modified_time": file.modified_time,
        "taken_at": now().isoformat(),
        "status": COPIED,
        "google_sheet": file.mime_type == GOOGLE_SHEET,
        "note": None,
        "note_state": "none",
        # a note of ours on an earlier version, to clear if this one loads
        "had_our_note": file.description.startswith(NOTE_START),
    }


def _settle(row: dict, status: str, reason: str | None, at: pd.Timestamp) -> None:
    """What became of a file taken, and the note its description should carry."""
    row["status"] = status
    if status == REJECTED:
        reason = reason or "it could not be read"
        row["note"], row["note_state"] = note_text(reason, at, sheet=row.get("google_sheet", False)), "pending"
    elif row["had_our_note"]:
        row["note"], row["note_state"] = "", "pending"  # a corrected version loaded: the old note would mislead


def _same_as_last_taken(rows: list[dict], file: DriveFile, content: bytes) -> bool:
    """Whether a Google Sheet's export is the copy last taken of it; if so this version is recorded as taken too."""
    last = next((row for row in reversed(rows) if row["file_id"] == file.id and row["sha256"]), None)
    if last is None or last["sha256"] != content_hash(content):
        return False
    last.setdefault("same_content_versions", []).append(file.version)
    return True
