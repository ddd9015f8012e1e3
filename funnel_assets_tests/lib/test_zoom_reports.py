"""The Zoom report parser against the layouts Zoom's web portal exports, and their mangled variants."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from funnel_assets.lib.zoom_reports import (
    MEETING_PARTICIPANTS,
    WEBINAR_ATTENDEE,
    WEBINAR_REGISTRATION,
    ZoomReportError,
    parse_zoom_report,
    webinar_id_digits,
)
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.zoom_files import (
    ATTENDEE_REPORT,
    MEETING_REPORT,
    REGISTRATION_REPORT,
    assert_same_report,
    attendee_report,
    registration_report,
)

SAMPLE_REPORTS = sorted((PROJECT_ROOT / "sample_data" / "zoom").glob("*.csv"))


def parse(text: str, name: str = "report.csv", encoding: str = "utf-8"):
    return parse_zoom_report(text.encode(encoding), file_name=name)


def test_attendee_report_sections_and_type():
    report = parse(ATTENDEE_REPORT)
    assert report.report_type == WEBINAR_ATTENDEE
    assert report.event_id == "81234567890"
    assert report.topic == "ACCA Free Masterclass"
    assert report.start_time_text == "Nov 3, 2025 07:00 PM"
    assert set(report.sections) >= {"host", "panelist", "attendee", "other_attended"}
    attendees = report.sections["attendee"]
    assert len(attendees) == 3
    assert attendees["Phone"].to_list()[0] == "+91 98765-43210"
    assert report.sections["host"]["User Name (Original Name)"].to_list() == ["CA Rahul S"]
    assert report.sections["panelist"].is_empty()


def test_registration_report_with_extra_columns_and_no_trailing_commas():
    report = parse(REGISTRATION_REPORT)
    assert report.report_type == WEBINAR_REGISTRATION
    assert report.event_id == "84511112222"
    registrants = report.sections["registrant"]
    assert registrants["Email"].to_list() == ["neha@x.com", "john@x.co.uk"]
    assert "Source Name" in registrants.columns


def test_meeting_participants_report():
    report = parse(MEETING_REPORT)
    assert report.report_type == MEETING_PARTICIPANTS
    assert report.event_id == "81299990000"
    assert report.sections["participant"]["User Email"].to_list() == ["host@finedu.in", "asha.k@gmail.com"]


def test_type_comes_from_content_not_the_file_name():
    assert parse(REGISTRATION_REPORT, name="attendee_report_final.csv").report_type == WEBINAR_REGISTRATION


def test_bom_crlf_and_windows_encoding_are_tolerated():
    crlf = "\ufeff" + ATTENDEE_REPORT.replace("\n", "\r\n").replace("asha k", "Asha Kâ")
    report = parse_zoom_report(crlf.encode("utf-8"), file_name="bom.csv")
    assert report.event_id == "81234567890" and len(report.sections["attendee"]) == 3
    cp1252 = parse_zoom_report(ATTENDEE_REPORT.replace("asha k", "José").encode("cp1252"), file_name="w.csv")
    assert cp1252.sections["attendee"]["User Name (Original Name)"][0] == "José"


def test_reordered_columns_and_missing_optional_columns():
    reordered = (
        REGISTRATION_REPORT.replace(
            "First Name,Last Name,Email,Phone,City,Registration Time,Approval Status,Country/Region Name,Source Name",
            "Email,First Name,Last Name,Phone,City,Registration Time,Approval Status,Country/Region Name,Source Name",
        )
        .replace("Neha,Verma,neha@x.com", "neha@x.com,Neha,Verma")
        .replace("John,Smith,john@x.co.uk", "john@x.co.uk,John,Smith")
    )
    assert parse(reordered).sections["registrant"]["First Name"].to_list() == ["Neha", "John"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        ("\r\n,,\r\n", "empty"),
        ("Name,Email,Phone\nAsha,a@x.com,98765\n", "not a Zoom"),
        (ATTENDEE_REPORT.split("Host Details")[0].rsplit("ACCA Free", 1)[0], "no values"),
        (ATTENDEE_REPORT[: ATTENDEE_REPORT.index("Yes,asha k") + 40], "cut short"),
        (ATTENDEE_REPORT.split("Host Details")[0], "cut short"),
    ],
    ids=["empty", "blank-lines", "not-zoom", "summary-without-values", "half-a-line", "lists-missing"],
)
def test_bad_files_get_one_clear_error_naming_the_file(content, message):
    with pytest.raises(ZoomReportError, match=message) as raised:
        parse(content, name="812_attendee_2025-11-03.csv")
    assert "812_attendee_2025-11-03.csv" in str(raised.value)


def test_webinar_id_digits():
    assert webinar_id_digits("812 3456 7890") == "81234567890"
    assert webinar_id_digits("812-3456-7890") == "81234567890"


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=2000)
    | st.text(alphabet=st.sampled_from(list(ATTENDEE_REPORT[:600]) + ["\x00", '"', "\r"])).map(str.encode)
)
def test_arbitrary_bytes_raise_nothing_but_the_parsers_own_error(content):
    try:
        report = parse_zoom_report(content, file_name="fuzz.csv")
    except ZoomReportError as error:
        assert "fuzz.csv" in str(error)
    else:
        assert report.report_type in {WEBINAR_ATTENDEE, WEBINAR_REGISTRATION, MEETING_PARTICIPANTS}


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=len(ATTENDEE_REPORT) - 1))
def test_any_truncation_of_a_real_report_is_read_or_rejected_cleanly(cut):
    try:
        parse(ATTENDEE_REPORT[:cut])
    except ZoomReportError as error:
        assert "report.csv" in str(error)


def cut_at_line(content: bytes, header_starts: bytes, rows_kept: int) -> bytes:
    """The file as a download or copy stopped at a line boundary leaves it: up to `rows_kept` rows of the list."""
    lines = content.splitlines(keepends=True)
    header = next(n for n, line in enumerate(lines) if line.startswith(header_starts))
    return b"".join(lines[: header + 1 + rows_kept])


def test_a_real_report_cut_at_a_line_boundary_is_rejected_saying_how_many_people_it_lacks():
    # 39 rows in Attendee Details: 30 registrants, 16 of whom watched, several of them rejoining
    content = (PROJECT_ROOT / "sample_data" / "zoom" / "81964785654_attendee_2025-11-17.csv").read_bytes()
    cut = cut_at_line(content, b"Attended,User Name (Original Name),First Name", rows_kept=9)
    with pytest.raises(ZoomReportError, match=r"cut short: it lists 7 of the 30 people registered") as raised:
        parse_zoom_report(cut, file_name="81964785654_attendee_2025-11-17.csv")
    assert "Download it from Zoom again" in str(raised.value)


@pytest.mark.parametrize("report", SAMPLE_REPORTS, ids=lambda path: path.name)
def test_every_complete_sample_report_loads(report: Path):
    """Rejoins, no-shows, the host among a meeting's participants: none of them makes a whole file look cut."""
    parse_zoom_report(report.read_bytes(), file_name=report.name)


