"""What every drop folder is (`EventDropFolder`), and the working folder every kind of drop folder shares.

The ops person drops the event reports (Zoom, Teams, Google Meet, the registration forms, the
offline template) into one folder, FUNNEL_ZOOM_DROP_DIR: a local or shared folder (`local.py`)
or a Google Drive folder (`drive.py`). The sensor and the `zoom_ingest` step see every kind
through this interface alone:

- `glance` (the sensor, each tick): what is where the reports are dropped, and what is ready;
- `take_in` (the step, first): bring what is ready into the working folder; a local folder is its
  own working folder, a Drive folder's files are copied into one under FUNNEL_DATA_DIR;
- everything after that (the methods of this base): the files waiting in the working folder are
  read, judged, archived, rejected or let go, and the ledger written, the same way for every kind;
- `Intake.tell` (the step, last): tell where the files were dropped what became of them.

The working folder (`directory`: FUNNEL_ZOOM_DROP_DIR itself, or FUNNEL_DATA_DIR/zoom_drive for Drive):

    <folder>/                  the reports waiting to be judged
    <folder>/processed/        every report ever loaded, named <content hash>__<original name>;
                               the event tables are rebuilt from these on every run
    <folder>/ledger/ingested_files.csv
                               every file ever dropped and what became of it (the ingested_files table)
    <folder>/rejected/         files that could not be read, each with <name>.reason.txt beside it

Each archived report as parsed is kept in FUNNEL_DATA_DIR/zoom_parsed/<sha256>.arrow (Arrow IPC), so a report
is parsed once and later runs read its rows back; safe to delete (a missing or damaged entry is parsed again
from processed/). It is kept off the share on purpose: anyone on the share could otherwise put other rows
in place of a real report's, unseen in the ledger.

Names the pipeline derives from a dropped file's name (the archived copy, the rejected copy and its
note) are made safe and at most 150 bytes long (files.safe_name: a long name keeps its start and
suffix around a digest of the whole name); the ledger keeps the name as dropped.

Hidden names: a CSV whose name starts with `.` or `~$` is judged like any other (loaded, or
rejected with a reason) and the run's log says it was hidden, except the system's own sidecar
files, ignored quietly without a word: macOS's `._<name>` (AppleDouble, beside files copied from a
Mac) and Office's `~$<name>` lock files, told from a report by their binary content (a NUL byte in
the first 512 bytes; no event report holds one).

Finished copying is judged by two looks at a file a moment apart seeing the same size and
modification time (the sensor compares its previous tick with this one; the step looks twice,
`settle_seconds` apart). Age alone proves nothing: a copy tool that keeps the original's
modification time (Windows Explorer, `cp -p`, robocopy) makes a half-copied file look old.
Right before a drop copy is removed or moved to `rejected/`, it is looked at once more: if its
size, modification time or content differ from what was read, it was still being copied, and it
stays in the folder for the next run, which judges it again.

Links: the folder is shared, so anyone on the share may leave a symbolic link in it, and the
pipeline never follows one.

- A link dropped in the folder is never read, moved or removed: it is skipped with a warning in
  the run's log. Ignored rather than rejected, because a link cannot be made by dropping a
  report through the share (Windows and macOS make shortcut and alias files, which are not
  `.csv`): someone with access to the server made it, that is who reads the log, and moving it
  aside would mean acting on a name someone else planted.
- Every file the pipeline writes (an archived report, a rejection note, the ledger) is created
  new, never through a link (O_CREAT | O_EXCL | O_NOFOLLOW), then linked or renamed into place.
  A link at a name the pipeline writes or reads (a sub-folder, an archived report, the ledger)
  stops the step with a message saying what to remove: nothing outside the folder is written.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from funnel_assets.io import files
from funnel_assets.io.files import safe_name
from funnel_assets.io.sources.csv_reading import read_csv_text
from funnel_assets.io.warehouse.column_kinds import column_kind
from funnel_assets.io.warehouse.csv_encoding import formula_risk, formula_safe
from funnel_assets.lib.clock import now
from funnel_assets.lib.zoom_ingest import Archived, Verdict, content_hash
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError, report_from_table, report_table
from funnel_assets.settings import data_subfolder

PROCESSED_FOLDER = "processed"
# each archived report as parsed, by content hash (<sha256>.arrow), so it is parsed once, not on every run
PARSED = "zoom_parsed"
LEDGER = Path("ledger") / "ingested_files.csv"
REJECTED_FOLDER = "rejected"
# browsers and copy tools write these while a download or copy is still under way
UNFINISHED_SUFFIXES = (".part", ".crdownload", ".tmp", ".download")
# names most file browsers hide; a file so named is read like any other, unless it is one of the system's own
# sidecar files: macOS's `._<name>` (AppleDouble) beside a file copied from a Mac, Office's `~$<name>` lock file
HIDDEN_PREFIXES = (".", "~$")
SIDECAR_PREFIXES = ("._", "~$")


class DropFolderError(RuntimeError):
    """Something in the drop folder is not as the pipeline left it; the message says what to do."""


@dataclass(frozen=True)
class Look:
    """What a glance at a file sees without reading it: enough to tell that it is still growing."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> Look:
        return cls(status.st_size, status.st_mtime_ns)


