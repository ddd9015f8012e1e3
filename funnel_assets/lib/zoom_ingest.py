"""Which dropped Zoom files count: loaded, duplicate, rejected, or replaced by a corrected report.

- A file is known by the SHA-256 of its content: the same bytes dropped again (under any name)
  are a `duplicate` and add nothing.
- A file the parser cannot read is `rejected`, with the parser's reason in plain words.
- Of two reports of the same session (webinar ID and date) and the same report type, the one Zoom
  generated later (the `Report Generated` time in its preamble) wins, whatever the file names and
  the order or time they were dropped in: a browser names a second download `report (1).csv`, and
  copies keep or lose modification times at will. Only a report without that time (meeting
  reports) counts from when it was ingested. The other file's status becomes `replaced`, and its
  note names the file that replaced it.
- A loaded report no count in it could vouch for (a meeting participants report) says so in its note.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from funnel_assets.lib.clock import in_local_time
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.form_responses import looks_like_form, parse_form_responses
from funnel_assets.lib.manual_events import looks_like_manual_event, parse_manual_event
from funnel_assets.lib.meet_reports import looks_like_meet, parse_meet_report
from funnel_assets.lib.teams_reports import looks_like_teams, parse_teams_report
from funnel_assets.lib.zoom_events import STAFF_ROLES, ZOOM_TIME_FORMATS
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError, parse_zoom_report

LOADED, DUPLICATE, REJECTED, REPLACED = "loaded", "duplicate", "rejected", "replaced"
INGESTED_FILES_COLUMNS = (
    "file_name",
    "sha256",
    "report_type",
    "event_id",
    "event_name",
    "event_date",
    "rows",
    "status",
    "error",
    "ingested_at",
)


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class Verdict:
    file_name: str
    sha256: str
    status: str
    report: ZoomReport | None = None
    error: str | None = None


# (content, file name) -> the report; raises ZoomReportError for a file that is not one
Parse = Callable[[bytes, str], ZoomReport]


def parse_report(content: bytes, file_name: str, forms: pd.DataFrame | None = None) -> ZoomReport:
    """A dropped file as the report of whichever platform wrote it, told by its content, never its name:
    a Teams or Meet attendance report, a declared form's responses (`forms`: mappings/registration_forms.csv),
    the offline event template, else a Zoom report (whose parser says plainly when it is none of these)."""
    if looks_like_teams(content):
        return parse_teams_report(content, file_name=file_name)
    if looks_like_manual_event(content):
        return parse_manual_event(content, file_name=file_name)
    if forms is not None and looks_like_form(content, forms):
        return parse_form_responses(content, file_name=file_name, forms=forms)
    if looks_like_meet(content):
        return parse_meet_report(content, file_name=file_name)
    return parse_zoom_report(content, file_name=file_name)


@dataclass(frozen=True)
class Archived:
    """A report in the archive: its name there, its content's hash, and how to read it (only when needed)."""

    name: str
    sha256: str
    read: Callable[[], bytes]


class ParsedOnce:
    """parse_report, parsing each content once: within a run (a new report is judged on arrival and read
    again with the archive) and, given where parsed reports are kept (`load`, `save`, by content hash),
    across runs: a report archived yesterday is read back, not parsed again. Whatever cannot be
    loaded from there (missing, damaged, an older format) is parsed again and kept anew."""

    def __init__(
        self,
        load: Callable[[str, str], ZoomReport | None] | None = None,
        save: Callable[[str, ZoomReport], None] | None = None,
        forms: pd.DataFrame | None = None,
    ) -> None:
        self._seen: dict[tuple[str, str], ZoomReport | ZoomReportError] = {}
        self._load, self._save, self._forms = load, save, forms

    def __call__(self, content: bytes, file_name: str) -> ZoomReport:
        return self.report(file_name, content_hash(content), lambda: content)

    def report(self, file_name: str, sha256: str, read: Callable[[], bytes]) -> ZoomReport:
        key = (sha256, file_name)
        if key not in self._seen:
            self._seen[key] = self._kept_or_parsed(file_name, sha256, read)
        found = self._seen[key]
        if isinstance(found, ZoomReportError):
            raise found
        return found

    def _kept_or_parsed(self, file_name: str, sha256: str, read: Callable[[], bytes]) -> ZoomReport | ZoomReportError:
        kept = self._load(sha256, file_name) if self._load else None
        # a form's responses are read through its declaration, which the ops person may edit: always read afresh
        if kept is not None and kept.platform != "form":
            return kept
        content = read()
        try:
            report = parse_report(content, file_name, self._forms)
        except ZoomReportError as exc:
            return exc
        if self._save and report.platform != "form":
            self._save(content_hash(content), report)
        return report

    def ahead(self, content: bytes, file_name: str) -> None:
        """Parse now, for a later call; a file that is not a report is judged later, when it is asked for."""
        with contextlib.suppress(ZoomReportError):
            self(content, file_name)


