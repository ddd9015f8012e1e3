"""The sensor that notices Zoom reports dropped into FUNNEL_ZOOM_DROP_DIR."""

import dagster as dg

from funnel_assets.io.drop_folder import ZoomDropFolder


@dg.sensor(job_name="zoom_ingest", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def zoom_drop_sensor(context: dg.SensorEvaluationContext, zoom_drop: ZoomDropFolder) -> dg.SensorResult:
    """Starts `zoom_ingest` when a Zoom CSV lands in (or changes in) the drop folder.

    A file still being copied waits until it has been unchanged for `settle_seconds`. The
    cursor is a fingerprint of the files waiting: the same files never start a second run,
    a new or re-saved file does. A failed run leaves its files in the folder for the next
    change or for `daily_refresh`.
    """
    waiting = zoom_drop.waiting_files()
    if not waiting:
        arriving = zoom_drop.still_arriving()
        reason = f"{len(arriving)} file(s) still arriving" if arriving else "no Zoom files waiting"
        return dg.SensorResult(skip_reason=f"{reason} in {zoom_drop.path}", cursor=context.cursor)
    fingerprint = zoom_drop.fingerprint()
    if fingerprint == context.cursor:
        return dg.SensorResult(
            skip_reason=f"a run was already started for the {len(waiting)} waiting file(s)", cursor=fingerprint
        )
    names = ", ".join(p.name for p in waiting[:5]) + (" ..." if len(waiting) > 5 else "")
    context.log.info(f"{len(waiting)} Zoom file(s) to load: {names}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"zoom-{fingerprint}", tags={"zoom_files": str(len(waiting))})],
        cursor=fingerprint,
    )
