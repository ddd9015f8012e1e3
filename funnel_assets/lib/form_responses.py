"""Registration forms' responses (Google Forms, Typeform and the like) as registrations of an event.

A form's columns are its questions, so they differ per form: the ops person declares each form once in
`mappings/registration_forms.csv` (which question holds the name, the email, the phone, the time of the
response; which event it registers for, on which date, webinar or boot camp). A responses file is that
form's when every header its row declares is in the file's header row (exact spelling first; a spelling
differing only in case, spaces or punctuation only when it is the only one, as `columns.resolve_columns`
does for every source). A file matching no declared form, or two, is refused naming the mapping file:
nothing in the file says which event it is for. Two forms with the same questions (one Google Form copied
per event) are told apart by `file_name_contains`: Google names the download after the form's title.

Response times as the tools write them: the Forms download `2026/11/03 6:02:11 PM GMT+5:30` (its own
offset), the linked Sheet `11/3/2026 18:02:11` (month first, as Google's US default writes it; `day
first` in `date_order` for a Sheet set to India), Typeform `2026-11-03 12:32:11` in UTC (`UTC` in
`timestamp_timezone`). A time without an offset is in the declared zone, Asia/Kolkata unless said. A
time that reads in none of these ways refuses the file, naming the row and the column: a registration
is never loaded at a guessed time. A response without any time (Typeform's unfinished ones) is not a
registration: it is left out and counted in the ledger note.

The file carries no count of its responses, so a file cut at the end of a line looks complete (the
ledger note says so); a cut inside a line or inside a quoted answer is refused. A value holding a NUL or
another control character is emptied (`report_text.SetAside`) and counted. Messages name the file,
the mapping row, the row and the column, never a value.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.columns import MissingColumnsError, TwoCandidateColumnsError, letters_only, resolve_columns
from funnel_assets.lib.funnel_mapping import MappingError
from funnel_assets.lib.report_text import (
    SetAside,
    decoded,
    set_aside_note,
    timestamps_text,
    trimmed_row,
    unchecked_count_note,
    unique_headers,
)
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError, text_section

FORMS_FILE = "mappings/registration_forms.csv"
FORM_REGISTRATION = "form_registration"
EVENT_TYPES = ("webinar", "bootcamp")
# a dropped file's first this many bytes are enough to read its header row
SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")

# the declaration's columns that name a header of the responses file -> the column Zoom's reports use
HEADER_COLUMNS = {
    "name_column": "Name",
    "first_name_column": "First Name",
    "last_name_column": "Last Name",
    "email_column": "Email",
    "phone_column": "Phone",
    "timestamp_column": "Registration Time",
}
REQUIRED_DECLARATION = ("form", "timestamp_column", "event_name", "event_date", "event_type")
OPTIONAL_DECLARATION = (
    "name_column",
    "first_name_column",
    "last_name_column",
    "email_column",
    "phone_column",
    "timestamp_timezone",
    "date_order",
    "event_time",
    "funnel",
    "source",
    "file_name_contains",
    "note",
)
DECLARATION_COLUMNS = (*REQUIRED_DECLARATION, *OPTIONAL_DECLARATION)
MONTH_FIRST, DAY_FIRST = "month first", "day first"

# how form tools and spreadsheet programs write a response's time, without its offset; slashes come in
# the declared order (`{a}/{b}`), dashes after the day are India's way, as Excel set to India saves them
_RESPONSE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
    "{a}/{b}/%Y %H:%M:%S",
    "{a}/{b}/%Y %H:%M",
    "{a}/{b}/%Y %I:%M:%S %p",
    "{a}/{b}/%Y %I:%M %p",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
)
# a time of day, then an offset: `Z`, `GMT+5:30`, `UTC`, `+05:30`; what follows a time and is none of
# these (a zone's abbreviation) leaves the value unread, and so refused
_ZONE = re.compile(
    r"^(?P<local>.*?\d:\d\d(?::\d\d(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)\s*(?P<word>Z|GMT|UTC)?\s*"
    r"(?:(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d\d))?)?$"
)


@dataclass(frozen=True)
class DroppedTable:
    """A dropped CSV file's header row and rows, every cell text."""

    header: list[str]  # as written, trimmed; repeated names numbered `Name (2)`
    rows: pd.DataFrame  # one column per header cell; rows of nothing but blanks left out
    row_numbers: np.ndarray  # each row's number as a spreadsheet program shows it (the header row is 1)
    set_aside: int  # values emptied because they held a control character


