"""Offline and other events, filled in by hand: `mappings/templates/event_attendance.csv`, one row per person.

The ops person copies the template, fills it in a spreadsheet program (or pastes any platform's export
into it), saves it as CSV and drops it in the drop folder. One file is one event: every row names the
same event, date and type (a blank event cell takes the others' value); a file naming two events is
refused, so that one event's file can be corrected and dropped again alone.

Each row is a person: `registered` and `attended` say yes or no (yes, y, true, 1, x / no, n, false, 0,
blank; any case). A registration time makes the person registered, a join time attended, unless the
row says no, which refuses the file (the row contradicts itself). A row marked neither registered nor
attended is refused too: it would count nowhere, silently. Dates are written 2026-11-21 (or 21-11-2026,
as Excel set to India saves them); times as `2026-11-21 18:05` or only `18:05` (on the event's date),
in Asia/Kolkata. Minutes, when blank, are the time between join and leave.

A bad flag, date, type, time or number refuses the file, naming the row (as a spreadsheet program
numbers it) and the column, never the value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from funnel_assets import catalogue
from funnel_assets.lib.columns import MissingColumnsError, TwoCandidateColumnsError, letters_only, resolve_columns
from funnel_assets.lib.form_responses import event_types, header_row, moments, read_dropped_table, rows_named
from funnel_assets.lib.report_text import set_aside_note, timestamps_text
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError, text_section

TEMPLATE_FILE = "mappings/templates/event_attendance.csv"
MANUAL_EVENT = "manual_event"
# the template's columns, as its contract in catalogue.py names them (its headers are its field names);
# the time columns may be left out of a copy
TEMPLATE_COLUMNS = tuple(f.name for f in catalogue.EVENT_ATTENDANCE_TEMPLATE.fields)
OPTIONAL_COLUMNS = tuple(f.name for f in catalogue.EVENT_ATTENDANCE_TEMPLATE.fields if not f.required)
# the headers naming the event and its date (letters only): how a filled template is recognised
_EVENT_HEADERS = {
    letters_only(catalogue.EVENT_ATTENDANCE_TEMPLATE.field(c).header) for c in ("event_name", "event_date")
}
PERSON_COLUMNS = ("name", "email", "phone", "registered", "attended", *OPTIONAL_COLUMNS)

YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
)
_TIME_OF_DAY = r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?$"

_AGAIN = f"Correct it in the spreadsheet (see {TEMPLATE_FILE} and its README), save it as CSV and drop it again."


def is_template_header(header: list[str]) -> bool:
    """The header row names the event and its date as the template does (spelled exactly, or but for case
    and spaces): a filled template, even one with a column missing (refused then, naming it)."""
    return _EVENT_HEADERS.issubset(letters_only(cell) for cell in header)


def looks_like_manual_event(content: bytes) -> bool:
    """A filled copy of the event attendance template."""
    return is_template_header(header_row(content))


def _columns(table_rows: pd.DataFrame, file_name: str) -> pd.DataFrame:
    try:
        frame = resolve_columns(table_rows, catalogue.EVENT_ATTENDANCE_TEMPLATE, label=file_name).frame
    except TwoCandidateColumnsError as exc:
        raise ZoomReportError(str(exc)) from None
    except MissingColumnsError:
        have = {letters_only(c) for c in table_rows.columns}
        missing = [c for c in TEMPLATE_COLUMNS if c not in OPTIONAL_COLUMNS and letters_only(c) not in have]
        raise ZoomReportError(
            f"{file_name}: the header row lacks the column(s) {', '.join(missing)} of the event attendance "
            f"template. Start from {TEMPLATE_FILE} and keep its first row as it is. {_AGAIN}"
        ) from None
    present = [c for c in TEMPLATE_COLUMNS if c in frame.columns]
    return (
        frame[present]
        .reindex(columns=list(TEMPLATE_COLUMNS), fill_value="")
        .fillna("")
        .astype(str)
        .apply(lambda column: column.str.strip())
    )


class _Refusals:
    """Every problem found, row numbers and columns only; raised together."""

    def __init__(self, file_name: str, numbers: np.ndarray) -> None:
        self.file_name, self.numbers, self.problems = file_name, numbers, []

    def where(self, bad: pd.Series, column: str, what: str) -> None:
        if bad.any():
            self.problems.append(f"{rows_named(self.numbers[bad.to_numpy()])}, column '{column}': {what}")

    def raise_any(self) -> None:
        if self.problems:
            raise ZoomReportError(f"{self.file_name}: {'; '.join(self.problems)}. {_AGAIN}")


def _flags(values: pd.Series) -> pd.Series:
    """True / False for yes / no, NA for a value that is neither; blank is False."""
    key = values.str.lower()
    return pd.Series(
        np.where(key.isin(YES), True, np.where(key.isin(NO), False, pd.NA)), index=values.index, dtype="boolean"
    )


def _one_value(values: pd.Series, keys: pd.Series, column: str, file_name: str, numbers: np.ndarray) -> str:
    """The one value a column holds on every row that fills it in; refused when none or more than one."""
    filled = keys.ne("") & keys.notna()
    distinct = keys[filled].unique()
    if len(distinct) == 0:
        raise ZoomReportError(f"{file_name}: the column '{column}' is empty on every row. {_AGAIN}")
    if len(distinct) > 1:
        second = filled & keys.ne(keys[filled].iloc[0])
        raise ZoomReportError(
            f"{file_name}: the column '{column}' names more than one event (it differs from the first on "
            f"{rows_named(numbers[second.to_numpy()])}). Use one file per event: copy the template again for each "
            "event and drop each file on its own."
        )
    return values[filled].iloc[0]


def parse_manual_event(content: bytes, *, file_name: str) -> ZoomReport:
    """A filled event attendance template as one event's registrants and attendees."""
    table = read_dropped_table(content, file_name=file_name, again=_AGAIN)
    cells = _columns(table.rows, file_name)
    numbers = table.row_numbers
    # rows with no person on them (an event name dragged down a spreadsheet's column) are no one
    someone = cells[list(PERSON_COLUMNS)].ne("").any(axis=1)
    skipped = int((~someone).sum())
    cells, numbers = cells[someone].reset_index(drop=True), numbers[someone.to_numpy()]
    if cells.empty:
        raise ZoomReportError(f"{file_name}: the file lists no people (one row per person is needed). {_AGAIN}")

    refusals = _Refusals(file_name, numbers)
    event_date = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        event_date = event_date.fillna(pd.to_datetime(cells["event_date"], format=fmt, errors="coerce"))
    refusals.where(
        cells["event_date"].ne("") & event_date.isna(),
        "event_date",
        "not a date written as 2026-11-21 (year-month-day)",
    )
    kind = event_types(cells["event_type"])
    refusals.where(cells["event_type"].ne("") & kind.isna(), "event_type", "neither webinar nor bootcamp")
    flags = {}
    for column in ("registered", "attended"):
        flags[column] = _flags(cells[column])
        refusals.where(flags[column].isna(), column, "neither yes nor no (write yes or no, or leave it blank)")
    refusals.raise_any()

    spaced = cells["event_name"].str.split().str.join(" ")
    name = _one_value(spaced, spaced.str.casefold(), "event_name", file_name, numbers)
    date = _one_value(
        event_date.dt.strftime("%Y-%m-%d"),
        event_date.dt.strftime("%Y-%m-%d").fillna(""),
        "event_date",
        file_name,
        numbers,
    )
    event_type = _one_value(kind.fillna(""), kind.fillna(""), "event_type", file_name, numbers)

    times = {}
    for column in ("registration_time", "first_join_time", "last_leave_time"):
        text = cells[column]
        on_the_day = text.str.match(_TIME_OF_DAY)
        times[column] = moments(text.where(~on_the_day, date + " " + text), TIME_FORMATS)
        refusals.where(text.ne("") & times[column].isna(), column, "not a time written as 2026-11-21 18:05 or 18:05")
    minutes = pd.to_numeric(cells["minutes_in_session"], errors="coerce")
    refusals.where(
        cells["minutes_in_session"].ne("") & ~(minutes >= 0), "minutes_in_session", "not a number of minutes"
    )
    refusals.raise_any()

    join, leave = times["first_join_time"], times["last_leave_time"]
    refusals.where(leave < join, "last_leave_time", "earlier than first_join_time")
    said_no = {column: cells[column].ne("") & ~flags[column].fillna(False) for column in flags}
    refusals.where(
        said_no["registered"] & times["registration_time"].notna(), "registered", "no, but a registration time is given"
    )
    attendance_given = join.notna() | leave.notna() | minutes.notna()
    refusals.where(said_no["attended"] & attendance_given, "attended", "no, but join, leave or minutes are given")
    registered = flags["registered"].fillna(False) | times["registration_time"].notna()
    attended = flags["attended"].fillna(False) | attendance_given
    refusals.where(~registered & ~attended, "attended", "the person is marked neither registered nor attended")
    refusals.raise_any()

    # blank minutes are the time between join and leave, when both are given
    between = ((leave - join).dt.total_seconds() / 60).round(2)
    minutes_text = cells["minutes_in_session"].where(
        cells["minutes_in_session"].ne(""), between.astype(str).where(between.notna(), "")
    )

    person = {"Name": cells["name"], "Email": cells["email"], "Phone": cells["phone"]}
    registrants = {**person, "Registration Time": timestamps_text(times["registration_time"])}
    attendees = {
        **person,
        "Join Time": timestamps_text(join),
        "Leave Time": timestamps_text(leave),
        "Time in Session (minutes)": minutes_text,
        "Attended": pd.Series("Yes", index=cells.index),
    }
    sections = {
        "registrant": _section(registrants, registered.to_numpy()),
        "attendee": _section(attendees, attended.to_numpy()),
    }
    notes = [
        f"{skipped} row(s) named the event but no person and were not loaded." if skipped else "",
        set_aside_note(table.set_aside, "correct the file and drop it again."),
    ]
    return ZoomReport(
        file_name=file_name,
        report_type=MANUAL_EVENT,
        summary={
            "topic": name,
            "meeting id": f"manual:{name}@{date}",
            "start time": f"{date} 00:00:00",
            "event type": event_type,
            "people": str(len(cells)),
        },
        sections=sections,
        ledger_note=" ".join(note for note in notes if note),
        platform="manual",
        declared_event_type=event_type,
    )


def _section(columns: dict[str, pd.Series], keep: np.ndarray) -> pl.DataFrame:
    return text_section({name: values.to_numpy(dtype=object)[keep] for name, values in columns.items()})
