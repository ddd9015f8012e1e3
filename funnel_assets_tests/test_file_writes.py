"""Every file the project writes goes through funnel_assets/io/files.py, which follows no link.

Two walks close the boundary where it is defined:
- the code's write sites: every module of funnel_assets/ is parsed, and any call that writes a file outside
  io/files.py fails the test, naming file and line (a new write site is caught before anyone finds it);
- the written paths: the real daily_refresh runs through Dagster on the sample data while every path files.py
  writes is recorded; then a link to a victim outside is planted at each recorded path and at each folder on the
  way, and the run is repeated: the victim is untouched and the run names the link in plain words.
"""

from __future__ import annotations

import ast
import errno
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from funnel_assets.definitions import build_definitions
from funnel_assets.io import files
from funnel_assets.io.drop_folders import EventDropFolder
from funnel_assets.io.drop_folders import base as drop_folder_base
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.settings import PROJECT_ROOT, SAMPLE_DATA_DIR, Settings

PACKAGE = PROJECT_ROOT / "funnel_assets"
THE_PRIMITIVE = PACKAGE / "io" / "files.py"

# -- the code's write sites ---------------------------------------------------------------------------------------

WRITING_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE"}
# module functions that create, replace or write a file or folder, by the name they are called through
WRITING_FUNCTIONS = (
    {
        ("os", name)
        for name in (
            "replace",
            "rename",
            "renames",
            "link",
            "symlink",
            "mkdir",
            "makedirs",
            "mknod",
            "mkfifo",
            "truncate",
        )
    }
    | {("shutil", name) for name in ("copy", "copy2", "copyfile", "copytree", "move", "copymode", "copystat")}
    | {
        ("tempfile", name)
        for name in (
            "mkstemp",
            "mkdtemp",
            "NamedTemporaryFile",
            "TemporaryFile",
            "SpooledTemporaryFile",
            "TemporaryDirectory",
        )
    }
)
# methods that write whatever their receiver is (a Path's)
WRITING_METHODS = {"write_text", "write_bytes", "mkdir", "touch", "symlink_to", "hardlink_to", "link_to", "makedirs"}
# pandas / pyarrow writers: a write when given a path (pandas returns the text when given none)
FRAME_WRITERS = {
    "to_csv",
    "to_parquet",
    "to_feather",
    "to_excel",
    "to_json",
    "to_pickle",
    "to_hdf",
    "to_stata",
    "to_orc",
    "to_xml",
    "tofile",
}
ARROW_WRITERS = {"write_csv", "write_feather", "write_table", "write_to_dataset"}
OPENERS = {"open", "fdopen"}  # builtins.open, Path.open, os.fdopen, io/gzip/codecs/tarfile.open


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_writing_mode(node: ast.AST | None) -> bool:
    """A mode that writes, or one not known before running (then it might)."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(letter in node.value for letter in "wax+")
    return True


def _looks_like_a_path(node: ast.AST) -> bool:
    """An argument that names a file (a text, an f-string, a `/` join, Path(...) or a name saying path/dir/file)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bytes)
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
        return True
    if isinstance(node, ast.Call):
        return _dotted(node.func).split(".")[-1] in ("Path", "str", "join", "with_name", "with_suffix", "joinpath")
    name = _dotted(node).split(".")[-1].lower()
    return any(word in name for word in ("path", "dir", "dest", "file", "target", "export", "folder"))


