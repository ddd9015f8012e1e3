"""Zoom's report CSVs as people download them from the Zoom web portal.

A report is not one table but several stacked ones: a preamble (`Attendee Report`,
`Report Generated:,"Nov 3, 2025 09:15 PM"`), a summary header and its values row
(`Topic,Webinar ID,Actual Start Time,...`), then sections (`Host Details`, `Panelist
Details`, `Attendee Details`, `Registrant Details`, `Other Attended`), each with its own
header row. A meeting participants report has a summary (`Meeting ID,Topic,Start Time,...`)
and one unnamed participants table.

The parser reads sections by their header rows, not by line numbers or file names, so a
reordered, added or missing section or column does not break it. What a section holds is
decided by its columns (join times mean attendance, registration times without joins mean
registration), with the section title as a hint. It only splits and labels; cleaning is in
`zoom_events`.

A report cut short is rejected, never loaded as if complete. A cut in the middle of a line shows
as a half line at the end. A cut at a line boundary leaves a file that reads cleanly, so the
people listed are compared with the counts Zoom prints in the report's own summary, each with
the list it counts:

- Registration report: `# Registered` counts registrations, one row each in `Registrant
  Details`. The registrants listed (one per email; a row without an email counts alone) must
  be at least `# Registered` minus `# Cancelled` (whether a cancelled registration is in
  `# Registered` or listed is not documented, so the smaller number is the one promised).
- Webinar attendee report: `Attendee Details` lists every registrant, `Attended` Yes or No,
  and a person who left and rejoined once per join, so rows are joins, not people. So:
  the registrants listed (one per email) must be at least `# Registered` minus `# Cancelled`;
  and the people who watched (one per email, `Attended` Yes, in `Attendee Details` and
  `Other Attended`) must be at least `Unique Viewers`. Hosts and panelists have their own
  sections, are not viewers and are never counted. `Total Users` counts joins, and
  whether a host's or panelist's joins are in it is not documented, so it is not used.
- Meeting participants report: `Participants` counts joins (a rejoin is a second participant)
  and the export may merge each person's joins into one row ("show unique users"), so the list
  may rightly be shorter than the count: nothing is compared, only the half-line check applies.
  So a meeting report cut at a line end loads as if complete: no count in it can catch that. Such
  a report (and any report whose counts are missing) carries a `ledger_note` in plain words that the
  ledger shows beside the file, so the ops person knows which files the check cannot vouch for.

A value holding a NUL or another control character is never cut short or stored as it is (PostgreSQL
cannot hold a NUL): it is emptied, its row kept, and the ledger note says how many were.

A count that is missing or blank promises nothing. A cut that drops only the last rejoin row of
someone still listed is not caught by counts of people (the person is there, with fewer minutes).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets.lib.report_text import (
    SetAside,
    set_aside_note,
    summary_count,
    text_encoding,
    trimmed_row,
    unchecked_count_note,
    unique_headers,
)

WEBINAR_REGISTRATION = "webinar_registration"
WEBINAR_ATTENDEE = "webinar_attendee"
MEETING_PARTICIPANTS = "meeting_participants"
EVENT_PLATFORMS = ("zoom", "teams", "meet", "form", "manual")

# Zoom's header cells, lower-cased; two of them on one line make it a header row.
HEADER_WORDS = frozenset(
    {
        "topic",
        "webinar id",
        "meeting id",
        "email",
        "user email",
        "join time",
        "leave time",
        "first name",
        "last name",
        "user name (original name)",
        "name (original name)",
        "user name",
        "name",
        "registration time",
        "approval status",
        "time in session (minutes)",
        "duration (minutes)",
        "attended",
        "phone",
        "country/region name",
        "is guest",
        "guest",
        "start time",
        "end time",
        "actual start time",
        "scheduled time",
    }
)

SECTION_TITLES = {
    "host details": "host",
    "panelist details": "panelist",
    "attendee details": "attendee",
    "registrant details": "registrant",
    "registrants": "registrant",
    "other attended": "other_attended",
}

REPORT_TITLES = {
    "attendee report": WEBINAR_ATTENDEE,
    "registration report": WEBINAR_REGISTRATION,
    "performance report": None,
}


# a section's rows are made Polars text this many at a time
CHUNK_ROWS = 50_000
# anything but blanks and commas: a file of nothing else is empty
_SOMETHING = re.compile(rb"[^ \t\r\n,]")

# the headers Zoom writes a person's email under, by report
EMAIL_HEADERS = ("email", "user email", "attendee email")


class ZoomReportError(ValueError):
    """A file is not a usable Zoom report; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ZoomReport:
    file_name: str
    report_type: str
    summary: dict[str, str]
    # section name -> its rows, every cell Polars text, columns as Zoom spelled them
    sections: dict[str, pl.DataFrame] = field(default_factory=dict)
    # the preamble's `Report Generated:` time as written ('' when the report has none, as meeting reports)
    generated_text: str = ""
    # for the ledger, in plain words: why no count could vouch that it is complete, values set aside ('' when none)
    ledger_note: str = ""
    # the platform whose file this is: zoom, teams, meet, form, manual (EVENT_PLATFORMS)
    platform: str = "zoom"
    # `webinar` or `bootcamp` when the file itself says which (a form's declaration, a filled template);
    # '' leaves it to the topic and mappings/bootcamp_sessions.csv, as for Zoom
    declared_event_type: str = ""

    @property
    def event_id(self) -> str:
        """Zoom's webinar or meeting ID as digits; another platform's stable key for the session as it made it."""
        given = self.summary.get("webinar id") or self.summary.get("meeting id") or ""
        return webinar_id_digits(given) if self.platform == "zoom" else given.strip()

    @property
    def topic(self) -> str:
        return (self.summary.get("topic") or "").strip()

    @property
    def start_time_text(self) -> str:
        for name in ("actual start time", "start time", "scheduled time"):
            if self.summary.get(name):
                return self.summary[name]
        return ""


