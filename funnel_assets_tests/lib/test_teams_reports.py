"""The Teams attendance report parser against files built byte for byte as Teams writes them, and their cut,
re-saved and edited variants."""

from __future__ import annotations

import codecs

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from funnel_assets.lib.teams_reports import TEAMS_ATTENDANCE, TEAMS_WEBINAR, looks_like_teams, parse_teams_report
from funnel_assets.lib.zoom_events import EventMappings, participants_from_reports
from funnel_assets.lib.zoom_reports import ZoomReportError, parse_zoom_report, report_from_table, report_table
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.zoom_files import ATTENDEE_REPORT, MEETING_REPORT, REGISTRATION_REPORT

SAMPLE = PROJECT_ROOT / "sample_data" / "events" / "teams_acca_qa_2026-11-10.csv"

SUMMARY = [
    ("Meeting title", "Weekly ACCA Q&A"),
    ("Attended participants", "5"),
    ("Start time", "11/3/26, 6:58:06 PM"),
    ("End time", "11/3/26, 8:31:10 PM"),
    ("Meeting duration", "1h 33m 4s"),
    ("Average attendance time", "58m 12s"),
]
PARTICIPANTS_HEADER = [
    "Name",
    "First Join",
    "Last Leave",
    "In-Meeting Duration",
    "Email",
    "Participant ID (UPN)",
    "Role",
]
# name, first join, last leave, duration, email, role
PARTICIPANTS = [
    ("Meera Iyer", "11/3/26, 6:58:06 PM", "11/3/26, 8:31:10 PM", "1h 33m 4s", "meera@finedu.in", "Organizer"),
    ("Rahul Sharma", "11/3/26, 6:59:40 PM", "11/3/26, 8:30:02 PM", "1h 30m 22s", "rahul@finedu.in", "Presenter"),
    ("Asha Kumar", "11/3/26, 7:01:10 PM", "11/3/26, 8:30:00 PM", "1h 24m 30s", "Asha.K@Gmail.com", "Attendee"),
    ("Ravi Patel", "11/3/26, 7:05:00 PM", "11/3/26, 7:50:03 PM", "45m 3s", "ravi.patel@example.com", "Attendee"),
    ("Neha Verma (Unverified)", "11/3/26, 7:10:00 PM", "11/3/26, 7:10:52 PM", "52s", "", "Attendee"),
]
ACTIVITIES_HEADER = ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"]
ACTIVITIES = [
    ("Meera Iyer", "11/3/26, 6:58:06 PM", "11/3/26, 8:31:10 PM", "1h 33m 4s", "meera@finedu.in", "Organizer"),
    ("Rahul Sharma", "11/3/26, 6:59:40 PM", "11/3/26, 8:30:02 PM", "1h 30m 22s", "rahul@finedu.in", "Presenter"),
    ("Asha Kumar", "11/3/26, 7:01:10 PM", "11/3/26, 7:30:40 PM", "29m 30s", "Asha.K@Gmail.com", "Attendee"),
    ("Asha Kumar", "11/3/26, 7:35:00 PM", "11/3/26, 8:30:00 PM", "55m", "Asha.K@Gmail.com", "Attendee"),
    ("Ravi Patel", "11/3/26, 7:05:00 PM", "11/3/26, 7:50:03 PM", "45m 3s", "ravi.patel@example.com", "Attendee"),
    ("Neha Verma (Unverified)", "11/3/26, 7:10:00 PM", "11/3/26, 7:10:52 PM", "52s", "", "Attendee"),
]
REGISTRATION_HEADER = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Registration Time",
    "Which exam are you preparing for?",
]
REGISTRATIONS = [
    ("Asha", "Kumar", "asha.k@gmail.com", "+91 98765 43210", "10/30/26, 10:02:00 AM", "ACCA"),
    ("Ravi", "Patel", "ravi.patel@example.com", "", "11/1/26, 9:00:15 PM", "CFA"),
    ("Kiran", "Rao", "kiran.rao@example.com", "9876543211", "11/2/26, 11:15:00 AM", "ACCA"),
]
PRIVATE = (
    [p[0] for p in PARTICIPANTS]
    + [p[4] for p in PARTICIPANTS if p[4]]
    + [r[2] for r in REGISTRATIONS]
    + [r[3] for r in REGISTRATIONS if r[3]]
    + ["Asha", "Kiran"]
)