def judge_files(
    files: Iterable[tuple[str, bytes]], known_hashes: Iterable[str], parse: Parse = parse_report
) -> list[Verdict]:
    """Each newly dropped file: a duplicate of something already loaded, readable, or not."""
    seen = set(known_hashes)
    verdicts = []
    for name, content in files:
        sha = content_hash(content)
        if sha in seen:
            verdicts.append(Verdict(name, sha, DUPLICATE, error="the same content was already loaded"))
            continue
        try:
            report = parse(content, name)
        except ZoomReportError as exc:
            verdicts.append(Verdict(name, sha, REJECTED, error=str(exc)))
            continue
        seen.add(sha)
        verdicts.append(Verdict(name, sha, LOADED, report=report))
    return verdicts


def person_rows(report: ZoomReport) -> int:
    return sum(len(rows) for section, rows in report.sections.items() if section not in STAFF_ROLES)


def report_sessions(reports: list[ZoomReport]) -> pd.DataFrame:
    """One row per report: its webinar ID, type, topic and session date (Asia/Kolkata)."""
    starts = parse_local_datetimes(pd.Series([r.start_time_text for r in reports], dtype=object), ZOOM_TIME_FORMATS)
    return pd.DataFrame(
        {
            "event_id": [r.event_id for r in reports],
            "report_type": [r.report_type for r in reports],
            "event_name": [r.topic for r in reports],
            "event_date": starts.dt.date.to_numpy(),
            "rows": [person_rows(r) for r in reports],
        }
    )


def current_reports(
    reports: list[ZoomReport], ingested_at: list[pd.Timestamp], drop_order: list[int] | None = None
) -> tuple[list[ZoomReport], dict[int, int]]:
    """The latest report of each session and type, and {position of each report replaced: position of its replacement}.

    Latest is the one Zoom generated later (the preamble's `Report Generated` time), whatever the file
    names and whenever they were dropped; a report without that time counts as generated when it was
    ingested. Ties go to the one ingested later, then dropped later (`drop_order`, the ledger's order)."""
    if not reports:
        return [], {}
    ingested = pd.to_datetime(pd.Series(ingested_at, dtype=object), utc=True, format="ISO8601")
    generated = parse_local_datetimes(pd.Series([r.generated_text for r in reports], dtype=object), ZOOM_TIME_FORMATS)
    sessions = report_sessions(reports).assign(
        made=generated.dt.tz_convert("UTC").fillna(ingested),
        ingested_at=ingested,
        drop_order=drop_order if drop_order is not None else range(len(reports)),
        position=range(len(reports)),
    )
    ordered = sessions.sort_values(["made", "ingested_at", "drop_order", "position"], kind="stable")
    session = ["event_id", "report_type", "event_date"]
    winner = ordered.groupby(session, dropna=False, sort=False)["position"].transform("last")
    replaced = {int(p): int(w) for p, w in zip(ordered["position"], winner, strict=False) if p != w}
    kept = [reports[i] for i in range(len(reports)) if i not in replaced]
    return kept, replaced


@dataclass(frozen=True)
class History:
    """Every report ever loaded, read again: the current ones, what became of each archived report
    ({hash: (status, note)}: `loaded`, or `replaced` with the name of the file that replaced it), and
    what could no longer be read (in words)."""

    current: list[ZoomReport]
    states: dict[str, tuple[str, str | None]]
    unreadable: list[str]

    @property
    def replaced_hashes(self) -> set[str]:
        return {sha for sha, (status, _) in self.states.items() if status == REPLACED}


def _replaced_note(report: ZoomReport, winner: ZoomReport) -> str:
    why = (
        "Zoom generated it later"
        if report.generated_text and winner.generated_text
        else "it was dropped later (a report without a 'Report Generated' time counts from when it was dropped)"
    )
    return f"Replaced by {winner.file_name}, a report of the same session and type: {why}."


