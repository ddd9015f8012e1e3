"""The monthly funnel metrics and the per-person table against a small example computed by hand.

Today is 3 November 2025: October is complete, November runs through the 2nd, and
anything dated the 3rd is not counted yet (D-1).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL as MISC
from funnel_assets.lib.reporting import (
    funnel_at_a_glance,
    monthly_funnel_metrics,
    people_across_funnel,
    stages_per_month,
)
from funnel_assets_tests.support.instants import INSTANT, at

TODAY = date(2025, 11, 3)
A, B, C, D = "9000000001", "9000000002", "9000000003", "9000000004"


def frame(rows: list[tuple], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


LEADS = frame(
    [
        (A, "a@x.com", at("2025-10-05 10:00"), "ACCA Webinar"),
        (A, "a@x.com", at("2025-10-20 10:00"), "ACCA Webinar"),  # the same person again: counted once
        (B, None, at("2025-10-10 10:00"), "CFA Webinar"),
        (C, None, at("2025-11-03 10:00"), "ACCA Webinar"),  # today: not yet
        (None, "e@x.com", at("2025-11-01 10:00"), "ACCA Webinar"),  # no phone: counted by email
    ],
    {"phone": pl.String, "email": pl.String, "created_at": INSTANT, "funnel": pl.String},
)
FIRST_TOUCH = frame(
    [
        (A, "a@x.com", "ACCA Webinar", True, True),
        (B, None, "CFA Webinar", True, False),
        (C, None, "ACCA Webinar", False, False),
        (None, "e@x.com", "ACCA Webinar", False, False),
    ],
    {
        "phone": pl.String,
        "email": pl.String,
        "first_funnel": pl.String,
        "registered_any": pl.Boolean,
        "attended_any": pl.Boolean,
    },
)
PARTICIPANTS = frame(
    [
        (A, "a@x.com", True, at("2025-10-06 10:00"), True, at("2025-10-07 19:00")),
        (B, None, True, at("2025-10-12 10:00"), False, None),
        (D, None, True, at("2025-10-15 10:00"), True, at("2025-10-16 19:00")),  # no first touch: Miscellaneous
    ],
    {
        "phone": pl.String,
        "email": pl.String,
        "registered": pl.Boolean,
        "registration_time": INSTANT,
        "attended": pl.Boolean,
        "first_join_time": INSTANT,
    },
)
ASSIGNED_MONTHLY = frame(
    [
        (date(2025, 10, 1), A, at("2025-10-08 10:00"), "ACCA Webinar"),
        (date(2025, 10, 1), D, at("2025-10-17 10:00"), "Referral"),
        (date(2025, 11, 1), A, at("2025-11-03 09:00"), "ACCA Webinar"),  # today: not yet
    ],
    {"month": pl.Date, "phone": pl.String, "first_assigned_on": INSTANT, "funnel": pl.String},
)
ASSIGNMENTS = frame(
    [(A, at("2025-10-08 10:00"), "Asha"), (A, at("2025-10-09 10:00"), "Ravi"), (D, at("2025-10-17 10:00"), "Ravi")],
    {"phone": pl.String, "assigned_on": INSTANT, "employee": pl.String},
)
SALES = frame(
    [
        ("s1", A, at("2025-10-25 10:00"), 1000.0, "ACCA Webinar", "success"),
        ("s2", B, at("2025-10-26 10:00"), 500.0, "CFA Webinar", "Refunded"),  # not a conversion
        ("s3", D, at("2025-11-02 10:00"), 2000.0, "Referral", "success"),
    ],
    {
        "id": pl.String,
        "phone": pl.String,
        "created_on": INSTANT,
        "net_amount": pl.Float64,
        "final_funnel": pl.String,
        "status": pl.String,
    },
)
SPEND = frame(
    [
        (date(2025, 10, 1), "ACCA Webinar", 300.0),
        (date(2025, 10, 2), "ACCA Webinar", 200.0),
        (date(2025, 10, 3), "CFA Webinar", 100.0),
        (date(2025, 11, 1), "ACCA Webinar", 50.0),
        (date(2025, 11, 3), "ACCA Webinar", 999.0),  # today: not yet
    ],
    {"spend_date": pl.Date, "funnel": pl.String, "cost": pl.Float64},
)


@pytest.fixture(scope="module")
def metrics() -> pl.DataFrame:
    return monthly_funnel_metrics(LEADS, PARTICIPANTS, FIRST_TOUCH, ASSIGNED_MONTHLY, SALES, SPEND, TODAY)


def row(metrics: pl.DataFrame, month: str, funnel: str) -> dict:
    found = metrics.filter(pl.col("month") == date.fromisoformat(month), pl.col("funnel") == funnel)
    assert len(found) == 1
    return found.row(0, named=True)


def test_a_funnel_with_every_stage(metrics):
    acca = row(metrics, "2025-10-01", "ACCA Webinar")
    assert {k: acca[k] for k in ("leads", "registrations", "attendees", "assigned", "conversions")} == {
        "leads": 1,
        "registrations": 1,
        "attendees": 1,
        "assigned": 1,
        "conversions": 1,
    }
    assert (acca["revenue"], acca["spend"], acca["month_complete"]) == (1000.0, 500.0, True)
    assert (acca["cost_per_lead"], acca["cost_per_attendee"], acca["cost_per_acquisition"], acca["roas"]) == (
        500.0,
        500.0,
        500.0,
        2.0,
    )
    assert (acca["registration_rate"], acca["attendance_rate"], acca["handover_rate"], acca["conversion_rate"]) == (
        1.0,
        1.0,
        1.0,
        1.0,
    )


def test_a_refund_is_no_conversion_and_division_by_zero_is_empty(metrics):
    cfa = row(metrics, "2025-10-01", "CFA Webinar")
    assert (cfa["leads"], cfa["registrations"], cfa["attendees"], cfa["conversions"], cfa["revenue"]) == (
        1,
        1,
        0,
        0,
        0.0,
    )
    assert cfa["cost_per_lead"] == 100.0 and cfa["roas"] == 0.0 and cfa["attendance_rate"] == 0.0
    assert cfa["cost_per_attendee"] is None and cfa["cost_per_acquisition"] is None
    assert cfa["handover_rate"] is None and cfa["conversion_rate"] is None


def test_people_count_under_their_first_touch_funnel_and_sales_under_their_final_funnel(metrics):
    misc = row(metrics, "2025-10-01", MISC)
    assert (misc["leads"], misc["registrations"], misc["attendees"]) == (0, 1, 1)
    assert misc["registration_rate"] is None
    assert row(metrics, "2025-10-01", "Referral")["assigned"] == 1
    referral_november = row(metrics, "2025-11-01", "Referral")
    assert (referral_november["conversions"], referral_november["revenue"], referral_november["month_complete"]) == (
        1,
        2000.0,
        False,
    )


def test_nothing_from_today_counts(metrics):
    november = row(metrics, "2025-11-01", "ACCA Webinar")
    assert (november["leads"], november["assigned"], november["spend"]) == (1, 0, 50.0)
    assert metrics.filter(pl.col("month") == date(2025, 11, 1))["leads"].sum() == 1


def test_the_tall_stages_table_carries_the_same_counts(metrics):
    tall = stages_per_month(metrics)
    acca = tall.filter(pl.col("month") == date(2025, 10, 1), pl.col("funnel") == "ACCA Webinar")
    assert acca["stage"].to_list() == ["leads", "registrations", "attendees", "assigned", "conversions"]
    assert acca["stage_order"].to_list() == [1, 2, 3, 4, 5] and acca["people"].to_list() == [1, 1, 1, 1, 1]
    assert len(tall) == 5 * len(metrics)


@pytest.mark.parametrize(
    "empty",
    ["first_touch", "leads", "assignments", "sales", "counted_sales", "part2", "everything"],
)
def test_funnel_people_when_a_part_has_nothing_yet(empty):
    """A new install, a CRM with no sales yet, every sale refunded: the table is still built."""
    first_touch, leads, assignments, sales = FIRST_TOUCH, LEADS, ASSIGNMENTS, SALES
    if empty in ("first_touch", "everything"):
        first_touch, leads = FIRST_TOUCH.clear(), LEADS.clear()
    if empty == "leads":
        leads = LEADS.clear()
    if empty in ("assignments", "part2", "everything"):
        assignments = ASSIGNMENTS.clear()
    if empty in ("sales", "part2", "everything"):
        sales = SALES.clear()
    if empty == "counted_sales":
        sales = SALES.with_columns(status=pl.lit("refunded"))
    people = people_across_funnel(first_touch, leads, assignments, sales)
    part1 = set(first_touch["phone"].drop_nulls())
    counted = sales.filter(pl.col("status").str.to_lowercase() != "refunded")["phone"]
    part2 = set(assignments["phone"]) | set(counted)
    assert set(people["phone"].drop_nulls()) == part1 | part2
    assert len(people) == len(first_touch) + len(part2 - part1)
    assert people["converted"].sum() == len(set(counted))
    assert people.schema["revenue"] == pl.Float64 and people.schema["assigned_on"] == INSTANT


def test_funnel_people_joins_the_parts_on_the_phone_and_keeps_everyone():
    people = people_across_funnel(FIRST_TOUCH, LEADS, ASSIGNMENTS, SALES)
    assert len(people) == 5  # A, B, C, the email-only lead, and D known only to Part 2

    def person(column: str, value: str) -> dict:
        return people.filter(pl.col(column) == value).row(0, named=True)

    a = person("phone", A)
    assert a["lead_created_at"] == at("2025-10-05 10:00") and a["first_funnel"] == "ACCA Webinar"
    assert a["registered"] and a["attended"] and a["assigned_on"] == at("2025-10-08 10:00") and a["employee"] == "Asha"
    assert (
        a["converted"]
        and a["first_sale_at"] == at("2025-10-25 10:00")
        and a["revenue"] == 1000.0
        and a["user_id"] == "91" + A
    )
    b = person("phone", B)
    assert not b["converted"] and b["revenue"] == 0.0, "a refunded sale is no conversion"
    d = person("phone", D)
    assert d["first_funnel"] is None and d["final_funnel"] == "Referral" and d["revenue"] == 2000.0
    email_only = person("email", "e@x.com")
    assert email_only["phone"] is None and email_only["lead_created_at"] == at("2025-11-01 10:00")


def test_the_glance_names_its_month_and_day_and_shows_shares_of_leads(metrics):
    """The run's "funnel at a glance" says which month it shows and through which day, and gives each stage as a
    share of leads (a stage can pass 100%: one may register without a lead form), never "from the stage before"."""
    table = metrics
    glance = funnel_at_a_glance(table, date(2025, 11, 2))
    assert glance.startswith("**November 2025**, counted through 2 November 2025 (yesterday): the month so far.")
    assert "| stage | people | as a share of leads |" in glance and "stage before" not in glance
    assert "above 100% of leads" in glance
    october = funnel_at_a_glance(table, date(2025, 10, 31))
    october_rows = table.filter(pl.col("month") == date(2025, 10, 1))
    leads = int(october_rows["leads"].sum())
    registrations = int(october_rows["registrations"].sum())
    assert october.startswith("**October 2025**, counted through 31 October 2025 (yesterday): the whole month.")
    assert f"| registrations | {registrations:,} | {registrations / leads:.0%} |" in october


def test_a_glance_with_no_data_for_yesterdays_month_says_so(metrics):
    glance = funnel_at_a_glance(metrics, date(2026, 12, 2))
    assert glance.startswith(
        "No data for **December 2026** yet (counted through 2 December 2026); "
        "the latest month with data is **November 2025**."
    )