@dataclass(frozen=True)
class DroppedFile:
    """A dropped file as it was read: the look and content hash it is checked against before it goes."""

    path: Path
    look: Look
    sha256: str
    content: bytes = field(repr=False)


# a Dagster logger: the sensor's (context.log) or the step's (dg.get_dagster_logger())
Log = logging.Logger | dg.DagsterLogManager


@dataclass(frozen=True)
class ReadyFile:
    """A file the sensor found ready to be taken."""

    name: str
    # what changes when the file does (its name or ID, and its size and time, or its version): a run is started
    # once for each set of these
    version: str


@dataclass(frozen=True)
class Glance:
    """One look at where the reports are dropped, as the sensor takes it each tick, and what it says about it."""

    seen: dict[str, list]  # each file as this look saw it (by name, or by ID): the next look compares with it
    ready: list[ReadyFile]  # seen alike by the previous look and ready to be taken, oldest first
    nothing_ready: str  # the tick's skip reason when no file is ready
    already_started: str  # the tick's skip reason when a run was already started for the ready files
    starting: str  # the sensor's log line when it starts a run for them


@dataclass(frozen=True)
class Told:
    """What telling where the files were dropped came to."""

    problems: list[str] = field(default_factory=list)  # for the run's log: what could not be told, and what to do
    facts: dict[str, int] = field(default_factory=dict)  # for the run's metadata


def _nothing_to_tell(verdicts: list[Verdict], at: pd.Timestamp) -> Told:
    return Told()


@dataclass(frozen=True)
class Intake:
    """What one run brought into the working folder from where the reports are dropped, before any is judged; a
    local folder is its own working folder, so the default brings nothing and has nothing to tell."""

    # files taken but not brought in, as the ledger records them (rejected, with no content to hash)
    refused: list[Verdict] = field(default_factory=list)
    arriving: int = 0  # files seen where they are dropped but left for a later look
    # after the ledger is written: tell where the files were dropped what became of each (verdicts, the run's time)
    tell: Callable[[list[Verdict], pd.Timestamp], Told] = _nothing_to_tell


