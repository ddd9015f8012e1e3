import datetime as dt

import pandas as pd
import polars as pl
import pytest

from funnel_assets.lib.columns import MissingColumnsError, snake_case
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.numbers import parse_amounts
from funnel_assets.lib.spend import clean_spend, total_spend_by_funnel


def test_amounts_as_sheets_export_them():
    numbers, unreadable = parse_amounts(
        pd.Series(["1,234.50", "₹1,234.50", "Rs. 500", " 12 ", "", None, "n/a", "-3.5"])
    )
    assert numbers.tolist()[:4] == [1234.5, 1234.5, 500.0, 12.0]
    assert numbers.isna().tolist()[4:7] == [True, True, True]
    assert numbers.iloc[7] == -3.5
    assert unreadable.tolist() == [False, False, False, False, False, False, True, False]


@pytest.mark.parametrize(
    ("raw", "snake"),
    [
        ("utmCamp", "utm_camp"),
        ("Question 1", "question_1"),
        ("EBook_Net_Amount", "e_book_net_amount"),
        ("_id", "id"),
        ("Funnel", "funnel"),
    ],
)
def test_snake_case(raw, snake):
    assert snake_case(raw) == snake


def spend_sheet() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date_time": ["2026-08-01", "2026-08-01", "2026-08-02", "bad date", "2026-08-02"],
            "campaign": ["a", "b", "c", "d", "e"],
            "cost": ["1,000.50", "₹2,000", "", "5", "oops"],
            "impressions": ["100", "200", "300", "1", ""],
            "clicks": ["1", "2", "3", "1", ""],
            "Funnel": ["ACCA Webinar", "ACCA Webinar", "CFA Webinar", "CFA Webinar", ""],
            "SuperCoaching Revenue": ["x", "", "", "", ""],
        }
    )


def test_clean_spend_keeps_every_row_and_counts_problems():
    spend, report = clean_spend(spend_sheet(), source="spend sheet")
    assert len(spend) == 5
    assert report.unreadable_dates == 1
    assert report.unreadable_numbers == 1  # "oops"
    assert report.blank_funnel == 1
    assert spend["funnel"][4] == MISCELLANEOUS_FUNNEL
    assert "super_coaching_revenue" in spend.columns  # unknown columns are kept
    assert spend["spend_date"][0] == dt.date(2026, 8, 1)


def test_spend_by_funnel_sums_per_day_and_funnel():
    spend, _ = clean_spend(spend_sheet(), source="spend sheet")
    totals = total_spend_by_funnel(spend)
    by_key = {(day, funnel): cost for day, funnel, cost in totals.select("spend_date", "funnel", "cost").iter_rows()}
    assert by_key == {
        (dt.date(2026, 8, 1), "ACCA Webinar"): 3000.5,
        (dt.date(2026, 8, 2), "CFA Webinar"): 0.0,
        (dt.date(2026, 8, 2), MISCELLANEOUS_FUNNEL): 0.0,
    }
    assert set(totals["spend_month"]) == {dt.date(2026, 8, 1)}


def test_spend_without_cost_column_names_the_sheet():
    with pytest.raises(MissingColumnsError, match="spend sheet is missing the column\\(s\\) cost"):
        clean_spend(pl.DataFrame({"date_time": ["2026-08-01"], "Funnel": ["x"]}), source="spend sheet")
