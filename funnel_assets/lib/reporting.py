"""The unified output: one row per person across the funnel, and monthly funnel metrics.

Definitions (docs/tables.md states each in one sentence):

- A month is an Asia/Kolkata calendar month; nothing dated today or later counts (D-1).
- leads: people (phone, else email, else the row) who left a lead that month, under the
  funnel of that lead.
- registrations / attendees: people who registered (by registration time) / first joined
  (by join time) a webinar or boot camp that month, under their first-touch funnel.
- assigned (sales handover): phones assigned that month (`assigned_leads_monthly`), under
  the funnel of the month's first assignment.
- conversions / revenue: sales created that month, not refunded or cancelled, under their
  final funnel; revenue is their `net_amount`.
- spend: `spend_by_funnel` summed over the month.
- A ratio with a zero denominator is empty (NULL), never 0 or infinity.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from funnel_assets import catalogue
from funnel_assets.lib.clock import INSTANT, TIMEZONE, in_local_time
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.people import person_keys
from funnel_assets.lib.phones import user_id

NOT_A_SALE = ("refunded", "refund", "cancelled", "canceled", "failed", "chargeback")
STAGES = (("leads", 1), ("registrations", 2), ("attendees", 3), ("assigned", 4), ("conversions", 5))
FUNNEL_PEOPLE_COLUMNS = catalogue.table("funnel_people").column_names
METRIC_COLUMNS = catalogue.table("funnel_metrics_monthly").column_names
STAGE_COLUMNS = catalogue.table("funnel_stages_monthly").column_names


def as_dates(values: pl.Series) -> pl.Series:
    """Dates from dates, ISO date text or instants (an instant's Asia/Kolkata date)."""
    if values.dtype == pl.Date:
        return values
    if isinstance(values.dtype, pl.Datetime):
        return in_local_time(values).dt.date()
    if values.dtype == pl.Null:
        return values.cast(pl.Date)
    return values.cast(pl.String).str.to_date("%Y-%m-%d")


def with_instants(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The frame with each named column as Asia/Kolkata instants (a column it lacks: all missing)."""
    return frame.with_columns(
        in_local_time(frame[c]) if c in frame.columns else pl.lit(None, dtype=INSTANT).alias(c) for c in columns
    )


def month_start(moments: pl.Expr) -> pl.Expr:
    """The first day of each instant's Asia/Kolkata month, as a date."""
    return moments.dt.convert_time_zone(TIMEZONE).dt.date().dt.month_start()


def start_of(day: date) -> pl.Expr:
    """The instant the Asia/Kolkata day begins."""
    return pl.lit(datetime(day.year, day.month, day.day), dtype=pl.Datetime("us")).dt.replace_time_zone(TIMEZONE)


def before_today(moments: pl.Expr, today: date) -> pl.Expr:
    """True for instants before today's start in Asia/Kolkata (D-1); missing instants are False."""
    return (moments < start_of(today)).fill_null(False)


def counted_sales(sales: pl.DataFrame) -> pl.Expr:
    """Sales that count as conversions: any status but a refund, cancellation or failure."""
    if "status" not in sales.columns:
        return pl.lit(True)
    # the statuses are few: each is read with Python's strip and lower, as the pandas rule read them
    statuses = sales["status"].cast(pl.String).drop_nulls().unique().to_list()
    not_a_sale = [status for status in statuses if status.strip().lower() in NOT_A_SALE]
    return ~pl.col("status").cast(pl.String).is_in(not_a_sale).fill_null(False)


# the columns of marketing_leads the reporting rules read (a step may take only these)
LEADS_READ = ("phone", "email", "created_at", "funnel")


def people_across_funnel(
    first_touch: pl.DataFrame, leads: pl.DataFrame, assigned: pl.DataFrame, sales: pl.DataFrame
) -> pl.DataFrame:
    """One row per person: Part 1 people (phone, else email) and Part 2 phones, joined on the phone key.

    The rows: every Part 1 person in `first_touch` order, then the Part 2 phones no Part 1 person has, in
    phone order; then ordered by their first lead and first assignment (missing last), stably.
    """
    leads = with_instants(leads, "created_at")
    first_lead = (
        leads.select(key=person_keys(leads["phone"], leads["email"])[0], created_at="created_at")
        .group_by("key")
        .agg(lead_created_at=pl.col("created_at").min())
    )
    part1 = first_touch.select(
        pl.col("phone").cast(pl.String),
        pl.col("email").cast(pl.String),
        pl.col("first_funnel").cast(pl.String),
        key=person_keys(first_touch["phone"], first_touch["email"])[0],
        registered=pl.col("registered_any").cast(pl.Boolean).fill_null(False),
        attended=pl.col("attended_any").cast(pl.Boolean).fill_null(False),
    ).join(first_lead, on="key", how="left", maintain_order="left")

    first_assignment = (
        with_instants(assigned, "assigned_on")
        .filter(pl.col("phone").is_not_null() & pl.col("assigned_on").is_not_null())
        .sort("assigned_on", maintain_order=True)
        .unique("phone", keep="first", maintain_order=True)
        .select(pl.col("phone").cast(pl.String), "assigned_on", pl.col("employee").cast(pl.String))
    )
    # each phone's counted sales, earliest first: the first one's final funnel is theirs
    per_phone = (
        with_instants(sales, "created_on")
        .filter(counted_sales(sales) & pl.col("phone").is_not_null())
        .sort("created_on", nulls_last=True, maintain_order=True)
        .group_by("phone", maintain_order=True)
        .agg(
            first_sale_at=pl.col("created_on").min(),
            revenue=pl.col("net_amount").cast(pl.Float64).sum(),
            final_funnel=pl.col("final_funnel").cast(pl.String).first(),
        )
        .with_columns(pl.col("phone").cast(pl.String))
    )
    # every phone of either (none is null): one full join, not the union of both joined to each
    part2 = first_assignment.join(per_phone, on="phone", how="full", coalesce=True)
    only_part2 = part2.join(part1.select("phone").drop_nulls(), on="phone", how="anti").sort("phone")

    joined = pl.concat(
        [part1.join(part2, on="phone", how="left", maintain_order="left"), only_part2], how="diagonal_relaxed"
    )
    return (
        joined.with_columns(
            user_id=user_id(pl.col("phone")),
            registered=pl.col("registered").fill_null(False),
            attended=pl.col("attended").fill_null(False),
            converted=pl.col("first_sale_at").is_not_null(),
            revenue=pl.col("revenue").fill_null(0.0),
        )
        .select(
            pl.col(c).cast(INSTANT) if c in ("lead_created_at", "assigned_on", "first_sale_at") else pl.col(c)
            for c in FUNNEL_PEOPLE_COLUMNS
        )
        .sort("lead_created_at", "assigned_on", nulls_last=True, maintain_order=True)
    )


def _distinct_people(frame: pl.DataFrame, moment: str, funnel: pl.Series, today: date, name: str) -> pl.DataFrame:
    """People counted once per month and funnel, by the month of `moment`."""
    counted = pl.DataFrame(
        {
            "key": person_keys(frame["phone"], frame["email"])[0],
            "moment": in_local_time(frame[moment]),
            "funnel": funnel.cast(pl.String),
        }
    )
    # eager: the streaming engine counts distinct keys per group at twice the cost
    return (
        counted.filter(before_today(pl.col("moment"), today))
        .select("key", "funnel", month=month_start(pl.col("moment")))
        .drop_nulls(["month", "funnel"])
        .group_by("month", "funnel")
        .agg(pl.col("key").n_unique().alias(name))
    )


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    """numerator / denominator, empty (null) where the denominator is 0."""
    return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator)).cast(pl.Float64)