def _delimiter(first_line: str) -> str:
    """The separator that splits the header row into the most cells: a comma unless Excel chose otherwise."""
    widths = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (widths[d], d == ","))


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip(" \t,;\ufeff")), "")


def header_row(content: bytes) -> list[str]:
    """The first non-blank row of a file, read from its first bytes only (for the sniffers)."""
    head = content[:SNIFF_BYTES]
    try:
        text = decoded(head)
    except UnicodeDecodeError:  # a UTF-16 file cut at an odd byte by the sniff
        text = decoded(head[:-1])
    line = _first_line(text.lstrip("\ufeff"))
    return trimmed_row(next(csv.reader([line], delimiter=_delimiter(line)), []))


def read_dropped_table(content: bytes, *, file_name: str, again: str) -> DroppedTable:
    """A dropped CSV file's header and rows; refused (ZoomReportError, saying `again`) when it is empty,
    unreadable, cut short, or a row has more values than the header has columns."""
    text = decoded(content).lstrip("\ufeff")
    if not text.strip(" \t\r\n,;"):
        raise ZoomReportError(f"{file_name}: the file is empty. {again}")
    set_aside = SetAside(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(_first_line(text)), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    last_cells = 0
    try:
        for number, raw in enumerate(reader, start=1):
            last_cells = len(raw)
            cells = set_aside.row(raw)
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = trimmed_row(cells)
                continue
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                raise ZoomReportError(
                    f"{file_name}: row {number} has more values than the header row has columns. The file may "
                    f"have been edited by hand. {again}"
                )
            rows.append(cells[: len(header)] + [""] * (len(header) - len(cells)))
            numbers.append(number)
    except csv.Error:
        # strict: a quoted answer left open at the end is a cut file, not the answer's last line
        raise ZoomReportError(
            f"{file_name}: the file is cut short or is not a readable CSV file (a quoted value is not closed). {again}"
        ) from None
    assert header is not None
    if rows and not text.endswith(("\n", "\r")) and last_cells < len(header):
        raise ZoomReportError(
            f"{file_name}: the file is cut short (its last row stops after {last_cells} of {len(header)} columns). "
            f"{again}"
        )
    names = unique_headers(header)
    table = pd.DataFrame(rows, columns=names, dtype=object)
    return DroppedTable(names, table, np.array(numbers, dtype=np.int64), set_aside.count)


def rows_named(numbers: Sequence[int] | np.ndarray, limit: int = 5) -> str:
    """`row 4`, `rows 4, 7 and 9`, `rows 4, 7, 9, 12, 15 and 3 more`."""
    shown = [str(n) for n in list(numbers)[:limit]]
    more = len(numbers) - len(shown)
    if len(shown) == 1:
        return f"row {shown[0]}"
    if more:
        return f"rows {', '.join(shown)} and {more} more"
    return f"rows {', '.join(shown[:-1])} and {shown[-1]}"


def event_types(values: pd.Series) -> pd.Series:
    """`Webinar`, `boot camp`, `Boot-Camp` -> `webinar` / `bootcamp`; None for anything else (blank included)."""
    key = values.fillna("").astype(str).str.lower().str.replace(r"[^a-z]", "", regex=True)
    return key.where(key.isin(EVENT_TYPES), None)


def moments(values: pd.Series, formats: Sequence[str], timezone: str = TIMEZONE) -> pd.Series:
    """Asia/Kolkata timestamps from text in these formats: a value with an offset (`Z`, `GMT+5:30`,
    `+05:30`) is converted; one without is wall time in `timezone`. NaT where blank or unread.

    `lib/dates.parse_local_datetimes` takes every time without an offset as Kolkata's; a form tool may
    write another zone's (Typeform: UTC), hence this."""
    text = values.fillna("").astype(str).str.strip()
    parts = text.str.extract(_ZONE)
    local = parts["local"].fillna(text)
    has_offset = parts["word"].notna() | parts["sign"].notna()
    sign = np.where(parts["sign"].eq("-"), -1, 1)
    offset_minutes = sign * (
        pd.to_numeric(parts["hours"], errors="coerce").fillna(0) * 60
        + pd.to_numeric(parts["minutes"], errors="coerce").fillna(0)
    )
    naive = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    pending = local.ne("")
    for fmt in formats:
        if not pending.any():
            break
        parsed = pd.to_datetime(local[pending], format=fmt, errors="coerce")
        naive[parsed.index[parsed.notna()]] = parsed[parsed.notna()]
        pending &= naive.isna()
    zoned = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {TIMEZONE}]")
    given = has_offset & naive.notna()
    if given.any():
        utc = naive[given] - pd.to_timedelta(offset_minutes[given.to_numpy()], unit="min")
        zoned[given] = utc.dt.tz_localize("UTC").dt.tz_convert(TIMEZONE)
    wall = ~has_offset & naive.notna()
    if wall.any():
        zoned[wall] = naive[wall].dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert(TIMEZONE)
    return zoned


