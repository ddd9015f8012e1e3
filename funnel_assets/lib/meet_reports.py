"""Google Meet attendance reports, as Google Workspace's attendance tracking writes them.

Meet sends the organiser a CSV and puts a Google Sheet in their Drive, titled like
`2026-11-03 18:02 ACCA Weekly Q&A - Attendance Report`. Its table is one row per person:
`First name`, `Last name` (older reports: `Name`), `Email`, `Duration` (`1 hr 2 min`, `42 min`,
`55 sec`; re-saved sheets `42m` or `1:02:00`), `Time joined`, `Time exited` (times of day such as
`6:02 PM`, or full timestamps once a sheet is re-exported; some copies say `Joined at` / `Left at`).
A copy may carry a header block above the table (the meeting's title, `Meeting code`, date, start
and end time, organiser), one value per line.

The meeting's date comes from the data when its times are full timestamps, else from the header
block, else from the file's name (Meet's title starts with it); with none of these the file is
refused, telling the ops person how to name it. Times without an offset are Asia/Kolkata wall time.

Meet lists attendance only: everyone in it attended; nobody is a registrant. The organiser is
not in the list; when the header block names one, that person is the `host` (the conductor
fallback), and their own row, if any, is moved there. The report prints no count of people, so a
file cut at a line end cannot be caught: the ledger note says so. A file cut mid-line is refused.

The session's key (`meeting id`) is `meet:` + the meeting code, else the title, + `@` + the date
(and the start time when the header or file name gives one): a recurring meeting keeps its code
every week, so the date is always part of the key.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from itertools import islice

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.columns import MissingColumnsError, letters_only, resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.report_text import (
    SetAside,
    decoded,
    minutes_text,
    set_aside_note,
    timestamps_text,
    trimmed_row,
    unchecked_count_note,
    unique_headers,
)
from funnel_assets.lib.text import clean_text
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError, lowered, people_listed, text_section

MEET_ATTENDANCE = "meet_attendance"

# the table's columns, as its contract in catalogue.py spells them
_SPELLINGS = {letters_only(s): f.name for f in catalogue.MEET_ATTENDANCE_REPORT.fields for s in f.spellings}
_WHO = {"name", "first_name", "last_name", "email"}
_WHEN = {"duration", "joined", "exited"}
# only Meet writes these: how its table is told from Zoom's (`Join Time`) and Teams' (`First Join`)
_MEET_TIMES = {"timejoined", "joinedat", "timeexited", "leftat"}

# the header block's labels (letters only) -> what they give
_HEADER_KEYS = {
    **dict.fromkeys(("meetingtitle", "meetingname", "title", "meeting", "eventname", "event", "subject"), "topic"),
    **dict.fromkeys(("meetingcode", "code", "meetingid"), "code"),
    **dict.fromkeys(("date", "meetingdate", "day"), "date"),
    **dict.fromkeys(("starttime", "start", "started", "meetingstarttime", "meetingstart"), "start"),
    **dict.fromkeys(("endtime", "end", "ended", "meetingendtime", "meetingend"), "end"),
    **dict.fromkeys(
        ("organizer", "organiser", "organizedby", "organisedby", "host", "meetingorganizer", "meetingorganiser"),
        "organiser",
    ),
    **dict.fromkeys(("organizeremail", "organiseremail", "hostemail"), "organiser_email"),
    **dict.fromkeys(
        ("participants", "attendees", "numberofparticipants", "totalparticipants", "participantcount", "attendeecount"),
        "count",
    ),
}

_MONTH = r"(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATES = (
    re.compile(r"(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    re.compile(rf"(?<![a-z]){_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    # day first, as India writes dates (lib/dates.py does the same)
    re.compile(r"(?<!\d)(?P<day>\d{1,2})[-/.](?P<mon>\d{1,2})[-/.](?P<year>\d{4})"),
)
_MONTHS = {
    m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
# a time of day; in a file name `18-02` or `18_02` too (a colon cannot always be in a name)
_CLOCK = re.compile(
    r"(?<!\d)(?P<h>\d{1,2})[:.\-_](?P<m>\d{2})(?:[:.\-_](?P<s>\d{2}))?(?!\d)\s*(?P<ampm>[ap]\.?m\.?)?", re.IGNORECASE
)
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")

# full timestamps as Meet, a sheet re-export or a person writes them; without an offset, Kolkata wall time
FULL_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
    "%b %d, %Y, %I:%M:%S %p",
    "%b %d, %Y, %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y, %I:%M:%S %p",
    "%B %d, %Y, %I:%M %p",
    "%B %d, %Y %I:%M:%S %p",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y, %H:%M:%S",
    "%b %d, %Y, %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
)
_TIME_OF_DAY = r"^\d{1,2}:\d{2}(?::\d{2})?(?: [AP]M)?$"
_ON_A_DAY = ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %I:%M %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")

_DURATION_WORDS = (
    r"(?i)^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:hours?|hrs?|h)\.?)?[\s,]*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:minutes?|mins?|m)\.?)?[\s,]*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\.?)?$"
)
_DURATION_CLOCK = r"^(?P<h>\d+):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$"

# Meet's own suffix to the title of the report, and a browser's ` (1)` on a second download
_REPORT_SUFFIX = re.compile(r"[\s\-–_]*(?:meeting\s+)?attendance(?:\s+report)?\s*$", re.IGNORECASE)
_COPY_NUMBER = re.compile(r"\s*\(\d+\)\s*$")
_SHEET_TAB = re.compile(r"\s+-\s+Sheet\d+\s*$", re.IGNORECASE)
_NAMING_EXAMPLE = "'ACCA Weekly Q&A - 2026-11-03 - Attendance.csv'"


def _cells_key(cells: list[str]) -> set[str]:
    return {letters_only(cell) for cell in cells if cell.strip()}


def _is_table_header(cells: list[str]) -> bool:
    """The table's column names on one line: one saying who, one saying how long or when."""
    fields = {_SPELLINGS[k] for k in _cells_key(cells) if k in _SPELLINGS}
    return bool(fields & _WHO) and bool(fields & _WHEN)


