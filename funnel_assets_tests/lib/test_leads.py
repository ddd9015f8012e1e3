"""The campaign lead sheet: tolerant headers, Sheets' date formats, phones kept or counted, never dropped."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from funnel_assets.lib.columns import MissingColumnsError
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL, clean_funnel_mapping
from funnel_assets.lib.leads import clean_leads

MAPPING = clean_funnel_mapping(
    pd.DataFrame(
        {
            "source": ["ACCA_Webinar_Meta", "ACCA_FinProClub"],
            "funnel": ["ACCA Webinar", "ACCA Webinar"],
            "deprecated": ["", "yes"],
        }
    )
)


def sheet(header: list[str], rows: list[list[str]]) -> pl.DataFrame:
    # as the lead asset hands it over: the reader's pandas frame, every column text, made Polars
    return pl.from_pandas(pd.DataFrame(rows, columns=header, dtype=object))


@pytest.mark.parametrize(
    "header",
    [
        ["Name", "Email", "Phone number", "City", "Question 1", "utmSource", "utmMedium", "utmCamp", "created date"],
        [
            "NAME",
            "E-mail",
            "phone_number",
            "city",
            "question_1",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "Created Date ",
        ],
        [
            " name",
            "Email Address",
            "Mobile Number",
            "City",
            "Q1",
            "UTM Source",
            "UTM Medium",
            "UTM Campaign",
            "Timestamp",
        ],
    ],
    ids=["the-sheet", "snake-and-upper", "other-spellings"],
)
def test_headers_are_matched_whatever_their_spelling(header):
    row = [
        "asha KUMAR ",
        "Asha@Gmail.COM",
        "+91 98765-43210",
        "pune",
        "Working",
        "facebook",
        "cpc",
        " acca_webinar_meta",
        "2025-09-14 18:03:22",
    ]
    leads, report = clean_leads(sheet(header, [row]), MAPPING)
    lead = leads.row(0, named=True)
    assert (lead["name"], lead["email"], lead["phone"], lead["user_id"]) == (
        "Asha Kumar",
        "asha@gmail.com",
        "9876543210",
        "919876543210",
    )
    assert lead["created_at"] == pd.Timestamp("2025-09-14 18:03:22", tz="Asia/Kolkata")
    assert (lead["source"], lead["funnel"]) == ("acca_webinar_meta", "ACCA Webinar")
    assert report.extra_columns == ()


def test_every_row_is_kept_and_problems_are_counted():
    header = ["Name", "Phone number", "utmCamp", "created date", "Lead Score"]
    rows = [
        ["A", "098765 43210", "ACCA_FinProClub", "14/09/2025 18:03:22", "7"],  # deprecated source still maps
        ["B", "", "ACCA_Webinar_Meta", "2025-09-14", ""],
        ["C", "12345", "Diwali_Offer", "Sep 14, 2025 6:03 PM", ""],
        ["D", "+44 20 7946 0958", "", "not a date", ""],
        ["E", "9876543211", "ACCA_Webinar_Meta", "", ""],
    ]
    leads, report = clean_leads(sheet(header, rows), MAPPING)
    assert len(leads) == 5
    # a foreign number keeps its last 10 digits, as the phone-key rule says
    assert leads["phone"].to_list() == [
        "9876543210",
        None,
        None,
        "2079460958",
        "9876543211",
    ]
    assert (report.without_phone, report.unusable_phone, report.without_date, report.unreadable_dates) == (1, 1, 1, 1)
    assert leads["funnel"].to_list() == [
        "ACCA Webinar",
        "ACCA Webinar",
        MISCELLANEOUS_FUNNEL,
        MISCELLANEOUS_FUNNEL,
        "ACCA Webinar",
    ]
    assert leads["created_at"][0] == pd.Timestamp("2025-09-14 18:03:22", tz="Asia/Kolkata")
    assert leads["created_at"][2] == pd.Timestamp("2025-09-14 18:03", tz="Asia/Kolkata")
    assert leads["lead_score"].to_list()[0] == "7", "a column the product does not know is kept"
    assert report.extra_columns == ("Lead Score",)


def test_the_source_field_is_configurable():
    header = ["Phone number", "utmSource", "utmCamp", "created date"]
    leads, _ = clean_leads(
        sheet(header, [["9876543210", "ACCA_Webinar_Meta", "x", "2025-09-14"]]), MAPPING, source_field="utm_source"
    )
    assert leads["funnel"][0] == "ACCA Webinar"


def test_a_missing_required_column_is_named_as_the_sheet_spells_it():
    with pytest.raises(MissingColumnsError, match="Phone number") as raised:
        clean_leads(
            sheet(["Name", "utmCamp", "created date"], [["A", "x", "2025-09-14"]]),
            MAPPING,
            label="lead sheet (Google Sheet 1AbC)",
        )
    assert "lead sheet (Google Sheet 1AbC)" in str(raised.value)


def test_a_mobile_column_before_phone_number_never_takes_the_phones():
    # the reported fault: `Mobile` (an accepted spelling) before `Phone number` made 300 phones NULL
    header = ["Name", "Mobile", "Phone number", "utmCamp", "created date"]
    leads, report = clean_leads(sheet(header, [["A", "", "9876543210", "x", "2025-09-14"]]), MAPPING)
    assert leads["phone"][0] == "9876543210" and report.without_phone == 0
    assert report.extra_columns == ("Mobile",)


def test_two_candidate_phone_columns_without_the_exact_one_refuse_the_sheet_naming_both():
    header = ["Name", "Mobile", "phone_number", "utmCamp", "created date"]
    with pytest.raises(MissingColumnsError) as raised:
        clean_leads(
            sheet(header, [["A", "", "9876543210", "x", "2025-09-14"]]), MAPPING, label="lead sheet (leads.csv)"
        )
    message = str(raised.value)
    assert "lead sheet (leads.csv)" in message and "Phone number" in message
    assert "'Mobile'" in message and "'phone_number'" in message


def test_a_sheet_without_its_header_row_is_refused_without_quoting_a_cell():
    # the first lead became the header row: the message must not repeat their name, email or phone
    first_lead = [
        "Asha Canary",
        "asha.canary@example.com",
        "9812345678",
        "Pune",
        "x",
        "fb",
        "cpc",
        "ACCA",
        "2025-09-14",
    ]
    raw = sheet(first_lead, [["Ravi P", "ravi@x.com", "9000000001", "Delhi", "", "fb", "cpc", "ACCA", "2025-09-15"]])
    with pytest.raises(MissingColumnsError) as raised:
        clean_leads(raw, MAPPING, label="lead sheet")
    message = str(raised.value)
    for value in first_lead[:4]:  # the name, email, phone and city
        assert value not in message
    assert "Phone number" in message and "created date" in message and "9 columns" in message
