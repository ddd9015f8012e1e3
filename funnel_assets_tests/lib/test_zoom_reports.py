"""The Zoom report parser against the layouts Zoom's web portal exports, and their mangled variants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_assets.lib.zoom_reports import (
    MEETING_PARTICIPANTS,
    WEBINAR_ATTENDEE,
    WEBINAR_REGISTRATION,
    ZoomReportError,
    parse_zoom_report,
    webinar_id_digits,
)

ATTENDEE_REPORT = """Attendee Report,
Report Generated:,"Nov 3, 2025 09:15 PM",
Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,# Cancelled,Unique Viewers,Total Users,Max Concurrent Views,
ACCA Free Masterclass,812 3456 7890,"Nov 3, 2025 07:00 PM",95,3,0,2,3,2,
Host Details,
Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,
Yes,CA Rahul S,rahul@finedu.in,"Nov 3, 2025 06:45 PM","Nov 3, 2025 08:40 PM",115,No,India,
Panelist Details,
Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,
Attendee Details,
Attended,User Name (Original Name),First Name,Last Name,Email,Phone,Registration Time,Approval Status,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,
Yes,asha k,asha,k,Asha.K@Gmail.com,+91 98765-43210,"Oct 30, 2025 10:02 AM",approved,"Nov 3, 2025 07:01 PM","Nov 3, 2025 07:30 PM",29,Yes,India,
Yes,asha k,asha,k,Asha.K@Gmail.com,+91 98765-43210,"Oct 30, 2025 10:02 AM",approved,"Nov 3, 2025 07:35 PM","Nov 3, 2025 08:30 PM",55,Yes,India,
No,Ravi P,Ravi,P,ravi@example.com,,"Nov 1, 2025 09:00 PM",approved,--,--,,Yes,India,
Other Attended,
User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,
"""

REGISTRATION_REPORT = """Registration Report
Report Generated:,"Nov 3, 2025 09:15 PM"
Topic,Webinar ID,Scheduled Time,Duration (minutes),# Registered,# Cancelled
CFA Level 1 Orientation,"845 1111 2222","Nov 5, 2025 07:00 PM",60,2,0
Host Details
User Name,Email
Meera Iyer,meera@finedu.in
Registrant Details
First Name,Last Name,Email,Phone,City,Registration Time,Approval Status,Country/Region Name,Source Name
Neha,Verma,neha@x.com,098765 43211,Pune,"Nov 2, 2025 11:15 AM",approved,India,ig
John,Smith,john@x.co.uk,+44 20 7946 0958,London,"Nov 2, 2025 12:15 PM",approved,United Kingdom,
"""

MEETING_REPORT = """Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,
812 9999 0000,ACCA Boot Camp,11/08/2025 09:58:12 AM,11/08/2025 01:05:40 PM,host@finedu.in,188,2,

Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,
Host Person,host@finedu.in,11/08/2025 09:58:12 AM,11/08/2025 01:05:40 PM,188,No,,
Asha K,asha.k@gmail.com,11/08/2025 10:01:00 AM,11/08/2025 12:00:00 PM,119,Yes,Y,
"""


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
    assert attendees["Phone"].tolist()[0] == "+91 98765-43210"
    assert report.sections["host"]["User Name (Original Name)"].tolist() == ["CA Rahul S"]
    assert report.sections["panelist"].empty


def test_registration_report_with_extra_columns_and_no_trailing_commas():
    report = parse(REGISTRATION_REPORT)
    assert report.report_type == WEBINAR_REGISTRATION
    assert report.event_id == "84511112222"
    registrants = report.sections["registrant"]
    assert registrants["Email"].tolist() == ["neha@x.com", "john@x.co.uk"]
    assert "Source Name" in registrants.columns


def test_meeting_participants_report():
    report = parse(MEETING_REPORT)
    assert report.report_type == MEETING_PARTICIPANTS
    assert report.event_id == "81299990000"
    assert report.sections["participant"]["User Email"].tolist() == ["host@finedu.in", "asha.k@gmail.com"]


def test_type_comes_from_content_not_the_file_name():
    assert parse(REGISTRATION_REPORT, name="attendee_report_final.csv").report_type == WEBINAR_REGISTRATION


def test_bom_crlf_and_windows_encoding_are_tolerated():
    crlf = "\ufeff" + ATTENDEE_REPORT.replace("\n", "\r\n").replace("asha k", "Asha Kâ")
    report = parse_zoom_report(crlf.encode("utf-8"), file_name="bom.csv")
    assert report.event_id == "81234567890" and len(report.sections["attendee"]) == 3
    cp1252 = parse_zoom_report(ATTENDEE_REPORT.replace("asha k", "José").encode("cp1252"), file_name="w.csv")
    assert cp1252.sections["attendee"]["User Name (Original Name)"].iloc[0] == "José"


def test_reordered_columns_and_missing_optional_columns():
    reordered = REGISTRATION_REPORT.replace(
        "First Name,Last Name,Email,Phone,City,Registration Time,Approval Status,Country/Region Name,Source Name",
        "Email,First Name,Last Name,Phone,City,Registration Time,Approval Status,Country/Region Name,Source Name",
    ).replace("Neha,Verma,neha@x.com", "neha@x.com,Neha,Verma").replace("John,Smith,john@x.co.uk", "john@x.co.uk,John,Smith")
    assert parse(reordered).sections["registrant"]["First Name"].tolist() == ["Neha", "John"]


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
@given(st.binary(max_size=2000) | st.text(alphabet=st.sampled_from(list(ATTENDEE_REPORT[:600]) + ["\x00", '"', "\r"])).map(str.encode))
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
