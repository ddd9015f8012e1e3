"""Independent inputs for the benchmarks: the same sources as tools/samples/generate.py writes, made
another way, so a figure measured on both shows how much it owes to one generator's habits.

Written from the sources' contracts (funnel_assets/catalogue.py: LEAD_SHEET, SPEND_SHEET,
CRM_ASSIGNMENTS_DUMP, CRM_SALES_DUMP) and docs/rules.md, not from the sample generator's frames:

- headers in the contracts' other accepted spellings (`Full Name`, `Mobile Number`, `Submitted At`,
  `Date Time`, `Lead Mobile`, `Student Contact`, ...) and a few extra columns the project keeps;
- more people, more distinct sources (most of them unmapped) and more sales people than the samples;
- a few people behind most leads, so a person repeats many times, and some rows sent twice;
- phones as `+91 98765 43210`, `+91-987-654-3210`, `(+91) 9876543210`, `98765.43210`, in
  Devanagari digits, short, foreign or blank;
- dates day first, month first by name, ISO with `Z`, `+05:30` or `-04:00`, and without a time;
- amounts grouped the Indian way (`1,00,000`), with `₹`, `Rs.` or `INR`, or blank;
- CRM sales whose status is success, refund, refunded, canceled, cancelled, failed, chargeback,
  partially refunded or blank, in any case.

The row counts per scale are the sample generator's (`generate.SCALES`), so sizes compare. The Zoom
reports are written by the sample generator's own Zoom writer (`generate.zoom_reports`, a function
of its own) from this module's people, so they name the same people as the other sources.

Run from the project root:

    python -m tools.benchmarks.independent_inputs --out /tmp/independent --scale benchmark [--fraction 0.25]

Every column is built with numpy and Arrow compute and written by Arrow's CSV writer: a million rows
take seconds. The same seed and scale always give byte-identical files.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from funnel_assets.catalogue import CRM_SALES_DUMP
from funnel_assets.settings import PROJECT_ROOT
from tools.samples.generate import DEFAULT_END_DATE, SCALES, Scale, zoom_reports

HISTORY_DAYS = 210
INDIA_OFFSET_SECONDS = 19_800  # +05:30

FIRST_NAMES = [
    "Abhishek",
    "Akash",
    "Amit",
    "Anjali",
    "Ankit",
    "Anushka",
    "Arnav",
    "Bhavna",
    "Chetan",
    "Deepak",
    "Devika",
    "Gaurav",
    "Geeta",
    "Hemant",
    "Isha",
    "Jatin",
    "Jyoti",
    "Kabir",
    "Kamal",
    "Lakshmi",
    "Madhav",
    "Mansi",
    "Mohit",
    "Nandini",
    "Naveen",
    "Omkar",
    "Pallavi",
    "Pranav",
    "Preeti",
    "Rajesh",
    "Ritu",
    "Sahil",
    "Sakshi",
    "Sanjay",
    "Sapna",
    "Tarun",
    "Tejas",
    "Uday",
    "Urvashi",
    "Vandana",
    "Vinay",
    "Yamini",
    "Zoya",
    "राहुल",
    "प्रिया",
]
LAST_NAMES = [
    "Bhatt",
    "Chauhan",
    "Dubey",
    "Ghosh",
    "Hegde",
    "Jain",
    "Kulkarni",
    "Mishra",
    "Mukherjee",
    "Pandey",
    "Parekh",
    "Rathore",
    "Saxena",
    "Sen",
    "Shah",
    "Shetty",
    "Sinha",
    "Thakur",
    "Tiwari",
    "Trivedi",
    "Yadav",
    "Banerjee",
    "Chatterjee",
    "Deshpande",
    "Gill",
    "Kohli",
    "शर्मा",
]
CITIES = [
    "Surat",
    "Nagpur",
    "Patna",
    "Bhopal",
    "Vadodara",
    "Ludhiana",
    "Agra",
    "Nashik",
    "Ranchi",
    "Coimbatore",
    "Madurai",
    "Guwahati",
    "Chandigarh",
    "Mysuru",
    "Thiruvananthapuram",
    "Visakhapatnam",
    "Noida",
    "Gurugram",
    "Thane",
    "Navi-Mumbai",
]
DOMAINS = ("gmail.com", "yahoo.co.in", "outlook.com", "rediffmail.com", "hotmail.com", "icloud.com")
PROGRAMS = ("ACCA", "CFA", "FRM", "CMA")  # the programs the Zoom writer knows a conductor for
# the sources mappings/funnel_mapping.csv maps today (its deprecated ones left out), then many it does not know
_MAPPING = pd.read_csv(PROJECT_ROOT / "mappings" / "funnel_mapping.csv", dtype=str, keep_default_na=False)
MAPPED_SOURCES = tuple(_MAPPING.loc[_MAPPING["deprecated"].str.strip() == "", "source"])
UNMAPPED_SOURCES = 400
EMPLOYEES = 80
FUNNELS = ("ACCA Webinar", "ACCA Bootcamp", "CFA Webinar", "FRM Bootcamp", "FRM Webinar", "CMA Webinar")
STATUSES = (
    "success",
    "Success",
    "SUCCESS",
    " success ",
    "refund",
    "Refunded",
    "canceled",
    "Cancelled",
    "failed",
    "chargeback",
    "partially refunded",
    "",
)
STATUS_WEIGHTS = (50, 10, 5, 3, 4, 4, 3, 3, 4, 1, 3, 10)
DEVANAGARI_DIGITS = "०१२३४५६७८९"

# headers: the contracts' other accepted spellings (same letters ignoring case, spaces and punctuation,
# or a listed alternative), and a few extra columns, which the project keeps as text
LEAD_HEADERS = {
    "lead_id": "Lead ID",
    "name": "Full Name",
    "email": "Email Address",
    "phone_raw": "Mobile Number",
    "city": "Location",
    "question_1": "Q1",
    "utm_source": "utm_source",
    "utm_medium": "UTM Medium",
    "utm_campaign": "UTM Campaign",
    "created_at": "Submitted At",
    "form_name": "Form Name",
}
SPEND_HEADERS = {
    "date_time": "Date Time",
    "campaign": "Campaign",
    "ad_set": "Ad Set",
    "impressions": "Impressions",
    "clicks": "Clicks",
    "cost": "COST",
    "platform": "Platform",
    "reach": "Reach",
    "funnel": "funnel",
}
ASSIGNMENT_HEADERS = {
    "sources": "Sources",
    "assign_on": "assign_on",
    "lead_mobile": "Lead Mobile",
    "employee": "EMPLOYEE",
}
SALES_RESPELLED = {
    "StudentContact": "Student Contact",
    "assignedLeadSources": "assigned_lead_sources",
    "createdOn": "created_on",
    "netAmount": "Net Amount",
    "employeeName": "Employee Name",
}


# -- building columns with Arrow ---------------------------------------------------------------


def _strings(values) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _join(*parts) -> pa.Array:
    """Element-wise concatenation of arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def _spell(
    rng: np.random.Generator,
    values: pa.Array | np.ndarray,
    spellings: list[Callable[[Any], pa.Array]],
    weights: tuple[float, ...],
) -> pa.Array:
    """Each value written by one of `spellings` (functions of some of the values), chosen with these
    weights; a spelling is applied only to the values it was chosen for."""
    p = np.asarray(weights, dtype=float)
    choice = rng.choice(len(spellings), len(values), p=p / p.sum())
    order = np.argsort(choice, kind="stable")
    bounds = np.searchsorted(choice[order], np.arange(len(spellings) + 1))
    pieces = []
    for k, spell in enumerate(spellings):
        rows = order[bounds[k] : bounds[k + 1]]
        subset = values.take(pa.array(rows)) if isinstance(values, pa.Array) else values[rows]
        pieces.append(pc.cast(spell(subset), pa.string()))
    written = pa.concat_arrays(
        [piece.combine_chunks() if isinstance(piece, pa.ChunkedArray) else piece for piece in pieces]
    )
    return written.take(pa.array(np.argsort(order)))


