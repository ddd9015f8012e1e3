"""Which dropped Zoom files count: loaded, duplicate, rejected, or replaced by a corrected report.

- A file is known by the SHA-256 of its content: the same bytes dropped again (under any name)
  are a `duplicate` and add nothing.
- A file the parser cannot read is `rejected`, with the parser's reason in plain words.
- A corrected report for the same session (webinar ID and date) and the same report type
  replaces the earlier one: the earlier file's status becomes `replaced`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.zoom_events import ZOOM_TIME_FORMATS, STAFF_ROLES
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError, parse_zoom_report
from funnel_assets.lib.clock import in_local_time

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


def parse_report(content: bytes, file_name: str) -> ZoomReport:
    return parse_zoom_report(content, file_name=file_name)


class ParsedOnce:
    """parse_report, remembering each (file name, content) it has seen: within one run a new report
    is judged on arrival and read again with the archive, and parsing it once is enough."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, bytes], ZoomReport | ZoomReportError] = {}

    def __call__(self, content: bytes, file_name: str) -> ZoomReport:
        key = (file_name, content)
        if key not in self._seen:
            try:
                self._seen[key] = parse_report(content, file_name)
            except ZoomReportError as exc:
                self._seen[key] = exc
        found = self._seen[key]
        if isinstance(found, ZoomReportError):
            raise found
        return found

    def ahead(self, content: bytes, file_name: str) -> None:
        """Parse now, for a later call; a file that is not a report is judged later, when it is asked for."""
        try:
            self(content, file_name)
        except ZoomReportError:
            pass


def judge_files(files: Iterable[tuple[str, bytes]], known_hashes: Iterable[str], parse: Parse = parse_report) -> list[Verdict]:
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


def current_reports(reports: list[ZoomReport], ingested_at: list[pd.Timestamp]) -> tuple[list[ZoomReport], list[int]]:
    """The latest report of each session and type, and the positions of those it replaces."""
    if not reports:
        return [], []
    sessions = report_sessions(reports).assign(ingested_at=ingested_at, position=range(len(reports)))
    sessions["file_name"] = [r.file_name for r in reports]
    ordered = sessions.sort_values(["ingested_at", "file_name"], kind="stable")
    latest = ordered.duplicated(["event_id", "report_type", "event_date"], keep="last")
    replaced = sorted(ordered.loc[latest, "position"].tolist())
    kept = [reports[i] for i in range(len(reports)) if i not in set(replaced)]
    return kept, replaced


@dataclass(frozen=True)
class History:
    """Every report ever loaded, read again: the current ones, the hashes of those a correction
    replaced, and what could no longer be read (in words)."""

    current: list[ZoomReport]
    replaced_hashes: set[str]
    unreadable: list[str]


def loaded_history(
    archived: Iterable[tuple[str, bytes]], ledger: pd.DataFrame, now: pd.Timestamp, parse: Parse = parse_report
) -> History:
    """Re-read the archived reports (name, content), so a fix to the rules reaches all history.

    A report keeps the time the ledger says it was ingested (a report archived this run: `now`),
    which decides which of two reports of one session is the correction.
    """
    ingested_at_by_hash = dict(zip(ledger["sha256"], pd.to_datetime(ledger["ingested_at"], utc=True, format="ISO8601")))
    reports, hashes, ingested_at, unreadable = [], [], [], []
    for file_name, content in archived:
        sha = content_hash(content)
        try:
            reports.append(parse(content, file_name))
        except ZoomReportError as exc:
            unreadable.append(str(exc))
            continue
        hashes.append(sha)
        ingested_at.append(ingested_at_by_hash.get(sha, now))
    current, replaced_positions = current_reports(reports, ingested_at)
    return History(current, {hashes[i] for i in replaced_positions}, unreadable)


def loaded_hashes(ledger: pd.DataFrame) -> set[str]:
    """The contents already loaded (a correction's replaced report included): dropped again, they are duplicates."""
    return set(ledger.loc[ledger["status"].isin([LOADED, REPLACED]), "sha256"])


def ledger_rows(verdicts: list[Verdict], now: pd.Timestamp) -> pd.DataFrame:
    """This run's files for the ledger: their verdicts, and the session of each one loaded."""
    rows = pd.DataFrame(
        [{"file_name": v.file_name, "sha256": v.sha256, "status": v.status, "error": v.error, "ingested_at": now} for v in verdicts],
        columns=["file_name", "sha256", "status", "error", "ingested_at"],
    )
    loaded = [v for v in verdicts if v.report is not None]
    if not loaded:
        return rows
    sessions = report_sessions([v.report for v in loaded]).assign(sha256=[v.sha256 for v in loaded])
    return rows.merge(sessions, on="sha256", how="left")


def ingested_files_table(history: pd.DataFrame, new_rows: pd.DataFrame, replaced_hashes: set[str]) -> pd.DataFrame:
    """The ledger: every file ever dropped, newest last; loaded files a correction replaced read `replaced`."""
    frames = [f for f in (history, new_rows) if not f.empty]
    ledger = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(INGESTED_FILES_COLUMNS))
    ledger = ledger.reindex(columns=list(INGESTED_FILES_COLUMNS))
    ledger.loc[ledger["sha256"].isin(replaced_hashes) & ledger["status"].eq(LOADED), "status"] = REPLACED
    # one type per column whatever the history held (a first run may have seen only rejected files)
    ledger["rows"] = pd.to_numeric(ledger["rows"], errors="coerce").astype("Int64")
    event_date = pd.to_datetime(ledger["event_date"], errors="coerce")
    ledger["event_date"] = event_date.dt.date.where(event_date.notna(), None)
    ledger["ingested_at"] = in_local_time(ledger["ingested_at"])
    return ledger.reset_index(drop=True)
