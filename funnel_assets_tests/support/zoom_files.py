"""Zoom report files for tests, written in the layouts Zoom's web portal exports.

Each helper takes a few people as dicts and returns the file's text, so a test states its
scenario (who registered, who rejoined) and the file comes out the way Zoom writes it. Three
whole reports, to the letter, are here too, for every parser's tests to share.
"""

from __future__ import annotations

import csv
import io

from polars.testing import assert_frame_equal

from funnel_assets.lib.zoom_reports import ZoomReport
from tools.samples.generate import ATTENDEE_HEADER as ATTENDEE_COLUMNS
from tools.samples.generate import STAFF_HEADER as STAFF_COLUMNS

# two people and a session start the drop-folder tests share
START = "Nov 3, 2025 07:00 PM"
ASHA = {
    "first": "Asha",
    "last": "K",
    "email": "asha@x.com",
    "phone": "9876543210",
    "registered": "Oct 30, 2025 10:02 AM",
}
RAVI = {
    "first": "Ravi",
    "last": "P",
    "email": "ravi@x.com",
    "phone": "9876500000",
    "registered": "Oct 31, 2025 10:02 AM",
}

REGISTRANT_COLUMNS = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Registration Time",
    "Approval Status",
    "Country/Region Name",
]


def assert_same_report(report: ZoomReport, expected: ZoomReport) -> None:
    """The two reports say the same: every attribute, every section's rows."""
    about = ("file_name", "report_type", "summary", "generated_text", "ledger_note", "platform", "declared_event_type")
    assert [getattr(report, a) for a in about] == [getattr(expected, a) for a in about]
    assert list(report.sections) == list(expected.sections)
    for name, rows in expected.sections.items():
        assert_frame_equal(report.sections[name], rows)


def _registrations(people: list[dict]) -> int:
    """As Zoom counts `# Registered` (and `Unique Viewers` among those who came): one per email; without one,
    each alone."""
    emails = {p["email"].strip().lower() for p in people if p.get("email", "").strip()}
    return len(emails) + sum(not p.get("email", "").strip() for p in people)


def _lines(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().replace("\r\n", ",\r\n")


def attendee_report(
    topic: str,
    webinar_id: str,
    start: str,
    people: list[dict],
    *,
    host: str = "CA Rahul S",
    panelists: tuple[str, ...] = (),
    generated: str | None = None,
) -> str:
    """people: first, last, email, phone, registered, and join/leave/minutes for each join (absent: did not attend).

    The summary counts as Zoom's (and the sample generator's) do: `# Registered` the registrants, `Unique
    Viewers` those who joined, `Total Users` their joins; hosts and panelists in none of them."""
    rows = []
    for p in people:
        joins = p.get("joins") or []
        base = [
            f"{p['first']} {p['last']}",
            p["first"],
            p["last"],
            p.get("email", ""),
            p.get("phone", ""),
            p.get("registered", ""),
        ]
        if not joins:
            rows.append(["No", *base, "approved", "--", "--", "", "Yes", p.get("country", "India")])
        for join, leave, minutes in joins:
            rows.append(["Yes", *base, "approved", join, leave, minutes, "Yes", p.get("country", "India")])
    viewers = _registrations([p for p in people if p.get("joins")])
    joins = sum(len(p.get("joins") or []) for p in people)
    return (
        "Attendee Report,\r\n"
        + _lines([["Report Generated:", generated or start]])
        + _lines(
            [
                [
                    "Topic",
                    "Webinar ID",
                    "Actual Start Time",
                    "Actual Duration (minutes)",
                    "# Registered",
                    "# Cancelled",
                    "Unique Viewers",
                    "Total Users",
                    "Max Concurrent Views",
                ],
                [topic, webinar_id, start, 90, _registrations(people), 0, viewers, joins, viewers],
            ]
        )
        + "Host Details,\r\n"
        + _lines([STAFF_COLUMNS, ["Yes", host, "host@finedu.in", start, start, 90, "No", "India"]])
        + "Panelist Details,\r\n"
        + _lines([STAFF_COLUMNS, *[["Yes", name, "", start, start, 90, "No", "India"] for name in panelists]])
        + "Attendee Details,\r\n"
        + _lines([ATTENDEE_COLUMNS, *rows])
        + "Other Attended,\r\n"
        + _lines([STAFF_COLUMNS[1:]])
    )


def registration_report(
    topic: str, webinar_id: str, start: str, people: list[dict], *, generated: str | None = None
) -> str:
    """`generated`: the preamble's `Report Generated` time (default: the session's start)."""
    rows = [
        [p["first"], p["last"], p.get("email", ""), p.get("phone", ""), p.get("registered", ""), "approved", "India"]
        for p in people
    ]
    text = (
        "Registration Report\r\n"
        + _lines([["Report Generated:", generated or start]])
        + _lines(
            [
                ["Topic", "Webinar ID", "Scheduled Time", "Duration (minutes)", "# Registered", "# Cancelled"],
                [topic, webinar_id, start, 90, _registrations(people), 0],
            ]
        )
        + "Host Details\r\n"
        + _lines([["User Name", "Email"], ["CA Rahul S", "host@finedu.in"]])
        + "Registrant Details\r\n"
        + _lines([REGISTRANT_COLUMNS, *rows])
    )
    return text.replace(",\r\n", "\r\n")  # registration reports carry no trailing commas


# Three reports as Zoom's web portal writes them, to the letter: an attendee report (a rejoin, a registrant
# who did not come, empty panelist and other-attended sections), a registration report (extra columns, no
# trailing commas) and a meeting participants report (its host among the participants).
ATTENDEE_REPORT = """Attendee Report,
Report Generated:,"Nov 3, 2025 09:15 PM",
Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,# Cancelled,Unique Viewers,Total Users,Max Concurrent Views,
ACCA Free Masterclass,812 3456 7890,"Nov 3, 2025 07:00 PM",95,2,0,1,2,1,
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
"""  # noqa: E501  (Zoom's report to the letter)

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
