"""Offline and other events: the event attendance template, filled in a spreadsheet program and saved as CSV."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from funnel_assets.lib.form_responses import looks_like_form
from funnel_assets.lib.manual_events import (
    MANUAL_EVENT,
    TEMPLATE_COLUMNS,
    looks_like_manual_event,
    parse_manual_event,
)
from funnel_assets.lib.zoom_events import EventMappings, participants_from_reports
from funnel_assets.lib.zoom_reports import ZoomReportError
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.zoom_files import attendee_report

TEMPLATE = PROJECT_ROOT / "mappings" / "templates" / "event_attendance.csv"
CANARY = ("Zubeida Canarywala", "zubeida.canary@example.org", "98111 22333")
HEADER = ",".join(TEMPLATE_COLUMNS)


def filled(*rows: str, header: str = HEADER) -> str:
    """As Excel's "CSV UTF-8" saves it: a BOM, CRLF, every row as wide as the header."""
    return "\ufeff" + "\r\n".join([header, *rows]) + "\r\n"


SEMINAR = filled(
    "CFA Campus Seminar,2026-11-14,Webinar,Asha Kumar,asha.k@gmail.com,+91 98765 43210,"
    "yes,yes,2026-11-08 11:20,16:02,17:48,",
    ",,,Ravi Pillai,ravi.p@gmail.com,9876543211,Yes,No,2026-11-09 21:40,,,",
    f',,,"{CANARY[0]}",{CANARY[1]},{CANARY[2]},,X,,4:10 PM,5:50 PM,',
    ",,,Meena Das,,9830012345,y,1,,,,45",
    ",,,Asha Kumar,asha.k@gmail.com,+91 98765 43210,,TRUE,,18:00,18:20,",
)