# --------------------------------------------------------------------------------------------------
# the declarations


def _mapping_problem(problems: list[str], label: str) -> MappingError:
    return MappingError(
        f"{label}: {'; '.join(problems)}. Correct those cells in a spreadsheet program and save the file as CSV "
        "again (the first row must stay as it is)."
    )


@functools.cache
def _time_zones() -> frozenset[str]:
    """The time zone names this system knows: read once, as each reading walks every zone file (15 ms, for
    each form's responses parsed, and the declarations are read with every one)."""
    return frozenset(zoneinfo.available_timezones())


def read_form_declarations(frame: pd.DataFrame, *, label: str = FORMS_FILE) -> pd.DataFrame:
    """The declared forms, checked: one row per form, every cell text, `event_type` as `webinar`/`bootcamp`,
    `timestamp_timezone` and `date_order` filled in, `row` its row in the file (the header row is 1).

    Raises MappingError naming the file, the rows and the columns at fault (never a value). Reading it
    again is harmless: a checked frame passes as it is."""
    frame = _forms_frame(frame)
    missing = [c for c in REQUIRED_DECLARATION if c not in frame.columns]
    if missing:
        raise MappingError(
            f"{label}: the first row must name the columns {', '.join(REQUIRED_DECLARATION)} (missing: "
            f"{', '.join(missing)}); the columns {', '.join(OPTIONAL_DECLARATION)} may be added."
        )
    rows = np.arange(len(frame)) + 2 if "row" not in frame.columns else frame["row"].to_numpy()
    cells = pd.DataFrame(
        {c: (frame[c].fillna("").astype(str).str.strip() if c in frame.columns else "") for c in DECLARATION_COLUMNS},
        index=frame.index,
    ).assign(row=rows)
    cells = cells[cells[list(DECLARATION_COLUMNS)].ne("").any(axis=1)].reset_index(drop=True)
    if cells.empty:
        return cells[[*DECLARATION_COLUMNS, "row"]]

    problems: list[str] = []

    def refuse(bad: pd.Series, what: str) -> None:
        if bad.any():
            problems.append(f"{rows_named(cells.loc[bad, 'row'].tolist())}: {what}")

    for column in ("form", "timestamp_column", "event_name", "event_date", "event_type"):
        refuse(cells[column].eq(""), f"'{column}' is empty")
    form_key = cells["form"].map(letters_only)
    refuse(
        cells["form"].ne("") & form_key.duplicated(keep=False),
        "the same form is declared twice (keep one row per form)",
    )
    refuse(
        cells["email_column"].eq("") & cells["phone_column"].eq(""),
        "neither 'email_column' nor 'phone_column' is filled in (a registration needs the email or the phone question)",
    )
    headers = cells[list(HEADER_COLUMNS)].apply(lambda column: column.map(letters_only))
    repeated = headers.apply(lambda row: row[row.ne("")].duplicated().any(), axis=1).astype(bool)
    refuse(repeated, "one question is named in two of its *_column cells")

    date = pd.to_datetime(cells["event_date"], format="%Y-%m-%d", errors="coerce")
    refuse(
        cells["event_date"].ne("") & date.isna(), "'event_date' is not a date written as 2026-11-21 (year-month-day)"
    )
    time = pd.to_datetime(cells["event_time"], format="%H:%M", errors="coerce").fillna(
        pd.to_datetime(cells["event_time"], format="%H:%M:%S", errors="coerce")
    )
    refuse(cells["event_time"].ne("") & time.isna(), "'event_time' is not a time written as 18:30 (24-hour clock)")
    kind = event_types(cells["event_type"])
    refuse(cells["event_type"].ne("") & kind.isna(), "'event_type' is neither webinar nor bootcamp")
    zones = cells["timestamp_timezone"].replace("", TIMEZONE)
    known = _time_zones()
    refuse(
        ~zones.isin(known),
        "'timestamp_timezone' is not a time zone name such as Asia/Kolkata or UTC",
    )
    order = cells["date_order"].str.lower().str.replace(r"[^a-z]", "", regex=True)
    refuse(~order.isin(["", "monthfirst", "dayfirst"]), "'date_order' is neither 'month first' nor 'day first'")
    if problems:
        raise _mapping_problem(problems, label)

    return cells.assign(
        event_date=date.dt.strftime("%Y-%m-%d"),
        event_time=time.dt.strftime("%H:%M:%S").fillna("00:00:00"),
        event_type=kind,
        timestamp_timezone=zones,
        date_order=np.where(order.eq("dayfirst"), DAY_FIRST, MONTH_FIRST),
    )[[*DECLARATION_COLUMNS, "row"]]