def _delimiter(text: str) -> str | None:
    """The delimiter under which a line of the first hundred is the table's header row (a sheet saved
    as Excel's `Unicode text` is tab-separated)."""
    for delimiter in (",", "\t", ";"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            if any(_is_table_header(row) for row in islice(reader, 100)):
                return delimiter
        except csv.Error:
            continue
    return None


def looks_like_meet(content: bytes) -> bool:
    """A Meet attendance report: within its first lines, a header row with a person column and
    Meet's `Time joined` / `Time exited` (or `Joined at` / `Left at`)."""
    text = decoded(content[:2048])
    # a cell naming Meet's times is, letters only, within the text's letters: nearly every other file is told so
    letters = letters_only(text)
    if not any(name in letters for name in _MEET_TIMES):
        return False
    for delimiter in (",", "\t", ";"):
        try:
            for row in islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 40):
                keys = _cells_key(row)
                if keys & _MEET_TIMES and {_SPELLINGS.get(k) for k in keys} & _WHO:
                    return True
        except csv.Error:
            continue
    return False


def _a_date(text: str) -> tuple[date, re.Match] | None:
    """The first date written in the text, with where it was found; None when there is none."""
    found = []
    for pattern in _DATES:
        match = pattern.search(text)
        if match:
            found.append(match)
    for match in sorted(found, key=lambda m: m.start()):
        parts = match.groupdict()
        month = _MONTHS[parts["month"][:3].lower()] if parts.get("month") else int(parts["mon"])
        try:
            return date(int(parts["year"]), month, int(parts["day"])), match
        except ValueError:
            continue
    return None


