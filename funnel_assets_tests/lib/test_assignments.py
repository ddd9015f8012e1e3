"""Monthly assigned leads (docs/rules.md#assigned-leads-per-month): per month and phone, the first assignment wins."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from funnel_assets.lib.assignments import clean_assigned_leads, first_assignment_per_month
from funnel_assets.lib.columns import MissingColumnsError
from funnel_assets.lib.funnel_mapping import clean_funnel_mapping

MAPPING = clean_funnel_mapping(
    pd.DataFrame({"source": ["ACCA_Webinar_Meta", "CFA_Webinar_Meta"], "funnel": ["ACCA Webinar", "CFA Webinar"]})
)


def dump(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["sources", "assignOn", "leadMobile", "employee"], orient="row")


def monthly(*rows, attended=()) -> pl.DataFrame:
    assignments, _ = clean_assigned_leads(dump(*rows), MAPPING, source="CRM dump")
    return first_assignment_per_month(assignments, pl.Series(list(attended), dtype=pl.String))


def test_reassignment_within_a_month_keeps_the_first_source_and_employee_and_counts_both():
    table = monthly(
        ("CFA_Webinar_Meta", "2025-10-20T04:00:00Z", "9876543210", "Ravi"),
        ("ACCA_Webinar_Meta", "2025-10-05T04:00:00Z", "+91 98765-43210", "Asha"),
    )
    assert len(table) == 1
    row = table.row(0, named=True)
    assert (row["source"], row["funnel"], row["employee"], row["assignments"]) == (
        "ACCA_Webinar_Meta",
        "ACCA Webinar",
        "Asha",
        2,
    )
    assert row["first_assigned_on"] == pd.Timestamp("2025-10-05 09:30", tz="Asia/Kolkata")
    assert str(row["month"]) == "2025-10-01" and row["user_id"] == "919876543210"


def test_assignments_in_two_months_are_two_rows_and_the_month_is_taken_in_india():
    table = monthly(
        # 19:00 UTC on 30 September is 00:30 on 1 October in India
        ("ACCA_Webinar_Meta", "2025-09-30T19:00:00Z", "9876543210", "Asha"),
        ("CFA_Webinar_Meta", "2025-09-30T18:00:00Z", "9876543210", "Ravi"),
        ("CFA_Webinar_Meta", "2025-11-02 10:00:00", "9876543210", "Ravi"),
    )
    assert [str(m) for m in table["month"]] == ["2025-09-01", "2025-10-01", "2025-11-01"]
    assert table["employee"].to_list() == ["Ravi", "Asha", "Ravi"]


def test_same_phone_under_two_sources_is_attributed_to_the_earlier():
    table = monthly(
        ("walk-in", "2025-10-02T04:00:00Z", "9000000001", "Asha"),
        ("CFA_Webinar_Meta", "2025-10-01T04:00:00Z", "9000000001", "Asha"),
    )
    assert [list(row) for row in table.select("source", "funnel").rows()] == [["CFA_Webinar_Meta", "CFA Webinar"]]


def test_attended_comes_from_part_1_and_rows_without_phone_or_date_are_left_out():
    table = monthly(
        ("ACCA_Webinar_Meta", "2025-10-02T04:00:00Z", "9000000001", "Asha"),
        ("ACCA_Webinar_Meta", "2025-10-02T04:00:00Z", "9000000002", "Asha"),
        ("ACCA_Webinar_Meta", "2025-10-02T04:00:00Z", "", "Asha"),
        ("ACCA_Webinar_Meta", "yesterday", "9000000003", "Asha"),
        attended=["9000000002", None],
    )
    assert dict(zip(table["phone"], table["attended"], strict=True)) == {"9000000001": False, "9000000002": True}


def test_renamed_case_and_new_columns_are_kept_a_missing_one_is_named():
    raw = pl.DataFrame(
        {
            "Sources": ["x"],
            "ASSIGNON": ["2025-10-02"],
            "lead_mobile": ["9000000001"],
            "Employee": ["A"],
            "teamName": ["North"],
        }
    )
    cleaned, report = clean_assigned_leads(raw, MAPPING, source="CRM assigned-leads dump")
    assert cleaned["team_name"][0] == "North" and report.extra_columns == ("teamName",)
    with pytest.raises(MissingColumnsError, match="CRM assigned-leads dump is missing the column\\(s\\) leadMobile"):
        clean_assigned_leads(raw.drop("lead_mobile"), MAPPING, source="CRM assigned-leads dump")


def test_an_empty_look_alike_column_before_the_real_one_never_takes_the_phones():
    # the reported fault: an extra, empty LEADMOBILE before leadMobile made every phone NULL
    raw = pl.DataFrame(
        {
            "sources": ["ACCA_Webinar_Meta"] * 2,
            "assignOn": ["2025-10-02"] * 2,
            "LEADMOBILE": ["", ""],
            "leadMobile": ["9000000001", "9000000002"],
            "employee": ["Asha", "Ravi"],
        }
    )
    cleaned, report = clean_assigned_leads(raw, MAPPING, source="CRM assigned-leads dump")
    assert cleaned["phone"].to_list() == ["9000000001", "9000000002"] and report.without_phone == 0
    assert "LEADMOBILE" in report.extra_columns, "the look-alike is kept as text and reported"


def test_two_look_alike_columns_and_no_exact_one_refuse_the_dump_naming_both():
    raw = pl.DataFrame(
        {
            "sources": ["x"],
            "assignOn": ["2025-10-02"],
            "LEADMOBILE": [""],
            "lead_mobile": ["9000000001"],
            "employee": ["A"],
        }
    )
    with pytest.raises(MissingColumnsError) as raised:
        clean_assigned_leads(raw, MAPPING, source="CRM assigned-leads dump")
    message = str(raised.value)
    assert "CRM assigned-leads dump" in message and "leadMobile" in message
    assert "LEADMOBILE" in message and "lead_mobile" in message
