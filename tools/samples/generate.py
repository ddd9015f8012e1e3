"""Realistic, messy, deterministic inputs for every source: the demo's data and the benchmark's.

One pool of people flows through the funnel the way real leads do: a campaign lead,
a Zoom registration, attendance (with rejoins), a CRM assignment (sometimes reassigned),
a sale. Values are as messy as the real sources: phones as `+91 98765-43210`,
`098765 43210`, blanks and foreign numbers; names in odd case; sources in odd case and
spacing, some unmapped, some deprecated; amounts as `₹1,234.50`; Zoom's multi-section
report layouts with CRLF, trailing commas, a BOM and a spreadsheet-resaved date format, a
recurring webinar, a boot camp only the mappings mark, and a meeting's participants report.

Run from the project root:

    python -m tools.samples.generate --out sample_data                          # the committed demo set
    python -m tools.samples.generate --out data/sample --through yesterday      # the demo's set, current
    python -m tools.samples.generate --out /tmp/big --scale benchmark
    python -m tools.samples.generate --out /tmp/quarter --scale benchmark --fraction 0.25

The same seed and scale always give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from funnel_assets.lib.clock import today as today_in_india
from funnel_assets.lib.sales import CRM_SALES_COLUMNS


@dataclass(frozen=True)
class Scale:
    people: int
    leads: int
    spend_rows: int
    assigned_leads: int
    sales: int
    webinar_sessions: int
    registrants_per_session: int

    def scaled(self, fraction: float) -> Scale:
        """This scale times `fraction` (0.25 is a quarter): every count, and the number of webinar
        sessions, at least 1 each; a session keeps its size. `scaled(1)` is this scale itself."""
        if fraction <= 0:
            raise ValueError(f"a scale's fraction must be positive, not {fraction}")
        if fraction == 1:
            return self
        return replace(
            self,
            **{
                name: max(1, round(getattr(self, name) * fraction))
                for name in ("people", "leads", "spend_rows", "assigned_leads", "sales", "webinar_sessions")
            },
        )


SMALL = Scale(
    people=400, leads=300, spend_rows=60, assigned_leads=600, sales=80, webinar_sessions=6, registrants_per_session=30
)
BENCHMARK = Scale(
    people=400_000,
    leads=500_000,
    spend_rows=100_000,
    assigned_leads=1_000_000,
    sales=200_000,
    # + a two-day boot camp, a two-day weekend intensive and two meetings: 300 Zoom reports
    webinar_sessions=145,
    registrants_per_session=150,
)
SCALES = {"small": SMALL, "benchmark": BENCHMARK}
DEFAULT_END_DATE = date(2025, 11, 20)
# the committed set's newest webinar is three days before its end; a current set's is yesterday
DEFAULT_NEWEST_WEBINAR_DAYS = 3
HISTORY_DAYS = 120

FIRST_NAMES = np.array(
    [
        "Aarav",
        "Asha",
        "Rohan",
        "Priya",
        "Vikram",
        "Neha",
        "Arjun",
        "Kavya",
        "Rahul",
        "Sneha",
        "Aditya",
        "Pooja",
        "Karan",
        "Ananya",
        "Siddharth",
        "Meera",
        "Ishaan",
        "Divya",
        "Nikhil",
        "Riya",
        "Varun",
        "Shreya",
        "Manish",
        "Tanvi",
        "Harsh",
        "Nisha",
        "Yash",
        "Aditi",
        "Kunal",
        "Simran",
    ]
)
LAST_NAMES = np.array(
    [
        "Sharma",
        "Verma",
        "Iyer",
        "Nair",
        "Reddy",
        "Patel",
        "Gupta",
        "Singh",
        "Kumar",
        "Das",
        "Mehta",
        "Joshi",
        "Rao",
        "Menon",
        "Pillai",
        "Chopra",
        "Bansal",
        "Agarwal",
        "Kapoor",
        "Malhotra",
    ]
)
CITIES = np.array(
    [
        "Mumbai",
        "Delhi",
        "Bengaluru",
        "Pune",
        "Hyderabad",
        "Chennai",
        "Kolkata",
        "Ahmedabad",
        "Jaipur",
        "Lucknow",
        "Kochi",
        "Indore",
    ]
)
EMPLOYEES = np.array(["Asha Menon", "Ravi Kumar", "Farhan Ali", "Deepa Rao", "Sunil Joshi", "Kiran Shetty"])

# Lead sources as campaigns tag them: (raw source, funnel program). The mapping CSV maps most;
# two are deprecated (still mapping history) and two are new, unmapped ones.
SOURCES = np.array(
    [
        "ACCA_Webinar_Meta",
        "ACCA_Webinar_Google",
        "ACCA_Bootcamp_Meta",
        "CFA_L1_Google_Search",
        "CFA_Webinar_Meta",
        "FRM_Bootcamp_Meta",
        "FRM_Webinar_YouTube",
        "CMA_USA_YouTube",
        "CMA_Webinar_Meta",
        "Organic_Website",
        "Referral",
        "ACCA_FinProClub",
        "ACCA_Influencer",
        "Diwali_Offer_2025",
        "whatsapp_blast_oct",
    ]
)
SOURCE_WEIGHTS = np.array([14, 8, 6, 10, 6, 5, 4, 6, 4, 8, 6, 3, 3, 2, 2], dtype=float)
PROGRAMS = np.array(["ACCA", "CFA", "FRM", "CMA"])
CONDUCTORS = {"ACCA": "CA Rahul S", "CFA": "Meera Iyer", "FRM": "Vikas Jain", "CMA": "Anita Desai"}

SPEND_COLUMNS = [
    "date_time",
    "campaign",
    "ad_group",
    "impressions",
    "clicks",
    "cost",
    "account",
    "video_views",
    "platform",
    "AccountDescriptiveName",
    "CampaignType",
    "Objective",
    "Category",
    "subCategory",
    "goalID",
    "goalName",
    "region",
    "Installs",
    "SignUps",
    "Purchases",
    "Revenue",
    "Web Purchases",
    "Web Revenue",
    "Subscribers",
    "Super Leads",
    "Skill Leads",
    "Online Purchases",
    "Online Revenue",
    "Lead Purchases",
    "Lead Revenue",
    "Pass Purchases",
    "Pass Revenue",
    "Pass Pro Purchases",
    "Pass Pro Revenue",
    "SuperCoaching Purchases",
    "SuperCoaching Revenue",
    "SkillAcademy Purchases",
    "SkillAcademy Revenue",
    "Book Purchases",
    "Book Revenue",
    "Total Purchases",
    "Total Revenue",
    "Funnel",
]
SALES_COLUMNS = CRM_SALES_COLUMNS
FUNNEL_OF_PROGRAM_SOURCE = {"ACCA": "ACCA Webinar", "CFA": "CFA Webinar", "FRM": "FRM Bootcamp", "CMA": "CMA Webinar"}


def people_pool(rng: np.random.Generator, n: int) -> pd.DataFrame:
    first = rng.choice(FIRST_NAMES, n)
    last = rng.choice(LAST_NAMES, n)
    serial = pd.Series(np.arange(n)).astype(str).to_numpy()
    phones = (rng.integers(6, 10, n) * 1_000_000_000 + rng.integers(0, 1_000_000_000, n)).astype(str)
    return pd.DataFrame(
        {
            "first": first,
            "last": last,
            "email": pd.Series(first).str.lower() + "." + pd.Series(last).str.lower() + serial + "@gmail.com",
            "phone": phones,
            "city": rng.choice(CITIES, n),
            "program": rng.choice(PROGRAMS, n, p=[0.4, 0.3, 0.15, 0.15]),
        }
    )


def messy_phones(rng: np.random.Generator, phones: pd.Series) -> pd.Series:
    """The same 10-digit numbers written the many ways people and forms write them."""
    p = phones.astype(str).reset_index(drop=True)
    style = rng.choice(8, len(p), p=[0.40, 0.14, 0.12, 0.10, 0.10, 0.06, 0.04, 0.04])
    foreign = (
        "+44 20 "
        + pd.Series(rng.integers(1000, 9999, len(p))).astype(str)
        + " "
        + pd.Series(rng.integers(1000, 9999, len(p))).astype(str)
    )
    variants = [
        p,
        "+91 " + p.str[:5] + "-" + p.str[5:],
        "0" + p.str[:5] + " " + p.str[5:],
        "91-" + p,
        "+91" + p,
        pd.Series("", index=p.index),
        foreign,
        p.str[:5],
    ]
    return pd.Series(np.choose(style, [v.to_numpy(dtype=object) for v in variants]), index=phones.index)


def messy_case(rng: np.random.Generator, values: pd.Series) -> pd.Series:
    """Names and sources as typed: mostly as is, some lower, some upper, some with stray spaces."""
    values = values.astype(str).reset_index(drop=True)
    style = rng.choice(4, len(values), p=[0.7, 0.12, 0.08, 0.10])
    variants = [values, values.str.lower(), values.str.upper(), "  " + values.str.lower() + " "]
    return pd.Series(np.choose(style, [v.to_numpy(dtype=object) for v in variants]))


def _moments(rng: np.random.Generator, n: int, end: date, days: int = HISTORY_DAYS) -> pd.Series:
    start = pd.Timestamp(end) - pd.Timedelta(days=days)
    seconds = rng.integers(0, days * 86_400, n)
    return pd.Series(start + pd.to_timedelta(seconds, unit="s"))


def _source_choice(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(SOURCES, n, p=SOURCE_WEIGHTS / SOURCE_WEIGHTS.sum())


def _write_csv(frame: pd.DataFrame, path: Path, *, lineterminator: str = "\n", encoding: str = "utf-8") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator=lineterminator, encoding=encoding)
    return len(frame)


def leads_frame(rng: np.random.Generator, people: pd.DataFrame, n: int, end: date) -> pd.DataFrame:
    who = people.iloc[rng.integers(0, len(people), n)].reset_index(drop=True)
    created = _moments(rng, n, end).sort_values(ignore_index=True)
    # Sheets shows ISO-like times; some rows were typed by hand day-first
    created_text = pd.Series(created.dt.strftime("%Y-%m-%d %H:%M:%S"))
    hand_typed = rng.random(n) < 0.1
    created_text[hand_typed] = created[hand_typed].dt.strftime("%d/%m/%Y %H:%M:%S")
    return pd.DataFrame(
        {
            "Name": messy_case(rng, who["first"] + " " + who["last"]),
            "Email": np.where(rng.random(n) < 0.2, who["email"].str.capitalize(), who["email"]),
            "Phone number": messy_phones(rng, who["phone"]),
            "City": who["city"],
            "Question 1": rng.choice(["Working professional", "Final-year student", "Graduate", "Already a CA", ""], n),
            "utmSource": rng.choice(["facebook", "google", "youtube", "instagram"], n),
            "utmMedium": rng.choice(["cpc", "paid_social", "video"], n),
            "utmCamp": messy_case(rng, pd.Series(_source_choice(rng, n))),
            "created date": created_text,
        }
    )


def spend_frame(rng: np.random.Generator, n: int, end: date) -> pd.DataFrame:
    days = pd.Series(pd.Timestamp(end) - pd.to_timedelta(rng.integers(1, HISTORY_DAYS, n), unit="D"))
    program = rng.choice(PROGRAMS, n)
    cost = np.round(rng.gamma(2.0, 900.0, n), 2)
    cost_text = pd.Series(cost).map("{:.2f}".format)
    style = rng.random(n)
    cost_text[style < 0.25] = pd.Series(cost[style < 0.25]).map("{:,.2f}".format).to_numpy()
    cost_text[(style >= 0.25) & (style < 0.35)] = (
        pd.Series(cost[(style >= 0.25) & (style < 0.35)]).map("₹{:,.2f}".format).to_numpy()
    )
    cost_text[style > 0.97] = ""
    impressions = rng.integers(500, 60_000, n)
    frame = pd.DataFrame(dict.fromkeys(SPEND_COLUMNS, ""), index=range(n))
    frame["date_time"] = days.dt.strftime("%Y-%m-%d")
    frame["campaign"] = pd.Series(program) + "_" + days.dt.strftime("%b").str.lower() + "_leads"
    frame["ad_group"] = "ag_" + pd.Series(rng.integers(1, 9, n)).astype(str)
    frame["impressions"] = impressions
    frame["clicks"] = (impressions * rng.uniform(0.005, 0.03, n)).astype(int)
    frame["cost"] = cost_text
    frame["account"] = "finedu-" + pd.Series(program).str.lower()
    frame["platform"] = rng.choice(["meta", "google", "youtube"], n)
    frame["AccountDescriptiveName"] = "FinEdu " + pd.Series(program)
    frame["CampaignType"] = rng.choice(["LEAD_GEN", "SEARCH", "VIDEO"], n)
    frame["Objective"] = "Leads"
    frame["Category"] = program
    frame["region"] = "IN"
    frame["SignUps"] = rng.integers(0, 40, n)
    funnel = pd.Series(program).map(FUNNEL_OF_PROGRAM_SOURCE)
    funnel[rng.random(n) < 0.03] = ""
    frame["Funnel"] = funnel
    return frame.sort_values(["date_time", "campaign"], kind="stable", ignore_index=True)


def assigned_leads_frame(rng: np.random.Generator, people: pd.DataFrame, n: int, end: date) -> pd.DataFrame:
    # fewer distinct people than rows: reassignments within and across months
    pool = max(1, int(len(people) * 0.6))
    who = people.iloc[rng.integers(0, pool, n)].reset_index(drop=True)
    assigned = _moments(rng, n, end)
    utc = (assigned - pd.Timedelta(hours=5, minutes=30)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = assigned.dt.strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame(
        {
            "sources": messy_case(rng, pd.Series(_source_choice(rng, n))),
            "assignOn": np.where(rng.random(n) < 0.85, utc, local),
            "leadMobile": messy_phones(rng, who["phone"]),
            "employee": rng.choice(EMPLOYEES, n),
        }
    ).sort_values("assignOn", kind="stable", ignore_index=True)


def sales_frame(rng: np.random.Generator, people: pd.DataFrame, n: int, end: date) -> pd.DataFrame:
    pool = max(1, int(len(people) * 0.6))
    who = people.iloc[rng.integers(0, pool, n)].reset_index(drop=True)
    created = _moments(rng, n, end)
    total = rng.choice([25_000, 45_000, 60_000, 85_000, 120_000], n).astype(float)
    paid = np.round(total * rng.choice([0.2, 0.5, 1.0], n), 2)
    frame = pd.DataFrame(dict.fromkeys(SALES_COLUMNS, ""), index=range(n))
    ids = pd.Series(rng.integers(16**11, 16**12, n)).map("{:x}".format)
    frame["_id"] = "65" + ids + pd.Series(np.arange(n)).map("{:010x}".format)
    frame["status"] = rng.choice(["success", "success", "success", "refunded"], n)
    frame["txn_id"] = "TXN" + pd.Series(rng.integers(10**9, 10**10, n)).astype(str)
    frame["sid"] = "S" + pd.Series(rng.integers(10**6, 10**7, n)).astype(str)
    frame["paymentGateway"] = rng.choice(["razorpay", "payu", "cashfree"], n)
    frame["courseName"] = who["program"] + " " + rng.choice(["Foundation", "Pro", "Complete"], n)
    frame["source"] = rng.choice(["app", "web", "sales_call"], n)
    frame["createdOn"] = (created - pd.Timedelta(hours=5, minutes=30)).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    frame["paymentType"] = rng.choice(["full", "emi"], n)
    frame["paidAmount"] = paid
    frame["StudentContact"] = messy_phones(rng, who["phone"])
    frame["StudentName"] = messy_case(rng, who["first"] + " " + who["last"])
    frame["TotalAmount"] = total
    frame["product"] = who["program"]
    frame["StudentEmail"] = who["email"]
    frame["netAmount"] = np.round(paid / 1.18, 2)
    frame["employeeName"] = rng.choice(EMPLOYEES, n)
    frame["employeeTeam"] = rng.choice(["Team North", "Team South"], n)
    sources = pd.Series(_source_choice(rng, n))
    sources[rng.random(n) < 0.05] = ""
    frame["assignedLeadSources"] = messy_case(rng, sources)
    frame["Funnel"] = who["program"].map(FUNNEL_OF_PROGRAM_SOURCE)
    return frame.sort_values("createdOn", kind="stable", ignore_index=True)


# ---- Zoom reports -------------------------------------------------------------------------

ATTENDEE_HEADER = [
    "Attended",
    "User Name (Original Name)",
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Registration Time",
    "Approval Status",
    "Join Time",
    "Leave Time",
    "Time in Session (minutes)",
    "Is Guest",
    "Country/Region Name",
]
REGISTRANT_HEADER = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "City",
    "Registration Time",
    "Approval Status",
    "Country/Region Name",
]
STAFF_HEADER = [
    "Attended",
    "User Name (Original Name)",
    "Email",
    "Join Time",
    "Leave Time",
    "Time in Session (minutes)",
    "Is Guest",
    "Country/Region Name",
]


def _zoom_time(moments: pd.Series, style: str) -> pd.Series:
    if style == "resaved":  # as a spreadsheet program re-saves Zoom's times
        return moments.dt.strftime("%m/%d/%Y %H:%M:%S")
    return moments.dt.strftime("%b %d, %Y %I:%M %p").str.replace(r" 0(\d),", r" \1,", regex=True)


def _csv_lines(rows: list[list[object]], trailing_comma: bool) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    return text.replace("\r\n", ",\r\n") if trailing_comma else text


def _zoom_sessions(rng: np.random.Generator, scale: Scale, end: date, newest_webinar_days: int) -> list[dict]:
    sessions = []
    for i in range(scale.webinar_sessions):
        program = PROGRAMS[i % len(PROGRAMS)]
        gap = max(1, (HISTORY_DAYS - 10) // max(1, scale.webinar_sessions))
        day = pd.Timestamp(end) - pd.Timedelta(days=int(newest_webinar_days + i * gap))
        sessions.append(
            {
                "id": f"8{int(rng.integers(10**9, 10**10)):010d}",
                "topic": f"{program} Free Masterclass: {['Career Roadmap', 'Exam Strategy', 'Live Q&A'][i % 3]}",
                "program": program,
                "start": day + pd.Timedelta(hours=19),
                "kind": "webinar",
            }
        )
    # a two-day boot camp on the last full weekend: Day 1 says so in its topic, Day 2 only by its date
    saturday = pd.Timestamp(end) - pd.Timedelta(days=(pd.Timestamp(end).weekday() - 5) % 7 + 7)
    camp_id = f"8{int(rng.integers(10**9, 10**10)):010d}"
    for day_number, topic in ((1, "ACCA Boot Camp Day 1"), (2, "ACCA Boot Camp")):
        sessions.append(
            {
                "id": camp_id,
                "topic": topic,
                "program": "ACCA",
                "start": saturday + pd.Timedelta(days=day_number - 1, hours=10),
                "kind": "bootcamp",
            }
        )
    # a recurring webinar: Zoom keeps one webinar ID for every occurrence
    if len(sessions) > 6:
        sessions[4] = {
            **sessions[4],
            "id": sessions[0]["id"],
            "topic": sessions[0]["topic"],
            "program": sessions[0]["program"],
        }
    # a boot camp whose topic does not say so: only mappings/bootcamp_sessions.csv marks it
    for day_number in (1, 2):
        sessions.append(
            {
                "id": INTENSIVE_ID,
                "topic": "CFA Weekend Intensive",
                "program": "CFA",
                "start": saturday - pd.Timedelta(days=14) + pd.Timedelta(days=day_number - 1, hours=10),
                "kind": "bootcamp",
            }
        )
    # a weekly doubt-clearing call held as a Zoom meeting: a participants report, no registration
    for weeks_back in (2, 1):
        sessions.append(
            {
                "id": MEETING_ID,
                "topic": "CFA Doubt Clearing Session",
                "program": "CFA",
                "start": pd.Timestamp(end) - pd.Timedelta(days=7 * weeks_back) + pd.Timedelta(hours=18),
                "kind": "meeting",
            }
        )
    return sessions


# fixed, so the committed mappings/bootcamp_sessions.csv can name the intensive
INTENSIVE_ID = "85500012345"
MEETING_ID = "83300045678"
MEETING_HEADER = [
    "Name (Original Name)",
    "User Email",
    "Join Time",
    "Leave Time",
    "Duration (Minutes)",
    "Guest",
    "Recording Consent",
]


def _meeting_report(rng: np.random.Generator, session: dict, who: pd.DataFrame, first: pd.Series) -> str:
    """Zoom's meeting participants report: a summary row, a blank line, one participants table
    (the host among them); times as 11/08/2025 09:58:12 AM; people known by email only."""
    start: pd.Timestamp = session["start"]
    end = start + pd.Timedelta(minutes=60)
    stamp = "%m/%d/%Y %I:%M:%S %p"
    came = who.iloc[: max(1, len(who) // 3)]
    join_at = start + pd.to_timedelta(rng.integers(0, 15 * 60, len(came)), unit="s")
    stay = rng.integers(10, 45, len(came))
    rows = [
        [CONDUCTORS[session["program"]], "host@finedu.in", start.strftime(stamp), end.strftime(stamp), 60, "No", ""]
    ]
    for k in range(len(came)):
        rows.append(
            [
                f"{first[k]} {came['last'].iloc[k]}",
                came["email"].iloc[k],
                join_at[k].strftime(stamp),
                (join_at[k] + pd.Timedelta(minutes=int(stay[k]))).strftime(stamp),
                int(stay[k]),
                "Yes",
                "Y",
            ]
        )
    summary = [
        ["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"],
        [
            _spaced_id(session["id"]),
            session["topic"],
            start.strftime(stamp),
            end.strftime(stamp),
            "host@finedu.in",
            60,
            len(rows),
        ],
    ]
    return _csv_lines(summary, True) + "\r\n" + _csv_lines([MEETING_HEADER, *rows], True)


def _spaced_id(webinar_id: str) -> str:
    return f"{webinar_id[:3]} {webinar_id[3:7]} {webinar_id[7:]}"


def zoom_reports(
    rng: np.random.Generator,
    people: pd.DataFrame,
    scale: Scale,
    end: date,
    newest_webinar_days: int = DEFAULT_NEWEST_WEBINAR_DAYS,
) -> dict[str, bytes]:
    """file name -> bytes, in Zoom's layouts: a registration and an attendee report per webinar or
    boot-camp day, a participants report per meeting."""
    files: dict[str, bytes] = {}
    sessions = _zoom_sessions(rng, scale, end, newest_webinar_days)
    camp_people = people.iloc[rng.integers(0, max(1, len(people) // 2), scale.registrants_per_session)]
    for index, session in enumerate(sessions):
        n = scale.registrants_per_session
        who = camp_people if session["kind"] == "bootcamp" else people.iloc[rng.integers(0, len(people) // 2 + 1, n)]
        who = who.drop_duplicates("email").reset_index(drop=True)
        n = len(who)
        start: pd.Timestamp = session["start"]
        registered = start - pd.to_timedelta(rng.integers(3600, 10 * 86_400, n), unit="s")
        style = "resaved" if index == 1 else "zoom"
        first = messy_case(rng, who["first"])
        phone = messy_phones(rng, who["phone"])
        date_tag = start.strftime("%Y-%m-%d")
        count_registered = n
        if session["kind"] == "meeting":
            files[f"{session['id']}_participants_{date_tag}.csv"] = _meeting_report(rng, session, who, first).encode(
                "utf-8"
            )
            continue

        registered_text = _zoom_time(pd.Series(registered), style).to_numpy()
        registration_rows = [
            [f, who["last"][k], who["email"][k], phone[k], who["city"][k], registered_text[k], "approved", "India"]
            for k, f in enumerate(first)
        ]
        registration = (
            "Registration Report\r\n"
            + _csv_lines(
                [["Report Generated:", _zoom_time(pd.Series([start + pd.Timedelta(hours=3)]), style)[0]]], False
            )
            + _csv_lines(
                [
                    ["Topic", "Webinar ID", "Scheduled Time", "Duration (minutes)", "# Registered", "# Cancelled"],
                    [
                        session["topic"],
                        _spaced_id(session["id"]),
                        _zoom_time(pd.Series([start]), style)[0],
                        90,
                        count_registered,
                        0,
                    ],
                ],
                False,
            )
            + "Host Details\r\n"
            + _csv_lines([["User Name", "Email"], [CONDUCTORS[session["program"]], "host@finedu.in"]], False)
            + "Registrant Details\r\n"
            + _csv_lines([REGISTRANT_HEADER, *registration_rows], False)
        )

        # about 60% attend; some rejoin once or twice
        attended = rng.random(n) < 0.6
        joins = np.where(attended, rng.choice([1, 1, 1, 2, 3], n), 0)
        person_rows = np.repeat(np.arange(n), np.maximum(joins, 1))
        join_no = pd.Series(person_rows).groupby(person_rows).cumcount().to_numpy()
        came = attended[person_rows]
        join_at = start + pd.to_timedelta(join_no * 30 + rng.integers(0, 20, len(person_rows)), unit="m")
        stay = rng.integers(5, 30, len(person_rows))
        leave_at = join_at + pd.to_timedelta(stay, unit="m")
        join_text = _zoom_time(pd.Series(join_at), style).to_numpy()
        leave_text = _zoom_time(pd.Series(leave_at), style).to_numpy()
        attendee_rows = []
        for r, k in enumerate(person_rows):
            name = f"{first[k]} {who['last'][k]}"
            if came[r]:
                attendee_rows.append(
                    [
                        "Yes",
                        name,
                        first[k],
                        who["last"][k],
                        who["email"][k],
                        phone[k],
                        registered_text[k],
                        "approved",
                        join_text[r],
                        leave_text[r],
                        int(stay[r]),
                        "Yes",
                        "India",
                    ]
                )
            else:
                attendee_rows.append(
                    [
                        "No",
                        name,
                        first[k],
                        who["last"][k],
                        who["email"][k],
                        phone[k],
                        registered_text[k],
                        "approved",
                        "--",
                        "--",
                        "",
                        "Yes",
                        "India",
                    ]
                )
        host = CONDUCTORS[session["program"]]
        attendee = (
            "Attendee Report\r\n"
            + _csv_lines(
                [["Report Generated:", _zoom_time(pd.Series([start + pd.Timedelta(hours=3)]), style)[0]]], True
            )
            + _csv_lines(
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
                    [
                        session["topic"],
                        _spaced_id(session["id"]),
                        _zoom_time(pd.Series([start]), style)[0],
                        95,
                        count_registered,
                        0,
                        int(attended.sum()),
                        int(came.sum()),
                        int(attended.sum()),
                    ],
                ],
                True,
            )
            + "Host Details,\r\n"
            + _csv_lines(
                [
                    STAFF_HEADER,
                    [
                        "Yes",
                        host,
                        "host@finedu.in",
                        _zoom_time(pd.Series([start]), style)[0],
                        _zoom_time(pd.Series([start + pd.Timedelta(minutes=95)]), style)[0],
                        95,
                        "No",
                        "India",
                    ],
                ],
                True,
            )
            + "Panelist Details,\r\n"
            + _csv_lines([STAFF_HEADER], True)
            + "Attendee Details,\r\n"
            + _csv_lines([ATTENDEE_HEADER, *attendee_rows], True)
            + "Other Attended,\r\n"
            + _csv_lines([STAFF_HEADER[1:]], True)
        )
        files[f"{session['id']}_registration_{date_tag}.csv"] = registration.encode("utf-8")
        attendee_bytes = attendee.encode("utf-8")
        if index == 0:  # saved by a tool that writes a byte-order mark
            attendee_bytes = b"\xef\xbb\xbf" + attendee_bytes
        files[f"{session['id']}_attendee_{date_tag}.csv"] = attendee_bytes
    return files


EVENT_EXAMPLES = Path(__file__).parent / "events"


def generate(
    out_dir: Path,
    scale: Scale = SMALL,
    *,
    seed: int = 7,
    end_date: date | None = None,
    newest_webinar_days: int = DEFAULT_NEWEST_WEBINAR_DAYS,
) -> dict[str, int]:
    """Write every source under `out_dir`; returns rows (or bytes, for Zoom files) per file. Every
    source's newest row is from the day before `end_date`; the newest webinar `newest_webinar_days`
    before it."""
    end = end_date or DEFAULT_END_DATE
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    people = people_pool(rng, scale.people)
    counts = {
        "leads.csv": _write_csv(leads_frame(rng, people, scale.leads, end), out_dir / "leads.csv"),
        "spend.csv": _write_csv(spend_frame(rng, scale.spend_rows, end), out_dir / "spend.csv"),
        "crm/assigned_leads.csv": _write_csv(
            assigned_leads_frame(rng, people, scale.assigned_leads, end), out_dir / "crm" / "assigned_leads.csv"
        ),
        "crm/sales.csv": _write_csv(sales_frame(rng, people, scale.sales, end), out_dir / "crm" / "sales.csv"),
    }
    zoom_dir = out_dir / "zoom"
    zoom_dir.mkdir(parents=True, exist_ok=True)
    for name, content in zoom_reports(rng, people, scale, end, newest_webinar_days).items():
        (zoom_dir / name).write_bytes(content)
        counts[f"zoom/{name}"] = len(content)
    # one file from each other event platform (Teams, Meet, a declared form, the offline template), written
    # as those platforms write them, byte for byte: the demo's drop folder shows all five platforms
    events_dir = out_dir / "events"
    events_dir.mkdir(parents=True, exist_ok=True)
    for example in sorted(EVENT_EXAMPLES.glob("*.csv")):
        (events_dir / example.name).write_bytes(example.read_bytes())
        counts[f"events/{example.name}"] = example.stat().st_size
    return counts


def generate_current(out_dir: Path, today: date, scale: Scale = SMALL, *, seed: int = 7) -> dict[str, int]:
    """The demo's set as of `today`: every lead, spend, CRM and Zoom file reaches yesterday, so a run
    today finds yesterday's data (the same day always gives the same bytes)."""
    return generate(out_dir, scale, seed=seed, end_date=today, newest_webinar_days=1)


def _through(text: str) -> date:
    if text == "yesterday":
        return today_in_india() - timedelta(days=1)
    return date.fromisoformat(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--fraction", type=float, default=1.0, help="a share of the scale, e.g. 0.25 for a quarter")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--through",
        type=_through,
        metavar="DAY",
        help="the newest day in every source (YYYY-MM-DD, or 'yesterday' in India time); default: the committed set's",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    scale = SCALES[args.scale].scaled(args.fraction)
    if args.through:
        counts = generate_current(args.out, args.through + timedelta(days=1), scale, seed=args.seed)
    else:
        counts = generate(args.out, scale, seed=args.seed)
    seconds = time.perf_counter() - started
    tables = {k: v for k, v in counts.items() if not k.startswith(("zoom/", "events/"))}
    for name, rows in tables.items():
        print(f"{name:28} {rows:>10,} rows")
    print(f"{'zoom/':28} {len(counts) - len(tables):>10,} reports")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"written to {args.out} in {seconds:.1f} s, peak memory {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
