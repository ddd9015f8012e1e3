"""A small, deterministic set of awkward inputs for the four table sources (lead sheet, spend sheet, CRM
assignments, CRM sales), written as local CSV files: phones, dates and amounts in many spellings, duplicates and
exact ties, sources spelled unlike the mapping, refunded and cancelled sales, sales mapped by hand.

The same call always writes the same bytes: the golden outputs (test_golden_outputs.py) are pinned on them.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from funnel_assets import catalogue

SEED = 20261201

# Sources as the mapping spells them, and as people type them (case, spaces, underscores).
MAPPED_SOURCES = ("ACCA_Webinar_Meta", "CFA_Webinar_Meta", "FRM_Bootcamp_Meta", "CMA_USA_YouTube", "Referral")
SOURCE_SPELLINGS = (
    "ACCA_Webinar_Meta",
    "acca_webinar_meta",
    "  ACCA_Webinar_Meta  ",
    "ACCA Webinar Meta",
    "CFA_WEBINAR_META",
    "cfa_webinar_meta ",
    "FRM_Bootcamp_Meta",
    "frm bootcamp meta",
    "CMA_USA_YouTube",
    "cma_usa_youtube",
    "Referral",
    "referral",
    "Unknown_Campaign_X",
    "",
)

# Phones: the same person (9876543210) in many spellings, and phones that are no phone.
PHONE_SPELLINGS = (
    "9876543210",
    "+91 98765 43210",
    "+91-98765-43210",
    "098765 43210",
    "91 9876543210",
    "(+91) 98765-43210",
    "९८७६५४३२१०",  # Devanagari digits: kept as written, and flagged by the phone check
    "+९१ ९८७६५ ४३२१०",
    "98765",  # too short
    "12345 6789",  # nine digits: too short
    "",
    "   ",
    "not given",
    "+44 20 4579 9937",  # a foreign number: its last 10 digits
    "9876543210.0",  # a spreadsheet's float
)

# Moments: ISO with Z and offsets, day-first, spelled-out months; some are the next day or month in Asia/Kolkata.
MOMENT_SPELLINGS = (
    "2025-09-14 18:03:22",
    "2025-09-14",
    "2025-09-14T18:03:22",
    "2025-09-30T19:00:00Z",  # 1 October 00:30 in Asia/Kolkata: next month
    "2025-10-31T20:15:00Z",  # 1 November 01:45 in Asia/Kolkata
    "2025-09-14T23:59:59+05:30",
    "2025-09-14T12:00:00-04:00",  # 14 September 21:30 in Asia/Kolkata
    "2025-10-15T10:00:00.000Z",
    "14/09/2025 18:03",
    "01/10/2025 09:15:00",  # 1 October, day first
    "14-09-2025",
    "Sep 14, 2025 6:03 PM",
    "31/12/2025 23:30",
    "2025-12-31T18:45:00Z",  # 1 January 2026 00:15 in Asia/Kolkata: next year
    "2026-11-30 23:59:59",  # the last moment before the fixed as-of date
    "2026-12-01 00:00:00",  # the as-of day itself: kept in rows, not counted
    "",
    "not a date",
    "32/13/2025",
)

AMOUNT_SPELLINGS = (
    "1,00,000",
    "₹1,234.50",
    "Rs. 1,234.50",
    "INR 1234.5",
    "1,234.50",
    "815.99",
    "0",
    "",
    "n/a",
    "12.345",
    "-50",
    "0.1",
    "0.2",
)

FIRST_NAMES = ("asha", "RAVI", "Priya", "  meera  ", "arjun", "Kavya", "rohan", "Divya")
LAST_NAMES = ("kumar", "SHARMA", "Nair", "reddy", "Iyer", "menon")
CITIES = ("jaipur", "KOCHI", "Pune ", "new  delhi", "", "Bengaluru")
EMPLOYEES = ("Ravi Kumar", " Sunil Joshi ", "Anita Desai", "")
STATUSES = ("success", "Success", "refund", "Refunded", " CANCELED ", "cancelled", "failed", "partially refunded", "")
FUNNELS = ("ACCA Webinar", "acca webinar", "CFA Webinar", "FRM Bootcamp", "  CMA Webinar", "", "Organic")
# sale ids with a row in mappings/manual_sales_mapping.csv (a manual source entered by hand)
MANUALLY_MAPPED_SALE_IDS = ("659ba476b3b1f2000000000d", "65208e0571c3270000000021")


@dataclass(frozen=True)
class EdgeInputs:
    leads: Path
    spend: Path
    assigned_leads: Path
    sales: Path


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _pick(rng: random.Random, values: tuple[str, ...], i: int) -> str:
    # every value appears once, in order, before the random picks
    return values[i] if i < len(values) else rng.choice(values)


def _phone(rng: random.Random, i: int) -> str:
    if i < len(PHONE_SPELLINGS):
        return PHONE_SPELLINGS[i]
    digits = f"{rng.choice('6789')}{rng.randrange(10**9):09d}"
    style = rng.randrange(4)
    return (digits, f"+91 {digits[:5]} {digits[5:]}", f"0{digits[:5]}-{digits[5:]}", f"91{digits}")[style]


def lead_rows(rng: random.Random) -> list[list[str]]:
    rows = []
    for i in range(180):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"{name.strip().replace(' ', '.').lower()}{i % 37}@Example.COM"
        rows.append(
            [
                name,
                email if i % 11 else "",
                _phone(rng, i),
                rng.choice(CITIES),
                rng.choice(("Graduate", "Working", "")),
                rng.choice(("youtube", "instagram", "google")),
                "cpc",
                _pick(rng, SOURCE_SPELLINGS, i % 40),
                _pick(rng, MOMENT_SPELLINGS, i % 50),
                f"extra {i % 3}",
            ]
        )
    rows += [rows[5], rows[5], rows[17]]  # exact duplicates: every row is kept
    # the same person twice at the very same moment, from two sources: a tie first touch must break
    rows += [
        ["Tie Person", "tie@example.com", "9123456780", "Pune", "", "", "", "ACCA_Webinar_Meta", "2025-10-02 10:00:00"],
        [
            "Tie Person",
            "tie@example.com",
            "+91 91234 56780",
            "Pune",
            "",
            "",
            "",
            "CFA_Webinar_Meta",
            "2025-10-02T04:30:00Z",
        ],
    ]
    return [row + [""] * (10 - len(row)) for row in rows]


def spend_rows(rng: random.Random) -> list[list[str]]:
    rows = []
    for i in range(60):
        rows.append(
            [
                _pick(rng, MOMENT_SPELLINGS, i % 25),
                f"camp_{i % 7}",
                _pick(rng, ("1,00,000", "12,500", "", "n/a", "900"), i % 9),
                str(rng.randrange(0, 500)),
                _pick(rng, AMOUNT_SPELLINGS, i % 20),
                rng.choice(("google", "meta", "YouTube")),
                _pick(rng, FUNNELS, i % 10),
                rng.choice(("IN", "")),
            ]
        )
    rows += [rows[3], rows[3]]  # the same spend row twice: both are summed
    return rows


def assignment_rows(rng: random.Random, lead_phones: list[str]) -> list[list[str]]:
    rows = []
    for i in range(150):
        phone = lead_phones[i % len(lead_phones)] if i % 4 else _phone(rng, i % 30)
        rows.append(
            [
                _pick(rng, SOURCE_SPELLINGS, i % 30),
                _pick(rng, MOMENT_SPELLINGS, i % 40),
                phone,
                rng.choice(EMPLOYEES),
            ]
        )
    # one phone assigned twice at the very same moment by two people: the CRM's row order decides
    rows += [
        ["ACCA_Webinar_Meta", "2025-10-05T06:00:00Z", "9988776655", "Ravi Kumar"],
        ["CFA_Webinar_Meta", "2025-10-05T11:30:00+05:30", "+91 99887 76655", "Anita Desai"],
        ["ACCA_Webinar_Meta", "2025-10-05T06:00:00Z", "9988776655", "Ravi Kumar"],  # an exact duplicate
        ["FRM_Bootcamp_Meta", "2025-11-01T00:10:00+05:30", "9988776655", "Sunil Joshi"],  # next month
    ]
    return rows


def sales_rows(rng: random.Random, lead_phones: list[str]) -> tuple[list[str], list[list[str]]]:
    header = [f.header for f in catalogue.CRM_SALES_DUMP.fields]
    rows = []
    for i in range(60):
        sale_id = MANUALLY_MAPPED_SALE_IDS[i] if i < len(MANUALLY_MAPPED_SALE_IDS) else f"edge{i:020d}"
        values = {
            "_id": sale_id,
            "status": _pick(rng, STATUSES, i % 12),
            "txn_id": f"TXN{i:08d}",
            "courseName": rng.choice(("ACCA Foundation", "CFA Complete", "FRM Part 1")),
            "source": "web",
            "createdOn": _pick(rng, MOMENT_SPELLINGS, i % 30),
            "paymentType": rng.choice(("emi", "full", "")),
            "paidAmount": _pick(rng, AMOUNT_SPELLINGS, i % 15),
            "StudentContact": lead_phones[(i * 3) % len(lead_phones)] if i % 5 else _phone(rng, i % 20),
            "StudentName": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "TotalAmount": _pick(rng, AMOUNT_SPELLINGS, (i + 3) % 15),
            "netAmount": _pick(rng, AMOUNT_SPELLINGS, (i + 1) % 14),
            "employeeName": rng.choice(EMPLOYEES),
            "employeeTeam": rng.choice(("Team North", "team north", "")),
            # Miscellaneous sales (blank or unmapped) meet the manual sources; the others keep their own
            "assignedLeadSources": "" if i < len(MANUALLY_MAPPED_SALE_IDS) else _pick(rng, SOURCE_SPELLINGS, i % 16),
            "Funnel": rng.choice(FUNNELS),
        }
        rows.append([values.get(h, "") for h in header])
    rows.append(list(rows[10]))  # the CRM's dump repeats a sale
    return header, rows


def write_edge_inputs(folder: Path) -> EdgeInputs:
    """The four sources' files in `folder`, the same bytes on every call."""
    rng = random.Random(SEED)
    leads = lead_rows(rng)
    lead_phones = [row[2] for row in leads if sum(ch.isdigit() for ch in row[2]) >= 10]
    sales_header, sales = sales_rows(rng, lead_phones)
    lead_header = [f.header for f in catalogue.LEAD_SHEET.fields] + ["Landing page"]
    spend_header = ["date_time", "campaign", "impressions", "clicks", "cost", "platform", "Funnel", "region"]
    return EdgeInputs(
        leads=_write(folder / "leads.csv", lead_header, leads),
        spend=_write(folder / "spend.csv", spend_header, spend_rows(rng)),
        assigned_leads=_write(
            folder / "assigned_leads.csv",
            ["sources", "assignOn", "leadMobile", "employee"],
            assignment_rows(rng, lead_phones),
        ),
        sales=_write(folder / "sales.csv", sales_header, sales),
    )
