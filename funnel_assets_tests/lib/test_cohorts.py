"""Cohort conversion (cohort month x first funnel x stage) against a small example computed by hand.

Today is 3 November 2025 (Asia/Kolkata): nothing dated the 3rd counts yet (D-1). Days are
whole calendar days in India from the first touch's date to the stage's date.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_assets.lib.cohorts import COHORT_COLUMNS, cohort_conversion, latest_complete_cohort_table
from funnel_assets_tests.support.instants import INSTANT, KOLKATA, at, utc

TODAY = date(2025, 11, 3)
JUL, SEP, OCT, NOV = date(2025, 7, 1), date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)
A, B, C, D, E, F, G, H, X = (f"90000000{i:02d}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 99))
ACCA, CFA = "ACCA Webinar", "CFA Webinar"
STAGES = ["registered", "attended", "assigned", "converted"]


def first_touch_rows(*rows: tuple) -> pl.DataFrame:
    """lead_first_touch from (phone, email, first_touch_at, first_funnel)."""
    schema = {"phone": pl.String, "email": pl.String, "first_touch_at": INSTANT, "first_funnel": pl.String}
    frame = pl.DataFrame(list(rows), schema=schema, orient="row")
    return frame.with_columns(
        user_id=pl.concat_str(pl.lit("91"), "phone"),
        first_touch_type=pl.lit("lead"),
        first_source=pl.lit("src"),
        registered_any=pl.lit(False),
        attended_any=pl.lit(False),
        touches=pl.lit(1, dtype=pl.Int64),
    )


def participant_rows(*rows: tuple) -> pl.DataFrame:
    """event_participants from (event_type, event_date, phone, email, registered, registration_time, attended,
    first_join_time)."""
    schema = {
        "event_type": pl.String,
        "event_date": pl.Date,
        "phone": pl.String,
        "email": pl.String,
        "registered": pl.Boolean,
        "registration_time": INSTANT,
        "attended": pl.Boolean,
        "first_join_time": INSTANT,
    }
    frame = pl.DataFrame(list(rows), schema=schema, orient="row")
    return frame.with_columns(
        event_id=pl.lit("81234567890"), event_name=pl.lit("ACCA session"), category=pl.lit("ACCA")
    )


def monthly(*rows: tuple) -> pl.DataFrame:
    """assigned_leads_monthly from (month, phone, first_assigned_on)."""
    schema = {"month": pl.Date, "phone": pl.String, "first_assigned_on": INSTANT}
    frame = pl.DataFrame(list(rows), schema=schema, orient="row")
    return frame.with_columns(
        user_id=pl.concat_str(pl.lit("91"), "phone"),
        source=pl.lit("src"),
        funnel=pl.lit(ACCA),
        employee=pl.lit("Asha"),
        attended=pl.lit(False),
        assignments=pl.lit(1, dtype=pl.Int64),
    )


def sales_rows(*rows: tuple) -> pl.DataFrame:
    """sales from (phone, created_on, status)."""
    schema = {"phone": pl.String, "created_on": INSTANT, "status": pl.String}
    frame = pl.DataFrame(list(rows), schema=schema, orient="row")
    return frame.with_columns(
        id=pl.Series([f"s{i}" for i in range(len(frame))], dtype=pl.String),
        net_amount=pl.lit(100.0),
        employee_name=pl.lit("Asha"),
        final_funnel=pl.lit(ACCA),
    )


FIRST_TOUCH = first_touch_rows(
    (A, "a@x.com", at("2025-10-01 10:00"), ACCA),
    (B, None, at("2025-10-05 10:00"), ACCA),
    (None, "e@x.com", at("2025-10-10 10:00"), ACCA),  # email only
    (C, None, at("2025-10-15 10:00"), CFA),
    (G, "g@x.com", at("2025-10-20 10:00"), CFA),  # registers later with her email only
    (D, None, at("2025-09-20 10:00"), ACCA),
    (H, None, at("2025-07-01 10:00"), CFA),
    (E, None, at("2025-11-03 08:00"), ACCA),  # first touch today: in no cohort yet
    (F, None, None, ACCA),  # no first-touch time: in no cohort
)
PARTICIPANTS = participant_rows(
    ("webinar", date(2025, 10, 3), A, "a@x.com", True, at("2025-10-01 12:00"), True, at("2025-10-03 19:00")),
    ("webinar", date(2025, 10, 10), A, "a@x.com", True, at("2025-10-08 12:00"), True, at("2025-10-10 19:00")),  # later
    # a boot-camp attendee report: registered without a registration time -> the first join time
    ("bootcamp", date(2025, 10, 11), None, "E@X.com", True, None, True, at("2025-10-11 10:30")),
    # registered without a registration time or a join -> the start of the session's date
    ("bootcamp", date(2025, 10, 12), B, None, True, None, False, None),
    ("webinar", date(2025, 10, 22), None, "g@x.com", True, at("2025-10-21 10:00"), False, None),
    ("webinar", date(2025, 11, 4), C, None, True, at("2025-11-03 09:00"), False, None),  # today: not yet
    (
        "webinar",
        date(2025, 10, 3),
        X,
        None,
        True,
        at("2025-10-01 12:00"),
        True,
        at("2025-10-03 19:00"),
    ),  # no first touch
    (
        "webinar",
        date(2025, 10, 3),
        F,
        None,
        True,
        at("2025-10-01 12:00"),
        True,
        at("2025-10-03 19:00"),
    ),  # F is in no cohort
)
ASSIGNED = monthly(
    (OCT, A, at("2025-10-04 10:00")),
    (NOV, A, at("2025-11-01 10:00")),  # a later month: the earliest counts
    (SEP, B, at("2025-09-28 10:00")),  # before B's first touch: reached, 0 days
    (NOV, C, at("2025-11-03 09:00")),  # today: not yet
    (OCT, D, at("2025-10-01 10:00")),
    (OCT, G, at("2025-10-20 10:00")),
    (OCT, H, at("2025-10-15 10:00")),
)
SALES = sales_rows(
    (A, at("2025-10-06 10:00"), "Refunded"),  # not a conversion
    (A, at("2025-11-02 10:00"), "success"),
    (B, at("2025-10-20 10:00"), "success"),
    (D, at("2025-09-25 10:00"), None),
    (G, at("2025-11-03 08:00"), "success"),  # today: not yet
    (None, at("2025-10-20 10:00"), "success"),  # a sale without a phone converts nobody
)


def cohorts() -> pl.DataFrame:
    return cohort_conversion(FIRST_TOUCH, PARTICIPANTS, ASSIGNED, SALES, TODAY)


class StageRows:
    """One cohort's four stage rows: `rows[column]` lists a column in stage order, `rows.at(stage, column)`
    (or several columns) reads one stage's values."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __getitem__(self, column: str) -> pl.Series:
        return self.frame[column]

    def at(self, stage: str, columns: str | list[str]):
        found = self.frame.filter(pl.col("stage") == stage).row(0, named=True)
        return found[columns] if isinstance(columns, str) else [found[c] for c in columns]


