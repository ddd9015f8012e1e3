"""The sensor that notices event reports dropped into FUNNEL_ZOOM_DROP_DIR (a local folder or a Google Drive folder)."""

import hashlib
import json

import dagster as dg

from funnel_assets.io.drop_folders import EventDropFolder, ReadyFile


@dg.sensor(job_name="zoom_ingest", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def zoom_drop_sensor(context: dg.SensorEvaluationContext, zoom_drop: EventDropFolder) -> dg.SensorResult:
    """Starts `zoom_ingest` when an event report lands in (or changes in) the drop folder.

    A file is ready when this tick sees it as the previous tick did (a minute earlier; for a local
    folder the same size and modification time, for a Drive folder the same checksum, size and
    modification time, see `drop_folders`): one still being copied or uploaded changes in between,
    whatever its age, and is looked at again on the next tick. The cursor keeps this tick's looks,
    and a fingerprint of the ready files a run was started for: the same files never start a second
    run, a new or re-saved file does (once it has stopped changing). A failed run leaves its files
    for the next change or for `daily_refresh`. Links and shortcuts are never followed.
    """
    earlier, started = read_cursor(context.cursor, zoom_drop.cursor_key)
    glance = zoom_drop.glance(earlier, context.log)

    def cursor(fingerprint_started: str | None) -> str:
        return write_cursor(zoom_drop.cursor_key, glance.seen, fingerprint_started)

    if not glance.ready:
        return dg.SensorResult(skip_reason=glance.nothing_ready, cursor=cursor(started))
    ready_print = fingerprint(glance.ready)
    if ready_print == started:
        return dg.SensorResult(skip_reason=glance.already_started, cursor=cursor(started))
    context.log.info(glance.starting)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{zoom_drop.run_key_prefix}{ready_print}", tags={"zoom_files": str(len(glance.ready))}
            )
        ],
        cursor=cursor(ready_print),
    )


def fingerprint(ready: list[ReadyFile]) -> str:
    """Changes whenever a ready file is added, removed or changed."""
    entries = sorted(file.version for file in ready)
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:24]


def write_cursor(key: str, seen: dict[str, list], started: str | None) -> str:
    """This tick's look at each file (under the folder kind's key: `looks` for a local folder, by name; `drive` for a
    Drive folder, by file ID) and the last run's fingerprint."""
    return json.dumps({key: seen, "started": started}, sort_keys=True)


def read_cursor(cursor: str | None, key: str) -> tuple[dict[str, list], str | None]:
    """The previous tick's looks and fingerprint. A cursor from before looks were kept was the fingerprint alone: its
    files are looked at afresh (a run was started for them already, so nothing is loaded twice, and a run key never
    repeats). A cursor another kind of folder wrote (the setting changed) has no looks under this kind's key: every
    file is looked at afresh, and what was taken before is not taken again."""
    if not cursor:
        return {}, None
    try:
        kept = json.loads(cursor)
    except ValueError:
        return {}, cursor
    if not isinstance(kept, dict):
        return {}, cursor
    return dict(kept.get(key) or {}), kept.get("started")