def monthly_funnel_metrics(
    leads: pl.DataFrame,
    participants: pl.DataFrame,
    first_touch: pl.DataFrame,
    assigned_monthly: pl.DataFrame,
    sales: pl.DataFrame,
    spend_daily: pl.DataFrame,
    today: date,
) -> pl.DataFrame:
    """Month x funnel: the five stage counts, revenue and spend and the ratios, through yesterday; ordered by
    month and funnel."""
    funnel_of = first_touch.select(
        key=person_keys(first_touch["phone"], first_touch["email"])[0],
        first_funnel=pl.col("first_funnel").cast(pl.String),
    ).unique("key", keep="first", maintain_order=True)
    events = (
        participants.with_columns(key=person_keys(participants["phone"], participants["email"])[0])
        .join(funnel_of, on="key", how="left", maintain_order="left")
        .with_columns(event_funnel=pl.col("first_funnel").fill_null(MISCELLANEOUS_FUNNEL))
    )
    registered = events.filter(pl.col("registered").cast(pl.Boolean).fill_null(False))
    attended = events.filter(pl.col("attended").cast(pl.Boolean).fill_null(False))
    parts = [
        _distinct_people(leads, "created_at", leads["funnel"], today, "leads"),
        _distinct_people(registered, "registration_time", registered["event_funnel"], today, "registrations"),
        _distinct_people(attended, "first_join_time", attended["event_funnel"], today, "attendees"),
    ]
    handover = with_instants(assigned_monthly, "first_assigned_on").with_columns(
        month=as_dates(assigned_monthly["month"])
    )
    parts.append(
        handover.filter(before_today(pl.col("first_assigned_on"), today))
        .select("month", pl.col("funnel").cast(pl.String))
        .drop_nulls()
        .group_by("month", "funnel")
        .agg(assigned=pl.len())
    )
    parts.append(
        with_instants(sales, "created_on")
        .filter(counted_sales(sales) & before_today(pl.col("created_on"), today))
        .select(
            pl.col("net_amount").cast(pl.Float64),
            month=month_start(pl.col("created_on")),
            funnel=pl.col("final_funnel").cast(pl.String),
        )
        .drop_nulls(["month", "funnel"])
        .group_by("month", "funnel")
        .agg(conversions=pl.len(), revenue=pl.col("net_amount").sum())
    )
    spend_days = as_dates(spend_daily["spend_date"])
    parts.append(
        spend_daily.select(pl.col("funnel").cast(pl.String), pl.col("cost").cast(pl.Float64), day=spend_days)
        .filter(pl.col("day") < today)
        .with_columns(month=pl.col("day").dt.month_start())
        .drop_nulls(["month", "funnel"])
        .group_by("month", "funnel")
        .agg(spend=pl.col("cost").sum())
    )

    metrics = pl.concat([part.select("month", "funnel") for part in parts]).unique()
    for part in parts:
        metrics = metrics.join(part, on=["month", "funnel"], how="left")
    counts = [stage for stage, _ in STAGES]
    return (
        metrics.with_columns(
            *(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts),
            *(pl.col(c).fill_null(0.0).cast(pl.Float64) for c in ("revenue", "spend")),
            month_complete=pl.col("month").dt.month_end() < today,
        )
        .with_columns(
            cost_per_lead=_ratio("spend", "leads"),
            cost_per_attendee=_ratio("spend", "attendees"),
            cost_per_acquisition=_ratio("spend", "conversions"),
            roas=_ratio("revenue", "spend"),
            registration_rate=_ratio("registrations", "leads"),
            attendance_rate=_ratio("attendees", "registrations"),
            handover_rate=_ratio("assigned", "attendees"),
            conversion_rate=_ratio("conversions", "assigned"),
        )
        .select(METRIC_COLUMNS)
        .sort("month", "funnel")
    )