def _contract(form: pd.Series) -> catalogue.Source:
    """The columns one declared form's responses must have, as a source contract for `resolve_columns`."""
    fields = tuple(catalogue.Field(column, form[column], required=True) for column in HEADER_COLUMNS if form[column])
    return catalogue.Source(
        name=f"row {form['row']} of {FORMS_FILE}", setting="", table="event_participants", fields=fields
    )


@dataclass(frozen=True, eq=False)
class _Match:
    form: pd.Series
    columns: dict[str, int] | None  # declaration column -> the position of its header in the file
    refusal: str = ""  # why the headers are there but cannot be told apart


def _matches(header: list[str], forms: pd.DataFrame) -> list[_Match]:
    """The declared forms whose every header the file has (an ambiguous one included, with its refusal)."""
    found = []
    empty = pd.DataFrame(columns=header)
    for _, form in forms.iterrows():  # one per declared form, a handful: not per response
        try:
            resolved = resolve_columns(empty, _contract(form))
        except TwoCandidateColumnsError as exc:
            found.append(_Match(form, None, str(exc)))
            continue
        except MissingColumnsError:
            continue
        names = list(resolved.frame.columns)
        found.append(_Match(form, {column: names.index(column) for column in HEADER_COLUMNS if column in names}))
    return found


def _looks_like_a_form_tool(header: list[str]) -> bool:
    """Google Forms' first column is `Timestamp`; Typeform's is `#`, with its `Submit Date (UTC)` and `Network ID`."""
    letters = [letters_only(cell) for cell in header]
    if not letters:
        return False
    return letters[0] == "timestamp" or (header[0] == "#" and bool({"submitdateutc", "networkid"} & set(letters)))


def _declaration_column(name: object) -> str:
    """A declaration's header as its column is named: `Timestamp Column` -> `timestamp_column`."""
    return str(name).strip().lower().replace(" ", "_")


def _forms_frame(forms: pd.DataFrame) -> pd.DataFrame:
    return forms.rename(columns=_declaration_column)


def _some_form_may_match(header: list[str], forms: pd.DataFrame) -> bool:
    """False when no declared form can be this file's: each lacks a question among the header's cells, letters
    only (as `resolve_columns` matches a look-alike). Every dropped file is asked and nearly none is a form's, so
    this reads the declarations' cells as they are, without the frames `_matches` builds; True when unsure."""
    names = [_declaration_column(column) for column in forms.columns]
    if len(set(names)) < len(names) or "timestamp_column" not in names:
        return True
    letters = {letters_only(cell) for cell in header}
    positions = {column: names.index(column) for column in HEADER_COLUMNS if column in names}
    for row in forms.to_numpy(dtype=object):  # one per declared form, a handful
        questions = {column: "" if pd.isna(row[i]) else str(row[i]) for column, i in positions.items()}
        if questions["timestamp_column"] and all(letters_only(q) in letters for q in questions.values() if q):
            return True
    return False


def looks_like_form(content: bytes, forms: pd.DataFrame) -> bool:
    """True for a declared form's responses, and for any Google Forms or Typeform export (an undeclared one
    is then refused naming the mapping file, not taken for another platform's file)."""
    header = unique_headers(header_row(content))
    if not header:
        return False
    if _looks_like_a_form_tool(header):
        return True
    if not _some_form_may_match(header, forms):
        return False
    forms = _forms_frame(forms)
    if forms.empty or any(c not in forms.columns for c in ("timestamp_column", "form")):
        return False
    declared = forms.reindex(columns=[*HEADER_COLUMNS, "row"]).fillna("").astype(str)
    declared["row"] = forms["row"] if "row" in forms.columns else np.arange(len(forms)) + 2
    usable = declared[declared["timestamp_column"].ne("")]
    return bool(_matches(header, usable))