START = "Nov 3, 2025 07:00 PM"
JOIN = ("Nov 3, 2025 07:01 PM", "Nov 3, 2025 07:30 PM", 29)
REJOIN = ("Nov 3, 2025 07:35 PM", "Nov 3, 2025 08:30 PM", 55)
PEOPLE = [
    {"first": "Asha", "last": "K", "email": "asha@x.com", "joins": [JOIN, REJOIN, REJOIN]},  # rejoined twice
    {"first": "Ravi", "last": "P", "email": "ravi@x.com"},  # registered, did not come
    {"first": "Neha", "last": "V", "email": "neha@x.com", "joins": [JOIN]},
    {"first": "John", "last": "S", "email": "john@x.com", "joins": [JOIN, REJOIN]},
    {"first": "Mina", "last": "R", "email": "mina@x.com"},
]
ATTENDEE_ROWS = b"Attended,User Name (Original Name),First Name"


def rows_of(people: list[dict]) -> int:
    """Rows these people take in Attendee Details: one per join, or one saying they did not come."""
    return sum(max(1, len(p.get("joins", []))) for p in people)


@pytest.mark.parametrize("people_kept", range(len(PEOPLE)))
def test_an_attendee_report_missing_its_last_people_is_rejected(people_kept):
    staff = {"panelists": ("Dr Panel", "CA Rahul S")}
    whole = attendee_report("ACCA Masterclass", "812 3456 7890", START, PEOPLE, **staff).encode()
    with pytest.raises(ZoomReportError, match=rf"cut short: it lists {people_kept} of the 5 people registered"):
        parse(cut_at_line(whole, ATTENDEE_ROWS, rows_of(PEOPLE[:people_kept])).decode())


def test_a_webinar_without_registration_is_checked_against_its_unique_viewers():
    people = [PEOPLE[2], PEOPLE[3], PEOPLE[0]]  # 3 people, 6 joins
    whole = attendee_report("ACCA Masterclass", "812 3456 7890", START, people)
    assert ",90,3,0,3,6,3," in whole
    whole = whole.replace(",90,3,0,3,6,3,", ",90,0,0,3,6,3,")  # no registration asked: Zoom counts 0 registered
    assert len(parse(whole).sections["attendee"]) == 6
    cut = cut_at_line(whole.encode(), ATTENDEE_ROWS, rows_kept=rows_of(people[:1]))
    with pytest.raises(ZoomReportError, match=r"cut short: it lists 1 of the 3 people who watched"):
        parse(cut.decode())