def teams_text(
    summary=SUMMARY,
    participants=PARTICIPANTS,
    activities=ACTIVITIES,
    registrations=None,
    *,
    engagement: bool = False,
    participants_header=PARTICIPANTS_HEADER,
) -> str:
    """The report's text as Teams writes it: CRLF lines, tabs, a blank line between numbered sections."""
    lines = ["1. Summary", *("\t".join(pair) for pair in summary), ""]
    number = 2
    if participants is not None:
        lines += [f"{number}. Participants", "\t".join(participants_header)]
        lines += ["\t".join([p[0], p[1], p[2], p[3], p[4], p[4], p[5]]) for p in participants]
        lines.append("")
        number += 1
    if activities is not None:
        lines += [
            f"{number}. In-Meeting Activities",
            "\t".join(ACTIVITIES_HEADER),
            *("\t".join(a) for a in activities),
            "",
        ]
        number += 1
    if registrations is not None:
        lines += [
            f"{number}. Registration details",
            "\t".join(REGISTRATION_HEADER),
            *("\t".join(r) for r in registrations),
            "",
        ]
        number += 1
    if engagement:
        lines += [
            f"{number}. Meeting Engagement",
            "Name\tEngagement Type\tTime",
            "Asha Kumar\tRaised hand\t11/3/26, 7:20:00 PM",
            "",
        ]
    return "\r\n".join(lines)


def utf16(text: str) -> bytes:
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def parse(content: bytes | str, name: str = "Weekly ACCA Q&A - Attendance report 11-3-26.csv"):
    return parse_teams_report(utf16(content) if isinstance(content, str) else content, file_name=name)


def refused(content: bytes | str, *words: str) -> str:
    with pytest.raises(ZoomReportError) as caught:
        parse(content)
    message = str(caught.value)
    assert "Attendance report 11-3-26.csv" in message
    for word in words:
        assert word in message, message
    for value in PRIVATE:
        assert value not in message, f"the message quotes a cell value: {message}"
    return message


def mappings() -> EventMappings:
    return EventMappings(
        category_tokens=pd.DataFrame({"token": ["acca"], "category": ["ACCA"]}),
        conductors=pd.DataFrame(columns=["webinar_id", "conductor"]),
        conductor_aliases=pd.DataFrame(columns=["alias", "conductor"]),
        bootcamp_sessions=pd.DataFrame(columns=["event_id"]),
    )


# ---------------------------------------------------------------- unhappy first: cut, partial, unreadable


def test_a_file_cut_at_a_line_end_inside_the_participants_is_refused():
    text = teams_text(activities=None)
    cut = text[: text.index("Ravi Patel")]  # three of the five people the summary counts
    refused(cut, "3 of the 5", "cut short")


def test_a_file_cut_in_the_middle_of_a_line_is_refused():
    text = teams_text()
    refused(text[: text.rindex("\t52s") + 2], "cut short")  # stops inside the last join's line
    refused(text.rstrip("\r\n")[:-3], "cut short")  # stops inside the last role: every column there


def test_a_utf16_file_cut_in_the_middle_of_a_character_is_refused():
    refused(utf16(teams_text())[:-1], "cut short")


def test_a_file_cut_inside_the_activities_that_are_its_last_section_is_refused():
    text = teams_text()
    cut = text[
        : text.index("Ravi Patel\t11/3/26, 7:05:00 PM\t11/3/26, 7:50:03 PM\t45m 3s\travi.patel@example.com\tAttendee")
    ]
    refused(cut, "2 participant(s)", "no join", "cut short")


def test_a_participant_without_a_join_when_a_later_section_follows_is_read_from_the_participants():
    report = parse(teams_text(activities=ACTIVITIES[:-1], engagement=True))
    neha = report.sections["attendee"].filter(pl.col("Name") == "Neha Verma (Unverified)")
    assert neha[["Join Time", "Time in Session (minutes)"]].to_numpy().tolist() == [["2026-11-03 19:10:00", "0.87"]]


def test_a_teams_file_without_the_participants_section_is_refused():
    refused(teams_text(participants=None, activities=None), "no '2. Participants'")
    refused(teams_text(participants=None), "no '2. Participants'")


def test_an_unreadable_time_is_refused_naming_its_column_and_line():
    rows = list(PARTICIPANTS)
    rows[3] = rows[3][:1] + ("sometime Tuesday",) + rows[3][2:]
    message = refused(
        teams_text(participants=rows, activities=None), "column 'First Join'", "line 14", "section '2. Participants'"
    )
    assert "sometime" not in message
    rows[3] = PARTICIPANTS[3][:2] + ("13/45/26, 7:50:03 PM",) + PARTICIPANTS[3][3:]
    refused(teams_text(participants=rows, activities=None), "column 'Last Leave'")
    joins = list(ACTIVITIES)
    joins[2] = joins[2][:1] + ("11/3/26, 25:01:10",) + joins[2][2:]
    refused(teams_text(activities=joins), "column 'Join Time'")
    summary = list(SUMMARY)
    summary[2] = ("Start time", "soon")
    refused(teams_text(summary=summary), "'Start time'")