def _a_clock(text: str) -> str | None:
    """A time of day at the start of the text as `HH:MM:SS`; None when there is none or it is no time."""
    match = _CLOCK.match(text)
    if not match:
        return None
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"].lower().startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def _moment(text: str) -> tuple[date | None, str | None]:
    """A header value or a file name as (date, time of day), either None when it does not hold one."""
    text = text.strip()
    if _OFFSET.search(text) and re.match(r"\d{4}-\d{2}-\d{2}T", text):
        try:
            local = pd.Timestamp(text).tz_convert(TIMEZONE)
            return local.date(), local.strftime("%H:%M:%S")
        except ValueError:
            pass
    dated = _a_date(text)
    if dated is None:
        return None, _a_clock(re.sub(r"^[^\d]*", "", text))
    day, match = dated
    return day, _a_clock(re.sub(r"^[\s,T_]*(?:at\s+)?", "", text[match.end() :], flags=re.IGNORECASE))


def _title(text: str) -> str:
    """A report's title as the meeting's: Meet's `- Attendance Report` suffix and a copy's `(1)` removed."""
    text = _COPY_NUMBER.sub("", text.strip())
    return _REPORT_SUFFIX.sub("", text).strip(" -–_")


def _name_parts(file_name: str) -> tuple[str, date | None, str | None]:
    """The title, date and start time in a file's name (Meet names it `<date> <time> <title> - Attendance Report`;
    a sheet downloaded as CSV adds ` - <tab name>`)."""
    stem = re.sub(r"\.(csv|txt|tsv)$", "", file_name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    stem = _SHEET_TAB.sub("", _COPY_NUMBER.sub("", stem))
    dated = _a_date(stem)
    if dated is None:
        return _title(stem), None, None
    day, match = dated
    after = stem[match.end() :]
    lead = re.match(r"[\s,T_]*", after).end()
    clock = _CLOCK.match(after, lead)
    time_of_day = _a_clock(after[lead:])
    if clock and time_of_day:
        after = after[clock.end() :]
    title = re.sub(r"\s*[-–_]\s*[-–_]\s*", " - ", f"{stem[: match.start()]} {after}")
    return _title(re.sub(r"\s+", " ", title).strip(" -–_,")), day, time_of_day


def _only_a_moment(text: str) -> bool:
    """A line that holds a date (and maybe a time, a weekday, a zone) and nothing else: not a title."""
    dated = _a_date(text)
    if dated is None:
        return False
    rest = text[: dated[1].start()] + text[dated[1].end() :]
    rest = re.sub(
        r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\bat\b|\b[ap]\.?m\.?|\bist\b|\b(?:gmt|utc)\b", "", rest
    )
    return not re.sub(r"[\d:,.\-–/\s()+]", "", rest)


def _header_block(rows: list[list[str]]) -> dict[str, str]:
    """What the lines above the table say: `Meeting code,abc-defg-hij`, `Date: Nov 3, 2026`, a title alone."""
    said: dict[str, str] = {}
    for cells in rows:
        cells = [c.strip() for c in cells if c.strip()]
        if not cells:
            continue
        key, value = cells[0], " ".join(cells[1:])
        if len(cells) == 1 and ":" in key:
            key, value = (part.strip() for part in key.split(":", 1))
        kind = _HEADER_KEYS.get(letters_only(key))
        if kind and value:
            said.setdefault(kind, value)
        elif len(cells) == 1 and _only_a_moment(cells[0]):
            said.setdefault("date", cells[0])
        elif len(cells) == 1 and "topic" not in said and _title(cells[0]):
            said["topic"] = _title(cells[0])
    return said


def _arrow_text(values: pd.Series) -> pa.Array:
    """Each value trimmed, inner spaces made one (odd spaces too: `6:02\u202fPM`), null where blank."""
    return pa.array(clean_text(values).to_numpy(), type=pa.string(), from_pandas=True)


def _groups(text: pa.Array, pattern: str) -> np.ndarray:
    """Each named group of the pattern as a float column (NaN where the value does not match or the group is empty)."""
    found = pc.extract_regex(text, pattern)
    columns = [pc.cast(pc.if_else(pc.equal(found.field(i), ""), None, found.field(i)), pa.float64()) for i in range(3)]
    return np.column_stack([c.to_numpy(zero_copy_only=False) for c in columns]).astype(float)


def _minutes(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Durations as minutes (float, NaN where blank) and where a value is no duration at all."""
    text = _arrow_text(values)
    words, clock = _groups(text, _DURATION_WORDS), _groups(text, _DURATION_CLOCK)
    by_words = ~np.isnan(words).all(axis=1)
    by_clock = ~np.isnan(clock).any(axis=1)
    parts = np.nan_to_num(np.where(by_words[:, None], words, clock))
    read = by_words | by_clock
    present = pc.is_valid(text).to_numpy(zero_copy_only=False)
    minutes = pd.Series(parts[:, 0] * 60 + parts[:, 1] + parts[:, 2] / 60, index=values.index)
    return minutes.where(read & present), present & ~read


def _times(values: pd.Series) -> tuple[pd.Series, pa.Array, np.ndarray]:
    """(full timestamps read, times of day as `H:MM[:SS] AM` text (null elsewhere), where a value is neither)."""
    text = _arrow_text(values)
    # `6:02PM`, `6:02 p.m.` all become `6:02 PM`
    clock = pc.replace_substring_regex(pc.utf8_upper(text), r"\s*([AP])\.?\s*M\.?$", r" \1M")
    time_only = pc.fill_null(pc.match_substring_regex(clock, _TIME_OF_DAY), False)
    # only what is not a time of day is tried against the full formats, one format after another
    rest = pc.if_else(time_only, None, text)
    full = parse_local_datetimes(
        pd.Series(rest.to_numpy(zero_copy_only=False), index=values.index, dtype=object), FULL_FORMATS
    )
    unreadable = pc.is_valid(rest).to_numpy(zero_copy_only=False) & full.isna().to_numpy()
    return full, pc.if_else(time_only, clock, None), unreadable


def _on_day(times: pa.Array, day: date, index: pd.Index) -> pd.Series:
    """Times of day on the given day, as Kolkata timestamps (NaT where there is no time)."""
    dated = pc.binary_join_element_wise(day.isoformat(), times, " ")
    return parse_local_datetimes(pd.Series(dated.to_numpy(zero_copy_only=False), index=index, dtype=object), _ON_A_DAY)


def _lines(numbers: list[int], where: np.ndarray) -> str:
    bad = [numbers[i] for i in np.flatnonzero(where)]
    more = f" (and {len(bad) - 1} more line{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
    return f"line {bad[0]}{more}"


def parse_meet_report(content: bytes, *, file_name: str) -> ZoomReport:
    """One Meet attendance report as the attendee rows of one session, in the shape Zoom's reports take."""
    text = decoded(content).lstrip("\ufeff")
    if not text.strip(" \t\r\n,;"):
        raise ZoomReportError(f"{file_name}: the file is empty. Download the attendance report from Google Meet again.")
    delimiter = _delimiter(text)
    if delimiter is None:
        raise ZoomReportError(
            f"{file_name}: this is not a Google Meet attendance report: no header row with 'Name' (or 'First name' "
            "and 'Last name') or 'Email', beside 'Duration' or 'Time joined', was found. Download the attendance "
            "report again (the CSV Meet emails to the organiser, or the Sheet in their Drive: File > Download > CSV)."
        )
    set_aside = SetAside(text)
    above: list[list[str]] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    last_raw = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for raw in reader:
            last_raw = len(raw)
            cells = trimmed_row(set_aside.row(raw))
            if header is None:
                if _is_table_header(cells):
                    header = cells
                else:
                    above.append(cells)
                continue
            if not cells:
                continue
            if len(cells) > len(header):
                raise ZoomReportError(
                    f"{file_name}: line {reader.line_num} has {len(cells)} values but the table's header has "
                    f"{len(header)} columns. The file may have been edited by hand; download it from Google Meet again."
                )
            rows.append(cells + [""] * (len(header) - len(cells)))
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise ZoomReportError(
            f"{file_name}: this is not a readable CSV file ({exc}). "
            "Download the attendance report from Google Meet again."
        ) from None
    assert header is not None
    if not text.endswith(("\n", "\r")) and last_raw < len(header):
        raise ZoomReportError(
            f"{file_name}: the file is cut short (its last line stops after {last_raw} of {len(header)} columns). "
            "Download it from Google Meet again, or wait until it is fully copied."
        )
    if not rows:
        raise ZoomReportError(
            f"{file_name}: the attendance table has its header but lists no one (the file may be cut short). "
            "Download the attendance report from Google Meet again."
        )

    names = unique_headers(header)
    table = pd.DataFrame(rows, columns=names, dtype=object)
    try:
        resolved = resolve_columns(table.iloc[:0], catalogue.MEET_ATTENDANCE_REPORT, label=file_name)
    except MissingColumnsError as exc:
        raise ZoomReportError(f"{exc} Download the attendance report from Google Meet again.") from None
    field_of = dict(zip(resolved.frame.columns, names, strict=False))
    column = {
        field.name: table[field_of[field.name]]
        for field in catalogue.MEET_ATTENDANCE_REPORT.fields
        if field.name in field_of
    }
    if not _WHO & set(column):
        raise ZoomReportError(
            f"{file_name}: the attendance table has no 'Name', 'First name' / 'Last name' or 'Email' column, so "
            "nobody in it can be told apart. Download the attendance report from Google Meet again."
        )
    empty = pd.Series("", index=table.index, dtype=object)

    minutes, bad_duration = _minutes(column.get("duration", empty))
    if bad_duration.any():
        raise ZoomReportError(
            f"{file_name}: {_lines(numbers, bad_duration)}: the 'Duration' value cannot be read as a length of time "
            "(Meet writes '1 hr 2 min', '42 min' or '55 sec'; '42m' and '1:02:00' are read too). The file may have "
            "been edited by hand; download it from Google Meet again."
        )
    joined_full, joined_clock, bad_joined = _times(column.get("joined", empty))
    exited_full, exited_clock, bad_exited = _times(column.get("exited", empty))
    for what, bad in (("joined", bad_joined), ("exited", bad_exited)):
        if bad.any():
            spelled = catalogue.MEET_ATTENDANCE_REPORT.field(what).header
            raise ZoomReportError(
                f"{file_name}: {_lines(numbers, bad)}: the '{spelled}' value is not a time Meet writes (such as "
                "'6:02 PM', '18:02:11', '2026-11-03 18:02' or 'Nov 3, 2026, 6:02:11 PM'). The file may have been "
                "edited by hand; download it from Google Meet again."
            )

    said = _header_block(above)
    header_day, header_clock = _moment(said.get("date", ""))
    start_day, start_clock = _moment(said.get("start", ""))
    header_day = header_day or start_day
    name_title, name_day, name_clock = _name_parts(file_name)
    data_moments = pd.concat([joined_full, exited_full]).dropna()
    data_day = data_moments.min().date() if len(data_moments) else None
    day = data_day or header_day or name_day
    any_clock = pc.any(pc.is_valid(joined_clock)).as_py() or pc.any(pc.is_valid(exited_clock)).as_py()
    needs_day = any_clock or not len(data_moments)
    if day is None and needs_day:
        raise ZoomReportError(
            f"{file_name}: the meeting's date is nowhere in the file: its times are times of day only, and neither "
            "a header block above the table nor the file's name gives the date. Put the meeting's date in the file "
            f"name as 2026-11-03 (year-month-day), for example {_NAMING_EXAMPLE}, and drop it again."
        )
    assert day is not None
    where_from = "the data" if data_day else ("the header block" if header_day else "the file name")

    # the start written in the header (or the file name) is the session's; else its earliest join
    start_clock = start_clock or header_clock
    if start_clock is None and name_day == day:
        start_clock = name_clock
    scheduled = pd.Timestamp(f"{day.isoformat()} {start_clock}").tz_localize(TIMEZONE) if start_clock else None

    joined = joined_full.copy()
    if pc.any(pc.is_valid(joined_clock)).as_py():
        on_day = _on_day(joined_clock, day, table.index)
        # a time far before the start is the next morning (a meeting that ran past midnight)
        if scheduled is not None:
            on_day = on_day.mask(on_day < scheduled - pd.Timedelta(hours=12), on_day + pd.Timedelta(days=1))
        joined = joined.fillna(on_day)
    exited = exited_full.copy()
    if pc.any(pc.is_valid(exited_clock)).as_py():
        on_day = _on_day(exited_clock, day, table.index)
        on_day = on_day.mask(on_day < joined, on_day + pd.Timedelta(days=1))
        exited = exited.fillna(on_day)

    earliest = joined.min()
    start = (
        scheduled
        if scheduled is not None
        else (earliest if pd.notna(earliest) else pd.Timestamp(day).tz_localize(TIMEZONE))
    )
    code = said.get("code", "").strip().lower()
    topic = said.get("topic") or name_title
    if not code and not topic:
        raise ZoomReportError(
            f"{file_name}: the meeting has no title or meeting code, neither in the file nor in its name, so its "
            f"session cannot be told from others that day. Put the meeting's title and date in the file name, for "
            f"example {_NAMING_EXAMPLE}, and drop it again."
        )
    key_when = day.isoformat() + (f" {start_clock[:5]}" if start_clock and not code else "")
    summary = {
        "topic": topic,
        "meeting id": f"meet:{code or topic}@{key_when}",
        "start time": start.strftime("%Y-%m-%d %H:%M:%S"),
        "date": day.isoformat(),
    }
    if code:
        summary["meeting code"] = code
    end_day, end_clock = _moment(said.get("end", ""))
    if end_clock:
        summary["end time"] = f"{(end_day or day).isoformat()} {end_clock}"

    attendee: dict[str, object] = {}
    for field, spelled in (
        ("name", "Name"),
        ("first_name", "First Name"),
        ("last_name", "Last Name"),
        ("email", "Email"),
        ("phone", "Phone"),
    ):
        if field in column:
            attendee[spelled] = column[field].to_numpy(dtype=object)
    attendee["Join Time"] = timestamps_text(joined).to_numpy()
    attendee["Leave Time"] = timestamps_text(exited).to_numpy()
    attendee["Time in Session (minutes)"] = minutes_text(minutes)
    attendee["Attended"] = np.full(len(table), "Yes", dtype=object)
    people = text_section(attendee)

    sections = {"attendee": people}
    organiser = said.get("organiser", "")
    organiser_email = said.get("organiser_email", "") or (organiser if "@" in organiser else "")
    if organiser or organiser_email:
        host = {"Name": organiser if organiser != organiser_email else "", "Email": organiser_email}
        hosts = [text_section({name: [value] for name, value in host.items()})]
        if organiser_email and "Email" in people.columns:
            theirs = pl.Series(pc.equal(lowered(people.get_column("Email")), organiser_email.strip().lower()))
            hosts.append(
                people.filter(theirs).select(
                    c for c in ("Name", "First Name", "Last Name", "Email") if c in people.columns
                )
            )
            people = people.filter(~theirs)
            sections["attendee"] = people
        sections["host"] = pl.concat(hosts, how="diagonal").fill_null("")

    notes = []
    count = said.get("count", "")
    if re.fullmatch(r"\s*\d[\d,]*\s*", count):
        promised = int(re.sub(r"\D", "", count))
        summary["participants"] = str(promised)
        listed = people_listed([people]) + (len(sections["host"]) - 1 if "host" in sections else 0)
        if listed < promised:
            raise ZoomReportError(
                f"{file_name}: the report looks cut short: it lists {listed} of the {promised} participants its "
                "header block counts. Download the attendance report from Google Meet again and drop the new file."
            )
    else:
        notes.append(
            unchecked_count_note(
                "a Google Meet attendance report carries no count of people to compare with",
                "download it from Google Meet again and drop it.",
            )
        )
    if where_from != "the data":
        notes.append(f"The meeting's date ({day.isoformat()}) was taken from {where_from}.")
    notes.append(set_aside_note(set_aside.count, "download the report from Google Meet again and drop it."))
    return ZoomReport(
        file_name=file_name,
        report_type=MEET_ATTENDANCE,
        summary=summary,
        sections=sections,
        ledger_note=" ".join(note for note in notes if note),
        platform="meet",
    )
