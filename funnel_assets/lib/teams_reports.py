"""Microsoft Teams attendance reports, as Teams downloads them from a meeting's Attendance tab.

The file is UTF-16 LE with a byte-order mark, tab-separated, named `.csv`, in numbered sections:

- `1. Summary`: key<TAB>value lines (`Meeting title`, `Attended participants`, `Start time`,
  `End time`, `Meeting duration`, `Average attendance time`; sometimes `Meeting Id`).
- `2. Participants`: one row per person (`Name`, `First Join`, `Last Leave`, `In-Meeting Duration`
  such as `1h 30m 51s`, `Email`, `Participant ID (UPN)`, `Role`), engagement columns after them.
- `3. In-Meeting Activities`: one row per join (`Name`, `Join Time`, `Leave Time`, `Duration`,
  `Email`, `Role`).
- Webinars add registration data: a section whose header has a registration time (first and last
  name, email, maybe a phone and the custom questions). Later sections (engagement) are not read.

Sections are found by their numbered titles and told apart by their titles and columns, never by line
numbers. Times are written in the organiser's locale (`11/3/25, 6:58:06 PM`, `03/11/2025, 18:58:06`):
one reading (day-first or month-first) is chosen for the whole file, from a value that only one reading
can read (a day above 12), else from the form (a 12-hour clock is the US month-first form, a 24-hour
clock day-first); values that contradict each other refuse the file. Times without an offset are Asia/
Kolkata wall time.

A cut file is refused: a UTF-16 file with an odd byte, a half line at the end, fewer people in
`2. Participants` than `Attended participants` counts, fewer registrants than `Registered participants`,
or, when `3. In-Meeting Activities` is the file's last section, a participant with no join in it. A file
cut at a line end inside the last person's rejoins is not caught (the person is there, with fewer minutes).
"""

from __future__ import annotations

import codecs
import csv
import io
import re

import numpy as np
import pandas as pd

from funnel_assets import catalogue
from funnel_assets.lib.columns import MissingColumnsError, letters_only, resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.report_text import (
    SetAside,
    decoded,
    minutes_text,
    set_aside_note,
    summary_count,
    timestamps_text,
    trimmed_row,
    unchecked_count_note,
    unique_headers,
)
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError, text_section

TEAMS_ATTENDANCE = "teams_attendance"
TEAMS_WEBINAR = "teams_webinar"

# Organizer, Co-organizer and Presenter run the session; Attendee is a lead (compared letters only)
STAFF_ROLES = frozenset({"organizer", "organiser", "coorganizer", "coorganiser", "presenter"})
LEAD_ROLES = frozenset({"attendee"})

_DOWNLOAD_AGAIN = (
    "Download the attendance report from Teams again (the meeting's Attendance tab, or the attendance "
    "report in the meeting chat) and drop the new file, unchanged, into the drop folder."
)

_SECTION_TITLE = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")


# the columns of each section read (their contracts are in catalogue.py), by the section's kind
CONTRACTS = {
    "participants": catalogue.TEAMS_PARTICIPANTS,
    "activities": catalogue.TEAMS_IN_MEETING_ACTIVITIES,
    "registrations": catalogue.TEAMS_REGISTRATIONS,
}
# the headers that tell a section's kind when its title does not
_FIRST_JOIN = letters_only(catalogue.TEAMS_PARTICIPANTS.field("first_join").header)
_JOIN = letters_only(catalogue.TEAMS_IN_MEETING_ACTIVITIES.field("join").header)
_REGISTRATION_HEADERS = {letters_only(s) for s in catalogue.TEAMS_REGISTRATIONS.field("registration_time").spellings}


# ---------------------------------------------------------------- sniffing and decoding