def loaded_history(
    archived: Iterable[Archived], ledger: pd.DataFrame, now: pd.Timestamp, parse: ParsedOnce | None = None
) -> History:
    """Every archived report, as parsed (once: see ParsedOnce), so a fix to the rules reaches all history.

    A report keeps the time the ledger says it was ingested and its place in the ledger (a report not
    in it yet: `now`, and last), which decide between two reports of one session when Zoom's
    generated times cannot; give the ledger with this run's rows to keep this run's drop order."""
    parse = parse or ParsedOnce()
    ingested_at_by_hash = dict(
        zip(ledger["sha256"], pd.to_datetime(ledger["ingested_at"], utc=True, format="ISO8601"), strict=False)
    )
    order_by_hash = {sha: position for position, sha in enumerate(ledger["sha256"])}
    # the name it was dropped under (an archived copy's name may be shortened)
    taken = ledger[ledger["status"].isin([LOADED, REPLACED])].drop_duplicates("sha256")
    name_by_hash = dict(zip(taken["sha256"], taken["file_name"], strict=False))
    reports, hashes, ingested_at, unreadable = [], [], [], []
    for report_file in archived:
        sha = report_file.sha256
        try:
            reports.append(parse.report(name_by_hash.get(sha, report_file.name), sha, report_file.read))
        except ZoomReportError as exc:
            unreadable.append(str(exc))
            continue
        hashes.append(sha)
        ingested_at.append(ingested_at_by_hash.get(sha, now))
    order = [order_by_hash.get(sha, len(order_by_hash)) for sha in hashes]
    current, replaced = current_reports(reports, ingested_at, order)
    states = {
        sha: (REPLACED, _replaced_note(report, reports[replaced[i]]))
        if i in replaced
        else (LOADED, report.ledger_note or None)
        for i, (sha, report) in enumerate(zip(hashes, reports, strict=False))
    }
    return History(current, states, unreadable)


def loaded_hashes(ledger: pd.DataFrame) -> set[str]:
    """The contents already loaded (a correction's replaced report included): dropped again, they are duplicates."""
    return set(ledger.loc[ledger["status"].isin([LOADED, REPLACED]), "sha256"])


def ledger_rows(verdicts: list[Verdict], now: pd.Timestamp) -> pd.DataFrame:
    """This run's files for the ledger: their verdicts, and the session of each one loaded."""
    rows = pd.DataFrame(
        [
            {"file_name": v.file_name, "sha256": v.sha256, "status": v.status, "error": v.error, "ingested_at": now}
            for v in verdicts
        ],
        columns=["file_name", "sha256", "status", "error", "ingested_at"],
    )
    loaded = [v for v in verdicts if v.report is not None]
    if not loaded:
        return rows
    sessions = report_sessions([v.report for v in loaded]).assign(sha256=[v.sha256 for v in loaded])
    return rows.merge(sessions, on="sha256", how="left")


def ingested_files_table(
    history: pd.DataFrame, new_rows: pd.DataFrame, states: dict[str, tuple[str, str | None]]
) -> pd.DataFrame:
    """The ledger: every file ever dropped, newest last. Each loaded report archived reads as the history
    judged it this run: `loaded` (with a note when its row count could not be checked) or `replaced`
    (naming the file that replaced it); a correction judged otherwise later changes it back."""
    frames = [f for f in (history, new_rows) if not f.empty]
    ledger = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(INGESTED_FILES_COLUMNS))
    ledger = ledger.reindex(columns=list(INGESTED_FILES_COLUMNS)).astype({"status": object, "error": object})
    judged = ledger["status"].isin([LOADED, REPLACED]) & ledger["sha256"].isin(states.keys())
    if judged.any():
        found = ledger.loc[judged, "sha256"].map(states)
        ledger.loc[judged, "status"] = found.str[0]
        ledger.loc[judged, "error"] = found.str[1]
    # one type per column whatever the history held (a first run may have seen only rejected files)
    ledger["rows"] = pd.to_numeric(ledger["rows"], errors="coerce").astype("Int64")
    event_date = pd.to_datetime(ledger["event_date"], errors="coerce")
    ledger["event_date"] = event_date.dt.date.where(event_date.notna(), None)
    ledger["ingested_at"] = in_local_time(ledger["ingested_at"])
    return ledger.reset_index(drop=True)