def webinar_id_digits(value: str) -> str:
    """`812 3456 7890` -> `81234567890`: an ID is a string of digits, never a number."""
    return re.sub(r"\D", "", str(value))


class _Section:
    """One section's rows, kept as Polars text columns a piece at a time: a large report never sits in
    memory as Python objects, only `CHUNK_ROWS` rows of it at once."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.names = unique_headers(header)
        self.pending: list[list[str]] = []
        self.pieces: list[pl.DataFrame] = []

    def append(self, cells: list[str]) -> None:
        if len(cells) < len(self.header):
            cells = cells + [""] * (len(self.header) - len(cells))
        self.pending.append(cells)
        if len(self.pending) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.pieces.append(self._piece(zip(*self.pending, strict=True)))
            self.pending = []

    def _piece(self, columns: Iterable[Iterable[str]]) -> pl.DataFrame:
        return pl.DataFrame([pl.Series(n, c, dtype=pl.String) for n, c in zip(self.names, columns, strict=True)])

    def frame(self) -> pl.DataFrame:
        self._flush()
        if not self.pieces:
            return self._piece([] for _ in self.names)
        # the pieces as they are (Polars reads a column of several pieces as one): no copy of a large report
        return pl.concat(self.pieces, rechunk=False)


def text_section(columns: Mapping[str, Iterable[str | None]]) -> pl.DataFrame:
    """A section from its columns (any sequence of text, None where missing): every column Polars text."""
    return pl.DataFrame([pl.Series(name, values, dtype=pl.String) for name, values in columns.items()])


# what report_table writes; bump it whenever what the parser makes of a file changes, so that every report
# parsed before (kept beside the archive) is parsed again and a fix reaches all history
PARSED_FORMAT = 3
_SECTION = "\x00section"


def report_table(report: ZoomReport) -> pa.Table:
    """One parsed report as one Arrow table (its sections' rows one under another, each marked with its
    section's number), the rest in the schema's metadata: to keep and read back instead of parsing again."""
    sections = list(report.sections.values())
    rows = pl.concat(sections, how="diagonal") if sections else pl.DataFrame()
    # a small report's columns made one piece, one record batch: a kept file's every buffer is compressed on its
    # own, and a batch per section multiplied them; a large report's pieces of CHUNK_ROWS rows stay (no copy)
    if len(rows) <= CHUNK_ROWS:
        rows = rows.rechunk()
    numbers = pa.array(np.repeat(np.arange(len(sections), dtype=np.int16), [len(s) for s in sections]))
    about = {
        "format": PARSED_FORMAT,
        "report_type": report.report_type,
        "summary": report.summary,
        "generated_text": report.generated_text,
        "ledger_note": report.ledger_note,
        "platform": report.platform,
        "declared_event_type": report.declared_event_type,
        "sections": [[name, section.columns] for name, section in report.sections.items()],
    }
    # text as Polars holds it (Arrow's string_view: no copy); the sections' numbers are added on the Arrow side,
    # as their column's name (a NUL first, so that no header is ever it) cannot cross from Polars
    table = rows.to_arrow(compat_level=pl.CompatLevel.newest()).append_column(_SECTION, numbers)
    return table.replace_schema_metadata({"zoom_report": json.dumps(about)})


def report_from_table(table: pa.Table, file_name: str) -> ZoomReport:
    """The report report_table kept; ValueError when the table is not one, or of another PARSED_FORMAT."""
    about = json.loads((table.schema.metadata or {}).get(b"zoom_report", b"{}"))
    if about.get("format") != PARSED_FORMAT:
        raise ValueError(f"kept in format {about.get('format')}, not {PARSED_FORMAT}")
    if table.column_names.count(_SECTION) != 1:
        raise ValueError("not a kept report: it has no one column of section numbers")
    number = table.column(_SECTION).to_numpy()
    if (np.diff(number) < 0).any():
        raise ValueError("not a kept report: its sections are not one after another, as report_table writes them")
    # where each section starts, and the last one ends: each is a slice of the rows (no copy)
    bounds = np.searchsorted(number, np.arange(len(about["sections"]) + 1)).tolist()
    try:
        rows = pl.from_arrow(table.drop_columns(_SECTION)).cast(pl.String)
        # columns taken by name as written (pl.col would read `^...$` as a pattern)
        sections = {
            name: rows[start:end][columns]
            for (name, columns), start, end in zip(about["sections"], bounds, bounds[1:], strict=False)
        }
    except pl.exceptions.PolarsError as exc:  # a column missing, or not what report_table writes
        raise ValueError(f"not a kept report: {exc}") from None
    return ZoomReport(
        file_name=file_name,
        report_type=about["report_type"],
        summary=about["summary"],
        sections=sections,
        generated_text=about["generated_text"],
        ledger_note=about["ledger_note"],
        platform=about["platform"],
        declared_event_type=about["declared_event_type"],
    )


def _is_header(cells: list[str]) -> bool:
    # every line of the file is asked: counted without a Python step per cell
    return sum(map(HEADER_WORDS.__contains__, map(str.lower, cells))) >= 2


def _section_name(title: str | None, header: list[str]) -> str:
    lowered = {cell.lower() for cell in header}
    if "topic" in lowered and lowered & {"webinar id", "meeting id"}:
        return "summary"
    if title in SECTION_TITLES:
        named = SECTION_TITLES[title]
        # the columns decide: a section titled "Attendee Details" in a registration report holds registrants
        if named in ("attendee", "registrant"):
            return "attendee" if "join time" in lowered else "registrant"
        return named
    if "join time" in lowered:
        return "participant"
    if "registration time" in lowered:
        return "registrant"
    return title.replace(" ", "_") if title else "unnamed"


def parse_zoom_report(content: bytes, *, file_name: str) -> ZoomReport:
    """Split one Zoom report into its summary and sections, and say what kind of report it is.

    Read a line at a time, each section's rows kept as Polars text in pieces: memory stays near the
    file's own size, whatever that is."""
    bom = content.startswith(codecs.BOM_UTF8)
    if not _SOMETHING.search(content, 3 if bom else 0):
        raise ZoomReportError(f"{file_name}: the file is empty. Download the report from Zoom again.")
    text = io.TextIOWrapper(io.BytesIO(content), encoding=text_encoding(content), errors="replace", newline="")

    report_title: str | None = None
    generated_text = ""
    title: str | None = None
    sections: dict[str, _Section] = {}
    current: str | None = None
    last_raw_cells = 0
    set_aside = SetAside(content)
    try:
        for line_number, raw in enumerate(csv.reader(text), start=1):
            last_raw_cells = len(raw)
            cells = trimmed_row(set_aside.row(raw))
            if not cells:
                current = None
                continue
            if _is_header(cells):
                name = _section_name(title, cells)
                # a second table of the same kind (a repeated section) appends under its own header
                name = name if name not in sections or sections[name].header == cells else f"{name}_{line_number}"
                if name not in sections:
                    sections[name] = _Section(cells)
                current, title = name, None
                continue
            # a title is a line of one value; the preamble and stray lines are outside any table
            if len(cells) == 1 or current is None:
                first = cells[0].lower()
                if len(cells) == 1 and (first in SECTION_TITLES or first in REPORT_TITLES or first.endswith("details")):
                    if first in REPORT_TITLES:
                        report_title = first
                    title, current = first, None
                    continue
                if first.endswith(":") and current is None:
                    if first == "report generated:" and len(cells) > 1 and not generated_text:
                        generated_text = cells[1]  # which of two reports of one session is the correction
                    continue  # preamble, e.g. Report Generated:,"Nov 3, 2025 09:15 PM"
                if current is None:
                    continue  # a stray line outside any table (a note typed into the file)
            section = sections[current]
            if len(cells) > len(section.header):
                raise ZoomReportError(
                    f"{file_name}: line {line_number} has {len(cells)} values but its section's header has "
                    f"{len(section.header)} columns. "
                    "The file may have been edited by hand; download it from Zoom again."
                )
            section.append(cells)
    except csv.Error as exc:
        raise ZoomReportError(
            f"{file_name}: this is not a readable CSV file ({exc}). Download the report from Zoom again."
        ) from None

    if "summary" not in sections:
        raise ZoomReportError(
            f"{file_name}: this is not a file the pipeline knows: not a Zoom webinar or meeting report (no 'Topic' / "
            "'Webinar ID' or 'Meeting ID' summary found), nor a Microsoft Teams or Google Meet attendance report, nor "
            "the responses of a form declared in mappings/registration_forms.csv, nor a filled copy of "
            "mappings/templates/event_attendance.csv. Download the report again from where it came from; for a "
            "form's responses, declare the form in mappings/registration_forms.csv first."
        )
    summary_section = sections.pop("summary")
    summary_rows = summary_section.frame()
    if summary_rows.is_empty():
        raise ZoomReportError(f"{file_name}: the file is cut short: the summary has a header but no values.")
    summary = dict(zip((c.lower() for c in summary_section.header), summary_rows.row(0), strict=False))
    last_width = (
        len(sections[current].header) if current in sections else (len(summary_section.header) if current else 0)
    )
    frames = {name: section.frame() for name, section in sections.items()}
    report_type = _report_type(summary, frames, report_title, file_name)
    ends_mid_line = not content.endswith((b"\n", b"\r"))
    checked = _check_complete(ends_mid_line, last_raw_cells, last_width, summary, frames, report_type, file_name)
    return ZoomReport(
        file_name=file_name,
        report_type=report_type,
        summary=summary,
        sections=frames,
        generated_text=generated_text,
        ledger_note=" ".join(
            note
            for note in (
                "" if checked else _unchecked(report_type),
                set_aside_note(set_aside.count, "download the report from Zoom again and drop it."),
            )
            if note
        ),
    )


def _unchecked(report_type: str) -> str:
    """For the ledger: why the count check cannot vouch for this report, in plain words."""
    why = (
        "a meeting participants report carries no count of people to compare with"
        if report_type == MEETING_PARTICIPANTS
        else "its summary has no '# Registered' or 'Unique Viewers' count to compare with"
    )
    return unchecked_count_note(why, "download it from Zoom again and drop it.")


def _report_type(summary: dict[str, str], frames: dict[str, pl.DataFrame], title: str | None, file_name: str) -> str:
    if "meeting id" in summary and "webinar id" not in summary:
        return MEETING_PARTICIPANTS
    if any(name in frames for name in ("attendee", "other_attended")) or "unique viewers" in summary:
        return WEBINAR_ATTENDEE
    if "registrant" in frames:
        return WEBINAR_REGISTRATION
    if title and REPORT_TITLES.get(title):
        return REPORT_TITLES[title]
    raise ZoomReportError(
        f"{file_name}: a Zoom webinar summary was found but no attendee or registrant list, so this is "
        "neither a registration nor an attendee report (a performance or poll report?). Drop only the "
        "registration and attendee reports."
    )


def _check_complete(
    ends_mid_line: bool,
    last_line_cells: int,
    last_section_width: int,
    summary: dict[str, str],
    frames: dict[str, pl.DataFrame],
    report_type: str,
    file_name: str,
) -> bool:
    """A download or copy cut short shows as a half line at the end, or as a list missing its people.

    True when a count in the report vouched for the lists; False when none could."""
    if ends_mid_line and last_section_width and last_line_cells < last_section_width:
        raise ZoomReportError(
            f"{file_name}: the file is cut short (its last line stops after {last_line_cells} of "
            f"{last_section_width} columns). Download it from Zoom again, or wait until it is fully copied."
        )
    counts = _people_counts(summary, frames, report_type)
    for found, promised, what in counts:
        if found < promised:
            raise ZoomReportError(
                f"{file_name}: the report looks cut short: it lists {found} of the {promised} {what} that its "
                "own summary counts. Download it from Zoom again (the whole report, all registrants) and drop "
                "the new file into the drop folder."
            )
    return bool(counts)


def _people_counts(
    summary: dict[str, str], frames: dict[str, pl.DataFrame], report_type: str
) -> list[tuple[int, int, str]]:
    """(people listed, people the summary promises, who they are) for each count the report has.

    The rules, and why each compares what it does, are in the module's docstring."""
    registered = summary_count(summary, "# registered")
    promised_registrants = None if registered is None else registered - (summary_count(summary, "# cancelled") or 0)
    counts = []
    if report_type == WEBINAR_REGISTRATION and promised_registrants:
        counts.append((people_listed(_sections(frames, "registrant")), promised_registrants, "people registered"))
    if report_type == WEBINAR_ATTENDEE:
        if promised_registrants:
            counts.append((people_listed(_sections(frames, "attendee")), promised_registrants, "people registered"))
        viewers = summary_count(summary, "unique viewers")
        if viewers:
            watched = [_attended(rows) for rows in _sections(frames, "attendee", "other_attended")]
            counts.append((people_listed(watched), viewers, "people who watched"))
    return counts


def _sections(frames: dict[str, pl.DataFrame], *names: str) -> list[pl.DataFrame]:
    """The sections of these kinds, including a repeated one (named `<kind>_<line number>`)."""
    return [
        rows
        for section, rows in frames.items()
        if any(section == name or re.fullmatch(rf"{name}_\d+", section) for name in names)
    ]


def _column(rows: pl.DataFrame, *names: str) -> pa.Array | None:
    """The first of these columns, trimmed and lower-cased (see `lowered`)."""
    by_lower = {column.lower(): column for column in rows.columns}
    found = next((by_lower[name] for name in names if name in by_lower), None)
    return None if found is None else lowered(rows.get_column(found))


def lowered(values: pl.Series) -> pa.Array:
    """Text trimmed and lower-cased by Arrow's kernels, as people have always been counted and told apart here
    (Polars' kernels lower-case a few letters otherwise); '' where missing."""
    text = values.to_arrow(compat_level=pl.CompatLevel.oldest())
    text = pc.fill_null(text, "") if text.null_count else text
    return pc.utf8_lower(pc.utf8_trim_whitespace(text))


def _attended(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows of people who joined (`Attended` Yes; a section without that column, Other Attended, lists only
    joins), with only the columns `people_listed` counts by: the email, when there is one."""
    attended = _column(rows, "attended")
    if attended is None:
        return rows
    # filtering every column of every section was most of the completeness check's time
    email = [column for column in rows.columns if column.lower() in EMAIL_HEADERS]
    return (rows.select(email) if email else rows).filter(pl.Series(pc.equal(attended, "yes")))


def people_listed(sections: list[pl.DataFrame]) -> int:
    """How many people the rows hold: one per email (a rejoin repeats the email), a row without one counts alone.

    Counting a row without an email alone can only count too many, never too few: a complete file is never
    taken for a cut one."""
    emails: list[pa.Array] = []
    without_email = 0
    for rows in sections:
        email = _column(rows, *EMAIL_HEADERS)
        if email is None:
            without_email += len(rows)
            continue
        present = pc.not_equal(email, "")
        emails.append(email.filter(present))
        without_email += len(email) - pc.sum(present).as_py() if len(email) else 0
    distinct = len(pc.unique(pa.chunked_array(emails, type=pa.large_string()))) if emails else 0
    return distinct + without_email