def looks_like_teams(content: bytes) -> bool:
    """True when the file starts as a Teams attendance report does: `1. Summary`, then its summary lines."""
    head = content[:2048]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head[: len(head) // 2 * 2]
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8-sig", errors="ignore")
    lines = [line.strip("\ufeff \t") for line in text.splitlines()]
    lines = [line for line in lines if line]
    return (
        len(lines) >= 2
        and re.fullmatch(r"1\.\s*summary", lines[0], re.IGNORECASE) is not None
        and any(
            line.lower().startswith(("meeting title\t", "attended participants\t", "start time\t"))
            for line in lines[1:]
        )
    )


# ---------------------------------------------------------------- splitting into sections


class _Table:
    def __init__(self, kind: str, title: str, label: str, header: list[str], line: int) -> None:
        # title: lower-cased, to tell sections apart; label: as the file writes it (`2. Participants`), for messages
        self.kind, self.title, self.label, self.header, self.line = kind, title, label, header, line
        self.rows: list[list[str]] = []
        self.lines: list[int] = []


def _kind(title: str, header: list[str]) -> str:
    words = {letters_only(h) for h in header}
    if title == "participants" or (title.endswith("participants") and _FIRST_JOIN in words):
        return "participants"
    if "activit" in title or (_JOIN in words and _FIRST_JOIN not in words):
        return "activities"
    if "regist" in title or (words & _REGISTRATION_HEADERS and not words & {_FIRST_JOIN, _JOIN}):
        return "registrations"
    return "other"


def _split(
    text: str, file_name: str, set_aside: SetAside
) -> tuple[dict[str, str], dict[str, _Table], list[str], int, _Table | None]:
    """(summary, tables by kind, section titles in order, the last line's raw cell count, the table it is a row of)."""
    summary: dict[str, str] = {}
    tables: dict[str, _Table] = {}
    titles: list[str] = []
    section: str | None = None
    label = ""
    table: _Table | None = None
    last_number = 0
    last_cells, last_table = 0, None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    try:
        for raw in reader:
            line = reader.line_num
            cells = trimmed_row(set_aside.row(raw))
            last_cells, last_table = len(raw), table
            if not cells:
                table = None  # a blank line ends a table
                continue
            title = _SECTION_TITLE.match(cells[0].lstrip("\ufeff")) if len(cells) == 1 else None
            if title and int(title[1]) > last_number:
                last_number = int(title[1])
                section, label, table = title[2].strip().lower(), cells[0].lstrip("\ufeff"), None
                titles.append(section)
                continue
            if section is None:
                continue
            if section == "summary":
                summary.setdefault(cells[0].lower(), cells[1] if len(cells) > 1 else "")
                continue
            if table is None:
                if any(t.title == section for t in tables.values()):
                    continue  # a stray line after a section's table
                kind = _kind(section, cells)
                table = _Table(kind, section, label, cells, line)
                if kind != "other" and kind not in tables:
                    tables[kind] = table
                continue
            if len(cells) > len(table.header):
                raise ZoomReportError(
                    f"{file_name}: line {line} has {len(cells)} values but its section's header has "
                    f"{len(table.header)} columns. The file may have been edited by hand. {_DOWNLOAD_AGAIN}"
                )
            table.rows.append(cells + [""] * (len(table.header) - len(cells)))
            table.lines.append(line)
    except csv.Error:
        raise ZoomReportError(f"{file_name}: this is not a readable tab-separated file. {_DOWNLOAD_AGAIN}") from None
    return summary, tables, titles, last_cells, last_table


def _resolved(table: _Table, file_name: str) -> pd.DataFrame:
    contract = CONTRACTS[table.kind]
    raw = pd.DataFrame(table.rows, columns=unique_headers(table.header), dtype=object)
    try:
        frame = resolve_columns(raw, contract, label=f"{file_name}, section '{table.label}'").frame
    except MissingColumnsError as exc:
        raise ZoomReportError(f"{exc} {_DOWNLOAD_AGAIN}") from None
    frame.index = pd.Index(table.lines, name="line")
    for field in contract.fields:
        if field.name not in frame.columns:
            frame[field.name] = ""
    return frame[[f.name for f in contract.fields]]


# ---------------------------------------------------------------- times and durations

# 11/3/25, 6:58:06 PM | 03/11/2025, 18:58:06 | 03.11.2025 18:58 | 3-11-2025 18:58:06 (a no-break space before PM too)
_LOCAL = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2}),?\s+"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?$"
)
_TIME_OF_DAY = re.compile(r"^(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?$")
_ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_SPACES = r"[\u00a0\u202f\u2007]"