def stage_rows(table: pl.DataFrame, month: date, funnel: str) -> StageRows:
    rows = table.filter(pl.col("cohort_month") == month, pl.col("first_funnel") == funnel)
    assert rows["stage"].to_list() == STAGES
    return StageRows(rows)


def test_rows_are_every_stage_of_every_cohort_in_order():
    table = cohorts()
    assert list(table.columns) == list(COHORT_COLUMNS)
    # cohorts: July CFA (H), September ACCA (D), October ACCA (A, B, e@x.com), October CFA (C, G);
    # E (first touch today) and F (no first-touch time) make no November or other cohort
    assert [list(r) for r in table.select("cohort_month", "first_funnel").unique(maintain_order=True).iter_rows()] == [
        [JUL, CFA],
        [SEP, ACCA],
        [OCT, ACCA],
        [OCT, CFA],
    ]
    assert table["stage"].to_list() == STAGES * 4
    assert table["stage_order"].to_list() == [1, 2, 3, 4] * 4
    assert table["people"].to_list() == [1] * 4 + [1] * 4 + [3] * 4 + [2] * 4


def test_october_acca_cohort_by_hand():
    rows = stage_rows(cohorts(), OCT, ACCA)
    # A (1 Oct), B (5 Oct), e@x.com (10 Oct)
    # registered: A on 1 Oct (0 days, her first-touch day), e@x.com at her boot-camp join on
    #   11 Oct (1 day), B at the start of his session's date, 12 Oct (7 days): 3 of 3, median 1
    # attended: A joined 3 Oct (2 days), e@x.com 11 Oct (1 day); B never: 2, median 1.5
    # assigned: A 4 Oct (3 days), B 28 Sep (before his first touch: 0 days); e@x.com has no phone: 2, median 1.5
    # converted: A 2 Nov (32 days; her refunded sale of 6 Oct does not count), B 20 Oct (15 days):
    #   2, of which 1 within 30 days and 2 within 90, median 23.5
    assert rows["reached"].to_list() == [3, 2, 2, 2]
    assert rows["reached_within_30_days"].to_list() == [3, 2, 2, 1]
    assert rows["reached_within_90_days"].to_list() == [3, 2, 2, 2]
    assert rows["share"].to_list() == [1.0, 2 / 3, 2 / 3, 2 / 3]
    assert rows["median_days_to_reach"].to_list() == [1.0, 1.5, 1.5, 23.5]