def _choose(matches: list[_Match], file_name: str) -> _Match:
    """The one form this file is; refused when it is none or more than one."""

    def named(match: _Match) -> bool:
        return bool(match.form["file_name_contains"])

    # a form whose file_name_contains the file's name lacks is not this file's form; one whose it has wins
    matches = [m for m in matches if not named(m) or m.form["file_name_contains"].casefold() in file_name.casefold()]
    if any(named(m) for m in matches):
        matches = [m for m in matches if named(m)]
    if not matches:
        raise ZoomReportError(
            f"{file_name}: these form responses match no form declared in {FORMS_FILE} (no row there names "
            "questions that are all in this file's header row, and whose file_name_contains, if any, is in the "
            f"file's name). Add a row for this form to {FORMS_FILE} "
            "(which question is the name, email, phone and timestamp, "
            "and the event it registers for), or correct the row's question spellings, then drop the file again."
        )
    if len(matches) > 1:
        rows = [int(m.form["row"]) for m in matches]
        raise ZoomReportError(
            f"{file_name}: these form responses match {len(matches)} forms declared in {FORMS_FILE} "
            f"({rows_named(rows)}), so which event they register for cannot be told. In {FORMS_FILE}, give each "
            "of those rows a file_name_contains (a word of its file's name, such as the form's title), "
            "then drop the file again."
        )
    if matches[0].refusal:
        raise ZoomReportError(f"{file_name}: {matches[0].refusal}")
    return matches[0]


def _formats(date_order: str) -> tuple[str, ...]:
    a, b = ("%d", "%m") if date_order == DAY_FIRST else ("%m", "%d")
    return tuple(fmt.format(a=a, b=b) for fmt in _RESPONSE_FORMATS)


_AGAIN = "Download the responses from the form again (Responses, Download responses (.csv)) and drop the new file."


def parse_form_responses(content: bytes, *, file_name: str, forms: pd.DataFrame) -> ZoomReport:
    """One form's responses file as the registrations of its declared event (section "registrant")."""
    forms = read_form_declarations(_forms_frame(forms))
    table = read_dropped_table(content, file_name=file_name, again=_AGAIN)
    match = _choose(_matches(table.header, forms), file_name)
    form, positions = match.form, match.columns or {}
    if table.rows.empty:
        raise ZoomReportError(f"{file_name}: the file holds no responses, only its header row. {_AGAIN}")

    picked = {column: table.rows.iloc[:, position] for column, position in positions.items()}
    stamp_text = picked["timestamp_column"].fillna("").astype(str).str.strip()
    stamps = moments(stamp_text, _formats(form["date_order"]), form["timestamp_timezone"])
    unread = stamp_text.ne("") & stamps.isna()
    if unread.any():
        rows = rows_named(table.row_numbers[unread.to_numpy()])
        raise ZoomReportError(
            f"{file_name}: the column '{table.header[positions['timestamp_column']]}' holds a time that cannot be "
            f"read on {rows} (dates with slashes are read {form['date_order']}, as row {form['row']} of {FORMS_FILE} "
            "says in its date_order column). If the file writes dates day first, put 'day first' in that row's "
            f"date_order; otherwise the file was changed after download. {_AGAIN}"
        )
    answered = stamp_text.ne("").to_numpy()
    unfinished = int((~answered).sum())
    registrants = {
        HEADER_COLUMNS[column]: values.to_numpy(dtype=object)[answered]
        for column, values in picked.items()
        if column != "timestamp_column"
    }
    registrants["Registration Time"] = timestamps_text(stamps).to_numpy()[answered]
    section = text_section(registrants)

    summary = {
        "topic": form["event_name"],
        "meeting id": f"form:{form['form']}@{form['event_date']}",
        "start time": f"{form['event_date']} {form['event_time']}",
        "form": form["form"],
        "event type": form["event_type"],
        "responses": str(len(section)),
    }
    summary.update({key: form[key] for key in ("funnel", "source") if form[key]})
    notes = [
        unchecked_count_note(
            "a form's responses file carries no count of its rows", "download the responses again and drop them."
        ),
        f"{unfinished} response(s) had no time in the '{table.header[positions['timestamp_column']]}' column "
        "(unfinished responses) and were not loaded as registrations."
        if unfinished
        else "",
        set_aside_note(table.set_aside, "download the responses again and drop them."),
    ]
    return ZoomReport(
        file_name=file_name,
        report_type=FORM_REGISTRATION,
        summary=summary,
        sections={"registrant": section},
        ledger_note=" ".join(note for note in notes if note),
        platform="form",
        declared_event_type=form["event_type"],
    )