def _clean(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.replace(_SPACES, " ", regex=True).str.strip()


def _date_order(columns: list[tuple[str, pd.Series]], file_name: str) -> bool:
    """True when the file's slash dates are day-first. One reading for the whole file: a value that only
    one reading can read decides; values that contradict each other refuse the file."""
    parts = pd.concat([_clean(values).str.extract(_LOCAL) for _, values in columns], ignore_index=True).dropna(
        subset=["a"]
    )
    if parts.empty:
        return False
    first, second = parts["a"].astype(int), parts["b"].astype(int)
    slashes = parts["sep"].eq("/")
    # only a value that one reading alone can read is evidence (13/45/26 is no date at all)
    day_first = bool(((first > 12) & (second <= 12) & slashes).any())
    month_first = bool(((second > 12) & (first <= 12) & slashes).any())
    if day_first and month_first:
        raise ZoomReportError(
            f"{file_name}: the dates in this file are written both day-first and month-first, so no date in it "
            f"can be trusted. The file may have been edited by hand. {_DOWNLOAD_AGAIN}"
        )
    if day_first or month_first:
        return day_first
    # nothing decides: a 12-hour clock is the US month-first form Teams writes, a 24-hour clock day-first
    return bool(parts.loc[slashes, "ampm"].isna().all())


def _parts_to_times(parts: pd.DataFrame, day_first: bool, date: pd.Series | None = None) -> pd.Series:
    hour = pd.to_numeric(parts["h"], errors="coerce")
    ampm = parts["ampm"].fillna("").str.replace(r"[.\s]", "", regex=True).str.lower()
    bad_clock = ampm.ne("") & ((hour < 1) | (hour > 12))
    hour = hour.where(ampm.eq(""), (hour % 12) + np.where(ampm.eq("pm"), 12, 0))
    fields = {
        "hour": hour.where(~bad_clock),
        "minute": pd.to_numeric(parts["mi"], errors="coerce"),
        "second": pd.to_numeric(parts["s"], errors="coerce").fillna(0),
    }
    if date is None:
        year = pd.to_numeric(parts["y"], errors="coerce")
        a, b = pd.to_numeric(parts["a"], errors="coerce"), pd.to_numeric(parts["b"], errors="coerce")
        dotted_or_dashed = parts["sep"].ne("/")
        fields |= {
            "year": year.where(year >= 100, year + 2000),
            "month": b.where(dotted_or_dashed | day_first, a),
            "day": a.where(dotted_or_dashed | day_first, b),
        }
    else:
        fields |= {"year": date.dt.year, "month": date.dt.month, "day": date.dt.day}
    frame = pd.DataFrame(fields)
    frame = frame.where((frame["hour"] < 24) & (frame["minute"] < 60) & (frame["second"] < 60))
    times = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    usable = frame.notna().all(axis=1)
    if usable.any():
        times[usable] = pd.to_datetime(
            frame[usable][["year", "month", "day", "hour", "minute", "second"]], errors="coerce"
        )
    return times


def _times(values: pd.Series, day_first: bool, on_date_of: pd.Series | None = None) -> pd.Series:
    """Kolkata wall times (naive), NaT where blank or unreadable. `on_date_of`: a time of day alone takes
    that row's date (a leave after midnight the next day)."""
    text = _clean(values)
    times = _parts_to_times(text.str.extract(_LOCAL), day_first)
    rest = times.isna() & text.ne("")
    if rest.any():
        iso = parse_local_datetimes(text[rest], _ISO_FORMATS).dt.tz_localize(None)
        times[rest] = iso
    if on_date_of is not None:
        rest = times.isna() & text.ne("") & on_date_of.notna()
        if rest.any():
            clock = _parts_to_times(text[rest].str.extract(_TIME_OF_DAY), day_first, on_date_of[rest].dt.normalize())
            clock = clock.where(~(clock < on_date_of[rest]), clock + pd.Timedelta(days=1))
            times[rest] = clock
    return times


_DURATION = re.compile(r"^(?:(?P<h>\d+)\s*h(?:rs?|ours?)?)?\s*(?:(?P<m>\d+)\s*m(?:in)?)?\s*(?:(?P<s>\d+)\s*s(?:ec)?)?$")
_CLOCK_DURATION = re.compile(r"^(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2})$")


def _minutes(values: pd.Series) -> pd.Series:
    """`1h 30m 51s` -> 90.85 minutes (also `45m 3s`, `52s`, `1:30:51`); NaN where blank or unreadable."""
    text = _clean(values).str.lower()
    parts = text.str.extract(_DURATION)
    clock = text.str.extract(_CLOCK_DURATION)
    parts = parts.where(parts.notna().any(axis=1), clock)
    numbers = parts.apply(pd.to_numeric, errors="coerce")
    minutes = numbers["h"].fillna(0) * 60 + numbers["m"].fillna(0) + numbers["s"].fillna(0) / 60
    return minutes.where(numbers.notna().any(axis=1) & text.ne(""))


def _refuse_unreadable(
    file_name: str, table: _Table, field: str, values: pd.Series, read: pd.Series, what: str
) -> None:
    bad = _clean(values).ne("") & read.isna()
    if bad.any():
        header = CONTRACTS[table.kind].field(field).header
        lines = list(bad.index[bad])
        where = f"line {lines[0]}" + (f" and {len(lines) - 1} other line(s)" if len(lines) > 1 else "")
        raise ZoomReportError(
            f"{file_name}: section '{table.label}', column '{header}': {where} hold(s) a value that is not {what}. "
            f"The file may have been edited or re-saved by a spreadsheet program. {_DOWNLOAD_AGAIN}"
        )


# ---------------------------------------------------------------- the report


def _person_key(frame: pd.DataFrame) -> pd.Series:
    email = _clean(frame["email"]).str.lower()
    return email.where(email.ne(""), "name:" + _clean(frame["name"]).str.lower())


def _role(frame: pd.DataFrame) -> pd.Series:
    return frame["role"].fillna("").astype(str).map(letters_only)


def parse_teams_report(content: bytes, *, file_name: str) -> ZoomReport:
    """One Teams attendance (or webinar) report as the sections `zoom_events.report_people` reads."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and len(content) % 2:
        raise ZoomReportError(
            f"{file_name}: the file is cut short (it stops in the middle of a character). Wait until it is fully "
            f"copied. {_DOWNLOAD_AGAIN}"
        )
    text = decoded(content)
    if not text.strip("\ufeff \t\r\n"):
        raise ZoomReportError(f"{file_name}: the file is empty. {_DOWNLOAD_AGAIN}")
    set_aside = SetAside(text)
    summary_raw, tables, titles, last_cells, last_table = _split(text, file_name, set_aside)
    if "summary" not in titles:
        raise ZoomReportError(
            f"{file_name}: this is not a Teams attendance report (no '1. Summary' section found). {_DOWNLOAD_AGAIN}"
        )
    if "participants" not in tables:
        raise ZoomReportError(
            f"{file_name}: this Teams attendance report has its summary but no '2. Participants' list, so who "
            f"attended cannot be read (the file may be cut short). {_DOWNLOAD_AGAIN}"
        )
    _check_last_line(file_name, text, last_cells, last_table)

    people_table = tables["participants"]
    people = _resolved(people_table, file_name)
    activity_table = tables.get("activities")
    activities = _resolved(activity_table, file_name) if activity_table else None
    registration_table = tables.get("registrations")
    registrations = _resolved(registration_table, file_name) if registration_table else None

    _check_cut(file_name, summary_raw, people, activities, registrations, titles, activity_table)

    time_columns = [("summary", pd.Series([summary_raw.get("start time", ""), summary_raw.get("end time", "")]))]
    time_columns += [("people", people[c]) for c in ("first_join", "last_leave")]
    if activities is not None:
        time_columns += [("activities", activities[c]) for c in ("join", "leave")]
    if registrations is not None:
        time_columns += [("registrations", registrations["registration_time"])]
    day_first = _date_order(time_columns, file_name)

    first_join = _times(people["first_join"], day_first)
    _refuse_unreadable(file_name, people_table, "first_join", people["first_join"], first_join, "a date and time")
    last_leave = _times(people["last_leave"], day_first, on_date_of=first_join)
    _refuse_unreadable(file_name, people_table, "last_leave", people["last_leave"], last_leave, "a date and time")
    minutes = _minutes(people["duration"])
    _refuse_unreadable(
        file_name, people_table, "duration", people["duration"], minutes, "a duration such as 1h 30m 51s"
    )

    summary = _summary(file_name, summary_raw, day_first, first_join)
    roles = _role(people)
    staff = roles.isin(STAFF_ROLES)
    unknown_roles = int((~staff & ~roles.isin(LEAD_ROLES)).sum())
    sections: dict[str, pd.DataFrame] = {}
    sections["host"] = pd.DataFrame(
        {
            "Name": _clean(people["name"]).to_numpy(dtype=object),
            "Email": _clean(people["email"]).to_numpy(dtype=object),
            "Role": _clean(people["role"]).to_numpy(dtype=object),
        }
    )[staff.to_numpy()].reset_index(drop=True)

    from_people = pd.DataFrame(
        {
            "Name": _clean(people["name"]).to_numpy(dtype=object),
            "Email": _clean(people["email"]).to_numpy(dtype=object),
            "Join Time": timestamps_text(first_join).to_numpy(),
            "Leave Time": timestamps_text(last_leave).to_numpy(),
            "Time in Session (minutes)": minutes_text(minutes),
            "Attended": "Yes",
        }
    )[~staff.to_numpy()]
    if activities is not None and len(activities):
        joins = _attendee_joins(file_name, activity_table, activities, day_first, set(_person_key(people)[staff]))
        # a participant Teams listed no join for (possible only when a later section shows section 3 is whole)
        joined = set(_person_key(activities))
        missing = ~_person_key(people)[~staff].isin(joined).to_numpy()
        attendee = pd.concat([joins, from_people[missing]], ignore_index=True)
    else:
        attendee = from_people.reset_index(drop=True)
    sections["attendee"] = attendee

    report_type = TEAMS_ATTENDANCE
    if registrations is not None:
        sections["registrant"] = _registrants(file_name, registration_table, registrations, day_first)
        report_type = TEAMS_WEBINAR

    return ZoomReport(
        file_name=file_name,
        report_type=report_type,
        summary=summary,
        sections={name: text_section(rows.to_dict("series")) for name, rows in sections.items()},
        ledger_note=" ".join(_notes(summary_raw, registrations, unknown_roles, set_aside.count)),
        platform="teams",
        declared_event_type="",
    )


def _summary(file_name: str, raw: dict[str, str], day_first: bool, first_join: pd.Series) -> dict[str, str]:
    summary = dict(raw)
    title = raw.get("meeting title", raw.get("title", "")).strip()
    summary["topic"] = title
    for key in ("start time", "end time"):
        if raw.get(key, "").strip():
            when = _times(pd.Series([raw[key]]), day_first)
            if when.isna().all():
                raise ZoomReportError(
                    f"{file_name}: section '1. Summary', line '{key.capitalize()}': the value is not a date and time. "
                    f"The file may have been edited or re-saved by a spreadsheet program. {_DOWNLOAD_AGAIN}"
                )
            summary[key] = timestamps_text(when).iloc[0]
    if not summary.get("start time") and first_join.notna().any():
        summary["start time"] = timestamps_text(pd.Series([first_join.min()])).iloc[0]
    code = raw.get("meeting id", "").strip()
    if code:
        summary["meeting id"] = f"teams:{code}"
    else:
        summary["meeting id"] = f"teams:{title}@{summary.get('start time', '')[:16]}"
    return summary


def _attendee_joins(
    file_name: str, table: _Table, activities: pd.DataFrame, day_first: bool, staff_keys: set[str]
) -> pd.DataFrame:
    join = _times(activities["join"], day_first)
    _refuse_unreadable(file_name, table, "join", activities["join"], join, "a date and time")
    leave = _times(activities["leave"], day_first, on_date_of=join)
    _refuse_unreadable(file_name, table, "leave", activities["leave"], leave, "a date and time")
    minutes = _minutes(activities["duration"])
    _refuse_unreadable(file_name, table, "duration", activities["duration"], minutes, "a duration such as 1h 30m 51s")
    # a row without a duration: its own join to leave
    minutes = minutes.fillna((leave - join).dt.total_seconds() / 60)
    staff = _role(activities).isin(STAFF_ROLES) | _person_key(activities).isin(staff_keys)
    return pd.DataFrame(
        {
            "Name": _clean(activities["name"]).to_numpy(dtype=object),
            "Email": _clean(activities["email"]).to_numpy(dtype=object),
            "Join Time": timestamps_text(join).to_numpy(),
            "Leave Time": timestamps_text(leave).to_numpy(),
            "Time in Session (minutes)": minutes_text(minutes),
            "Attended": "Yes",
        }
    )[~staff.to_numpy()].reset_index(drop=True)


def _registrants(file_name: str, table: _Table, rows: pd.DataFrame, day_first: bool) -> pd.DataFrame:
    when = _times(rows["registration_time"], day_first)
    _refuse_unreadable(file_name, table, "registration_time", rows["registration_time"], when, "a date and time")
    return pd.DataFrame(
        {
            "Name": _clean(rows["name"]).to_numpy(dtype=object),
            "First Name": _clean(rows["first_name"]).to_numpy(dtype=object),
            "Last Name": _clean(rows["last_name"]).to_numpy(dtype=object),
            "Email": _clean(rows["email"]).to_numpy(dtype=object),
            "Phone": _clean(rows["phone"]).to_numpy(dtype=object),
            "Registration Time": timestamps_text(when).to_numpy(),
        }
    )


def _check_last_line(file_name: str, text: str, last_cells: int, last_table: _Table | None) -> None:
    """A download or copy cut in the middle of a line: fewer values than its header, or a cut role."""
    if text.endswith(("\n", "\r")) or last_table is None or not last_table.rows:
        return
    width = len(last_table.header)
    roles = [i for i, h in enumerate(last_table.header) if letters_only(h) == "role"]
    # when the role is a line's last value, a cut inside it leaves every column there but no known role
    cut_role = roles == [width - 1] and letters_only(last_table.rows[-1][roles[0]]) not in STAFF_ROLES | LEAD_ROLES
    if last_cells < width or (last_table.kind in ("participants", "activities") and cut_role):
        raise ZoomReportError(
            f"{file_name}: the file is cut short (its last line stops in the middle). Wait until it is fully "
            f"copied. {_DOWNLOAD_AGAIN}"
        )


def _check_cut(
    file_name: str,
    summary: dict[str, str],
    people: pd.DataFrame,
    activities: pd.DataFrame | None,
    registrations: pd.DataFrame | None,
    titles: list[str],
    activity_table: _Table | None,
) -> None:
    """A file cut at a line end reads cleanly: compare the lists with the counts the summary prints."""
    attended = summary_count(summary, "attended participants", "total number of participants")
    if attended is not None and len(people) < attended:
        raise ZoomReportError(
            f"{file_name}: the report looks cut short: it lists {len(people)} of the {attended} people its own "
            f"summary counts as attended. {_DOWNLOAD_AGAIN}"
        )
    registered = summary_count(summary, "registered participants", "registered")
    if registrations is not None and registered is not None:
        listed = _person_key(
            registrations.assign(name=registrations["name"] + registrations["first_name"] + registrations["last_name"])
        ).nunique()
        if listed < registered:
            raise ZoomReportError(
                f"{file_name}: the report looks cut short: it lists {listed} of the {registered} people its own "
                f"summary counts as registered. {_DOWNLOAD_AGAIN}"
            )
    if activities is not None and activity_table is not None and titles and titles[-1] == activity_table.title:
        # section 3 is the file's last: a participant without a join in it was cut off the end
        without_join = int((~_person_key(people).isin(set(_person_key(activities)))).sum())
        if without_join:
            raise ZoomReportError(
                f"{file_name}: the report looks cut short: {without_join} participant(s) of '2. Participants' have "
                f"no join in '3. In-Meeting Activities', the file's last section. {_DOWNLOAD_AGAIN}"
            )


def _notes(
    summary: dict[str, str], registrations: pd.DataFrame | None, unknown_roles: int, set_aside: int
) -> list[str]:
    notes = []
    if summary_count(summary, "attended participants", "total number of participants") is None:
        notes.append(
            unchecked_count_note(
                "its summary has no 'Attended participants' count", "download it from Teams again and drop it."
            )
        )
    if registrations is not None and summary_count(summary, "registered participants", "registered") is None:
        notes.append(
            "Its registrations could not be checked against a count: the summary has no 'Registered participants'."
        )
    if unknown_roles:
        notes.append(
            f"{unknown_roles} participant(s) had a role other than Organizer, Co-organizer, Presenter or Attendee "
            "and were counted as attendees."
        )
    notes.append(set_aside_note(set_aside, "download the report from Teams again and drop it."))
    return [note for note in notes if note]