def test_october_cfa_cohort_by_hand():
    rows = stage_rows(cohorts(), OCT, CFA)
    # C (15 Oct), G (20 Oct)
    # registered: G by her email alone on 21 Oct (1 day); C registered today: not yet -> 1
    # attended: nobody -> 0, no median
    # assigned: G 20 Oct, her first-touch day (0 days); C today: not yet -> 1
    # converted: G's sale is today: not yet -> 0
    assert rows["reached"].to_list() == [1, 0, 1, 0]
    assert rows["reached_within_30_days"].to_list() == [1, 0, 1, 0]
    assert rows["share"].to_list() == [0.5, 0.0, 0.5, 0.0]
    assert rows["median_days_to_reach"].to_list()[0] == 1.0 and rows["median_days_to_reach"].to_list()[2] == 0.0
    assert rows.at("attended", "median_days_to_reach") is None
    assert rows.at("converted", "median_days_to_reach") is None


def test_older_cohorts_and_the_30_and_90_day_windows():
    table = cohorts()
    september = stage_rows(table, SEP, ACCA)
    # D (20 Sep): never at a session; assigned 1 Oct (11 days), sale 25 Sep (5 days, no status counts)
    assert september["reached"].to_list() == [0, 0, 1, 1]
    assert september["median_days_to_reach"].to_list()[2:] == [11.0, 5.0]
    july = stage_rows(table, JUL, CFA)
    # H (1 Jul): assigned 15 Oct = 31 + 31 + 30 + 14 = 106 days: reached, but not within 30 or 90 days
    assert july.at("assigned", ["reached", "reached_within_30_days", "reached_within_90_days"]) == [1, 0, 0]
    assert july.at("assigned", "median_days_to_reach") == 106.0


def test_email_only_people_register_and_attend_but_are_never_assigned_or_converted():
    first_touch = first_touch_rows((None, "e@x.com", at("2025-10-10 10:00"), ACCA))
    participants = participant_rows(
        ("webinar", date(2025, 10, 12), None, "e@x.com", True, at("2025-10-11 10:00"), True, at("2025-10-12 19:00"))
    )
    # a CRM row and a sale without a phone are no one's
    assigned = monthly((OCT, X, at("2025-10-12 10:00")))
    sales = sales_rows((None, at("2025-10-13 10:00"), "success"))
    rows = stage_rows(cohort_conversion(first_touch, participants, assigned, sales, TODAY), OCT, ACCA)
    assert rows["reached"].to_list() == [1, 1, 0, 0]