def stages_per_month(metrics: pl.DataFrame) -> pl.DataFrame:
    """The same counts, tall: one row per month, funnel and stage, as BI funnel charts want them."""
    return (
        metrics.unpivot(
            on=[stage for stage, _ in STAGES],
            index=["month", "funnel", "month_complete"],
            variable_name="stage",
            value_name="people",
        )
        .with_columns(
            stage_order=pl.col("stage").replace_strict(dict(STAGES), return_dtype=pl.Int64),
            people=pl.col("people").cast(pl.Int64),
        )
        .select(STAGE_COLUMNS)
        .sort("month", "funnel", "stage_order", maintain_order=True)
    )


def funnel_at_a_glance(metrics: pl.DataFrame, counted_through: date) -> str:
    """A small markdown table for the run's metadata: the stages over all funnels in the month of
    `counted_through` (yesterday), or in the latest month with data when that month has none yet."""
    through = f"{counted_through:%-d %B %Y}"
    if metrics.is_empty():
        return f"No data yet (counted through {through})."
    month = counted_through.replace(day=1)
    shown = metrics.filter(pl.col("month") == month)
    if shown.is_empty():
        latest_month = metrics["month"].max()
        shown = metrics.filter(pl.col("month") == latest_month)
        header = (
            f"No data for **{month:%B %Y}** yet (counted through {through}); "
            f"the latest month with data is **{latest_month:%B %Y}**"
        )
    else:
        state = "the whole month" if shown["month_complete"].all() else "the month so far"
        header = f"**{month:%B %Y}**, counted through {through} (yesterday): {state}"
    totals = shown.select(pl.col(stage).sum() for stage, _ in STAGES).row(0, named=True)
    leads = totals["leads"]
    rows = ["| stage | people | as a share of leads |", "| --- | ---: | ---: |"]
    for stage, _ in STAGES:
        share = f"{totals[stage] / leads:.0%}" if leads and stage != "leads" else ""
        rows.append(f"| {stage} | {int(totals[stage]):,} | {share} |")
    spend, revenue = shown["spend"].sum(), shown["revenue"].sum()
    roas = f", ROAS {revenue / spend:.2f}" if spend else ""
    note = (
        "Each stage counts the people who reached it that month, whether or not they came in as a lead that month "
        "(a person may register for a webinar without filling in a lead form), so a stage can be above 100% of leads."
    )
    return f"{header}. Spend {spend:,.0f}, revenue {revenue:,.0f}{roas}.\n\n" + "\n".join(rows) + "\n\n" + note