def test_an_unreadable_duration_is_refused_naming_its_column():
    rows = list(PARTICIPANTS)
    rows[3] = rows[3][:3] + ("about an hour",) + rows[3][4:]
    refused(teams_text(participants=rows, activities=None), "column 'In-Meeting Duration'")


def test_dates_written_both_day_first_and_month_first_refuse_the_file():
    rows = list(PARTICIPANTS)
    rows[3] = rows[3][:1] + ("13/11/26, 19:05:00",) + rows[3][2:]
    rows[4] = rows[4][:1] + ("11/13/26, 7:10:00 PM",) + rows[4][2:]
    refused(teams_text(participants=rows, activities=None), "both day-first and month-first")


def test_a_missing_role_column_or_two_look_alike_columns_refuse_the_file():
    header = [h if h != "Role" else "Part" for h in PARTICIPANTS_HEADER]
    refused(teams_text(participants_header=header, activities=None), "missing the column(s) Role")
    header = [h if h != "Email" else "EMAIL" for h in PARTICIPANTS_HEADER]
    header[5] = "e-mail"
    refused(teams_text(participants_header=header, activities=None), "'EMAIL' and 'e-mail'")


def test_a_webinar_cut_inside_its_registrations_is_refused():
    summary = [*SUMMARY, ("Registered participants", "3")]
    refused(teams_text(summary=summary, registrations=REGISTRATIONS[:2], engagement=True), "2 of the 3", "registered")


def test_a_value_holding_a_control_character_is_emptied_and_counted():
    rows = list(PARTICIPANTS)
    rows[3] = ("Ravi\x00 Patel",) + rows[3][1:]
    report = parse(teams_text(participants=rows, activities=None))
    assert report.sections["attendee"]["Name"].to_list() == ["Asha Kumar", "", "Neha Verma (Unverified)"]
    assert "1 value(s) held an invisible control character" in report.ledger_note


def test_a_report_without_an_attended_count_says_so_in_the_ledger_note():
    report = parse(teams_text(summary=[p for p in SUMMARY if p[0] != "Attended participants"]))
    assert "could not be checked" in report.ledger_note
    assert parse(teams_text()).ledger_note == ""


def test_a_role_teams_did_not_document_counts_as_an_attendee_with_a_note():
    rows = list(PARTICIPANTS)
    rows[3] = rows[3][:5] + ("Guest",)
    report = parse(teams_text(participants=rows, activities=None) + "\r\n")
    assert "Ravi Patel" in report.sections["attendee"]["Name"].to_list()
    assert "1 participant(s) had a role other than" in report.ledger_note


# ---------------------------------------------------------------- the file as Teams writes it


def test_a_teams_attendance_report_as_teams_downloads_it():
    report = parse(teams_text())
    assert (report.platform, report.report_type, report.declared_event_type) == ("teams", TEAMS_ATTENDANCE, "")
    assert report.topic == "Weekly ACCA Q&A"
    assert report.event_id == "teams:Weekly ACCA Q&A@2026-11-03 18:58"
    assert report.summary["start time"] == "2026-11-03 18:58:06"
    assert report.summary["end time"] == "2026-11-03 20:31:10"
    assert report.summary["attended participants"] == "5"
    assert report.sections["host"][["Name", "Role"]].to_numpy().tolist() == [
        ["Meera Iyer", "Organizer"],
        ["Rahul Sharma", "Presenter"],
    ]
    attendee = report.sections["attendee"]
    assert attendee.to_numpy().tolist() == [
        ["Asha Kumar", "Asha.K@Gmail.com", "2026-11-03 19:01:10", "2026-11-03 19:30:40", "29.5", "Yes"],
        ["Asha Kumar", "Asha.K@Gmail.com", "2026-11-03 19:35:00", "2026-11-03 20:30:00", "55", "Yes"],
        ["Ravi Patel", "ravi.patel@example.com", "2026-11-03 19:05:00", "2026-11-03 19:50:03", "45.05", "Yes"],
        ["Neha Verma (Unverified)", "", "2026-11-03 19:10:00", "2026-11-03 19:10:52", "0.87", "Yes"],
    ]
    assert list(attendee.columns) == [
        "Name",
        "Email",
        "Join Time",
        "Leave Time",
        "Time in Session (minutes)",
        "Attended",
    ]
    assert all(isinstance(v, str) for frame in report.sections.values() for v in frame.to_numpy().ravel())