def test_the_zoom_rows_match_people_as_first_touch_does():
    # lead_first_touch knows one person with phone A and email a@x.com; a Zoom row with only
    # that email (in another case) is her, a Zoom row with only her phone is her too
    first_touch = first_touch_rows((A, "a@x.com", at("2025-10-01 10:00"), ACCA))
    participants = participant_rows(
        ("webinar", date(2025, 10, 5), None, " A@X.com", True, at("2025-10-04 10:00"), False, None),
        ("webinar", date(2025, 10, 7), A, None, False, None, True, at("2025-10-07 19:00")),
    )
    rows = stage_rows(cohort_conversion(first_touch, participants, monthly(), sales_rows(), TODAY), OCT, ACCA)
    assert rows["reached"].to_list() == [1, 1, 0, 0]
    assert rows["median_days_to_reach"].to_list()[:2] == [3.0, 6.0]


def test_a_registration_without_a_time_takes_the_first_join_then_the_session_date():
    # one person per first funnel, so each median is that person's days; all first touched 10 Oct
    first_touch = first_touch_rows(
        (A, None, at("2025-10-10 10:00"), "join"),
        (B, None, at("2025-10-10 10:00"), "date"),
        (C, None, at("2025-10-10 10:00"), "time"),
    )
    participants = participant_rows(
        # A boot camp that ran past midnight: dated 11 Oct, A joined at 00:05 on the 12th -> 2 days
        ("bootcamp", date(2025, 10, 11), A, None, True, None, True, at("2025-10-12 00:05")),
        # B marked registered, no time, no join: the start of the session's date, 12 Oct -> 2 days
        ("bootcamp", date(2025, 10, 12), B, None, True, None, False, None),
        # C's registration time (11 Oct) wins over the later join (13 Oct) -> 1 day
        ("webinar", date(2025, 10, 13), C, None, True, at("2025-10-11 09:00"), True, at("2025-10-13 19:00")),
    )
    table = cohort_conversion(first_touch, participants, monthly(), sales_rows(), TODAY)
    registered = table.filter(pl.col("stage") == "registered")
    assert dict(registered.select("first_funnel", "reached").iter_rows()) == {"date": 1, "join": 1, "time": 1}
    assert dict(registered.select("first_funnel", "median_days_to_reach").iter_rows()) == {
        "date": 2.0,
        "join": 2.0,
        "time": 1.0,
    }


def test_the_30_and_90_day_windows_include_their_last_day():
    # four people first touched 1 Jul, assigned 30, 31, 90 and 91 calendar days later
    first_touch = first_touch_rows(*[(phone, None, at("2025-07-01 10:00"), ACCA) for phone in (A, B, C, D)])
    assigned = monthly(
        (JUL, A, at("2025-07-31 10:00")),
        (date(2025, 8, 1), B, at("2025-08-01 10:00")),
        (SEP, C, at("2025-09-29 10:00")),
        (SEP, D, at("2025-09-30 10:00")),
    )
    rows = stage_rows(cohort_conversion(first_touch, participant_rows(), assigned, sales_rows(), TODAY), JUL, ACCA)
    assert rows.at("assigned", ["reached", "reached_within_30_days", "reached_within_90_days"]) == [4, 1, 3]
    assert rows.at("assigned", "median_days_to_reach") == 60.5  # (31 + 90) / 2


def test_a_person_twice_in_first_touch_counts_once_in_the_earlier_cohort():
    first_touch = first_touch_rows((A, None, at("2025-10-05 10:00"), CFA), (A, "a@x.com", at("2025-09-05 10:00"), ACCA))
    table = cohort_conversion(first_touch, participant_rows(), monthly(), sales_rows(), TODAY)
    cohort_sizes = table.select("cohort_month", "first_funnel", "people").unique(maintain_order=True)
    assert [list(r) for r in cohort_sizes.iter_rows()] == [[SEP, ACCA, 1]]