def _mode_argument(call: ast.Call, position: int) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == "mode":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def write_sites(source: str) -> list[tuple[int, str]]:
    """(line, what) of every call in `source` that writes a file or folder by itself."""
    found = []
    for call in (node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)):
        func, dotted = call.func, _dotted(call.func)
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        receiver = _dotted(func.value) if isinstance(func, ast.Attribute) else ""
        what = None
        if receiver == "files":
            continue  # the primitive itself, called as files.<name>
        if dotted == "os.open":
            flags = (
                {n.attr for n in ast.walk(call.args[1]) if isinstance(n, ast.Attribute)}
                if len(call.args) > 1
                else set()
            )
            flags |= {n.id for n in ast.walk(call.args[1]) if isinstance(n, ast.Name)} if len(call.args) > 1 else set()
            if flags & WRITING_FLAGS:
                what = "os.open for writing"
        elif tuple(dotted.rsplit(".", 1)) in WRITING_FUNCTIONS or dotted in {"os.rmdir"}:
            what = dotted
        elif dotted == "shutil.rmtree":
            if not any(keyword.arg == "dir_fd" for keyword in call.keywords):
                what = "shutil.rmtree without dir_fd (a link above the folder would be followed)"
        elif name in OPENERS:
            # builtins/io/codecs/gzip/tarfile open(file, mode); Path.open(mode); os.fdopen(fd, mode)
            position = (
                0
                if isinstance(func, ast.Attribute)
                and receiver not in ("io", "codecs", "gzip", "bz2", "lzma", "tarfile", "os", "builtins")
                else 1
            )
            if _is_writing_mode(_mode_argument(call, position)):
                what = f"{dotted or name}() with a writing mode"
        elif isinstance(func, ast.Attribute) and name in WRITING_METHODS:
            what = f".{name}()"
        elif (
            isinstance(func, ast.Attribute)
            and name in ("replace", "rename")
            and len(call.args) == 1
            and not call.keywords
        ):
            # Path.replace/rename(target); str.replace takes two arguments, pandas' rename a mapping by keyword or
            # a new name, often at the end of a chain (`.size().rename(name)`)
            chained = isinstance(func.value, ast.Call) and not _looks_like_a_path(func.value)
            if not chained and not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
                what = f".{name}(target) (Path.{name})"
        elif name in FRAME_WRITERS:
            given = (
                call.args[0]
                if call.args
                else next(
                    (k.value for k in call.keywords if k.arg in ("path", "path_or_buf", "excel_writer", "fname")), None
                )
            )
            if given is not None and not (isinstance(given, ast.Constant) and given.value is None):
                what = f".{name}() given a destination"
        elif name in ARROW_WRITERS:
            given = (
                call.args[1]
                if len(call.args) > 1
                else next(
                    (k.value for k in call.keywords if k.arg in ("output_file", "where", "dest", "root_path")), None
                )
            )
            if given is not None and _looks_like_a_path(given):
                what = f"{dotted or name}() given a path"
        elif name in ("ZipFile", "TarFile") and _is_writing_mode(_mode_argument(call, 1)):
            what = f"{name}() for writing"
        if what:
            found.append((call.lineno, what))
    return found


def test_the_walker_finds_every_kind_of_write_site():
    """The walker itself, on one instance of each way Python writes a file (so the walk below means something)."""
    sample = """
open(path, "w")
open(path, mode="ab")
open(path, mode)
Path(p).open("w", encoding="utf-8")
path.write_text("x")
path.write_bytes(b"x")
os.replace(a, b)
os.rename(a, b)
os.link(a, b)
shutil.copyfile(a, b)
shutil.move(a, b)
path.mkdir(parents=True)
os.makedirs(path)
frame.to_csv(path, index=False)
frame.to_parquet(export_path)
pacsv.write_csv(table, "out.csv")
path.touch()
partial.replace(dest)
partial.rename(dest)
Path(name).with_suffix(".part").replace(dest)
os.open(name, os.O_WRONLY | os.O_CREAT)
os.fdopen(descriptor, "wb")
shutil.rmtree(folder)
tempfile.NamedTemporaryFile()
"""
    lines = {line for line, _ in write_sites(sample)}
    assert lines == set(range(2, 2 + len(sample.strip().splitlines()))), sorted(lines)
    harmless = """
open(path)
path.open("rb")
path.open(encoding="utf-8", errors="replace", newline="")
text.replace("a", "b")
day.replace(day=1)
frame.rename(columns={"a": "b"})
counts.rename("n")
frame.groupby("a").size().rename(name)
frame.to_csv(index=False)
pacsv.write_csv(table, out)
os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
os.fdopen(descriptor, "rb")
shutil.rmtree(entry.name, dir_fd=folder)
files.write_bytes(path, b"x")
files.writing(path, "w")
"""
    assert write_sites(harmless) == []


