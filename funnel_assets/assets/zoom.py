"""Part 1, middle of the funnel: Zoom webinar and boot-camp reports from the drop folder."""

from datetime import datetime

import dagster as dg
import pandas as pd

from funnel_assets.assets.metadata import reconciliation, table_metadata
from funnel_assets.lib.zoom_events import bootcamp_attendance as per_bootcamp, event_participants
from funnel_assets.lib.zoom_ingest import (
    DUPLICATE,
    INGESTED_FILES_COLUMNS,
    LOADED,
    REJECTED,
    REPLACED,
    ingested_files_table,
    judge_files,
    ledger_rows,
    loaded_history,
    person_rows,
)
from funnel_assets.resources.drop_folder import ZoomDropFolder
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.settings import TIMEZONE

GROUP = "marketing"


def _ledger(warehouse: Warehouse) -> pd.DataFrame:
    if warehouse.table_exists("ingested_files"):
        return warehouse.read_table("ingested_files")
    return pd.DataFrame(columns=list(INGESTED_FILES_COLUMNS))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "event_participants",
            group_name=GROUP,
            kinds={"pandas", "sql"},
            description=(
                "One person at one Zoom session (a webinar, or one boot-camp day): whether they registered "
                "and attended, first join, last leave, minutes summed over rejoins, the session's category, "
                "conductor and boot-camp day. Rebuilt on every run from all reports ever loaded "
                "(FUNNEL_ZOOM_DROP_DIR/processed), a corrected report replacing the earlier one."
            ),
        ),
        dg.AssetSpec(
            "ingested_files",
            group_name=GROUP,
            kinds={"pandas", "sql"},
            description=(
                "One file dropped into the Zoom drop folder: its content hash, report type, session, "
                "person rows, and status (loaded, duplicate, rejected with the reason, or replaced by a "
                "corrected report)."
            ),
        ),
    ],
)
def zoom_reports(
    context: dg.AssetExecutionContext, zoom_drop: ZoomDropFolder, mappings: Mappings, warehouse: Warehouse
):
    history = _ledger(warehouse)
    known = set(history.loc[history["status"].isin([LOADED, REPLACED]), "sha256"])
    waiting = zoom_drop.waiting_files()
    verdicts = judge_files(((path.name, path.read_bytes()) for path in waiting), known)
    now = pd.Timestamp(datetime.now()).tz_localize(TIMEZONE)
    for path, verdict in zip(waiting, verdicts):
        if verdict.status == LOADED:
            zoom_drop.archive(path, verdict.sha256)

    # every report ever loaded, parsed again so a fix to the rules reaches all history
    archived = ((path.name.split("__", 1)[-1], path.read_bytes()) for path in zoom_drop.archived_files())
    loaded = loaded_history(archived, history, now)
    participants = event_participants(loaded.current, mappings.event_mappings())
    rows_read = sum(person_rows(r) for r in loaded.current)
    warehouse.write_table("event_participants", participants)

    ledger = ingested_files_table(history, ledger_rows(verdicts, now), loaded.replaced_hashes)
    # the ledger is written last: if anything before fails, the files stay in the drop folder
    # and the next run loads them again (their archived copies are reused, never doubled)
    warehouse.write_table("ingested_files", ledger)

    for path, verdict in zip(waiting, verdicts):
        if verdict.status == REJECTED:
            zoom_drop.reject(path, verdict.error or "unreadable")
            context.log.warning(f"Zoom file rejected and moved to {zoom_drop.path / 'rejected'}: {verdict.error}")
        else:
            zoom_drop.remove(path)
    for problem in loaded.unreadable:
        context.log.error(f"An archived Zoom report can no longer be read and was left out: {problem}")

    counts = {status: sum(v.status == status for v in verdicts) for status in (LOADED, DUPLICATE, REJECTED)}
    per_session = (
        participants.groupby(["event_date", "event_id", "event_name"], dropna=False)
        .agg(registrations=("registered", "sum"), attendees=("attended", "sum"), people=("event_id", "size"))
        .reset_index()
        .sort_values("event_date", ascending=False)
    )
    yield dg.MaterializeResult(
        asset_key="event_participants",
        metadata=table_metadata(
            participants,
            sessions=len(per_session),
            registrations=int(participants["registered"].sum()),
            attendees=int(participants["attended"].sum()),
            people_without_phone=int(participants["phone"].isna().sum()),
            per_session=dg.MetadataValue.md(per_session.head(30).to_markdown(index=False)),
            **reconciliation(
                rows_read,
                len(participants),
                merged__rejoins_and_registration_with_attendance_of_one_person=rows_read - len(participants),
                files_rejected_this_run__see_ingested_files=counts[REJECTED],
                files_duplicate_this_run__added_nothing=counts[DUPLICATE],
                reports_replaced_by_a_correction=len(loaded.replaced_hashes),
            ),
        ),
    )
    yield dg.MaterializeResult(
        asset_key="ingested_files",
        metadata=table_metadata(
            ledger.tail(20),
            **{f"files_{status}_this_run": n for status, n in counts.items()},
            files_still_arriving=len(zoom_drop.still_arriving()),
            reports_replaced_by_corrections=len(loaded.replaced_hashes),
            archived_reports_unreadable=len(loaded.unreadable),
            **{"dagster/row_count": len(ledger)},
        ),
    )


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, deps=["event_participants"])
def bootcamp_attendance(warehouse: Warehouse) -> dg.MaterializeResult:
    """One person at one two-day boot camp: which days they attended (`Day 1`, `Day 2`, `Both`,
    or `None` for a registrant who came to neither), from `event_participants`. A boot camp is
    its topic without the `Day N` part, on one weekend."""
    participants = warehouse.read_table("event_participants")
    view = per_bootcamp(participants)
    warehouse.write_table("bootcamp_attendance", view)
    days = view["days_attended"].value_counts()
    return dg.MaterializeResult(
        metadata=table_metadata(
            view,
            attended_both_days=int(days.get("Both", 0)),
            attended_day_1_only=int(days.get("Day 1", 0)),
            attended_day_2_only=int(days.get("Day 2", 0)),
        )
    )