def parse(text: str | bytes, name: str = "cfa_campus_seminar.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return parse_manual_event(content, file_name=name)


def refusal(text: str | bytes, name: str = "seminar.csv") -> str:
    with pytest.raises(ZoomReportError) as caught:
        parse(text, name)
    message = str(caught.value)
    assert name in message
    for value in CANARY:
        assert value not in message
    return message


# --- unhappy first ---------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["14/11/2026", "2026-11-31", "Nov 14", "tomorrow"])
def test_a_bad_date_refuses_the_file_naming_row_and_column(date):
    message = refusal(SEMINAR.replace("2026-11-14", date))
    assert "row 2, column 'event_date'" in message


def test_a_bad_flag_refuses_the_file_naming_row_and_column_never_the_value():
    message = refusal(SEMINAR.replace(",,X,", f",,{CANARY[0]},").replace("Yes,No", "Yes,maybe"))
    assert "rows 3 and 4, column 'attended': neither yes nor no" in message
    assert "maybe" not in message


def test_an_event_type_other_than_webinar_or_bootcamp_is_refused():
    assert "row 2, column 'event_type': neither webinar nor bootcamp" in refusal(SEMINAR.replace("Webinar", "Seminar"))


def test_a_file_naming_two_events_is_refused_asking_for_one_file_per_event():
    two = SEMINAR.replace(",,,Meena Das", "FRM Campus Seminar,,,Meena Das")
    message = refusal(two)
    assert "column 'event_name' names more than one event" in message and "row 5" in message
    assert "one file per event" in message
    assert "names more than one event" in refusal(SEMINAR.replace(",,,Meena Das", ",2026-11-15,,Meena Das"))


def test_an_event_without_a_name_date_or_type_is_refused():
    assert "'event_type' is empty on every row" in refusal(SEMINAR.replace("Webinar", ""))


def test_bad_times_minutes_and_contradictions_are_refused_naming_rows_and_columns():
    assert "row 2, column 'first_join_time'" in refusal(SEMINAR.replace("16:02", "4 pm-ish"))
    assert "row 5, column 'minutes_in_session'" in refusal(SEMINAR.replace(",,,,45", ",,,,-5"))
    assert "row 2, column 'last_leave_time': earlier than" in refusal(SEMINAR.replace("17:48", "15:00"))
    assert "row 3, column 'registered'" in refusal(SEMINAR.replace("Yes,No,2026-11-09", "No,No,2026-11-09"))
    assert "row 3, column 'attended'" in refusal(
        SEMINAR.replace("Yes,No,2026-11-09 21:40,,,", "Yes,No,2026-11-09 21:40,19:00,,")
    )


def test_a_person_marked_neither_registered_nor_attended_is_refused_not_dropped():
    message = refusal(SEMINAR.replace("Yes,No,2026-11-09 21:40", "no,,"))
    assert "row 3, column 'attended': the person is marked neither registered nor attended" in message


def test_a_template_missing_a_column_is_refused_naming_it():
    message = refusal(
        filled(
            "CFA Campus Seminar,2026-11-14,webinar,Asha,a@x.in,9876543210,yes",
            header="event_name,event_date,event_type,name,email,phone,registered",
        )
    )
    assert "lacks the column(s) attended" in message


def test_a_cut_file_and_an_empty_one_are_refused():
    assert "cut short" in refusal(SEMINAR.rstrip("\r\n")[:-40])
    assert "lists no people" in refusal(TEMPLATE.read_bytes())
    assert "empty" in refusal(b"")


# --- as filled in ------------------------------------------------------------------------------------


def test_a_filled_template_becomes_one_events_registrants_and_attendees():
    report = parse(SEMINAR)
    assert (report.platform, report.report_type, report.declared_event_type) == ("manual", MANUAL_EVENT, "webinar")
    assert report.event_id == "manual:CFA Campus Seminar@2026-11-14"
    assert report.topic == "CFA Campus Seminar" and report.start_time_text == "2026-11-14 00:00:00"
    registrants, attendees = report.sections["registrant"], report.sections["attendee"]
    assert registrants["Name"].to_list() == ["Asha Kumar", "Ravi Pillai", "Meena Das"]
    assert registrants["Registration Time"].to_list() == ["2026-11-08 11:20:00", "2026-11-09 21:40:00", ""]
    assert attendees["Name"].to_list() == ["Asha Kumar", CANARY[0], "Meena Das", "Asha Kumar"]
    assert attendees["Join Time"].to_list() == ["2026-11-14 16:02:00", "2026-11-14 16:10:00", "", "2026-11-14 18:00:00"]
    assert attendees["Time in Session (minutes)"].to_list() == ["106.0", "100.0", "45", "20.0"]
    assert set(attendees["Attended"]) == {"Yes"}
    assert report.ledger_note == ""


def test_the_same_file_saved_as_cp1252_utf16_or_with_semicolons_reads_alike():
    plain = parse(SEMINAR)
    for content in (
        SEMINAR.lstrip("\ufeff").replace("Asha Kumar", "Asha Kumár").encode("cp1252"),
        codecs.BOM_UTF16_LE + SEMINAR.lstrip("\ufeff").replace(",", "\t").encode("utf-16-le"),
        SEMINAR.replace(",", ";").encode("utf-8"),
    ):
        report = parse(content)
        assert report.event_id == plain.event_id
        assert len(report.sections["attendee"]) == len(plain.sections["attendee"])
    assert parse(SEMINAR.replace("2026-11-14", "14-11-2026")).event_id == plain.event_id


def test_headers_in_other_case_are_read_and_rows_without_a_person_are_counted():
    loose = SEMINAR.replace("event_name,event_date", "Event Name,EVENT_DATE") + "CFA Campus Seminar,,,,,,,,,,,\r\n"
    report = parse(loose)
    assert report.event_id == "manual:CFA Campus Seminar@2026-11-14"
    assert "1 row(s) named the event but no person" in report.ledger_note


def test_the_time_columns_may_be_left_out():
    report = parse(
        filled(
            "CFA Campus Seminar,2026-11-14,bootcamp,Asha,a@x.in,9876543210,yes,no",
            header="event_name,event_date,event_type,name,email,phone,registered,attended",
        )
    )
    assert report.declared_event_type == "bootcamp" and len(report.sections["registrant"]) == 1
    assert report.sections["attendee"].is_empty()


def test_a_control_character_empties_its_value_and_is_counted():
    report = parse(SEMINAR.replace("Ravi Pillai", "Ravi\x00 Pillai"))
    assert report.sections["registrant"]["Name"].to_list()[1] == ""
    assert "1 value(s) held an invisible control character" in report.ledger_note


def test_the_sniffer_takes_a_filled_template_and_nothing_else():
    assert looks_like_manual_event(SEMINAR.encode())
    assert looks_like_manual_event(TEMPLATE.read_bytes())
    assert looks_like_manual_event(
        codecs.BOM_UTF16_LE + SEMINAR.lstrip("\ufeff").replace(",", "\t").encode("utf-16-le")
    )
    assert not looks_like_form(SEMINAR.encode(), pd.DataFrame())
    person = {
        "first": "Asha",
        "last": "K",
        "email": "a@x.in",
        "phone": "9876543210",
        "registered": "Oct 30, 2025 10:02 AM",
    }
    for other in (
        attendee_report("ACCA Masterclass", "812 3456 7890", "Nov 3, 2025 07:00 PM", [person]),
        '"Timestamp","Email address","Full name"\r\n"2026/11/02 7:14:05 PM GMT+5:30","a@x.in","Asha"\r\n',
        "Name,Email,Duration,Time joined,Time exited\nAsha,a@x.in,42m,10:00 AM,10:42 AM\n",
    ):
        assert not looks_like_manual_event(other.encode())
    assert not looks_like_manual_event(b"")


# --- into event_participants -------------------------------------------------------------------------


def test_people_come_out_of_the_participants_table_with_flags_and_summed_minutes():
    mappings = EventMappings(
        category_tokens=pd.DataFrame({"token": ["cfa"], "category": ["CFA"]}),
        conductors=pd.DataFrame({"webinar_id": [], "conductor": []}),
        conductor_aliases=pd.DataFrame({"alias": [], "conductor": []}),
        bootcamp_sessions=pd.DataFrame({"event_id": []}),
    )
    table = participants_from_reports([parse(SEMINAR)], mappings)
    assert len(table) == 4
    by_phone = {row["phone"]: row for row in table.iter_rows(named=True)}
    asha = by_phone["9876543210"]
    assert bool(asha["registered"]) and bool(asha["attended"])
    assert asha["minutes_in_session"] == pytest.approx(126.0)  # 106 + the evening's 20
    assert asha["first_join_time"] == pd.Timestamp("2026-11-14 16:02", tz="Asia/Kolkata")
    assert asha["last_leave_time"] == pd.Timestamp("2026-11-14 18:20", tz="Asia/Kolkata")
    ravi = by_phone["9876543211"]
    assert bool(ravi["registered"]) and not bool(ravi["attended"])
    walk_in = by_phone["9811122333"]
    assert not bool(walk_in["registered"]) and bool(walk_in["attended"])
    assert set(table["category"]) == {"CFA"} and {str(d) for d in table["event_date"]} == {"2026-11-14"}


def test_the_sample_offline_event_loads():
    path = PROJECT_ROOT / "sample_data" / "events" / "manual_cfa_campus_seminar.csv"
    content = path.read_bytes()
    assert looks_like_manual_event(content) and not looks_like_form(content, pd.DataFrame())
    report = parse_manual_event(content, file_name=path.name)
    people = len(report.sections["registrant"]) + len(report.sections["attendee"])
    assert report.event_id.startswith("manual:") and 15 <= people <= 60
    assert report.ledger_note == ""