def test_months_and_days_are_taken_in_india():
    first_touch = first_touch_rows(
        (A, None, utc("2025-09-30T19:00:00Z"), ACCA),  # 00:30 on 1 Oct in India: the October cohort
        (B, None, utc("2025-10-01T17:30:00Z"), ACCA),  # 23:00 on 1 Oct
    )
    assigned = monthly(
        (OCT, A, utc("2025-10-31T18:00:00Z")),  # 23:30 on 31 Oct: 30 calendar days after 1 Oct
        (NOV, B, utc("2025-10-31T19:00:00Z")),  # 00:30 on 1 Nov: 31 days, though under 30 x 24 hours
    )
    rows = stage_rows(cohort_conversion(first_touch, participant_rows(), assigned, sales_rows(), TODAY), OCT, ACCA)
    assert rows.at("assigned", ["people", "reached", "reached_within_30_days"]) == [2, 2, 1]
    assert rows.at("assigned", "median_days_to_reach") == 30.5


def test_d_minus_1_nothing_dated_today_counts():
    first_touch = first_touch_rows((A, None, at("2025-11-02 23:59"), ACCA), (B, None, at("2025-11-03 00:00"), ACCA))
    participants = participant_rows(
        ("webinar", date(2025, 11, 3), A, None, True, at("2025-11-03 00:00"), True, at("2025-11-02 23:00"))
    )
    assigned = monthly((NOV, A, at("2025-11-03 00:00")))
    sales = sales_rows((A, at("2025-11-02 23:59"), "success"))
    table = cohort_conversion(first_touch, participants, assigned, sales, TODAY)
    # only A (B's first touch is today); registered today: not yet; attended yesterday (0 days, a
    # negative gap counting as 0); assigned today: not yet; converted yesterday (0 days)
    rows = stage_rows(table, NOV, ACCA)
    assert rows["people"].to_list() == [1] * 4
    assert rows["reached"].to_list() == [0, 1, 0, 1]
    assert rows.at("attended", "median_days_to_reach") == 0.0


def test_people_without_a_first_funnel_are_miscellaneous():
    table = cohort_conversion(
        first_touch_rows((A, None, at("2025-10-01 10:00"), None)), participant_rows(), monthly(), sales_rows(), TODAY
    )
    assert table["first_funnel"].unique(maintain_order=True).to_list() == ["Other Sources (Miscellaneous)"]


def no_cohorts() -> pl.DataFrame:
    return cohort_conversion(first_touch_rows(), participant_rows(), monthly(), sales_rows(), TODAY)


@pytest.mark.parametrize(("table_of", "empty"), [(no_cohorts, True), (cohorts, False)], ids=["empty inputs", "full"])
def test_the_table_has_its_columns_and_types(table_of, empty):
    table = table_of()
    assert table.is_empty() is empty and list(table.columns) == list(COHORT_COLUMNS)
    assert table.dtypes == [
        pl.Date,
        pl.String,
        pl.String,
        pl.Int64,
        pl.Int64,
        pl.Int64,
        pl.Int64,
        pl.Int64,
        pl.Float64,
        pl.Float64,
    ]
    assert all(type(m) is date for m in table["cohort_month"])


def test_latest_complete_cohort_table():
    table = cohorts()
    # on 3 Nov, October is the latest complete month for both funnels
    text = latest_complete_cohort_table(table, TODAY)
    assert "| ACCA Webinar | October 2025 | 3 | 100% | 67% | 67% | 67% |" in text
    assert "| CFA Webinar | October 2025 | 2 | 50% | 0% | 50% | 0% |" in text
    # on 15 October, October is not complete: ACCA's latest is September, CFA's July
    earlier = latest_complete_cohort_table(table, date(2025, 10, 15))
    assert "| ACCA Webinar | September 2025 | 1 | 0% | 0% | 100% | 100% |" in earlier
    assert "| CFA Webinar | July 2025 | 1 | 0% | 0% | 100% | 0% |" in earlier
    assert "October 2025" not in earlier
    assert latest_complete_cohort_table(table, date(2025, 7, 20)) == "No complete cohort month yet."
    assert latest_complete_cohort_table(table.clear(), TODAY) == "No cohorts yet."


# ---- properties over small generated inputs -------------------------------------------------

