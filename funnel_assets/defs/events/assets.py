"""Part 1, middle of the funnel: the webinar and boot-camp reports (Zoom, Teams, Google Meet, forms, the offline
template) dropped in the folder."""

import dagster as dg
import pandas as pd
import polars as pl

from funnel_assets import catalogue
from funnel_assets.defs.checks import check_specs, results_after_write
from funnel_assets.defs.failures import readable_failures
from funnel_assets.defs.row_reconciliation import reconciliation_metadata
from funnel_assets.defs.table_assets import PANDAS, table_asset, table_out
from funnel_assets.io.drop_folders import EventDropFolder, hidden_name
from funnel_assets.io.mappings import Mappings
from funnel_assets.lib.clock import now
from funnel_assets.lib.zoom_events import days_per_bootcamp, participants_from_reports, sessions_summary
from funnel_assets.lib.zoom_ingest import (
    DUPLICATE,
    INGESTED_FILES_COLUMNS,
    LOADED,
    REJECTED,
    ParsedOnce,
    ingested_files_table,
    judge_files,
    ledger_rows,
    loaded_hashes,
    loaded_history,
    person_rows,
)


@dg.multi_asset(
    outs={
        "event_participants": table_out("event_participants"),
        "ingested_files": table_out("ingested_files", engine=PANDAS),
    },
    # first among the steps ready to run: Part 2 reads this morning's attendance when it lands in time
    op_tags={"dagster/priority": "10"},
    check_specs=[*check_specs(catalogue.EVENT_PARTICIPANTS), *check_specs(catalogue.table("ingested_files"))],
)
def zoom_reports(context: dg.AssetExecutionContext, zoom_drop: EventDropFolder, mappings: Mappings):
    """Judges the files waiting in the drop folder, archives the good ones, and rebuilds the event
    tables from every report ever archived, so a fix to the rules reaches all history."""
    history = zoom_drop.read_ledger()
    if history is None:
        history = pd.DataFrame(columns=list(INGESTED_FILES_COLUMNS))
    known = loaded_hashes(history)
    # what is ready where the reports are dropped is first brought into the working folder (a Google Drive folder's
    # files are copied; a local folder is its own), which every kind of folder then handles the same way
    intake = zoom_drop.take_in()
    # each report is parsed once: what was parsed on an earlier run is read back from beside the archive
    with readable_failures():
        forms = mappings.registration_forms()
    # a parsed report is kept (for the next runs) while the next one is parsed
    with zoom_drop.keeping_reports() as keep:
        parse = ParsedOnce(load=zoom_drop.kept_report, save=keep, forms=forms)

        def parse_while_the_second_look_waits(paths):
            for dropped in filter(None, map(zoom_drop.read, paths)):
                if dropped.sha256 not in known:
                    parse.ahead(dropped.content, dropped.path.name)

        # each file is read once after the second look: what is judged is what is archived, and what a file
        # is checked against (size, modification time, content) before its drop copy goes
        settled = zoom_drop.waiting_files(meanwhile=parse_while_the_second_look_waits)
        waiting = [dropped for dropped in map(zoom_drop.read, settled) if dropped is not None]
        verdicts = judge_files(((dropped.path.name, dropped.content) for dropped in waiting), known, parse)
        refused_unread = intake.refused
        ingested_at = now()
        for dropped, verdict in zip(waiting, verdicts, strict=False):
            if verdict.status == LOADED:
                zoom_drop.archive(dropped)

        # read without following a link: a link swapped in after the listing is skipped, never read
        archived = zoom_drop.archived_reports()
        new_rows = ledger_rows(verdicts + refused_unread, ingested_at)
        # with this run's rows, so that the drop order decides between reports Zoom's generated times cannot
        everything = pd.concat([f for f in (history, new_rows) if not f.empty] or [new_rows], ignore_index=True)
        loaded = loaded_history(archived, everything, ingested_at, parse)
    participants = participants_from_reports(loaded.current, mappings.event_mappings())
    rows_read = sum(person_rows(r) for r in loaded.current)
    ledger = ingested_files_table(history, new_rows, loaded.states)
    # the ledger is written once every waiting file is archived: if anything before fails, the files
    # stay in the drop folder and the next run loads them again (their archived copies are reused)
    zoom_drop.write_ledger(ledger)

    for dropped, verdict in zip(waiting, verdicts, strict=False):
        if verdict.status == REJECTED:
            gone = zoom_drop.reject(dropped, verdict.error or "unreadable")
            if gone:
                context.log.warning(f"Zoom file rejected and moved to {gone.parent}: {verdict.error}")
        else:
            gone = zoom_drop.remove(dropped)
        if not gone:
            context.log.warning(
                f"{dropped.path.name} changed while it was being read (still being copied?): it was left in the "
                "drop folder and will be read again on the next run."
            )
    for verdict in verdicts:
        if hidden := hidden_name(verdict.file_name):
            context.log.warning(f"{hidden} It was {verdict.status}.")
    for problem in loaded.unreadable:
        context.log.error(f"An archived Zoom report can no longer be read and was left out: {problem}")
    # why a file was not loaded goes where the ops person sees it (for a Drive folder, that file's description)
    told = intake.tell(verdicts, ingested_at)
    for problem in told.problems:
        context.log.warning(problem)

    every_file = verdicts + refused_unread
    counts = {status: sum(v.status == status for v in every_file) for status in (LOADED, DUPLICATE, REJECTED)}
    per_session = sessions_summary(participants)
    context.add_output_metadata(
        {
            "sessions": len(per_session),
            "registrations": int(participants["registered"].sum()),
            "attendees": int(participants["attended"].sum()),
            "people_without_phone": participants["phone"].null_count(),
            "per_session": dg.MetadataValue.md(_session_lines(per_session.head(30))),
            **reconciliation_metadata(
                rows_read,
                len(participants),
                merged__rejoins_and_registration_with_attendance_of_one_person=rows_read - len(participants),
                files_rejected_this_run__see_ingested_files=counts[REJECTED],
                files_duplicate_this_run__added_nothing=counts[DUPLICATE],
                reports_replaced_by_a_correction=len(loaded.replaced_hashes),
            ),
        },
        output_name="event_participants",
    )
    context.add_output_metadata(
        {
            **{f"files_{status}_this_run": n for status, n in counts.items()},
            "files_still_arriving": len(zoom_drop.still_arriving()) + intake.arriving,
            "reports_replaced_by_corrections": len(loaded.replaced_hashes),
            "archived_reports_unreadable": len(loaded.unreadable),
            **told.facts,
        },
        output_name="ingested_files",
    )
    # each table's checks in this step, once the IO manager has written it
    for name, table in (("event_participants", participants), ("ingested_files", ledger)):
        yield dg.Output(table, output_name=name)
        yield from results_after_write(catalogue.table(name), table, context)


def _session_lines(sessions: pl.DataFrame) -> str:
    """The sessions as a markdown table, dates written as dates."""
    return sessions.with_columns(pl.col("event_date").cast(pl.String)).to_pandas().to_markdown(index=False)


@table_asset("bootcamp_attendance")
def bootcamp_attendance(context: dg.AssetExecutionContext, event_participants: pl.DataFrame) -> pl.DataFrame:
    """The boot-camp days of `event_participants`, one row per person and boot camp."""
    view = days_per_bootcamp(event_participants)
    days = view["days_attended"]
    context.add_asset_metadata(
        {
            "attended_both_days": int((days == "Both").sum()),
            "attended_day_1_only": int((days == "Day 1").sum()),
            "attended_day_2_only": int((days == "Day 2").sum()),
        }
    )
    return view
