"""Cohort conversion: of the people who came in through a funnel in a month, how many went how far, and how fast.

Definitions (docs/rules.md#cohorts; months and days are Asia/Kolkata ones):

- A cohort is the people of `lead_first_touch` whose `first_touch_at` falls in one month,
  split by their `first_funnel` (a person without one is under Miscellaneous). People
  without a `first_touch_at`, or whose first touch is today or later (D-1), are in no cohort.
- A person is the one person rule (`person_keys`): their phone, else their email; the Zoom
  rows are keyed together with the people of first touch, so an email that first touch
  gave a phone finds that person in `event_participants` too.
- Stages, in order:
  1. registered: the earliest registration over their Zoom rows marked registered: the
     registration time; where a report marks a person registered without one (boot-camp
     attendee reports), that session's first join time, else the start of the session's
     date (`event_date`, 00:00 in Asia/Kolkata).
  2. attended: the earliest first join time over their rows marked attended (an attended row
     without a join time: the start of the session's date). A person may attend without
     having registered (a meeting report), so the stages are not nested.
  3. assigned: the earliest `first_assigned_on` of their phone in `assigned_leads_monthly`.
  4. converted: the earliest counted sale (`counted_sales`: not refunded, cancelled or
     failed) of their phone, by `created_on`.
  People without a phone (email only) can register and attend but are never assigned or
  converted: the CRM knows people by phone only.
- reached: the stage's moment is before today (D-1), whenever it was, even before the
  first touch (say, a lead the CRM had assigned before they left a lead).
- days to reach: whole calendar days from the first touch's date to the date the stage was
  reached (a stage reached on the first-touch day is 0 days; the next morning is 1 day); a
  negative gap counts as 0. reached_within_30_days / _90_days count those reaching it in at
  most 30 / 90 days; median_days_to_reach is their median over those who reached (empty when
  nobody did). Recent cohorts have had less time to reach a stage: compare complete ones.
- Every cohort month and first funnel has all four stage rows, with reached 0 where nobody
  reached the stage; share is reached / people.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.people import person_keys
from funnel_assets.lib.performance import calendar_days, markdown_cell
from funnel_assets.lib.reporting import as_dates, before_today, counted_sales, month_start, with_instants
from funnel_assets.lib.tables import declared_frame

STAGES = (("registered", 1), ("attended", 2), ("assigned", 3), ("converted", 4))
COHORT_COLUMNS = catalogue.table("funnel_cohorts").column_names
_COUNTS = ("stage_order", "people", "reached", "reached_within_30_days", "reached_within_90_days")


def _session_start(event_date: pl.Series) -> pl.Series:
    """The start of each session's date (00:00 in Asia/Kolkata); null where it has none."""
    if event_date.dtype == pl.String:
        # dates written as text, as pandas' to_datetime read them: an unreadable one is no date
        event_date = event_date.str.to_date(strict=False)
    return as_dates(event_date).cast(pl.Datetime("us")).dt.replace_time_zone(TIMEZONE)


def _flag(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Boolean).fill_null(False)


def _earliest(frame: pl.DataFrame, moment: pl.Expr, by: str, name: str) -> pl.DataFrame:
    """`by` -> the earliest of its moments over the frame's rows (missing moments and keys ignored)."""
    return frame.select(by, moment.alias(name)).drop_nulls().group_by(by).agg(pl.col(name).min())


def _stage_moments(
    people: pl.DataFrame,
    participants: pl.DataFrame,
    assigned_monthly: pl.DataFrame,
    sales: pl.DataFrame,
) -> pl.DataFrame:
    """The people with each stage's moment (`at_<stage>`, null where never reached)."""
    events = with_instants(participants, "registration_time", "first_join_time").with_columns(
        session_start=_session_start(participants["event_date"])
    )
    registration = pl.coalesce("registration_time", "first_join_time", "session_start")
    attendance = pl.coalesce("first_join_time", "session_start")
    registered = _earliest(events.filter(_flag("registered")), registration, "key", "at_registered")
    attended = _earliest(events.filter(_flag("attended")), attendance, "key", "at_attended")

    assignments = with_instants(assigned_monthly, "first_assigned_on").with_columns(pl.col("phone").cast(pl.String))
    assigned = _earliest(assignments, pl.col("first_assigned_on"), "phone", "at_assigned")
    counted = (
        with_instants(sales, "created_on").filter(counted_sales(sales)).with_columns(pl.col("phone").cast(pl.String))
    )
    converted = _earliest(counted, pl.col("created_on"), "phone", "at_converted")

    return (
        people.join(registered, on="key", how="left", maintain_order="left")
        .join(attended, on="key", how="left", maintain_order="left")
        .join(assigned, on="phone", how="left", maintain_order="left")
        .join(converted, on="phone", how="left", maintain_order="left")
    )