PHONES = [A, B, C]
EMAILS = ["a@x.com", "e@x.com", "q@y.in"]
MOMENTS = [
    at("2025-07-01 10:00"),
    at("2025-09-30 23:00"),
    at("2025-10-01 00:10"),
    at("2025-10-15 12:00"),
    at("2025-10-25 12:00"),
    at("2025-11-02 23:59"),
    at("2025-11-03 00:00"),
    at("2026-02-01 10:00"),
]
maybe_moment = st.sampled_from([*MOMENTS, None])

people_rows = st.lists(
    st.tuples(
        st.sampled_from([*PHONES, None]),
        st.sampled_from([*EMAILS, None]),
        maybe_moment,
        st.sampled_from([ACCA, CFA, None]),
    ),
    max_size=6,
)
zoom_rows = st.lists(
    st.tuples(
        st.sampled_from(["webinar", "bootcamp"]),
        st.sampled_from([date(2025, 10, 1), date(2025, 11, 3), None]),
        st.sampled_from([*PHONES, None]),
        st.sampled_from([*EMAILS, None]),
        st.booleans(),
        maybe_moment,
        st.booleans(),
        maybe_moment,
    ),
    max_size=6,
)
crm_rows = st.lists(st.tuples(st.sampled_from(PHONES), st.sampled_from(MOMENTS)), max_size=5)
sale_rows = st.lists(
    st.tuples(
        st.sampled_from([*PHONES, None]), st.sampled_from(MOMENTS), st.sampled_from(["success", "refunded", None])
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(people_rows, zoom_rows, crm_rows, sale_rows)
def test_properties(people, zoom, crm, sales):
    # lead_first_touch holds one row per person: keep the first row of each phone, then of each email
    first_touch = first_touch_rows(*people)
    first_touch = first_touch.filter(pl.col("phone").is_null() | pl.col("phone").is_first_distinct())
    first_touch = first_touch.filter(
        pl.col("phone").is_not_null() | pl.col("email").is_null() | pl.col("email").is_first_distinct()
    )
    # (an email seen with a phone is that phone's person, in first touch as here)
    with_phone = set(first_touch.filter(pl.col("phone").is_not_null())["email"].drop_nulls())
    first_touch = first_touch.filter(
        pl.col("phone").is_not_null() | ~pl.col("email").is_in(list(with_phone)).fill_null(False)
    )
    assigned = monthly(*[(m.date().replace(day=1), p, m) for p, m in crm])
    table = cohort_conversion(first_touch, participant_rows(*zoom), assigned, sales_rows(*sales), TODAY)
    assert list(table.columns) == list(COHORT_COLUMNS)
    assert (table["reached"] <= table["people"]).all()
    assert (table["reached_within_30_days"] <= table["reached_within_90_days"]).all()
    assert (table["reached_within_90_days"] <= table["reached"]).all()
    assert table["share"].is_between(0, 1).all()
    assert (table["median_days_to_reach"].is_null() == (table["reached"] == 0)).all()
    assert (table["median_days_to_reach"].drop_nulls() >= 0).all()
    for _, group in table.group_by(["cohort_month", "first_funnel"], maintain_order=True):
        assert group["stage"].to_list() == STAGES and group["people"].n_unique() == 1
    # every person with a first touch before today is in exactly one cohort (unless a Zoom row
    # gives an email-only person a phone another person has: then they are one person, as in
    # first touch, which would not have made them two)
    start_of_today = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=KOLKATA)
    in_a_cohort = int((first_touch["first_touch_at"] < start_of_today).sum())
    cohort_people = table.unique(["cohort_month", "first_funnel"], keep="first")["people"].sum()
    zoom_gives_phones = any(phone and email for _, _, phone, email, *_ in zoom)
    assert cohort_people == in_a_cohort or (zoom_gives_phones and cohort_people < in_a_cohort)
    # people without a phone are never assigned nor converted
    if first_touch["phone"].is_null().all() and not zoom_gives_phones:
        assert (table.filter(pl.col("stage").is_in(["assigned", "converted"]))["reached"] == 0).all()
