"""The contracts of the dropped event reports' tables (`catalogue.EVENT_REPORT_SOURCES`), walked through the parsers.

As `test_columns.py` walks the sources read as tables, every field of every event contract is walked here,
through the parser that reads it, on the platform's sample file: its exact header wins over an empty
look-alike before it, two look-alikes refuse the file naming both, and a missing required column refuses
it naming the column. A contract or a field added later is walked before anyone finds its look-alike.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable

import pytest

from funnel_assets import catalogue
from funnel_assets.lib.columns import letters_only
from funnel_assets.lib.manual_events import parse_manual_event
from funnel_assets.lib.meet_reports import parse_meet_report
from funnel_assets.lib.report_text import decoded
from funnel_assets.lib.teams_reports import parse_teams_report
from funnel_assets.lib.zoom_reports import ZoomReport, ZoomReportError
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.zoom_files import assert_same_report

EVENTS = PROJECT_ROOT / "sample_data" / "events"
CANARY = "Canary Kumar canary@example.com 9812345678"
TEAMS = EVENTS / "teams_acca_qa_2026-11-10.csv"
# the Teams sample is a meeting's; a webinar's report adds its registrations
TEAMS_REGISTRATION_SECTION = (
    "4. Registration details\r\n"
    "Name\tFirst Name\tLast Name\tEmail\tPhone\tRegistration Time\r\n"
    "Divya Patel\tDivya\tPatel\tdivya.patel119@gmail.com\t+91 98765 43210\t11/1/26, 10:02:00 AM\r\n"
    "Harsh Kapoor\tHarsh\tKapoor\tharsh.kapoor233@gmail.com\t\t11/2/26, 9:00:15 PM\r\n"
    "\r\n"
)


def _teams_webinar() -> bytes:
    return (decoded(TEAMS.read_bytes()).rstrip("\r\n") + "\r\n\r\n" + TEAMS_REGISTRATION_SECTION).encode("utf-16")


# each contract: (the sample file's content, its name, its delimiter, its parser)
SAMPLES: dict[str, tuple[Callable[[], bytes], str, str, Callable[..., ZoomReport]]] = {
    catalogue.TEAMS_PARTICIPANTS.name: (TEAMS.read_bytes, TEAMS.name, "\t", parse_teams_report),
    catalogue.TEAMS_IN_MEETING_ACTIVITIES.name: (TEAMS.read_bytes, TEAMS.name, "\t", parse_teams_report),
    catalogue.TEAMS_REGISTRATIONS.name: (_teams_webinar, "teams_webinar.csv", "\t", parse_teams_report),
    catalogue.MEET_ATTENDANCE_REPORT.name: (
        (EVENTS / "meet_acca_weekly_qa_2026-11-03.csv").read_bytes,
        "meet_acca_weekly_qa_2026-11-03.csv",
        ",",
        parse_meet_report,
    ),
    catalogue.EVENT_ATTENDANCE_TEMPLATE.name: (
        (EVENTS / "manual_cfa_campus_seminar.csv").read_bytes,
        "manual_cfa_campus_seminar.csv",
        ",",
        parse_manual_event,
    ),
}
FIELDS = [pytest.param(s, f, id=f"{s.name}.{f.name}") for s in catalogue.EVENT_REPORT_SOURCES for f in s.fields]
REQUIRED = [
    pytest.param(s, f, id=f"{s.name}.{f.name}") for s in catalogue.EVENT_REPORT_SOURCES for f in s.fields if f.required
]


def look_alike(header: str) -> str:
    """The same letters, a different spelling: `First Join` -> `FIRST JOIN`."""
    return header.upper() if header != header.upper() else header.lower()


class SampleTable:
    """A sample file as rows of cells, its contract's table among them, to change a column of and write again."""

    def __init__(self, contract: catalogue.Source) -> None:
        content, self.file_name, self.delimiter, self.parser = SAMPLES[contract.name]
        raw = content()
        self.utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        self.rows = list(csv.reader(io.StringIO(decoded(raw).lstrip("\ufeff"), newline=""), delimiter=self.delimiter))
        headers = {f.header for f in contract.fields}
        # the contract's header row: the one naming the most of its fields exactly
        self.header = max(range(len(self.rows)), key=lambda i: len(headers & set(self.rows[i])))
        self.end = next((i for i in range(self.header + 1, len(self.rows)) if not self.rows[i]), len(self.rows))
        for f in contract.fields:  # a field the sample lacks is added, empty, so that every field is walked
            if f.header not in self.rows[self.header]:
                self.insert(len(self.rows[self.header]), f.header)

    def insert(self, position: int, header: str, value: str = "") -> None:
        self.rows[self.header].insert(position, header)
        for row in self.rows[self.header + 1 : self.end]:
            row.insert(position, value)

    def drop(self, header: str) -> None:
        position = self.rows[self.header].index(header)
        for row in self.rows[self.header : self.end]:
            del row[position]

    def rename(self, header: str, new: str) -> None:
        row = self.rows[self.header]
        row[row.index(header)] = new

    def position(self, header: str) -> int:
        return self.rows[self.header].index(header)

    def parse(self) -> ZoomReport:
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter, lineterminator="\r\n").writerows(self.rows)
        return self.parser(out.getvalue().encode("utf-16" if self.utf16 else "utf-8-sig"), file_name=self.file_name)


def test_every_event_contract_is_walked_on_a_sample():
    assert set(SAMPLES) == {s.name for s in catalogue.EVENT_REPORT_SOURCES}


@pytest.mark.parametrize("contract", catalogue.EVENT_REPORT_SOURCES, ids=lambda s: s.name)
def test_each_contract_keeps_the_rules_of_a_contract(contract):
    names = [f.name for f in contract.fields]
    assert len(set(names)) == len(names) and all(n == n.lower() and " " not in n for n in names)
    spellings = [letters_only(s) for f in contract.fields for s in dict.fromkeys(map(letters_only, f.spellings))]
    assert len(set(spellings)) == len(spellings), "a spelling belongs to two fields"
    assert catalogue.table(contract.table).name == "event_participants"
    assert contract.setting == "FUNNEL_ZOOM_DROP_DIR"


@pytest.mark.parametrize("contract, field", FIELDS)
def test_the_parser_reads_a_field_from_its_exact_header_past_an_empty_look_alike(contract, field):
    sample = SampleTable(contract)
    expected = sample.parse()
    sample.insert(sample.position(field.header), look_alike(field.header))
    assert_same_report(sample.parse(), expected)


@pytest.mark.parametrize("contract, field", FIELDS)
def test_two_look_alikes_refuse_the_file_naming_both_and_no_value(contract, field):
    sample = SampleTable(contract)
    alike, second = look_alike(field.header), f"{field.header}_"
    sample.rename(field.header, alike)
    sample.insert(sample.position(alike), second, CANARY)
    with pytest.raises(ZoomReportError) as raised:
        sample.parse()
    message = str(raised.value)
    assert message.startswith(sample.file_name) and f"'{alike}'" in message and f"'{second}'" in message
    assert CANARY not in message


@pytest.mark.parametrize("contract, field", REQUIRED)
def test_a_missing_required_column_refuses_the_file_naming_it(contract, field):
    sample = SampleTable(contract)
    sample.drop(field.header)
    with pytest.raises(ZoomReportError, match="lacks the column|missing the column") as raised:
        sample.parse()
    assert field.header in str(raised.value)