def test_without_the_activities_each_person_is_one_row_from_the_participants():
    attendee = parse(teams_text(activities=None)).sections["attendee"]
    assert attendee[["Name", "Join Time", "Leave Time", "Time in Session (minutes)"]].to_numpy().tolist()[0] == [
        "Asha Kumar",
        "2026-11-03 19:01:10",
        "2026-11-03 20:30:00",
        "84.5",
    ]
    assert len(attendee) == 3


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), id="utf-16-be"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
        pytest.param(lambda t: t.encode("cp1252"), id="cp1252"),
        pytest.param(lambda t: utf16(t + "\r\n"), id="utf-16-le-final-line-end"),
        pytest.param(lambda t: utf16(t.replace("\r\n", "\n")), id="lf"),
    ],
)
def test_other_encodings_and_line_ends_read_the_same(encode):
    text = teams_text().replace("Neha Verma", "Renée Verma")
    expected = parse(text)
    again = parse(encode(text))
    assert again.summary == expected.summary
    for name, rows in expected.sections.items():
        assert_frame_equal(again.sections[name], rows)


def test_the_day_first_24_hour_form_and_a_no_break_space_before_pm():
    def day_first(value: str) -> str:
        moment = pd.to_datetime(value.replace(",", ""), format="%m/%d/%y %I:%M:%S %p")
        return moment.strftime("%d/%m/%Y, %H:%M:%S")

    summary = [(k, day_first(v) if k.endswith("time") and "/" in v else v) for k, v in SUMMARY]
    rows = [(p[0], day_first(p[1]), day_first(p[2]), *p[3:]) for p in PARTICIPANTS]
    joins = [(a[0], day_first(a[1]), day_first(a[2]), *a[3:]) for a in ACTIVITIES]
    report = parse(teams_text(summary=summary, participants=rows, activities=joins))
    expected = parse(teams_text())
    assert report.summary["start time"] == "2026-11-03 18:58:06"
    assert_frame_equal(report.sections["attendee"], expected.sections["attendee"])
    narrow = parse(teams_text().replace(" PM", "\u202fPM"))
    assert_frame_equal(narrow.sections["attendee"], expected.sections["attendee"])


def test_a_day_above_12_decides_a_24_hour_file_that_is_month_first():
    text = teams_text().replace("11/3/26, 6:58:06 PM", "11/13/26, 18:58:06")
    for hour in range(1, 13):
        text = text.replace(f", {hour}:", f", {hour + 12 if hour != 12 else 12}:").replace(" PM", "")
    report = parse(text.replace("11/3/26", "11/13/26"))
    assert report.summary["start time"] == "2026-11-13 18:58:06"
    assert report.sections["attendee"]["Join Time"][0] == "2026-11-13 19:01:10"


def test_padded_cells_a_time_of_day_only_leave_and_a_meeting_id():
    joins = list(ACTIVITIES)
    joins[2] = (" Asha Kumar ", "11/3/26, 7:01:10 PM", "7:30:40 PM", " 29m 30s ", " Asha.K@Gmail.com", "Attendee ")
    joins[5] = ("Neha Verma (Unverified)", "11/3/26, 11:59:30 PM", "12:00:22 AM", "52s", "", "Attendee")
    report = parse(teams_text(summary=[*SUMMARY, ("Meeting Id", "19:meeting_NjQ1@thread.v2")], activities=joins))
    attendee = report.sections["attendee"]
    assert list(attendee.row(0)) == [
        "Asha Kumar",
        "Asha.K@Gmail.com",
        "2026-11-03 19:01:10",
        "2026-11-03 19:30:40",
        "29.5",
        "Yes",
    ]
    assert list(attendee[["Join Time", "Leave Time"]].row(3)) == ["2026-11-03 23:59:30", "2026-11-04 00:00:22"]
    assert report.event_id == "teams:19:meeting_NjQ1@thread.v2"


