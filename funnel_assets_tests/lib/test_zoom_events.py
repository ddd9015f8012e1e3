"""The event rules (docs/rules.md#registration-and-attendance), each on a small scenario written as Zoom exports it."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from funnel_assets.lib.zoom_events import EventMappings, days_per_bootcamp, participants_from_reports
from funnel_assets.lib.zoom_reports import parse_zoom_report
from funnel_assets_tests.support.zoom_files import attendee_report, registration_report

MAPPINGS = EventMappings(
    category_tokens=pd.DataFrame({"token": ["acca", "cfa", "frm"], "category": ["ACCA", "CFA", "FRM"]}),
    conductors=pd.DataFrame({"webinar_id": ["845 1111 2222"], "conductor": ["meera i"]}),
    conductor_aliases=pd.DataFrame({"alias": ["CA Rahul S", "Meera I"], "conductor": ["Rahul Sharma", "Meera Iyer"]}),
    bootcamp_sessions=pd.DataFrame({"event_id": ["855 0001 2345"]}),
)
ASHA = {
    "first": "asha",
    "last": "KUMAR",
    "email": "Asha.K@Gmail.com",
    "phone": "+91 98765-43210",
    "registered": "Oct 30, 2025 10:02 AM",
}
RAVI = {"first": "Ravi", "last": "P", "email": "ravi@example.com", "phone": "", "registered": "Nov 1, 2025 09:00 PM"}


def participants(*files: tuple[str, str], mappings: EventMappings = MAPPINGS) -> pl.DataFrame:
    reports = [parse_zoom_report(text.encode(), file_name=name) for name, text in files]
    return participants_from_reports(reports, mappings)


def one(frame: pl.DataFrame, **where) -> dict:
    rows = frame.filter(**where)
    assert len(rows) == 1, rows
    return rows.row(0, named=True)


def test_rejoins_become_one_row_with_first_join_last_leave_and_summed_minutes():
    asha = {
        **ASHA,
        "joins": [
            ("Nov 3, 2025 07:01 PM", "Nov 3, 2025 07:30 PM", 29),
            ("Nov 3, 2025 07:35 PM", "Nov 3, 2025 08:30 PM", 55),
        ],
    }
    table = participants(
        ("a.csv", attendee_report("ACCA Masterclass", "812 3456 7890", "Nov 3, 2025 07:00 PM", [asha, RAVI]))
    )
    row = one(table, phone="9876543210")
    assert row["first_join_time"] == pd.Timestamp("2025-11-03 19:01", tz="Asia/Kolkata")
    assert row["last_leave_time"] == pd.Timestamp("2025-11-03 20:30", tz="Asia/Kolkata")
    assert row["minutes_in_session"] == 84 and row["join_count"] == 2
    assert row["name"] == "Asha Kumar" and row["email"] == "asha.k@gmail.com" and row["user_id"] == "919876543210"
    assert row["event_id"] == "81234567890" and str(row["event_date"]) == "2025-11-03"
    ravi = one(table, email="ravi@example.com")
    assert ravi["registered"] and not ravi["attended"] and ravi["join_count"] == 0 and pd.isna(ravi["phone"])


def test_staff_are_not_participants():
    table = participants(
        (
            "a.csv",
            attendee_report(
                "ACCA Masterclass", "812 3456 7890", "Nov 3, 2025 07:00 PM", [RAVI], panelists=("Dr Panel",)
            ),
        )
    )
    assert table["name"].to_list() == ["Ravi P"]


def test_registration_and_attendance_of_a_session_merge_matching_by_email_when_the_phone_is_missing():
    start = "Nov 5, 2025 07:00 PM"
    neha_registered = {
        "first": "Neha",
        "last": "Verma",
        "email": "neha@x.com",
        "phone": "098765 43211",
        "registered": "Nov 2, 2025 11:15 AM",
    }
    neha_attended = {**neha_registered, "phone": "", "joins": [("Nov 5, 2025 07:05 PM", "Nov 5, 2025 07:50 PM", 45)]}
    table = participants(
        ("r.csv", registration_report("CFA Orientation", "845 1111 2222", start, [neha_registered])),
        ("a.csv", attendee_report("CFA Orientation", "845 1111 2222", start, [neha_attended])),
    )
    row = one(table, email="neha@x.com")
    assert row["registered"] and row["attended"] and row["phone"] == "9876543211" and row["minutes_in_session"] == 45
    assert row["source_file"] == "r.csv", "the registration row comes first"


def test_people_without_phone_or_email_stand_alone_and_the_earliest_registration_wins():
    early = {
        "first": "Kavya",
        "last": "Nair",
        "email": "kavya@old.com",
        "phone": "9000000001",
        "registered": "Nov 1, 2025 09:00 AM",
    }
    late = {
        "first": "Kavya N",
        "last": "",
        "email": "kavya@new.com",
        "phone": "+91 90000 00001",
        "registered": "Nov 2, 2025 09:00 AM",
    }
    anon = {"first": "Guest", "last": "", "email": "", "phone": "", "registered": "Nov 2, 2025 10:00 AM"}
    table = participants(
        (
            "r.csv",
            registration_report("FRM Webinar", "899 0000 1111", "Nov 5, 2025 07:00 PM", [late, early, anon, anon]),
        )
    )
    assert len(table) == 3
    kavya = one(table, phone="9000000001")
    assert kavya["email"] == "kavya@old.com" and kavya["registration_time"] == pd.Timestamp(
        "2025-11-01 09:00", tz="Asia/Kolkata"
    )
    assert (table["name"] == "Guest").sum() == 2


def test_category_and_conductor():
    webinar = participants(
        ("a.csv", attendee_report("CFA Level 1 Orientation", "845 1111 2222", "Nov 5, 2025 07:00 PM", [RAVI])),
        ("b.csv", attendee_report("ACCA career talk", "812 3456 7890", "Nov 6, 2025 07:00 PM", [RAVI])),
        ("c.csv", attendee_report("Finance careers", "811 1111 1111", "Nov 7, 2025 07:00 PM", [RAVI], host="New Host")),
    )
    cfa = one(webinar, event_id="84511112222")
    assert [cfa["category"], cfa["conductor"]] == [
        "CFA",
        "Meera Iyer",
    ]  # ID override + alias
    acca = one(webinar, event_id="81234567890")
    assert [acca["category"], acca["conductor"]] == [
        "ACCA",
        "Rahul Sharma",
    ]  # host + alias
    no_token = one(webinar, event_id="81111111111")
    assert pd.isna(no_token["category"]) and no_token["conductor"] == "New Host"


@pytest.mark.parametrize(
    "topic, webinar_id, start, event_type, day",
    [
        (
            "ACCA Boot Camp Day 2",
            "812 0000 0001",
            "Nov 8, 2025 10:00 AM",
            "bootcamp",
            "Day 2",
        ),  # topic beats the Saturday
        ("ACCA bootcamp", "812 0000 0001", "Nov 8, 2025 10:00 AM", "bootcamp", "Day 1"),  # Saturday
        ("ACCA Boot-Camp", "812 0000 0001", "Nov 9, 2025 10:00 AM", "bootcamp", "Day 2"),  # Sunday
        ("ACCA BOOT CAMP", "812 0000 0001", "Nov 5, 2025 10:00 AM", "bootcamp", "Day 1"),  # a weekday: Day 1
        ("CFA weekend intensive", "855 0001 2345", "Nov 9, 2025 10:00 AM", "bootcamp", "Day 2"),  # listed in mappings
        ("ACCA Masterclass day 2 of prep", "812 0000 0002", "Nov 9, 2025 10:00 AM", "webinar", None),
    ],
)
def test_event_type_and_bootcamp_day(topic, webinar_id, start, event_type, day):
    row = participants(("a.csv", attendee_report(topic, webinar_id, start, [RAVI]))).row(0, named=True)
    assert row["event_type"] == event_type
    assert (row["bootcamp_day"] if day else pd.isna(row["bootcamp_day"])) == (day or True)


def test_dates_resaved_by_a_spreadsheet_program_read_the_same():
    joins = {
        "Nov 3, 2025 07:02 PM": ("Nov 3, 2025 07:02 PM", "Nov 3, 2025 07:30 PM", 28),
        "11/03/2025 19:02:11": ("11/03/2025 19:02:11", "11/03/2025 19:30:00", 28),
        "03-11-2025 19:02": ("03-11-2025 19:02", "03-11-2025 19:30", 28),
        "Nov 3, 2025 19:02:11": ("Nov 3, 2025 19:02:11", "Nov 3, 2025 19:30:00", 28),
    }
    for label, join in joins.items():
        text = attendee_report("ACCA Masterclass", "812 3456 7890", join[0], [{**ASHA, "joins": [join]}])
        row = participants(("a.csv", text)).row(0, named=True)
        assert row["first_join_time"].strftime("%Y-%m-%d %H:%M") == "2025-11-03 19:02", label
        assert str(row["event_date"]) == "2025-11-03", label


def test_a_person_at_both_boot_camp_days_reads_both():
    day1, day2 = "Nov 8, 2025 10:00 AM", "Nov 9, 2025 10:00 AM"
    came = {**ASHA, "joins": [("Nov 8, 2025 10:01 AM", "Nov 8, 2025 01:00 PM", 179)]}
    came2 = {**ASHA, "joins": [("Nov 9, 2025 10:01 AM", "Nov 9, 2025 01:00 PM", 179)]}
    ravi_day2 = {**RAVI, "joins": [("Nov 9, 2025 10:05 AM", "Nov 9, 2025 11:00 AM", 55)]}
    table = participants(
        ("d1.csv", attendee_report("ACCA Boot Camp Day 1", "812 0000 0001", day1, [came, RAVI])),
        ("d2.csv", attendee_report("ACCA Boot Camp Day 2", "812 0000 0001", day2, [came2, ravi_day2])),
    )
    view = days_per_bootcamp(table)
    assert view["bootcamp_name"].unique().to_list() == ["ACCA Boot Camp"]
    assert dict(zip(view["email"], view["days_attended"], strict=True)) == {
        "asha.k@gmail.com": "Both",
        "ravi@example.com": "Day 2",
    }
    assert str(view["weekend_of"][0]) == "2025-11-08"