def test_rejoins_hosts_and_panelists_do_not_count_as_people():
    people = PEOPLE[:4]  # ends with John, who joined twice
    whole = attendee_report("ACCA Masterclass", "812 3456 7890", START, people, panelists=("Dr Panel",))
    report = parse(whole)  # 7 rows for 4 registrants, 3 of whom watched; the host and panelist listed apart
    assert len(report.sections["attendee"]) == 7 and len(report.sections["panelist"]) == 1
    # without its last rejoin row the list still names every person: a cut the counts cannot see, and it loads
    assert len(parse(cut_at_line(whole.encode(), ATTENDEE_ROWS, rows_kept=6).decode()).sections["attendee"]) == 6


def test_a_registration_report_cut_at_a_line_boundary_is_rejected():
    whole = registration_report("CFA Orientation", "845 1111 2222", START, PEOPLE).encode()
    cut = cut_at_line(whole, b"First Name,Last Name,Email", rows_kept=2)
    with pytest.raises(ZoomReportError, match=r"cut short: it lists 2 of the 5 people registered"):
        parse(cut.decode())


def test_cancelled_registrations_are_not_promised():
    whole = registration_report("CFA Orientation", "845 1111 2222", START, PEOPLE[:3])
    assert ",3,0\r\n" in whole
    # 5 registered of whom 2 cancelled and are not listed: 3 promised, 3 listed
    assert len(parse(whole.replace(",3,0\r\n", ",5,2\r\n")).sections["registrant"]) == 3


def test_a_meeting_report_has_no_count_to_compare_and_loads_as_before():
    """`Participants` counts joins and the export may merge them per person: a shorter list proves nothing."""
    cut = MEETING_REPORT.rsplit("Asha K", 1)[0]
    assert parse(cut).sections["participant"]["User Email"].to_list() == ["host@finedu.in"]


def test_people_are_counted_by_email_under_any_header_zoom_writes_it():
    whole = attendee_report("ACCA Masterclass", "812 3456 7890", START, PEOPLE)
    header = next(line for line in whole.splitlines() if line.startswith("Attended,User Name"))
    assert ",Email," in header
    renamed = whole.replace(header, header.replace(",Email,", ",Attendee Email,"))
    assert len(parse(renamed).sections["attendee"]) == rows_of(PEOPLE), "complete: it loads"
    # three people in five rows (Asha rejoined twice): five rows must not pass for the five people registered
    cut = cut_at_line(renamed.encode(), ATTENDEE_ROWS, rows_kept=rows_of(PEOPLE[:3]))
    with pytest.raises(ZoomReportError, match=r"cut short: it lists 3 of the 5 people registered"):
        parse(cut.decode())


def test_sections_read_a_few_rows_at_a_time_are_the_same(monkeypatch):
    from funnel_assets.lib import zoom_reports

    whole = {path.name: parse_zoom_report(path.read_bytes(), file_name=path.name) for path in SAMPLE_REPORTS}
    monkeypatch.setattr(zoom_reports, "CHUNK_ROWS", 3)
    for path in SAMPLE_REPORTS:
        pieces = parse_zoom_report(path.read_bytes(), file_name=path.name)
        assert list(pieces.sections) == list(whole[path.name].sections)
        for name, rows in pieces.sections.items():
            assert_frame_equal(rows, whole[path.name].sections[name])


def test_a_parsed_report_kept_and_read_back_is_the_same_report():
    from funnel_assets.lib.zoom_reports import report_from_table, report_table

    texts = {"attendee.csv": ATTENDEE_REPORT, "registration.csv": REGISTRATION_REPORT, "meeting.csv": MEETING_REPORT}
    reports = [parse_zoom_report(text.encode(), file_name=name) for name, text in texts.items()]
    reports += [parse_zoom_report(path.read_bytes(), file_name=path.name) for path in SAMPLE_REPORTS]
    for report in reports:
        assert_same_report(report_from_table(report_table(report), report.file_name), report)
    older = report_table(reports[0]).replace_schema_metadata({"zoom_report": '{"format": 0}'})
    with pytest.raises(ValueError):
        report_from_table(older, "attendee.csv")


def test_a_kept_report_reads_back_a_column_named_like_a_pattern_as_itself_and_a_table_made_otherwise_is_refused():
    import pyarrow as pa

    from funnel_assets.lib.zoom_reports import report_from_table, report_table

    # Polars reads `^...$` given to pl.col as a pattern: a header so written must come back as that one column
    text = ATTENDEE_REPORT.replace("Country/Region Name", "^Country.*$")
    report = parse(text)
    assert "^Country.*$" in report.sections["attendee"].columns
    assert_same_report(report_from_table(report_table(report), report.file_name), report)
    table = report_table(report)
    # no section numbers, or sections not one after another (each section is read as a slice of the rows)
    numbers = table.column_names.index("\x00section")
    reversed_numbers = table.set_column(numbers, "\x00section", pa.array(table.column(numbers).to_numpy()[::-1]))
    for made_otherwise in (table.drop_columns("\x00section"), reversed_numbers):
        with pytest.raises(ValueError):
            report_from_table(made_otherwise, report.file_name)