def test_no_module_writes_a_file_except_through_io_files():
    """Every write site of the runtime package goes through io/files.py (which follows no link)."""
    offenders = [
        f"{module.relative_to(PROJECT_ROOT)}:{line}: {what}"
        for module in sorted(PACKAGE.rglob("*.py"))
        if module != THE_PRIMITIVE
        for line, what in write_sites(module.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "write through funnel_assets/io/files.py instead:\n" + "\n".join(offenders)


# -- the written paths --------------------------------------------------------------------------------------------

RUN_ID = str(uuid.UUID(int=21))  # every run gets this id, so its landing folder is where the first run's was
FROZEN_NOW = pd.Timestamp("2026-06-01 10:00:00", tz="Asia/Kolkata")


def _initial_state(root: Path) -> None:
    """What a run finds before it starts: the sample Zoom reports and one bad file waiting in the drop folder."""
    if root.exists():
        shutil.rmtree(root)
    drop = root / "zoom_drop"
    drop.mkdir(parents=True)
    for report in (SAMPLE_DATA_DIR / "zoom").glob("*.csv"):
        shutil.copy2(report, drop / report.name)
    (drop / "not_a_zoom_report.csv").write_text("a,b\n1,2\n", encoding="utf-8")


def _run(settings: Settings) -> tuple[dg.ExecuteInProcessResult, str]:
    """daily_refresh as definitions.py builds it; the result and every word the run said."""
    instance = dg.DagsterInstance.ephemeral()
    result = (
        build_definitions(settings)
        .resolve_job_def("daily_refresh")
        .execute_in_process(instance=instance, raise_on_error=False, run_id=RUN_ID)
    )
    said = []
    for entry in instance.all_logs(RUN_ID):
        said.append(entry.user_message or "")
        event = entry.dagster_event
        if event is None:
            continue
        if event.is_step_failure:
            data = event.step_failure_data
            error = data.error
            while error is not None:
                said.append(error.message)
                error = error.cause
            if data.user_failure_data is not None:
                said.append(data.user_failure_data.description or "")
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            said.append(event.asset_check_evaluation_data.description or "")
    return result, "\n".join(said)


def _victims(base: Path) -> tuple[Path, Path]:
    victim_file, victim_folder = base / "victim.txt", base / "victim_folder"
    victim_folder.mkdir(parents=True)
    victim_file.write_text("victim: must never change\n", encoding="utf-8")
    (victim_folder / "keep.txt").write_text("keep\n", encoding="utf-8")
    return victim_file, victim_folder


def _untouched(victim_file: Path, victim_folder: Path) -> list[str]:
    problems = []
    if victim_file.read_text(encoding="utf-8") != "victim: must never change\n":
        problems.append(f"{victim_file} was overwritten")
    entries = sorted(p.name for p in victim_folder.iterdir())
    if entries != ["keep.txt"] or (victim_folder / "keep.txt").read_text(encoding="utf-8") != "keep\n":
        problems.append(f"{victim_folder} was written into: {entries}")
    if sorted(p.name for p in victim_file.parent.iterdir()) != ["victim.txt", "victim_folder"]:
        problems.append(
            f"something was written beside the victims: {sorted(p.name for p in victim_file.parent.iterdir())}"
        )
    return problems


@pytest.fixture
def sample_run(tmp_path, monkeypatch):
    """The project's settings on the sample data under a temporary root (warehouse: the SQLite default in the data
    folder; exports on, in their default folder under it), resolved once as definitions.py does."""
    root = tmp_path / "root"
    _initial_state(root)
    settings = Settings.from_env(
        {
            "FUNNEL_DATA_DIR": str(root / "data"),
            "FUNNEL_ZOOM_DROP_DIR": str(root / "zoom_drop"),
            "FUNNEL_MAPPINGS_DIR": str(PROJECT_ROOT / "mappings"),
        }
    )
    assert settings.export_dir == root / "data" / "exports" and settings.warehouse_url.endswith("data/warehouse.sqlite")
    # the sample files never change while read: no pause between the two looks; one clock for the rejected names
    monkeypatch.setattr(EventDropFolder, "pause_between_looks", lambda self, seconds: None)
    monkeypatch.setattr(drop_folder_base, "now", lambda: FROZEN_NOW)
    return root, settings


def _recorded(root: Path, settings: Settings) -> set[Path]:
    written: list[tuple[str, Path]] = []
    files.watchers.append(lambda kind, path: written.append((kind, Path(path))))
    try:
        result, _ = _run(settings)
    finally:
        files.watchers.clear()
    assert result.success
    return {path for _, path in written}


def _plant_targets(root: Path, recorded: set[Path]) -> list[Path]:
    """Each recorded path and each folder on the way to it, below the root."""
    targets = set()
    for path in recorded:
        assert path.is_relative_to(root), f"{path} was written outside the run's folders"
        for part in (path, *path.parents):
            if part != root and part.is_relative_to(root):
                targets.add(part)
    return sorted(targets)


def test_a_link_planted_at_any_path_the_project_writes_is_never_followed(sample_run, tmp_path):
    root, settings = sample_run
    recorded = _recorded(root, settings)
    targets = _plant_targets(root, recorded)
    folders = {p for p in targets if p.is_dir()}
    # the walk found every kind of write of a run: exports, landing files, the SQLite warehouse, the archive,
    # the ledger and a rejected file with its note
    for expected in (
        "data/exports/spend_by_funnel.csv",
        "data/warehouse.sqlite",
        "zoom_drop/ledger/ingested_files.csv",
    ):
        assert root / expected in recorded, expected
    assert any(p.parent == root / "zoom_drop" / "processed" for p in recorded)
    assert any(p.name.endswith(".reason.txt") for p in recorded)
    assert len([p for p in recorded if p.is_relative_to(root / "data" / "landing") and p.suffix == ".csv"]) == 4

    # one run per folder of the tree (a link there stops everything below it), one per folder's files (all planted
    # at once: each one is refused by the step writing it, or the step stopped at a sibling before reaching it)
    groups = [[folder] for folder in sorted(folders)]
    groups += [sorted(p for p in targets if p not in folders and p.parent == folder) for folder in sorted(folders)]
    groups = [group for group in groups if group]
    failures = []
    for number, group in enumerate(groups):
        _initial_state(root)
        victim_file, victim_folder = _victims(tmp_path / f"victims_{number}")
        for target in group:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            target.unlink(missing_ok=True)
            target.symlink_to(
                victim_folder if target in folders else victim_file, target_is_directory=target in folders
            )
        result, said = _run(settings)
        failures += [f"{', '.join(map(str, group))}: {problem}" for problem in _untouched(victim_file, victim_folder)]
        if "must never change" in said or "must_never_change" in said:
            failures.append(f"{group[0]} (and {len(group) - 1} more): the victim was read through the link")
        reported = [t for t in group if f"{t} is a link" in said]
        still_links = all(t.is_symlink() for t in group)
        if not reported and not (result.success and still_links):
            failures.append(f"{group[0]} (and {len(group) - 1} more): a link there was neither reported nor passed by")
        # a file with a content-hash or dated name may be passed by under another name; a link is always left as it is
        if not still_links:
            failures.append(f"{group}: a planted link was removed or replaced")
    assert failures == [], "\n".join(failures)
    assert len(groups) >= 15  # every folder and file kind of the run was tried


# -- a full disk: the table lands, the export failure is loud -----------------------------------------------------


def test_a_full_export_disk_fails_the_exported_check_and_keeps_every_table_fresh(tmp_path, monkeypatch, warehouse):
    """An export folder on a real 64 KiB disk (a tmpfs): each table still lands in the warehouse and downstream
    tables are refreshed; the `exported` check fails naming the file and the reason; the alert says so."""
    exports = tmp_path / "exports"
    exports.mkdir()
    mounting = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(exports)], capture_output=True, text=True
    )
    if mounting.returncode != 0:
        pytest.skip(f"a 64 KiB disk cannot be mounted here (needs root): {mounting.stderr.strip()}")
    try:
        _initial_state(tmp_path / "root")
        settings = Settings.from_env(
            {
                "FUNNEL_DATA_DIR": str(tmp_path / "root" / "data"),
                "FUNNEL_ZOOM_DROP_DIR": str(tmp_path / "root" / "zoom_drop"),
                "FUNNEL_MAPPINGS_DIR": str(PROJECT_ROOT / "mappings"),
                "FUNNEL_WAREHOUSE_URL": warehouse.url,
                "FUNNEL_WAREHOUSE_SCHEMA": warehouse.schema_name,
                "FUNNEL_EXPORT_DIR": str(exports),
            }
        )
        monkeypatch.setattr(EventDropFolder, "pause_between_looks", lambda self, seconds: None)
        instance = dg.DagsterInstance.ephemeral()
        result = (
            build_definitions(settings)
            .resolve_job_def("daily_refresh")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
        # nothing failed: every table is in the warehouse, the downstream ones included
        assert result.success
        for table in ("marketing_leads", "funnel_people", "funnel_metrics_monthly", "funnel_cohorts", "reconciliation"):
            assert warehouse.row_count(table) > 0, table
        checks = {
            (e.asset_key.to_user_string(), e.check_name): e
            for e in (
                event.asset_check_evaluation_data
                for event in result.all_events
                if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
            )
        }
        failed = {asset: e for (asset, name), e in checks.items() if name == "exported" and not e.passed}
        assert "event_participants" in failed  # its CSV is larger than the whole disk
        described = failed["event_participants"].description
        assert str(exports / "event_participants.csv") in described and "the disk holding it is full" in described
        assert "was refreshed in the warehouse" in described
        # no half-written export, no temporary file left behind on the full disk
        assert not (exports / "event_participants.csv").exists()
        assert not [p for p in exports.iterdir() if p.name.startswith(".")]

        from funnel_assets.defs.ops import alerts

        sent = []
        monkeypatch.setattr(alerts, "send_alert", lambda text, log: sent.append(text))
        alerts.missing_yesterday_alert(settings.ui_url)(
            dg.build_run_status_sensor_context(
                sensor_name="alert_on_missing_yesterday",
                dagster_event=result.get_run_success_event(),
                dagster_instance=instance,
                dagster_run=result.dagster_run,
            )
        )
        assert any("event_participants" in text and str(exports) in text and "full" in text for text in sent), sent
    finally:
        subprocess.run(["umount", str(exports)], check=False)


def test_a_table_lands_when_its_export_is_a_link_and_the_export_check_says_so(tmp_path, warehouse):
    """The export refused at a link fails only the export: the table is swapped in, the file pointed at is untouched."""
    exports = tmp_path / "exports"
    exports.mkdir()
    victim = tmp_path / "victim.csv"
    victim.write_text("untouched\n", encoding="utf-8")
    (exports / "people.csv").symlink_to(victim)
    exporting = Warehouse(url=warehouse.url, schema_name=warehouse.schema_name, export_dir=exports)
    try:
        rows = exporting.write_table("people", pd.DataFrame({"n": [1, 2, 3]}))
        assert rows == 3 and exporting.row_count("people") == 3
        problem = exporting.export_of("people").problem
        assert f"{exports / 'people.csv'} is a link" in problem and "was refreshed in the warehouse" in problem
        assert victim.read_text(encoding="utf-8") == "untouched\n"
        assert (exports / "people.csv").is_symlink() and sorted(p.name for p in exports.iterdir()) == ["people.csv"]
        # once the link is gone, the export is written again
        (exports / "people.csv").unlink()
        exporting.write_table("people", pd.DataFrame({"n": [1, 2]}))
        assert exporting.export_of("people").problem is None
        assert (exports / "people.csv").read_text(encoding="utf-8").splitlines() == ["n", "1", "2"]
    finally:
        exporting.dispose()


# -- the primitive's own edges -------------------------------------------------------------------------------------


def test_a_local_source_that_is_a_pipe_or_a_link_is_refused_without_hanging_the_step(tmp_path):
    """copy_file (a local CSV source copied into the landing folder) opens its source without waiting on a pipe
    and never through a link: either would read something other than a plain file the setting names."""
    pipe, link, secret = tmp_path / "leads.csv", tmp_path / "spend.csv", tmp_path / "secret.txt"
    os.mkfifo(pipe)
    secret.write_text("not for the warehouse\n", encoding="utf-8")
    link.symlink_to(secret)
    for source in (pipe, link):
        with pytest.raises(files.UnsafePathError, match="is a link \\(or not a plain file\\), so it was not copied"):
            files.copy_file(source, tmp_path / "landing" / "copy.csv")
    assert not (tmp_path / "landing" / "copy.csv").exists()


def test_a_write_that_fails_names_its_file_and_leaves_nothing_behind(tmp_path):
    """A failure inside the block (here the disk quota, as the OS reports it: no file name) is re-raised naming the
    file, in plain words; the hidden temporary file is removed and the earlier file is kept."""
    target = tmp_path / "exports" / "sales.csv"
    files.write_text(target, "yesterday\n")
    with pytest.raises(OSError) as raised, files.writing(target) as out:
        out.write(b"half")
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
    assert raised.value.filename == str(target) and "quota" in str(raised.value)
    assert target.read_text(encoding="utf-8") == "yesterday\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["sales.csv"]


def test_the_drive_folders_copies_and_record_never_go_through_a_link(tmp_path):
    """The Drive folder's local copy writes its copies and its record of files taken with the drop folder's own
    writing (files.py): a link at either name, or at the record's folder, is refused and its target untouched."""
    from funnel_assets.io.drop_folders import DriveDropFolder, DropFolderError
    from funnel_assets.io.drop_folders.drive import RECORD

    local = tmp_path / "zoom_drive"
    drive = DriveDropFolder(
        directory=str(local),
        parsed_directory=str(tmp_path / "zoom_parsed"),
        drive_folder="https://drive.google.com/drive/folders/abc",
    )
    victim_file, victim_folder = _victims(tmp_path / "victims")
    local.mkdir()
    (local / "report.csv").symlink_to(victim_file)
    with pytest.raises(DropFolderError, match=f"{local / 'report.csv'} is a link"):
        drive.write_file("report.csv", b"Topic,Webinar ID\n", replace=False)
    (local / "ledger").mkdir()
    (local / RECORD).symlink_to(victim_file)
    with pytest.raises(DropFolderError, match="is a link"):
        drive.write_record([{"file_id": "1"}])
    (local / RECORD).unlink()
    (local / "ledger").rmdir()
    (local / "ledger").symlink_to(victim_folder, target_is_directory=True)
    with pytest.raises(DropFolderError, match=f"{local / 'ledger'} is a link"):
        drive.write_record([{"file_id": "1"}])
    assert _untouched(victim_file, victim_folder) == []