def cohort_conversion(
    first_touch: pl.DataFrame,
    participants: pl.DataFrame,
    assigned_monthly: pl.DataFrame,
    sales: pl.DataFrame,
    today: date,
) -> pl.DataFrame:
    """Cohort month x first funnel x stage: how many of the cohort reached each stage before today, and how fast.

    See the module's docstring for the definitions. Returns the columns of COHORT_COLUMNS:
    cohort_month (date), first_funnel and stage (text), stage_order, people, reached,
    reached_within_30_days, reached_within_90_days (int64), share and median_days_to_reach
    (float64); ordered by cohort month, first funnel and stage order.
    """
    # the people and the Zoom rows keyed together: the people first, so an email takes its person's phone
    phone = pl.concat([first_touch["phone"].cast(pl.String), participants["phone"].cast(pl.String)])
    email = pl.concat([first_touch["email"].cast(pl.String), participants["email"].cast(pl.String)])
    keys, phones = person_keys(phone, email)
    count = len(first_touch)
    people = with_instants(first_touch, "first_touch_at").select(
        "first_touch_at",
        key=keys[:count],
        phone=phones[:count],
        first_funnel=pl.col("first_funnel").cast(pl.String).fill_null(MISCELLANEOUS_FUNNEL),
    )
    people = _stage_moments(people, participants.with_columns(key=keys[count:]), assigned_monthly, sales)
    people = (
        people.filter(before_today(pl.col("first_touch_at"), today))
        # one row per person: should two rows of first touch be one person, the earlier touch counts
        .sort("first_touch_at", maintain_order=True)
        .unique("key", keep="first", maintain_order=True)
        .with_columns(cohort_month=month_start(pl.col("first_touch_at")))
    )
    if people.is_empty():
        return declared_frame("funnel_cohorts")

    stages = []
    for stage, order in STAGES:  # four stages, each for every person at once
        moment = pl.col(f"at_{stage}")
        reached = before_today(moment, today)
        days = pl.when(reached).then(calendar_days(pl.col("first_touch_at"), moment).clip(lower_bound=0))
        stages.append(
            people.lazy().select(
                "cohort_month",
                "first_funnel",
                stage=pl.lit(stage),
                stage_order=pl.lit(order, dtype=pl.Int64),
                reached=reached,
                within_30=reached & (days <= 30).fill_null(False),
                within_90=reached & (days <= 90).fill_null(False),
                days=days,
            )
        )
    return (
        pl.concat(stages)
        .group_by("cohort_month", "first_funnel", "stage_order", "stage")
        .agg(
            people=pl.len(),
            reached=pl.col("reached").sum(),
            reached_within_30_days=pl.col("within_30").sum(),
            reached_within_90_days=pl.col("within_90").sum(),
            median_days_to_reach=pl.col("days").median(),
        )
        .with_columns(
            *(pl.col(c).cast(pl.Int64) for c in _COUNTS),
            share=pl.col("reached") / pl.col("people"),
            median_days_to_reach=pl.col("median_days_to_reach").cast(pl.Float64),
        )
        .sort("cohort_month", "first_funnel", "stage_order")
        .select(COHORT_COLUMNS)
        .collect()
    )


def latest_complete_cohort_table(cohorts: pl.DataFrame, today: date) -> str:
    """Markdown for the Dagster UI: per first funnel, its latest complete cohort month (a month
    before the current Asia/Kolkata month) and the share of it that reached each stage."""
    if cohorts.is_empty():
        return "No cohorts yet."
    complete = cohorts.with_columns(_month=as_dates(cohorts["cohort_month"])).filter(
        pl.col("_month") < today.replace(day=1)
    )
    if complete.is_empty():
        return "No complete cohort month yet."
    latest = complete.filter(pl.col("_month") == pl.col("_month").max().over("first_funnel"))
    shares = {
        (f, m, stage): share
        for f, m, stage, share in latest.select("first_funnel", "_month", "stage", "share").iter_rows()
    }
    shown_stages = set(latest["stage"])
    sizes = latest.group_by("first_funnel", "_month").agg(pl.col("people").first()).sort("first_funnel", "_month")
    stage_names = [stage for stage, _ in STAGES]
    lines = [
        "**Latest complete cohorts**: of the people whose first touch was in that month, "
        "the share who reached each stage",
        "",
        "| first funnel | cohort month | people | " + " | ".join(stage_names) + " |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in stage_names) + " |",
    ]
    for funnel, month, size in sizes.iter_rows():
        cells = [
            f"{shares.get((funnel, month, stage), float('nan')):.0%}" if stage in shown_stages else ""
            for stage in stage_names
        ]
        lines.append(f"| {markdown_cell(funnel)} | {month:%B %Y} | {int(size):,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
