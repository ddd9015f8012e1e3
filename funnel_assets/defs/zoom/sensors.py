"""The sensor that notices Zoom reports dropped into FUNNEL_ZOOM_DROP_DIR (a local folder, or a Google Drive folder)."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from funnel_assets.io.drive_folder import DriveDropFolder
from funnel_assets.io.drop_folder import Look, ZoomDropFolder, steady
from funnel_assets.io.sources.google_drive import DriveFile


@dg.sensor(job_name="zoom_ingest", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def zoom_drop_sensor(context: dg.SensorEvaluationContext, zoom_drop: ZoomDropFolder) -> dg.SensorResult:
    """Starts `zoom_ingest` when a Zoom CSV lands in (or changes in) the drop folder.

    A file is ready when this tick sees it with the same size and modification time as the previous
    tick did (a minute earlier): one still being copied grows in between, whatever its age, and is
    looked at again on the next tick. The cursor keeps this tick's looks, and a fingerprint of the
    ready files a run was started for: the same files never start a second run, a new or re-saved
    file does (once it has stopped changing). A failed run leaves its files in the folder for the
    next change or for `daily_refresh`. Links in the folder are never read (see `drop_folder`).
    A Google Drive folder is looked at the same way through the Drive API (`drive_tick`).
    """
    if isinstance(zoom_drop, DriveDropFolder):
        return drive_tick(context, zoom_drop)
    earlier, started = read_cursor(context.cursor)
    looks = zoom_drop.looks()
    ready = steady({zoom_drop.path / name: look for name, look in earlier.items()}, looks)
    for link in zoom_drop.links():
        context.log.warning(
            f"{link} is a link, not a file, and will not be read: remove it and drop the report itself."
        )
    if not ready:
        arriving = zoom_drop.still_arriving()
        reason = (
            f"{len(arriving)} file(s) still arriving (new, or changed since the last look; looked at again next tick)"
            if arriving
            else "no Zoom files waiting"
        )
        return dg.SensorResult(skip_reason=f"{reason} in {zoom_drop.path}", cursor=write_cursor(looks, started))
    ready_print = fingerprint({path: looks[path] for path in ready})
    if ready_print == started:
        return dg.SensorResult(
            skip_reason=f"a run was already started for the {len(ready)} waiting file(s)",
            cursor=write_cursor(looks, started),
        )
    names = ", ".join(p.name for p in ready[:5]) + (" ..." if len(ready) > 5 else "")
    context.log.info(f"{len(ready)} Zoom file(s) to load: {names}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"zoom-{ready_print}", tags={"zoom_files": str(len(ready))})],
        cursor=write_cursor(looks, ready_print),
    )


def fingerprint(ready: dict[Path, Look]) -> str:
    """Changes whenever a ready file is added, removed or changed."""
    entries = sorted(f"{path.name}:{look.size}:{look.mtime_ns}" for path, look in ready.items())
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:24]


def write_cursor(looks: dict[Path, Look], started: str | None) -> str:
    """This tick's look at each file (by name; the folder is the resource's) and the last run's fingerprint."""
    return json.dumps(
        {"looks": {path.name: [look.size, look.mtime_ns] for path, look in looks.items()}, "started": started},
        sort_keys=True,
    )


def read_cursor(cursor: str | None) -> tuple[dict[str, Look], str | None]:
    """The previous tick's looks (by file name) and fingerprint. A cursor from before looks were kept was the
    fingerprint alone: its files are looked at afresh (a run was started for them already, so
    nothing is loaded twice, and a run key never repeats)."""
    if not cursor:
        return {}, None
    try:
        kept = json.loads(cursor)
    except ValueError:
        return {}, cursor
    if not isinstance(kept, dict):
        return {}, cursor
    return {name: Look(*look) for name, look in (kept.get("looks") or {}).items()}, kept.get("started")


def drive_tick(context: dg.SensorEvaluationContext, drive: DriveDropFolder) -> dg.SensorResult:
    """One look at a Google Drive drop folder (the folder looked up, then listed), with a read-only token.

    A file is ready when this tick sees it as the previous tick did (same checksum, size and
    modification time, by file ID), complete, and not taken before (see `drive_folder`); files
    stay in Drive once taken, so the record of files taken, not their absence, keeps a run from
    starting twice. The cursor keeps this tick's look at each file and the fingerprint of the
    ready files a run was started for, as for a local folder. A folder Drive cannot show
    (not shared with the service account) fails the tick with a message saying so.
    """
    earlier, started = read_drive_cursor(context.cursor)
    listing = drive.listing(log=context.log)
    looks = {file.id: file.look for file in listing}
    sorting = drive.sort(earlier, listing)
    drive.warn_about_shortcuts(sorting.shortcuts, context.log)
    where = "in the Google Drive folder"
    if not sorting.ready:
        reason = (
            f"{len(sorting.arriving)} file(s) still uploading or changed since the last look (looked at again next tick)"
            if sorting.arriving
            else "no new Zoom files"
        )
        return dg.SensorResult(skip_reason=f"{reason} {where}", cursor=write_drive_cursor(looks, started))
    ready_print = drive_fingerprint(sorting.ready)
    if ready_print == started:
        return dg.SensorResult(
            skip_reason=f"a run was already started for the {len(sorting.ready)} waiting file(s) {where}",
            cursor=write_drive_cursor(looks, started),
        )
    names = ", ".join(f.name for f in sorting.ready[:5]) + (" ..." if len(sorting.ready) > 5 else "")
    context.log.info(f"{len(sorting.ready)} Zoom file(s) to take {where}: {names}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"zoom-drive-{ready_print}", tags={"zoom_files": str(len(sorting.ready))})],
        cursor=write_drive_cursor(looks, ready_print),
    )


def drive_fingerprint(ready: list[DriveFile]) -> str:
    """Changes whenever a ready Drive file is added or taken, or a new version of one appears."""
    entries = sorted(f"{file.id}:{file.version}" for file in ready)
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:24]


def write_drive_cursor(looks: dict[str, tuple], started: str | None) -> str:
    """This tick's look at each Drive file (by file ID) and the last run's fingerprint."""
    drive = {file_id: list(look) for file_id, look in looks.items()}
    return json.dumps({"drive": drive, "started": started}, sort_keys=True)


def read_drive_cursor(cursor: str | None) -> tuple[dict[str, tuple], str | None]:
    """The previous tick's looks at the Drive files and fingerprint; a local folder's cursor (the setting changed)
    gives none: every file is looked at afresh, and what was taken before is not taken again."""
    try:
        kept = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}, None
    if not isinstance(kept, dict) or "drive" not in kept:
        return {}, None
    return {file_id: tuple(look) for file_id, look in (kept.get("drive") or {}).items()}, kept.get("started")
