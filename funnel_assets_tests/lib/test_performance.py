"""Sales performance (month x employee) against small examples computed by hand.

Today is 3 November 2025 (Asia/Kolkata): October is complete, November runs through the
2nd, and nothing dated the 3rd counts yet (D-1).
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_assets.lib.performance import PERFORMANCE_COLUMNS, performance_by_employee, top_employees_table
from funnel_assets_tests.support.instants import INSTANT, KOLKATA, at, utc

TODAY = date(2025, 11, 3)
OCT, NOV = date(2025, 10, 1), date(2025, 11, 1)
A, B, C, D, E, F, X = (f"900000000{i}" for i in (1, 2, 3, 4, 5, 6, 9))


def monthly(*rows: tuple) -> pl.DataFrame:
    """assigned_leads_monthly rows from (month, phone, first_assigned_on, employee)."""
    frame = pl.DataFrame(
        list(rows),
        schema={"month": pl.Date, "phone": pl.String, "first_assigned_on": INSTANT, "employee": pl.String},
        orient="row",
    )
    return frame.with_columns(
        user_id=pl.concat_str(pl.lit("91"), "phone"),
        source=pl.lit("src"),
        funnel=pl.lit("ACCA Webinar"),
        attended=pl.lit(False),
        assignments=pl.lit(1, dtype=pl.Int64),
    ).select(
        ["month", "phone", "user_id", "first_assigned_on", "source", "funnel", "employee", "attended", "assignments"]
    )


def sales_rows(*rows: tuple) -> pl.DataFrame:
    """sales rows from (id, phone, created_on, net_amount, employee_name, status)."""
    schema = {
        "id": pl.String,
        "phone": pl.String,
        "created_on": INSTANT,
        "net_amount": pl.Float64,
        "employee_name": pl.String,
        "status": pl.String,
    }
    return pl.DataFrame(list(rows), schema=schema, orient="row").with_columns(final_funnel=pl.lit("ACCA Webinar"))


ASSIGNED = monthly(
    (OCT, A, at("2025-10-05 10:00"), "Asha"),
    (OCT, B, at("2025-10-10 10:00"), " asha "),  # the same employee, written otherwise
    (OCT, C, at("2025-10-12 10:00"), "Ravi"),
    (OCT, E, at("2025-10-20 10:00"), "Asha"),
    (OCT, F, at("2025-10-25 10:00"), "ASHA"),
    (NOV, A, at("2025-11-01 09:00"), "Ravi"),  # A again, in November: counts in both months
    (NOV, D, at("2025-11-03 08:00"), "Ravi"),  # assigned today: not counted yet
)
SALES = sales_rows(
    ("s1", A, at("2025-10-07 18:00"), 1000, "ASHA", "success"),
    ("s2", A, at("2025-11-02 10:00"), 500, "Ravi  ", "success"),
    ("s3", B, at("2025-10-15 10:00"), 700, "Asha", "Refunded"),  # refunded: no conversion, not closed
    ("s4", C, at("2025-10-11 10:00"), 300, "Ravi", "success"),  # a day before C was assigned
    ("s5", E, at("2025-11-03 09:00"), 900, "Asha", "success"),  # today: not counted yet
    ("s6", X, at("2025-10-30 10:00"), 400, "Meera", "success"),  # Meera closed a sale, assigned nothing
    ("s7", F, at("2025-10-25 10:00"), 200, "asha", None),  # no status counts; the very moment of assignment
    ("s8", D, at("2025-11-02 12:00"), 50, "Ravi", "success"),  # D's assignment is today, the sale yesterday
)


def row(table: pl.DataFrame, month: date, employee: str | None) -> dict:
    found = table.filter(
        pl.col("month") == month,
        pl.col("employee").is_null() if employee is None else pl.col("employee") == employee,
    )
    assert len(found) == 1, f"expected one row for {month} / {employee}, got:\n{table}"
    return found.row(0, named=True)


def test_one_row_per_month_and_employee_with_assignments_or_closed_sales():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    # Asha has nothing in November (s5 is today), so no row; Meera only closed a sale
    assert list(zip(table["month"], table["employee"], strict=True)) == [
        (OCT, "Asha"),
        (OCT, "Meera"),
        (OCT, "Ravi"),
        (NOV, "Ravi"),
    ]
    assert list(table.columns) == list(PERFORMANCE_COLUMNS)


def test_assigned_and_converted_count_phones_sold_at_or_after_their_assignment():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    asha = row(table, OCT, "Asha")
    # Asha in October: A, B (" asha "), E and F ("ASHA") = 4 assigned.
    # Converted: A (s1 two days after) and F (s7 at the very minute of assignment) = 2;
    # B's only sale was refunded, E's sale is today.
    assert (asha["assigned"], asha["converted"]) == (4, 2)
    assert asha["conversion_rate"] == 0.5
    ravi = row(table, OCT, "Ravi")
    # Ravi in October: C, whose sale s4 was made the day before the assignment: not converted
    assert (ravi["assigned"], ravi["converted"], ravi["conversion_rate"]) == (1, 0, 0.0)


def test_a_phone_assigned_in_two_months_counts_in_each_month():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    # A is Asha's in October (converted by s1) and Ravi's in November (converted by s2 on 2 Nov,
    # after the assignment on 1 Nov); D, assigned to Ravi today, is not counted
    november = row(table, NOV, "Ravi")
    assert (november["assigned"], november["converted"], november["conversion_rate"]) == (1, 1, 1.0)
    assert row(table, OCT, "Asha")["converted"] == 2  # A among them


def test_revenue_from_assigned_sums_every_counted_sale_at_or_after_the_assignment():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    # Asha, October: A's s1 (1000) and s2 (500, made after A's October assignment too) + F's s7 (200)
    assert row(table, OCT, "Asha")["revenue_from_assigned"] == 1700.0
    # Ravi, November: A's s2 only (s1 came before the November assignment)
    assert row(table, NOV, "Ravi")["revenue_from_assigned"] == 500.0
    # Ravi, October: C's sale came before the assignment; Meera was assigned nothing
    assert row(table, OCT, "Ravi")["revenue_from_assigned"] == 0.0
    assert row(table, OCT, "Meera")["revenue_from_assigned"] == 0.0


def test_sales_at_one_instant_all_count_from_an_assignment_at_or_before_it():
    # one phone, assigned to three people in October; three sales at one instant, one before every assignment
    assigned = monthly(
        (OCT, A, at("2025-10-05 10:00"), "Asha"),
        (OCT, A, at("2025-10-08 10:00"), "Ravi"),
        (OCT, A, at("2025-10-09 10:00"), "Meera"),  # after every sale
    )
    sales = sales_rows(
        ("s1", A, at("2025-10-01 10:00"), 5, "Asha", "success"),  # before every assignment
        ("s2", A, at("2025-10-08 10:00"), 100, "Ravi", "success"),  # the moment Ravi was assigned
        ("s3", A, at("2025-10-08 10:00"), 20, "Ravi", "success"),
        ("s4", A, at("2025-10-08 10:00"), None, "Ravi", "success"),
        ("s5", A, at("2025-10-08 10:00"), 1, "Ravi", "Refunded"),  # not counted
    )
    table = performance_by_employee(assigned, sales, TODAY)
    asha, ravi, meera = (row(table, OCT, name) for name in ("Asha", "Ravi", "Meera"))
    assert (asha["converted"], asha["revenue_from_assigned"], asha["median_days_to_sale"]) == (1, 120.0, 3.0)
    assert (ravi["converted"], ravi["revenue_from_assigned"], ravi["median_days_to_sale"]) == (1, 120.0, 0.0)
    assert (meera["converted"], meera["revenue_from_assigned"], meera["median_days_to_sale"]) == (0, 0.0, None)


def test_median_days_to_sale_in_whole_calendar_days():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    # Asha, October: A 5 Oct -> 7 Oct = 2 days, F the same minute = 0 days; the median is 1
    assert row(table, OCT, "Asha")["median_days_to_sale"] == 1.0
    # Ravi, November: 1 Nov 09:00 -> 2 Nov 10:00 = 1 day
    assert row(table, NOV, "Ravi")["median_days_to_sale"] == 1.0
    # nothing converted: no median
    assert row(table, OCT, "Ravi")["median_days_to_sale"] is None
    assert row(table, OCT, "Meera")["median_days_to_sale"] is None


def test_sales_closed_are_counted_sales_of_the_month_by_the_employee_on_the_sale():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    # Asha, October: s1 ("ASHA") and s7 ("asha"); s3 is refunded -> 2 sales, 1000 + 200
    assert (row(table, OCT, "Asha")["sales_closed"], row(table, OCT, "Asha")["revenue_closed"]) == (2, 1200.0)
    # Ravi, October: s4 (his, though C was not yet assigned when it was made) -> 1, 300
    assert (row(table, OCT, "Ravi")["sales_closed"], row(table, OCT, "Ravi")["revenue_closed"]) == (1, 300.0)
    # Ravi, November: s2 ("Ravi  ") and s8 (D's sale yesterday, though D's assignment is today) -> 2, 550
    assert (row(table, NOV, "Ravi")["sales_closed"], row(table, NOV, "Ravi")["revenue_closed"]) == (2, 550.0)


def test_an_employee_with_sales_but_no_assignments_that_month():
    meera = row(performance_by_employee(ASSIGNED, SALES, TODAY), OCT, "Meera")
    # s6 only: nothing assigned, so no conversion rate (NULL, not 0)
    assert (meera["assigned"], meera["converted"], meera["sales_closed"], meera["revenue_closed"]) == (0, 0, 1, 400.0)
    assert meera["conversion_rate"] is None


def test_employee_names_match_without_case_and_spaces_and_show_as_on_the_assignments():
    assigned = monthly(
        (OCT, A, at("2025-10-05 10:00"), "Asha  Kumar"),
        (OCT, B, at("2025-10-06 10:00"), "asha kumar"),
        (OCT, C, at("2025-10-07 10:00"), "Asha Kumar"),
    )
    sales = sales_rows(
        ("s1", A, at("2025-10-08 10:00"), 100, " ASHA KUMAR ", "success"),
        ("s2", X, at("2025-10-09 10:00"), 50, "  Ravi\u00a0Shah ", "success"),  # only on a sale: shown as there, tidied
    )
    table = performance_by_employee(assigned, sales, TODAY)
    # one Asha Kumar: three assignments, one conversion, one sale closed; shown as the assignments
    # most often write her ("Asha Kumar" twice, counting "Asha  Kumar" tidied, against "asha kumar" once)
    assert table["employee"].to_list() == ["Asha Kumar", "Ravi Shah"]
    asha = row(table, OCT, "Asha Kumar")
    assert (asha["assigned"], asha["converted"], asha["sales_closed"]) == (3, 1, 1)


def test_d_minus_1_is_taken_in_india():
    assigned = monthly(
        (NOV, A, utc("2025-11-02T18:00:00Z"), "Asha"),  # 23:30 on 2 Nov in India: counted
        (NOV, B, utc("2025-11-02T19:00:00Z"), "Asha"),  # 00:30 on 3 Nov (today): not yet
    )
    sales = sales_rows(
        ("s1", A, utc("2025-11-02T18:29:00Z"), 100, "Asha", "success"),  # 23:59 on 2 Nov: counted
        ("s2", A, utc("2025-11-02T18:30:00Z"), 900, "Asha", "success"),  # 00:00 on 3 Nov: not yet
        ("s3", X, utc("2025-09-30T19:00:00Z"), 10, "Asha", "success"),  # 00:30 on 1 Oct: an October sale
    )
    table = performance_by_employee(assigned, sales, TODAY)
    assert list(zip(table["month"], table["employee"], strict=True)) == [(OCT, "Asha"), (NOV, "Asha")]
    november = row(table, NOV, "Asha")
    assert (november["assigned"], november["converted"], november["revenue_from_assigned"]) == (1, 1, 100.0)
    assert (november["sales_closed"], november["revenue_closed"]) == (1, 100.0)
    assert row(table, OCT, "Asha")["sales_closed"] == 1


def test_assignments_and_sales_without_an_employee_are_one_row_without_one_after_the_named():
    assigned = monthly(
        (OCT, A, at("2025-10-05 10:00"), None),
        (OCT, B, at("2025-10-05 10:00"), "  "),
        (OCT, C, at("2025-10-05 10:00"), "Zoya"),
    )
    sales = sales_rows(("s1", A, at("2025-10-06 10:00"), 100, None, "success"))
    table = performance_by_employee(assigned, sales, TODAY)
    # A (no employee) and B (a blank one) are one row, shown after every named employee
    assert table["employee"].to_list() == ["Zoya", None]
    nobody = row(table, OCT, None)
    assert (nobody["assigned"], nobody["converted"], nobody["sales_closed"]) == (2, 1, 1)


def test_a_sale_without_an_amount_is_still_a_sale_closed_and_a_conversion():
    sales = sales_rows(
        ("s1", A, at("2025-10-06 10:00"), None, "Asha", "success"),
        ("s2", A, at("2025-10-07 10:00"), 100, "Asha", "success"),
    )
    table = performance_by_employee(monthly((OCT, A, at("2025-10-05 10:00"), "Asha")), sales, TODAY)
    # two sales closed; the blank amount adds nothing to revenue; A converted on 6 Oct (1 day)
    asha = row(table, OCT, "Asha")
    assert (asha["sales_closed"], asha["revenue_closed"], asha["converted"], asha["revenue_from_assigned"]) == (
        2,
        100.0,
        1,
        100.0,
    )
    assert asha["median_days_to_sale"] == 1.0


def test_no_status_column_means_every_sale_counts():
    sales = sales_rows(("s1", A, at("2025-10-06 10:00"), 100, "Asha", "Refunded")).drop("status")
    table = performance_by_employee(monthly((OCT, A, at("2025-10-05 10:00"), "Asha")), sales, TODAY)
    assert (table["converted"].to_list(), table["sales_closed"].to_list()) == ([1], [1])


def test_empty_inputs_give_an_empty_table_with_the_columns_and_types():
    table = performance_by_employee(ASSIGNED.clear(), SALES.clear(), TODAY)
    assert table.is_empty() and list(table.columns) == list(PERFORMANCE_COLUMNS)
    assert dict(table.schema) == {
        "month": pl.Date,
        "employee": pl.String,
        "assigned": pl.Int64,
        "converted": pl.Int64,
        "conversion_rate": pl.Float64,
        "revenue_from_assigned": pl.Float64,
        "median_days_to_sale": pl.Float64,
        "sales_closed": pl.Int64,
        "revenue_closed": pl.Float64,
    }


def test_column_types_of_a_full_table():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    assert table.dtypes == [
        pl.Date,
        pl.String,
        pl.Int64,
        pl.Int64,
        pl.Float64,
        pl.Float64,
        pl.Float64,
        pl.Int64,
        pl.Float64,
    ]
    assert all(type(m) is date for m in table["month"])


def test_top_employees_table_shows_the_latest_complete_month_by_conversions():
    table = performance_by_employee(ASSIGNED, SALES, TODAY)
    text = top_employees_table(table, TODAY, n=2)
    # October is the latest complete month; Asha converted 2, Ravi and Meera 0 (Ravi ranks above
    # Meera: a 0% rate beats no rate); n=2 keeps two
    assert "October 2025" in text
    lines = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert lines == ["| Asha | 4 | 2 | 50% | 1,200 |", "| Ravi | 1 | 0 | 0% | 300 |"]
    assert top_employees_table(table, date(2025, 10, 20)) == "No complete month yet."
    assert top_employees_table(table.clear(), TODAY) == "No sales performance yet."


# ---- properties over small generated inputs -------------------------------------------------

PHONES = [A, B, C]
MOMENTS = [
    at("2025-09-30 23:00"),
    at("2025-10-01 00:10"),
    at("2025-10-15 12:00"),
    at("2025-11-02 23:59"),
    at("2025-11-03 00:00"),
    at("2025-11-05 10:00"),
]
NAMES = ["Asha", " asha", "ASHA ", "Ravi", None]


def _kolkata_month(moment: datetime) -> date:
    return moment.astimezone(KOLKATA).date().replace(day=1)


assignment_rows = st.lists(
    st.tuples(st.sampled_from(PHONES), st.sampled_from(MOMENTS), st.sampled_from(NAMES)), max_size=8
)
sale_rows = st.lists(
    st.tuples(
        st.sampled_from([*PHONES, None]),
        st.sampled_from(MOMENTS),
        st.sampled_from([0.0, 100.0, 250.5]),
        st.sampled_from(NAMES),
        st.sampled_from(["success", "refunded", "Cancelled", None]),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(assignment_rows, sale_rows)
def test_properties(assignments, sales):
    # assigned_leads_monthly holds one row per month and phone: keep the first generated row of each
    assigned = monthly(*[(_kolkata_month(m), p, m, e) for p, m, e in assignments]).unique(
        ["month", "phone"], keep="first", maintain_order=True
    )
    sold = sales_rows(*[(f"s{i}", p, m, amount, e, s) for i, (p, m, amount, e, s) in enumerate(sales)])
    table = performance_by_employee(assigned, sold, TODAY)
    assert list(table.columns) == list(PERFORMANCE_COLUMNS)
    assert (table["converted"] <= table["assigned"]).all()
    rate = table["conversion_rate"]
    assert rate.filter(table["assigned"] > 0).is_between(0, 1).all()
    assert rate.filter(table["assigned"] == 0).is_null().all()
    assert ((table["assigned"] > 0) | (table["sales_closed"] > 0)).all()
    assert not table.select("month", "employee").is_duplicated().any()
    # every counted assignment is in exactly one row, every counted sale closed in exactly one row
    start_of_today = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=KOLKATA)
    assert table["assigned"].sum() == int((assigned["first_assigned_on"] < start_of_today).sum())
    counted = (sold["created_on"] < start_of_today) & ~sold["status"].str.to_lowercase().is_in(
        ["refunded", "cancelled"]
    ).fill_null(False)
    assert table["sales_closed"].sum() == int(counted.sum())
    assert table["median_days_to_sale"].drop_nulls().ge(0).all()
    assert (table["median_days_to_sale"].is_null() == (table["converted"] == 0)).all()