class EventDropFolder(dg.ConfigurableResource, ABC):
    """The folder the event reports are dropped into (FUNNEL_ZOOM_DROP_DIR), of whatever kind, and the working
    folder its reports are judged, archived and recorded in."""

    directory: str = Field(description="Folder watched for event reports (FUNNEL_ZOOM_DROP_DIR).")
    # event reports are small and copy in well under a second; a run the sensor started has already seen
    # its files unchanged across a minute, and every file is looked at again before it is let go
    settle_seconds: float = Field(
        default=2.0,
        description="The step looks at the waiting files twice, this many seconds apart: a file whose size or "
        "modification time changed in between is still being copied and waits for the next run.",
    )
    # defs/resources.py passes the settings' folder; a folder built by hand falls back to where the settings put it
    parsed_directory: str = Field(
        default_factory=lambda: data_subfolder(PARSED),
        description="Where each loaded report is kept as parsed, off the share (FUNNEL_DATA_DIR/zoom_parsed).",
    )

    # what the sensor's cursor keeps this kind's looks under, and how its run keys start: each kind has its own, so
    # what one kind left (before the setting changed) is never taken for another's
    cursor_key: ClassVar[str]
    run_key_prefix: ClassVar[str]

    @property
    def path(self) -> Path:
        return Path(self.directory).expanduser()

    # -- what differs between kinds of folder: where the reports are dropped ---------------------------

    @abstractmethod
    def glance(self, earlier: Mapping[str, list], log: Log) -> Glance:
        """The sensor's look at where the reports are dropped: what is there now, and which files the previous look
        (`earlier`: its `Glance.seen`) saw alike and are ready to be taken."""

    @abstractmethod
    def take_in(self) -> Intake:
        """Bring the reports ready where they are dropped into the working folder, where the step then judges them."""

    # -- the working folder, the same for every kind: what is waiting -----------------------------

    def looks(self) -> dict[Path, Look]:
        """Every CSV file in the folder (not its sub-folders, not a link), as a glance sees it now."""
        return {path: Look.of(status) for path, status in self._entries() if stat.S_ISREG(status.st_mode)}

    def links(self) -> list[Path]:
        """Links with a CSV name dropped in the folder: never read (see the module's docstring)."""
        return [path for path, status in self._entries() if stat.S_ISLNK(status.st_mode)]

    def waiting_files(self, meanwhile: Callable[[list[Path]], object] | None = None) -> list[Path]:
        """CSV files unchanged across two looks `settle_seconds` apart, oldest first; links are skipped, with a warning.

        `meanwhile` gets the files of the first look, to start on while the second look waits (the
        time it takes counts towards the pause); only what the second look confirms is returned."""
        for link in self.links():
            dg.get_dagster_logger().warning(
                f"{link} is a link, not a file, and was not read: remove it and drop the report itself."
            )
        first = self.looks()
        if not first:
            return []
        started = time.monotonic()
        if meanwhile is not None:
            meanwhile(steady(first, first))
        self.pause_between_looks(max(0.0, self.settle_seconds - (time.monotonic() - started)))
        return steady(first, self.looks())

    def pause_between_looks(self, seconds: float) -> None:
        time.sleep(seconds)

    def still_arriving(self) -> list[Path]:
        """What is in the folder and not yet read: CSV files (after a run, those that were still changing),
        and the unfinished downloads copy tools leave while they work."""
        if not self.path.is_dir():
            return []
        unfinished = [p for p in self.path.iterdir() if p.name.endswith(UNFINISHED_SUFFIXES) and not p.is_symlink()]
        return sorted({*self.looks(), *unfinished})

    def _entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        if not self.path.is_dir():
            return
        for path in self.path.iterdir():
            if path.suffix.lower() != ".csv":
                continue
            try:
                status = path.lstat()
            except FileNotFoundError:
                continue  # moved away between listing and looking
            if not _system_sidecar(path, status):
                yield path, status

    # -- reading a dropped file, and letting it go --------------------------------------------

    def read(self, path: Path) -> DroppedFile | None:
        """The file's content, size and modification time; None if it is gone, a link or not a plain file."""
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EMLINK):  # swapped for a link since it was listed
                return None
            raise
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                return None
            content = handle.read()
        return DroppedFile(path, Look.of(status), content_hash(content), content)

    def unchanged(self, dropped: DroppedFile) -> bool:
        """Still the file that was read: same size, modification time and content."""
        again = self.read(dropped.path)
        return again is not None and again.look == dropped.look and again.sha256 == dropped.sha256

    def remove(self, dropped: DroppedFile) -> bool:
        """Remove a handled drop copy; False (and left for the next run) if it changed since it was read."""
        if not self.unchanged(dropped):
            return False
        dropped.path.unlink(missing_ok=True)
        return True

    def reject(self, dropped: DroppedFile, reason: str) -> Path | None:
        """Move a bad file aside with a note in plain words beside it; None (left for the next run) if it changed
        since it was read, as a file still being copied does."""
        if not self.unchanged(dropped):
            return None
        note = (
            f"This file was not loaded.\n\nWhy: {reason}\n\n"
            "What to do: download the report from Zoom again (Reports > Webinars > Registration or "
            "Attendee report, CSV) and drop the new file into the drop folder. This file can then be deleted.\n"
        )
        stamp = now().strftime("%Y-%m-%d_%H%M%S")
        with self._subfolder(REJECTED_FOLDER) as folder:
            name = _new_name_with_note(folder, stamp, safe_name(dropped.path.name), note.encode("utf-8"))
            files.move(
                dropped.path, self.path / REJECTED_FOLDER / name
            )  # a rename moves the entry, never through a link
        return self.path / REJECTED_FOLDER / name

    # -- the archive ----------------------------------------------------------------------------

    def archive(self, dropped: DroppedFile) -> Path:
        """Keep a loaded report for good: the bytes that were read and judged, under their content hash (the
        drop copy stays until the archive is complete, so a crash never loses the only copy)."""
        # shortened when long (the ledger keeps the name it was dropped under): a name of 250 bytes would not fit
        name = f"{dropped.sha256[:16]}__{safe_name(dropped.path.name)}"
        target = self.path / PROCESSED_FOLDER / name
        with self._subfolder(PROCESSED_FOLDER) as folder:
            if not _is_plain_file(folder, name):  # a plain file of that name holds this very content
                _write_in_place(folder, target, dropped.content, replace=False)
        return target

    def archived_files(self) -> list[Path]:
        """The archived reports; a link among them is never read (it would read a file outside the folder)."""
        folder = self.path / PROCESSED_FOLDER
        if folder.is_symlink():
            raise DropFolderError(_link_message(folder))
        if not folder.is_dir():
            return []
        files = []
        for path in sorted(folder.glob("*.csv")):
            if path.is_symlink():
                dg.get_dagster_logger().warning(
                    f"{path} is a link, not an archived report, and was not read: remove it."
                )
            elif path.is_file():
                files.append(path)
        return files

    def archived_reports(self) -> Iterator[Archived]:
        """The archived reports, each with its content's hash (read a piece at a time); the content itself is
        read only if it has to be parsed."""
        for path in self.archived_files():
            sha = _streamed_hash(path)
            if sha is not None:
                yield Archived(path.name.split("__", 1)[-1], sha, lambda path=path: self._archived_content(path))

    def _archived_content(self, path: Path) -> bytes:
        dropped = self.read(path)
        if dropped is None:
            raise ZoomReportError(f"{path}: the archived copy went away (or became a link) while the run read it.")
        return dropped.content

    # -- reports as parsed, kept beside the archive ---------------------------------------------------

    @property
    def _cache_folder(self) -> Path:
        return Path(self.parsed_directory)

    def kept_report(self, sha256: str, file_name: str) -> ZoomReport | None:
        """The report parsed from this content on an earlier run; None when none is kept, or it cannot be read
        (damaged, a link, an older format): the report is then parsed again, and kept anew."""
        try:
            with files.open_folder(self._cache_folder, create=False) as folder:
                descriptor = os.open(f"{sha256}.arrow", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder)
            with os.fdopen(descriptor, "rb") as handle:
                table = pa.ipc.open_file(handle).read_all()
            table.validate(full=True)  # anyone on the share can write here: a malformed file is refused, not read
            return report_from_table(table, file_name)
        except (OSError, pa.ArrowException, ValueError, KeyError, TypeError):
            return None

    @contextmanager
    def keeping_reports(self) -> Iterator[Callable[[str, ZoomReport], None]]:
        """`keep_report` on a thread of its own, so the next report is parsed while one is written (compressed and
        flushed to disk, a third of the parsing's time done in turn); every report is kept, or its failure raised,
        by the end of the block."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="keep-parsed-reports") as keeper:
            queued: list[Future[None]] = []
            yield lambda sha256, report: queued.append(keeper.submit(self.keep_report, sha256, report))
            for keeping in queued:
                keeping.result()

    def keep_report(self, sha256: str, report: ZoomReport) -> None:
        """Keep a parsed report for the next runs (written new and renamed into place, never through a link).
        Only a saving: if it cannot be written, the report is parsed again next time, and the log says why."""
        table = report_table(report)
        try:
            compressed = pa.ipc.IpcWriteOptions(compression="zstd")
            with (
                files.writing(self._cache_folder / f"{sha256}.arrow") as handle,
                pa.ipc.new_file(handle, table.schema, options=compressed) as out,
            ):
                out.write_table(table)
        except OSError as exc:
            dg.get_dagster_logger().warning(
                f"{report.file_name} was loaded, but its parsed rows could not be kept in {self._cache_folder} "
                f"({exc.strerror or exc}); the next run parses it again."
            )

    # -- the ledger -----------------------------------------------------------------------------

    def read_ledger(self) -> pd.DataFrame | None:
        """Every file dropped before, as the ledger last written (None before the first run)."""
        path = self.path / LEDGER
        for part in (path.parent, path):
            if part.is_symlink():
                raise DropFolderError(_link_message(part))
        if not path.is_file():
            return None
        # the ledger's rules stay pandas this round
        ledger = read_csv_text(path, label=f"the Zoom ledger {path}").frame.to_pandas()
        return pd.DataFrame({column: _as_text(_formula_unsafe(_strings(ledger[column]))) for column in ledger.columns})

    def write_ledger(self, ledger: pd.DataFrame) -> None:
        """Replace the ledger beside the archive it describes (whole, or not at all; never through a link).

        The ops person opens it in a spreadsheet program, so its text is escaped as the exports' is (a file
        named `=HYPERLINK(...).csv` stays a name); read_ledger gives back exactly what was written."""
        text = [column for column in ledger.columns if column_kind(ledger[column]) == "text"]
        escaped = ledger.assign(
            **{column: _as_text(_formula_safe_reversibly(_strings(ledger[column]))) for column in text}
        )
        content = escaped.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S.%f%z").encode("utf-8")
        self.write_file(LEDGER, content, replace=True)

    # -- writing safely -------------------------------------------------------------------------

    def write_file(self, name: str | Path, content: bytes, *, replace: bool) -> Path:
        """Write a file of the working folder (`name` within it), whole or not at all (files.py's writing), never
        through a link.

        Without `replace` an existing plain file keeps its name (it holds this very content); with `replace`, an
        earlier plain file is replaced. A link (or anything but a plain file) at the name, or at a folder on the way,
        stops the step with a message saying what to remove."""
        target = self.path / name
        with self._subfolder(Path(name).parent) as folder:
            _write_in_place(folder, target, content, replace=replace)
        return target

    @contextmanager
    def _subfolder(self, name: str | Path) -> Iterator[int]:
        """A sub-folder of the drop folder, made if missing and opened without following a link: every
        write inside goes through this handle, so a link swapped in for the folder cannot redirect it."""
        path = self.path / name
        with ExitStack() as opened:
            try:
                folder = opened.enter_context(files.open_folder(path))
            except files.UnsafePathError as exc:
                raise DropFolderError(
                    _link_message(Path(exc.filename))
                ) from None  # the folder on the way that is a link
            yield folder


def _streamed_hash(path: Path) -> str | None:
    """The SHA-256 of a plain file read a piece at a time, never through a link; None if it is gone or not one."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    digest = hashlib.sha256()
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def first_names(names: list[str]) -> str:
    """The first five names, for a line of the log."""
    return ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")


def hidden_name(name: str) -> str | None:
    """For the run's log: a dropped file whose name most file browsers hide, said in plain words."""
    prefix = next((p for p in HIDDEN_PREFIXES if name.startswith(p)), None)
    if prefix is None:
        return None
    return (
        f"{name}: its name starts with '{prefix}', so most file browsers hide it. It was read like any other "
        "dropped file (see ingested_files); rename such files before dropping them so that people can see them."
    )


def _system_sidecar(path: Path, status: os.stat_result) -> bool:
    """macOS's `._<name>` and Office's `~$<name>`, told by their binary content (a NUL byte, which no event
    report holds): ignored quietly, as the system makes them. A text file of such a name is read as any other."""
    if not path.name.startswith(SIDECAR_PREFIXES) or not stat.S_ISREG(status.st_mode):
        return False
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False  # gone or swapped for a link: the listing's look decides
    with os.fdopen(descriptor, "rb") as handle:
        return b"\0" in handle.read(512)


def _strings(column: pd.Series) -> pa.Array:
    return pa.array(column.astype(object), type=pa.string(), from_pandas=True)


def _as_text(text: pa.Array) -> list[str | None]:
    return text.to_pylist()


def _quoted_formula(text: pa.Array) -> pa.Array:
    """Values that are apostrophes followed by what formula_safe escapes: the escaped form of something."""
    return pc.and_(pc.fill_null(pc.starts_with(text, "'"), False), formula_risk(pc.utf8_ltrim(text, "'")))


def _formula_safe_reversibly(text: pa.Array) -> pa.Array:
    """formula_safe, and one more apostrophe before a value that already looks escaped (`'=x`), so that
    _formula_unsafe can tell `=x` (written `'=x`) from `'=x` (written `''=x`)."""
    return pc.if_else(_quoted_formula(text), pc.binary_join_element_wise("'", text, ""), formula_safe(text))


def _formula_unsafe(text: pa.Array) -> pa.Array:
    """The values _formula_safe_reversibly was given."""
    return pc.if_else(_quoted_formula(text), pc.utf8_slice_codeunits(text, 1), text)


def steady(first: dict[Path, Look], second: dict[Path, Look]) -> list[Path]:
    """The files two looks saw alike (same size, same modification time), oldest first."""
    same = [path for path, look in second.items() if first.get(path) == look]
    return sorted(same, key=lambda path: (second[path].mtime_ns, path.name))


def _link_message(path: Path) -> str:
    return (
        f"{path} is a link (or not a plain file or folder). The pipeline never reads or writes through links "
        "in the drop folder, so it stopped there, and the reports it had not finished with stay in the drop "
        "folder. Ask whoever looks after the server to remove it; the next run then carries on."
    )


def _status(folder: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _is_plain_file(folder: int, name: str) -> bool:
    status = _status(folder, name)
    return status is not None and stat.S_ISREG(status.st_mode)


def _create_new(folder: int, name: str, content: bytes) -> None:
    """Write a file that did not exist: never through a link, never over another file (FileExistsError)."""
    files.write_in(folder, name, content, replace=False)


def _write_in_place(folder: int, target: Path, content: bytes, *, replace: bool) -> None:
    """Write `target` (in the open `folder`) whole or not at all (files.py's writing).

    Without `replace` an existing plain file keeps its name (an archived report holds this very content); with
    `replace` (the ledger), an earlier plain file is replaced. A link (or anything but a plain file) at the name is
    refused."""
    try:
        files.write_in(folder, target.name, content, replace=replace)
    except FileExistsError:
        if not _is_plain_file(folder, target.name):  # a link at the name
            raise DropFolderError(_link_message(target)) from None
    except files.UnsafePathError:
        raise DropFolderError(_link_message(target)) from None


def _new_name_with_note(folder: int, stamp: str, file_name: str, note: bytes) -> str:
    """`<stamp>__<file name>` (or `<stamp>_<n>__<file name>`) with no file or link there yet, its
    `.reason.txt` note beside it created new: a link planted at a note's name is passed by, never written."""
    for attempt in range(1000):
        name = f"{stamp}__{file_name}" if attempt == 0 else f"{stamp}_{attempt}__{file_name}"
        if _status(folder, name) is not None:
            continue
        try:
            _create_new(folder, f"{name}.reason.txt", note)
        except FileExistsError:
            continue
        return name
    raise DropFolderError(f"could not find a free name in rejected/ for {file_name}: 1000 names were all taken.")
