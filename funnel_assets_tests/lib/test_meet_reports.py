"""Google Meet attendance reports, each written byte for byte in a shape Meet (or a sheet re-export) writes.

Meet's emailed CSV: `First name,Last name,Email,Duration,Time joined,Time exited`, times of day only, no
header block, named `<date> <time> <title> - Attendance Report.csv` (older reports: `Name` for the
first two). The Sheet in Drive downloaded as CSV: CRLF lines, and (as some copies have) a header block.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pandas as pd
import pytest

from funnel_assets.lib.meet_reports import MEET_ATTENDANCE, looks_like_meet, parse_meet_report
from funnel_assets.lib.zoom_events import EventMappings, participants_from_reports
from funnel_assets.lib.zoom_reports import ZoomReportError
from funnel_assets_tests.support.zoom_files import attendee_report, registration_report

ROOT = Path(__file__).resolve().parents[2]
MEET_HEADER = "First name,Last name,Email,Duration,Time joined,Time exited"
# Meet's own CSV, as emailed to the organiser: times of day, durations in words
MEET_ROWS = [
    "Asha,Kumar,asha.kumar@gmail.com,1 hr 2 min,6:02 PM,7:04 PM",
    "Ravi,Patel,ravi.patel@yahoo.com,42 min,6:10 PM,6:52 PM",
    "Guest,,,55 sec,6:30 PM,6:31 PM",
]
MEET_NAME = "2026-11-03 18:00 ACCA Weekly Q&A - Attendance Report.csv"
CELL_VALUES = ("Asha", "Kumar", "asha.kumar", "Ravi", "Patel", "ravi.patel", "gmail", "yahoo", "Zoë", "José")
MAPPINGS = EventMappings(
    category_tokens=pd.DataFrame({"token": ["acca"], "category": ["ACCA"]}),
    conductors=pd.DataFrame({"webinar_id": [], "conductor": []}),
    conductor_aliases=pd.DataFrame({"alias": [], "conductor": []}),
    bootcamp_sessions=pd.DataFrame({"event_id": []}),
)


def meet_csv(*rows: str, header: str = MEET_HEADER, above: tuple[str, ...] = (), newline: str = "\r\n") -> bytes:
    return newline.join([*above, header, *rows, ""]).encode("utf-8")


def refused(content: bytes, file_name: str = MEET_NAME) -> str:
    with pytest.raises(ZoomReportError) as caught:
        parse_meet_report(content, file_name=file_name)
    message = str(caught.value)
    assert message.startswith(file_name), message
    assert not any(value in message for value in CELL_VALUES), message
    return message


def attendees(report) -> list[dict]:
    return report.sections["attendee"].to_dicts()


# ---------------------------------------------------------------- unhappy cases first


def test_a_sheet_with_no_date_anywhere_is_refused_saying_how_to_name_the_file():
    message = refused(meet_csv(*MEET_ROWS), "ACCA Weekly Q&A - Attendance Report.csv")
    assert "date" in message and "2026-11-03" in message and "file name" in message
    # a header block without a date does not help either
    refused(meet_csv(*MEET_ROWS, above=("ACCA Weekly Q&A", "Meeting code,abc-defg-hij", "")), "attendance.csv")


def test_an_unreadable_duration_refuses_the_file_naming_the_line_not_the_value():
    message = refused(
        meet_csv(MEET_ROWS[0], "Ravi,Patel,ravi.patel@yahoo.com,about forty,6:10 PM,6:52 PM", MEET_ROWS[2])
    )
    assert "line 3" in message and "'Duration'" in message and "forty" not in message
    # a bare number could be minutes or seconds: not guessed
    assert "line 2 (and 1 more line)" in refused(
        meet_csv("Asha,Kumar,a@x.com,42,6:02 PM,7:04 PM", "Ravi,Patel,r@x.com,42:10,6:10 PM,6:52 PM")
    )


def test_an_unreadable_time_refuses_the_file():
    message = refused(meet_csv(MEET_ROWS[0], "Ravi,Patel,ravi.patel@yahoo.com,42 min,soon,6:52 PM"))
    assert "line 3" in message and "'Time joined'" in message


@pytest.mark.parametrize(
    "header, named",
    [
        ("First name,Last name,E-mail,Email address,Duration,Time joined,Time exited", ("'E-mail'", "'Email address'")),
        ("First name,Last name,Email,Email,Duration,Time joined,Time exited", ("'Email'", "'Email (2)'")),
    ],
    ids=["two look-alikes", "a repeated header"],
)
def test_two_candidate_email_columns_refuse_the_file_naming_both(header, named):
    message = refused(meet_csv("Asha,Kumar,asha.kumar@gmail.com,,1 hr,6:02 PM,7:02 PM", header=header))
    assert all(name in message for name in named), message


def test_an_exact_header_wins_over_a_look_alike():
    header = "First name,Last name,Email,E-mail,Duration,Time joined,Time exited"
    report = parse_meet_report(
        meet_csv("Asha,Kumar,asha.kumar@gmail.com,,1 hr,6:02 PM,7:02 PM", header=header), file_name=MEET_NAME
    )
    assert attendees(report)[0]["Email"] == "asha.kumar@gmail.com"


def test_a_file_cut_mid_line_or_after_its_header_is_refused():
    whole = meet_csv(*MEET_ROWS)
    assert "cut short" in refused(whole[: whole.index(b"42 min") + 3])
    assert "lists no one" in refused(meet_csv())


def test_a_count_in_the_header_block_catches_a_file_cut_at_a_line_end():
    above = ("ACCA Weekly Q&A", "Date,2026-11-03", "Participants,4", "")
    assert "lists 3 of the 4" in refused(meet_csv(*MEET_ROWS, above=above))
    report = parse_meet_report(
        meet_csv(*MEET_ROWS, above=("ACCA Weekly Q&A", "Date,2026-11-03", "Participants,3", "")), file_name="a.csv"
    )
    assert report.summary["participants"] == "3" and "could not be checked" not in report.ledger_note


def test_other_files_are_refused_as_not_a_meet_report():
    assert "not a Google Meet attendance report" in refused(b"Name,Phone number,City\r\nAsha,98765 43210,Pune\r\n")
    assert "empty" in refused(b"\xef\xbb\xbf\r\n")


def test_a_control_character_empties_its_value_and_is_counted():
    report = parse_meet_report(
        meet_csv("Asha,Ku\x00mar,asha.kumar@gmail.com,1 hr 2 min,6:02 PM,7:04 PM"), file_name=MEET_NAME
    )
    assert attendees(report)[0]["Last Name"] == ""
    assert "1 value(s) held an invisible control character" in report.ledger_note


# ---------------------------------------------------------------- the shapes Meet writes


def test_meets_own_csv_with_times_of_day_takes_its_date_and_start_from_the_file_name():
    report = parse_meet_report(meet_csv(*MEET_ROWS), file_name=MEET_NAME)
    assert report.platform == "meet" and report.report_type == MEET_ATTENDANCE and report.declared_event_type == ""
    assert report.summary["topic"] == "ACCA Weekly Q&A"
    assert report.summary["meeting id"] == "meet:ACCA Weekly Q&A@2026-11-03 18:00"
    assert report.summary["start time"] == "2026-11-03 18:00:00"
    assert list(report.sections) == ["attendee"], "no registrants, no host unless the file names one"
    assert attendees(report) == [
        {
            "First Name": "Asha",
            "Last Name": "Kumar",
            "Email": "asha.kumar@gmail.com",
            "Join Time": "2026-11-03 18:02:00",
            "Leave Time": "2026-11-03 19:04:00",
            "Time in Session (minutes)": "62",
            "Attended": "Yes",
        },
        {
            "First Name": "Ravi",
            "Last Name": "Patel",
            "Email": "ravi.patel@yahoo.com",
            "Join Time": "2026-11-03 18:10:00",
            "Leave Time": "2026-11-03 18:52:00",
            "Time in Session (minutes)": "42",
            "Attended": "Yes",
        },
        {
            "First Name": "Guest",
            "Last Name": "",
            "Email": "",
            "Join Time": "2026-11-03 18:30:00",
            "Leave Time": "2026-11-03 18:31:00",
            "Time in Session (minutes)": "0.92",
            "Attended": "Yes",
        },
    ]
    assert "could not be checked" in report.ledger_note and "taken from the file name" in report.ledger_note


@pytest.mark.parametrize(
    "file_name, start",
    [
        ("ACCA Weekly Q&A - 2026-11-03 - Attendance.csv", "2026-11-03 18:02:00"),
        ("ACCA Weekly Q&A - Nov 3, 2026 - Attendance.csv", "2026-11-03 18:02:00"),
        ("2026-11-03 18-00 ACCA Weekly Q&A - Attendance Report - Sheet1.csv", "2026-11-03 18:00:00"),
        ("2026-11-03 18:00 ACCA Weekly Q&A - Attendance Report (1).csv", "2026-11-03 18:00:00"),
    ],
)
def test_the_date_is_read_from_the_names_meet_browsers_and_people_give_the_file(file_name, start):
    report = parse_meet_report(meet_csv(*MEET_ROWS), file_name=file_name)
    assert report.summary["topic"] == "ACCA Weekly Q&A" and report.summary["start time"] == start
    assert report.summary["date"] == "2026-11-03"


def test_a_re_download_keeps_its_session_key_and_a_recurring_meeting_code_does_not_merge_weeks():
    first = parse_meet_report(meet_csv(*MEET_ROWS), file_name=MEET_NAME)
    again = parse_meet_report(meet_csv(*MEET_ROWS), file_name=MEET_NAME.replace(".csv", " (1).csv"))
    assert first.event_id == again.event_id
    above = ("ACCA Weekly Q&A", "Meeting code,ABC-defg-hij")
    week1 = parse_meet_report(meet_csv(*MEET_ROWS, above=(*above, "Date,Nov 3, 2026")), file_name="x.csv")
    week2 = parse_meet_report(meet_csv(*MEET_ROWS, above=(*above, "Date,Nov 10, 2026")), file_name="x.csv")
    assert week1.event_id == "meet:abc-defg-hij@2026-11-03" and week2.event_id == "meet:abc-defg-hij@2026-11-10"


def test_the_older_name_column_and_lf_lines_read_the_same():
    rows = [
        "Asha Kumar,asha.kumar@gmail.com,1 hr 2 min,6:02 PM,7:04 PM",
        "Ravi Patel,ravi.patel@yahoo.com,42 min,6:10 PM,6:52 PM",
    ]
    report = parse_meet_report(
        meet_csv(*rows, header="Name,Email,Duration,Time joined,Time exited", newline="\n"), file_name=MEET_NAME
    )
    assert [r["Name"] for r in attendees(report)] == ["Asha Kumar", "Ravi Patel"]
    assert [r["Time in Session (minutes)"] for r in attendees(report)] == ["62", "42"]


def test_a_sheet_with_a_header_block_takes_title_code_date_start_and_organiser_from_it():
    above = (
        "ACCA Weekly Q&A - Attendance report",
        "Meeting code,abc-defg-hij",
        'Date,"Tuesday, November 3, 2026"',
        "Start time,6:00 PM",
        "End time,7:30 PM",
        "Organizer,host@finedu.in",
        ",,,,",
    )
    rows = [
        "Asha,Kumar,asha.kumar@gmail.com,1:02:00,18:02:11,19:04:11",
        "Ravi,Patel,ravi.patel@yahoo.com,42m,18:10,18:52",
        "Meera,Iyer,host@finedu.in,1 hr 30 min,17:58,19:30",
    ]
    header = "First name,Last name,Email,Duration,Joined at,Left at"
    report = parse_meet_report(meet_csv(*rows, header=header, above=above), file_name="Attendance.csv")
    assert report.summary["topic"] == "ACCA Weekly Q&A" and report.summary["meeting code"] == "abc-defg-hij"
    assert report.summary["meeting id"] == "meet:abc-defg-hij@2026-11-03"
    assert report.summary["start time"] == "2026-11-03 18:00:00" and report.summary["end time"] == "2026-11-03 19:30:00"
    assert [r["Email"] for r in attendees(report)] == ["asha.kumar@gmail.com", "ravi.patel@yahoo.com"]
    assert (
        attendees(report)[0]["Join Time"] == "2026-11-03 18:02:11"
        and attendees(report)[0]["Time in Session (minutes)"] == "62"
    )
    assert report.sections["host"]["Email"].to_list() == ["host@finedu.in", "host@finedu.in"], (
        "the organiser's own row is staff"
    )
    assert "taken from the header block" in report.ledger_note


def test_full_timestamps_in_the_data_give_the_date_whatever_the_file_is_called():
    rows = [
        'Asha,Kumar,asha.kumar@gmail.com,1 hr 2 min,"Nov 3, 2026, 6:02:11 PM","Nov 3, 2026, 7:04:11 PM"',
        "Ravi,Patel,ravi.patel@yahoo.com,42 min,2026-11-03 18:10,2026-11-03 18:52",
        "Guest,,,55 sec,2026-11-03T13:00:00Z,2026-11-03T13:00:55Z",
    ]
    report = parse_meet_report(meet_csv(*rows), file_name="ACCA Weekly Q&A - Attendance Report.csv")
    assert [r["Join Time"] for r in attendees(report)] == [
        "2026-11-03 18:02:11",
        "2026-11-03 18:10:00",
        "2026-11-03 18:30:00",
    ]
    assert (
        report.summary["start time"] == "2026-11-03 18:02:11"
        and report.summary["meeting id"] == "meet:ACCA Weekly Q&A@2026-11-03"
    )
    assert "taken from" not in report.ledger_note


def test_a_meeting_past_midnight_leaves_the_next_day():
    report = parse_meet_report(
        meet_csv(
            "Asha,Kumar,asha.kumar@gmail.com,1 hr 2 min,11:30 PM,12:32 AM",
            "Ravi,Patel,r@x.com,10 min,12:05 AM,12:15 AM",
        ),
        file_name="2026-11-03 23:30 Late Doubt Session - Attendance Report.csv",
    )
    assert [(r["Join Time"], r["Leave Time"]) for r in attendees(report)] == [
        ("2026-11-03 23:30:00", "2026-11-04 00:32:00"),
        ("2026-11-04 00:05:00", "2026-11-04 00:15:00"),
    ]


def test_a_utf8_bom_file_reads_its_first_header():
    report = parse_meet_report(codecs.BOM_UTF8 + meet_csv(*MEET_ROWS), file_name=MEET_NAME)
    assert attendees(report)[0]["First Name"] == "Asha"


def test_a_cp1252_file_resaved_by_excel_reads_its_accents():
    content = meet_csv("Zoë,D’Souza,zoe@x.com,42 min,6:10 PM,6:52 PM").decode().encode("cp1252")
    assert b"\xeb" in content and b"\x92" in content
    assert attendees(parse_meet_report(content, file_name=MEET_NAME))[0]["Last Name"] == "D’Souza"


def test_a_utf16_tab_separated_save_reads_the_same():
    content = codecs.BOM_UTF16_LE + "\r\n".join(
        [MEET_HEADER.replace(",", "\t"), *(r.replace(",", "\t") for r in MEET_ROWS), ""]
    ).encode("utf-16-le")
    assert [r["Email"] for r in attendees(parse_meet_report(content, file_name=MEET_NAME))][:2] == [
        "asha.kumar@gmail.com",
        "ravi.patel@yahoo.com",
    ]


# ---------------------------------------------------------------- the sniffer


MEET_FILES = {
    "meet csv": meet_csv(*MEET_ROWS),
    "bom": codecs.BOM_UTF8 + meet_csv(*MEET_ROWS),
    "cp1252": meet_csv("Zoë,D’Souza,zoe@x.com,42 min,6:10 PM,6:52 PM").decode().encode("cp1252"),
    "older name column": meet_csv(
        "Asha Kumar,a@x.com,42 min,6:02 PM,6:44 PM", header="Name,Email,Duration,Time joined,Time exited"
    ),
    "header block": meet_csv(
        *MEET_ROWS,
        header="First name,Last name,Email,Duration,Joined at,Left at",
        above=("ACCA", "Meeting code,abc-defg-hij", ""),
    ),
}
TEAMS = (
    "1. Summary\nMeeting title\tACCA\nAttended participants\t2\n\n2. Participants\n"
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
)
OTHER_FILES = {
    "zoom attendee": attendee_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", []).encode(),
    "zoom registration": registration_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", []).encode(),
    "zoom participants": (ROOT / "sample_data/zoom/83300045678_participants_2025-11-06.csv").read_bytes(),
    "teams": codecs.BOM_UTF16_LE
    + (TEAMS + "3. In-Meeting Activities\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n").encode("utf-16-le"),
    "form": b"Timestamp,Full name,Email address,Phone number,Which session?\r\n",
    "manual template": b"event_name,event_date,event_type,name,email,phone,registered,attended,"
    b"registration_time,first_join_time,last_leave_time,minutes_in_session\n",
    "leads": (ROOT / "sample_data/leads.csv").read_bytes(),
}


@pytest.mark.parametrize("content", MEET_FILES.values(), ids=MEET_FILES.keys())
def test_the_sniffer_knows_meets_files(content):
    assert looks_like_meet(content)


@pytest.mark.parametrize("content", OTHER_FILES.values(), ids=OTHER_FILES.keys())
def test_the_sniffer_leaves_every_other_platforms_file(content):
    assert not looks_like_meet(content)


def test_the_sample_file_is_a_meet_report_of_november_2026():
    path = next((ROOT / "sample_data/events").glob("meet_*.csv"))
    report = parse_meet_report(path.read_bytes(), file_name=path.name)
    assert looks_like_meet(path.read_bytes()) and report.summary["start time"].startswith("2026-11")
    assert 15 <= len(report.sections["attendee"]) <= 40


# ---------------------------------------------------------------- into event_participants


def test_meet_people_come_out_of_participants_from_reports_as_attended_not_registered():
    above = (
        "ACCA Weekly Q&A",
        "Meeting code,abc-defg-hij",
        "Date,2026-11-03",
        "Organizer,Meera Iyer",
        "Organizer email,host@finedu.in",
    )
    rows = [
        "Asha,Kumar,asha.kumar@gmail.com,30 min,6:02 PM,6:32 PM",
        "Asha,Kumar,Asha.Kumar@gmail.com,32 min,6:40 PM,7:12 PM",  # a rejoin, as a copy may list it
        "Ravi,Patel,ravi.patel@yahoo.com,42 min,6:10 PM,6:52 PM",
        "Meera,Iyer,host@finedu.in,1 hr 30 min,5:58 PM,7:30 PM",
    ]
    table = participants_from_reports([parse_meet_report(meet_csv(*rows, above=above), file_name="a.csv")], MAPPINGS)
    assert sorted(table["email"]) == ["asha.kumar@gmail.com", "ravi.patel@yahoo.com"], "the organiser is not a lead"
    asha = table.filter(email="asha.kumar@gmail.com").row(0, named=True)
    assert asha["attended"] and not asha["registered"] and asha["minutes_in_session"] == 62 and asha["join_count"] == 2
    assert asha["first_join_time"] == pd.Timestamp("2026-11-03 18:02", tz="Asia/Kolkata")
    assert asha["last_leave_time"] == pd.Timestamp("2026-11-03 19:12", tz="Asia/Kolkata")
    assert (
        asha["name"] == "Asha Kumar"
        and str(asha["event_date"]) == "2026-11-03"
        and asha["event_name"] == "ACCA Weekly Q&A"
    )
    assert asha["category"] == "ACCA" and asha["conductor"] == "Meera Iyer", (
        "the organiser stands where Zoom's host does"
    )


def test_two_meet_sessions_of_one_day_stay_two_sessions():
    morning = parse_meet_report(
        meet_csv(*MEET_ROWS), file_name="2026-11-03 10:00 CFA Orientation - Attendance Report.csv"
    )
    evening = parse_meet_report(meet_csv(*MEET_ROWS), file_name=MEET_NAME)
    table = participants_from_reports([morning, evening], MAPPINGS)
    assert table["event_id"].n_unique() == 2 and table["event_id"].str.starts_with("meet:").all()


def test_no_message_quotes_a_cell_value():
    """Every refusal above goes through `refused`, which checks this; here the header block's values too."""
    above = ("Asha Kumar's class", "Organizer,asha.kumar@gmail.com", "")
    message = refused(meet_csv(*MEET_ROWS, above=above), "attendance.csv")
    assert not re.search(r"asha", message, re.IGNORECASE)