def _as_is(values):
    return _strings(values)


def _blank(values) -> pa.Array:
    return pa.array(np.full(len(values), "", dtype=object), pa.string())


def _slice(values: pa.Array, start: int, stop: int) -> pa.Array:
    return pc.utf8_slice_codeunits(values, start, stop)


def _devanagari(digits: pa.Array) -> pa.Array:
    for ascii_digit, digit in zip("0123456789", DEVANAGARI_DIGITS, strict=True):
        digits = pc.replace_substring(digits, ascii_digit, digit)
    return digits


def _padded(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(_strings(values), width, padding="0")


def _indian_rupees(rupees: np.ndarray) -> pa.Array:
    """Whole rupees grouped the Indian way: 950, 12,345, 1,00,000, 1,23,45,678."""
    crore, lakh = rupees // 10**7, rupees // 10**5 % 100
    thousand, rest = rupees // 1000 % 100, rupees % 1000
    under_thousand = _strings(rest)
    under_lakh = _join(_strings(thousand), ",", _padded(rest, 3))
    under_crore = _join(_strings(lakh), ",", _padded(thousand, 2), ",", _padded(rest, 3))
    crores = _join(_strings(crore), ",", _padded(lakh, 2), ",", _padded(thousand, 2), ",", _padded(rest, 3))
    width = np.select([rupees < 1000, rupees < 10**5, rupees < 10**7], [0, 1, 2], 3).astype(np.int8)
    return pc.choose(pa.array(width), under_thousand, under_lakh, under_crore, crores)


def _rupees_and_paise(grouping: Callable[[np.ndarray], pa.Array], prefix: str = "") -> Callable[[np.ndarray], pa.Array]:
    return lambda paise: _join(prefix, grouping(paise // 100), ".", _padded(paise % 100, 2))


def amounts(rng: np.random.Generator, paise: np.ndarray, blank_share: float = 0.02) -> pa.Array:
    """Amounts in paise, written as sheets and CRMs write rupees: `1234.50`, `1,00,000.00`, `₹1,234.50`,
    `₹ 1,234`, `Rs. 1,234.50`, `INR 1234.50`, `1234`, or blank."""
    spellings = [
        _rupees_and_paise(_strings),
        _rupees_and_paise(_indian_rupees),
        _rupees_and_paise(_indian_rupees, "₹"),
        lambda p: _join("₹ ", _indian_rupees(p // 100)),
        _rupees_and_paise(_indian_rupees, "Rs. "),
        _rupees_and_paise(_strings, "INR "),
        lambda p: _strings(p // 100),
        _blank,
    ]
    return _spell(rng, paise, spellings, (30, 25, 15, 5, 8, 5, 10, 100 * blank_share))


def _grouped_digits(*groups: tuple[int, int], separator: str, prefix: str = "") -> Callable[[pa.Array], pa.Array]:
    def spell(digits: pa.Array) -> pa.Array:
        parts = [_slice(digits, start, stop) for start, stop in groups]
        return _join(prefix, *[x for part in parts for x in (part, separator)][:-1])

    return spell


def phones(rng: np.random.Generator, digits: pa.Array) -> pa.Array:
    """10-digit numbers in the many spellings forms and CRMs hold."""
    spellings = [
        _as_is,
        _grouped_digits((0, 5), (5, 10), separator=" ", prefix="+91 "),
        _grouped_digits((0, 3), (3, 6), (6, 10), separator="-", prefix="+91-"),
        lambda d: _join("(+91) ", d),
        lambda d: _join("0", d),
        lambda d: _join("91", d),
        _grouped_digits((0, 5), (5, 10), separator="."),
        _grouped_digits((0, 3), (3, 6), (6, 10), separator=" "),
        _devanagari,
        lambda d: _join("+९१ ", _devanagari(d)),
        lambda d: _slice(d, 0, 5),  # too short: no phone
        lambda d: _join("+1 415 ", _slice(d, 3, 10)),  # foreign
        _blank,
    ]
    return _spell(rng, digits, spellings, (24, 14, 10, 6, 8, 6, 4, 8, 2, 1, 3, 2, 12))


def _timestamps(seconds: np.ndarray) -> pa.Array:
    return pa.array(seconds.astype("datetime64[s]"))


def _iso(seconds: np.ndarray) -> pa.Array:
    # a cast writes `2025-09-14 18:03:22` far faster than strftime
    return pc.replace_substring(pc.cast(_timestamps(seconds), pa.string()), " ", "T")


def _moment_spelling(spelling: str) -> Callable[[np.ndarray], pa.Array]:
    if spelling == "Z":
        return lambda local: _join(_iso(local - INDIA_OFFSET_SECONDS), "Z")
    if spelling == "-04:00":
        return lambda local: _join(_iso(local - INDIA_OFFSET_SECONDS - 4 * 3600), "-04:00")
    if spelling == "+05:30":
        return lambda local: _join(_iso(local), "+05:30")
    if spelling == "%Y-%m-%d %H:%M:%S":
        return lambda local: pc.cast(_timestamps(local), pa.string())
    return lambda local: pc.strftime(_timestamps(local), spelling)


def moments(rng: np.random.Generator, local_seconds: np.ndarray, spellings: tuple[str, ...]) -> pa.Array:
    """Asia/Kolkata wall times (seconds since the epoch) written in these spellings, one chosen per row:
    a strftime format for local time, or `Z`, `+05:30`, `-04:00` for ISO 8601 with that offset."""
    return _spell(rng, local_seconds, [_moment_spelling(s) for s in spellings], tuple(1.0 for _ in spellings))


def _spread(rng: np.random.Generator, n: int, end: date, days: int = HISTORY_DAYS) -> np.ndarray:
    """Local seconds since the epoch over the `days` before `end`, busier in recent weeks."""
    end_seconds = int(pd.Timestamp(end).timestamp())
    back = (rng.beta(1.2, 2.5, n) * days * 86_400).astype(np.int64)
    return end_seconds - 1 - back


def _skewed(rng: np.random.Generator, n: int, pool: int) -> np.ndarray:
    """Indexes into a pool of `pool`, the first ones far more often: a few people behind many rows."""
    return np.minimum((rng.random(n) ** 2.5 * pool).astype(np.int64), pool - 1)


def _with_resent_rows(rng: np.random.Generator, table: pa.Table, share: float) -> pa.Table:
    """Some rows are sent again, unchanged, a little later in the file."""
    order = np.arange(table.num_rows)
    again = np.flatnonzero(rng.random(table.num_rows) < share)
    order[again] = np.maximum(0, again - rng.integers(1, 200, len(again)))
    return table.take(pa.array(order))


# -- the pools ------------------------------------------------------------------------------------


def people_pool(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Everyone the sources mention, in the columns the sample generator's Zoom writer reads."""
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    # distinct 10-digit mobiles starting 6 to 9: a shuffled range, so no two people share one
    step = 4_000_000_000 // n
    numbers = 6_000_000_000 + rng.permutation(n).astype(np.int64) * step + rng.integers(0, step, n)
    serial = _strings(np.arange(n))
    email = _join(
        pc.utf8_lower(_strings(first)),
        "_",
        pc.utf8_lower(_strings(last)),
        serial,
        "@",
        _strings(np.array(DOMAINS, dtype=object)[rng.integers(0, len(DOMAINS), n)]),
    )
    return pd.DataFrame(
        {
            "first": first,
            "last": last,
            "email": email.to_numpy(zero_copy_only=False),
            "phone": _strings(numbers).to_numpy(zero_copy_only=False),
            "city": np.array(CITIES, dtype=object)[rng.integers(0, len(CITIES), n)],
            "program": np.array(PROGRAMS, dtype=object)[rng.choice(4, n, p=[0.25, 0.25, 0.25, 0.25])],
        }
    )


def source_pool() -> np.ndarray:
    platforms = ("fb", "ig", "gads", "yt", "linkedin", "whatsapp", "email", "sms")
    unmapped = [
        f"{PROGRAMS[k % 4].lower()}-{platforms[k % len(platforms)]}-camp{k:03d}" for k in range(UNMAPPED_SOURCES)
    ]
    return np.array([*MAPPED_SOURCES, *unmapped], dtype=object)


def _sources(rng: np.random.Generator, n: int) -> pa.Array:
    """Three rows in four from a mapped source; the rest from hundreds of unmapped ones; spelled loosely."""
    pool = source_pool()
    mapped = rng.random(n) < 0.75
    index = np.where(mapped, rng.integers(0, len(MAPPED_SOURCES), n), rng.integers(len(MAPPED_SOURCES), len(pool), n))
    return _loosely(rng, _strings(pool[index]), (60, 15, 10, 10, 5))


def _loosely(rng: np.random.Generator, values: pa.Array, weights: tuple[float, ...]) -> pa.Array:
    """Text as typed: as is, lower case, upper case, with stray spaces, or blank."""
    spellings = [_as_is, pc.utf8_lower, pc.utf8_upper, lambda v: _join(" ", v, "  "), _blank]
    return _spell(rng, values, spellings, weights)


def _employees(rng: np.random.Generator, n: int) -> pa.Array:
    names = np.array(
        [f"{FIRST_NAMES[k % len(FIRST_NAMES)]} {LAST_NAMES[(k * 7) % len(LAST_NAMES)]}" for k in range(EMPLOYEES)],
        dtype=object,
    )
    values = _strings(names[_skewed(rng, n, EMPLOYEES)])
    return _loosely(rng, values, (85, 0, 5, 10, 0))


def _names(rng: np.random.Generator, who: pd.DataFrame) -> pa.Array:
    full = _join(_strings(who["first"].to_numpy()), " ", _strings(who["last"].to_numpy()))
    return _loosely(rng, full, (60, 15, 10, 10, 5))


# -- the sources ----------------------------------------------------------------------------------


def leads_table(rng: np.random.Generator, people: pd.DataFrame, n: int, end: date) -> pa.Table:
    who = people.iloc[_skewed(rng, n, len(people))]
    created = np.sort(_spread(rng, n, end))
    columns = {
        "lead_id": _join("L", _padded(np.arange(n), 8)),
        "name": _names(rng, who),
        "email": _loosely(rng, _strings(who["email"].to_numpy()), (75, 0, 10, 5, 10)),
        "phone_raw": phones(rng, _strings(who["phone"].to_numpy())),
        "city": _strings(who["city"].to_numpy()),
        "question_1": _strings(rng.choice(["Student", "Working", "CA Inter", "B.Com, final year", ""], n)),
        "utm_source": _strings(rng.choice(["fb", "ig", "google", "youtube", "linkedin", "whatsapp"], n)),
        "utm_medium": _strings(rng.choice(["cpc", "paid_social", "organic", "referral"], n)),
        "utm_campaign": _sources(rng, n),
        "created_at": moments(
            rng,
            created,
            ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y", "%b %d, %Y %I:%M %p", "Z", "+05:30", "-04:00"),
        ),
        "form_name": _strings(rng.choice(["Lead form A", "Lead form B", "Landing page"], n)),
    }
    table = pa.table({LEAD_HEADERS[name]: values for name, values in columns.items()})
    return _with_resent_rows(rng, table, 0.04)


def spend_table(rng: np.random.Generator, n: int, end: date) -> pa.Table:
    days = np.sort(_spread(rng, n, end) // 86_400 * 86_400)
    impressions = rng.lognormal(9.5, 1.2, n).astype(np.int64) + 100
    clicks = (impressions * rng.beta(2, 60, n)).astype(np.int64)
    funnels = _strings(np.array(FUNNELS, dtype=object)[rng.integers(0, len(FUNNELS), n)])
    columns = {
        "date_time": moments(rng, days, ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%b %d, %Y")),
        "campaign": _sources(rng, n),
        "ad_set": _join("adset_", _strings(rng.integers(1, 40, n))),
        "impressions": _spell(rng, impressions, [_strings, _indian_rupees], (60, 40)),
        "clicks": _strings(clicks),
        "cost": amounts(rng, (rng.lognormal(7.5, 1.3, n) * 100).astype(np.int64), blank_share=0.03),
        "platform": _strings(rng.choice(["Meta", "Google Ads", "YouTube", "LinkedIn"], n)),
        "reach": _strings((impressions * 0.7).astype(np.int64)),
        "funnel": _spell(
            rng,
            funnels,
            [
                _as_is,
                pc.utf8_lower,
                lambda f: pc.replace_substring(f, " ", "  "),
                lambda f: _join("Brand", _blank(f)),
                _blank,
            ],
            (70, 10, 8, 7, 5),
        ),
    }
    return pa.table({SPEND_HEADERS[name]: values for name, values in columns.items()})


def assignments_table(rng: np.random.Generator, people: pd.DataFrame, n: int, end: date) -> pa.Table:
    who = people.iloc[_skewed(rng, n, len(people))]
    assigned = _spread(rng, n, end)
    columns = {
        "sources": _sources(rng, n),
        "assign_on": moments(rng, assigned, ("Z", "Z", "+05:30", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")),
        "lead_mobile": phones(rng, _strings(who["phone"].to_numpy())),
        "employee": _employees(rng, n),
    }
    return pa.table({ASSIGNMENT_HEADERS[name]: values for name, values in columns.items()})


def sales_table(rng: np.random.Generator, people: pd.DataFrame, n: int, end: date) -> pa.Table:
    who = people.iloc[_skewed(rng, n, len(people))]
    created = np.sort(_spread(rng, n, end))
    total = rng.choice([18_000, 35_000, 49_999, 75_000, 1_00_000, 1_50_000, 2_40_000], n) * 100
    paid = total * rng.choice([10, 25, 50, 100], n) // 100
    empty = _blank(np.arange(n))
    values = {
        "_id": _join("s", _padded(np.arange(n), 9), "-", _strings(rng.integers(1000, 9999, n))),
        "status": _strings(
            np.array(STATUSES, dtype=object)[
                rng.choice(len(STATUSES), n, p=np.array(STATUS_WEIGHTS) / sum(STATUS_WEIGHTS))
            ]
        ),
        "txn_id": _join("pay_", _strings(rng.integers(10**11, 10**12, n))),
        "paymentGateway": _strings(rng.choice(["Razorpay", "PayU", "Cashfree", "UPI", "NEFT"], n)),
        "courseName": _join(
            _strings(who["program"].to_numpy()), " ", _strings(rng.choice(["Lite", "Plus", "Max", "Crash course"], n))
        ),
        "source": _strings(rng.choice(["app", "web", "call", "walk-in"], n)),
        "createdOn": moments(rng, created, ("Z", "+05:30", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S")),
        "paymentType": _strings(rng.choice(["full", "emi", "token"], n)),
        "paidAmount": amounts(rng, paid),
        "StudentContact": phones(rng, _strings(who["phone"].to_numpy())),
        "StudentName": _names(rng, who),
        "TotalAmount": amounts(rng, total),
        "product": _strings(who["program"].to_numpy()),
        "StudentEmail": _strings(who["email"].to_numpy()),
        "netAmount": amounts(rng, paid * 100 // 118),
        "employeeName": _employees(rng, n),
        "employeeTeam": _strings(rng.choice(["Alpha", "Beta", "Gamma", "Delta", ""], n)),
        "assignedLeadSources": _sources(rng, n),
        "Funnel": _strings(np.array(FUNNELS, dtype=object)[rng.integers(0, len(FUNNELS), n)]),
    }
    headers = [f.header for f in CRM_SALES_DUMP.fields]
    return pa.table({SALES_RESPELLED.get(h, h): values.get(h, empty) for h in headers})


def _write(table: pa.Table, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    return table.num_rows


def generate_independent(
    out_dir: Path, scale: Scale, *, seed: int = 2026, end_date: date | None = None
) -> dict[str, int]:
    """Write every source under `out_dir` in the sample generator's layout (leads.csv, spend.csv,
    crm/assigned_leads.csv, crm/sales.csv, zoom/*.csv); returns rows (bytes, for Zoom files) per file."""
    end = end_date or DEFAULT_END_DATE
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    # more people than the samples', and a few behind many rows
    people = people_pool(rng, max(4, round(scale.people * 1.5)))
    counts = {
        "leads.csv": _write(leads_table(rng, people, scale.leads, end), out_dir / "leads.csv"),
        "spend.csv": _write(spend_table(rng, scale.spend_rows, end), out_dir / "spend.csv"),
        "crm/assigned_leads.csv": _write(
            assignments_table(rng, people, scale.assigned_leads, end), out_dir / "crm" / "assigned_leads.csv"
        ),
        "crm/sales.csv": _write(sales_table(rng, people, scale.sales, end), out_dir / "crm" / "sales.csv"),
    }
    zoom_dir = out_dir / "zoom"
    zoom_dir.mkdir(parents=True, exist_ok=True)
    for name, content in zoom_reports(rng, people, scale, end).items():
        (zoom_dir / name).write_bytes(content)
        counts[f"zoom/{name}"] = len(content)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--fraction", type=float, default=1.0, help="a share of the scale, e.g. 0.25 for a quarter")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate_independent(args.out, SCALES[args.scale].scaled(args.fraction), seed=args.seed)
    seconds = time.perf_counter() - started
    tables = {k: v for k, v in counts.items() if not k.startswith("zoom/")}
    for name, rows in tables.items():
        print(f"{name:28} {rows:>10,} rows")
    print(f"{'zoom/':28} {len(counts) - len(tables):>10,} reports")
    print(f"written to {args.out} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