def test_a_teams_webinar_reads_its_registrations():
    summary = [*SUMMARY, ("Registered participants", "3")]
    report = parse(teams_text(summary=summary, registrations=REGISTRATIONS, engagement=True))
    assert report.report_type == TEAMS_WEBINAR
    assert report.sections["registrant"][["First Name", "Email", "Phone", "Registration Time"]].to_numpy().tolist() == [
        ["Asha", "asha.k@gmail.com", "+91 98765 43210", "2026-10-30 10:02:00"],
        ["Ravi", "ravi.patel@example.com", "", "2026-11-01 21:00:15"],
        ["Kiran", "kiran.rao@example.com", "9876543211", "2026-11-02 11:15:00"],
    ]


def test_the_parsed_report_is_kept_and_read_back_whole():
    report = parse(teams_text(summary=[*SUMMARY, ("Registered participants", "3")], registrations=REGISTRATIONS))
    again = report_from_table(report_table(report), report.file_name)
    assert (again.platform, again.report_type, again.summary, again.event_id) == (
        report.platform,
        report.report_type,
        report.summary,
        report.event_id,
    )
    for name, rows in report.sections.items():
        assert again.sections[name].rows() == rows.rows()


# ---------------------------------------------------------------- sniffing


def test_looks_like_teams_only_for_teams_files():
    assert looks_like_teams(utf16(teams_text()))
    assert looks_like_teams(codecs.BOM_UTF16_BE + teams_text().encode("utf-16-be"))
    assert looks_like_teams(teams_text().encode("utf-8-sig"))
    assert looks_like_teams(utf16(teams_text() * 50)[:1025])  # an odd first KB
    for other in (ATTENDEE_REPORT, REGISTRATION_REPORT, MEETING_REPORT):
        assert not looks_like_teams(other.encode("utf-8"))
        assert not looks_like_teams(utf16(other))
    for zoom in sorted((PROJECT_ROOT / "sample_data" / "zoom").glob("*.csv")):
        assert not looks_like_teams(zoom.read_bytes())
    meet = "Name,Email,Duration,Time joined,Time exited\nAsha Kumar,asha@x.in,42m,7:01 PM,7:43 PM\n"
    assert not looks_like_teams(meet.encode())
    assert not looks_like_teams(b"")
    assert not looks_like_teams(utf16("1. Summary\r\n"))
    with pytest.raises(ZoomReportError, match="not a Zoom"):
        parse_zoom_report(utf16(teams_text()), file_name="x.csv")


def test_a_file_that_is_not_a_teams_report_is_refused_as_such():
    refused(ATTENDEE_REPORT, "not a Teams attendance report")
    refused(b"", "empty")


# ---------------------------------------------------------------- what reaches event_participants


def test_the_people_reach_event_participants_hosts_excluded_rejoins_summed():
    summary = [*SUMMARY, ("Registered participants", "3")]
    report = parse(teams_text(summary=summary, registrations=REGISTRATIONS, engagement=True))
    rows = participants_from_reports([report], mappings())
    by_email = {row["email"]: row for row in rows.iter_rows(named=True)}
    assert set(rows["name"]) == {
        "Asha Kumar",
        "Ravi Patel",
        "Neha Verma",
        "Kiran Rao",
    }  # "(Unverified)" dropped as Zoom's renames are
    assert "meera@finedu.in" not in by_email and "rahul@finedu.in" not in by_email
    asha = by_email["asha.k@gmail.com"]
    assert (asha["registered"], asha["attended"], asha["join_count"], asha["minutes_in_session"]) == (
        True,
        True,
        2,
        84.5,
    )
    assert str(asha["first_join_time"]) == "2026-11-03 19:01:10+05:30"
    assert str(asha["last_leave_time"]) == "2026-11-03 20:30:00+05:30"
    assert asha["phone"] == "9876543210"
    kiran = by_email["kiran.rao@example.com"]
    assert (kiran["registered"], kiran["attended"]) == (True, False)
    assert rows["event_name"].unique().to_list() == ["Weekly ACCA Q&A"]
    assert rows["category"].unique().to_list() == ["ACCA"]
    assert rows["conductor"].unique().to_list() == ["Meera Iyer"]
    assert str(rows["event_date"][0]) == "2026-11-03"

    meeting = participants_from_reports([parse(teams_text())], mappings())
    assert len(meeting) == 3 and not meeting["registered"].any() and meeting["attended"].all()


def test_the_sample_file_is_a_teams_report():
    content = SAMPLE.read_bytes()
    assert content.startswith(codecs.BOM_UTF16_LE) and looks_like_teams(content)
    report = parse_teams_report(content, file_name=SAMPLE.name)
    assert report.summary["start time"].startswith("2026-11")
    people = participants_from_reports([report], mappings())
    assert 15 <= len(people) <= 40
    assert (people["minutes_in_session"] > 0).all()
