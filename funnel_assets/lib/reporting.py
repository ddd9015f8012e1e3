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

from datetime import date

import numpy as np
import pandas as pd

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE, in_local_time
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.people import person_keys
from funnel_assets.lib.phones import user_id
from funnel_assets.lib.text import text_rank

NOT_A_SALE = ("refunded", "refund", "cancelled", "canceled", "failed", "chargeback")
STAGES = (("leads", 1), ("registrations", 2), ("attendees", 3), ("assigned", 4), ("conversions", 5))
FUNNEL_PEOPLE_COLUMNS = catalogue.table("funnel_people").column_names
METRIC_COLUMNS = catalogue.table("funnel_metrics_monthly").column_names
STAGE_COLUMNS = catalogue.table("funnel_stages_monthly").column_names


def month_start(moments: pd.Series) -> pd.Series:
    """The first day of each moment's Asia/Kolkata month, as a date."""
    local = in_local_time(moments).dt.tz_localize(None)
    return pd.Series(local.to_numpy().astype("datetime64[M]").astype("datetime64[D]"), index=moments.index).dt.date


def before_today(moments: pd.Series, today: date) -> pd.Series:
    """True for moments before today's start in Asia/Kolkata (D-1); missing moments are False."""
    start = pd.Timestamp(today).tz_localize(TIMEZONE)
    return in_local_time(moments).lt(start).fillna(False).astype(bool)


def counted_sales(sales: pd.DataFrame) -> pd.Series:
    """Sales that count as conversions: any status but a refund, cancellation or failure."""
    status = (
        sales["status"].astype("string").str.strip().str.lower()
        if "status" in sales
        else pd.Series("", index=sales.index)
    )
    return ~status.isin(NOT_A_SALE).fillna(False).astype(bool)


def _looked_up(values: pd.Series, positions: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """values[positions] by position, missing where the position is -1; the dtype is kept."""
    if values.dtype == object:
        taken = np.full(len(positions), None, dtype=object)
        found = positions >= 0
        taken[found] = values.to_numpy()[positions[found]]
        return taken
    return values.array.take(positions, allow_fill=True)


def _flag(values: pd.Series, positions: np.ndarray) -> np.ndarray:
    """True/false values[positions] by position; missing values and position -1 are false."""
    return _looked_up(values.astype("boolean"), positions).fillna(False).to_numpy(dtype=bool)


def _through(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """inner[outer] by position, -1 where outer is -1: positions looked up through another lookup."""
    composed = np.full(len(outer), -1)
    found = outer >= 0
    composed[found] = inner[outer[found]]
    return composed


def people_across_funnel(
    first_touch: pd.DataFrame, leads: pd.DataFrame, assigned: pd.DataFrame, sales: pd.DataFrame
) -> pd.DataFrame:
    """One row per person: Part 1 people (phone, else email) and Part 2 phones, joined on the phone key."""
    # hash lookups by position throughout: sorting and aligning hundreds of thousands of phone
    # strings is what made this slow
    part1_keys, _ = person_keys(first_touch["phone"], first_touch["email"])
    lead_keys, _ = person_keys(leads["phone"], leads["email"])
    first_lead = leads["created_at"].groupby(lead_keys.to_numpy(), sort=False).min()

    with_phone = assigned[assigned["phone"].notna() & assigned["assigned_on"].notna()].sort_values(
        "assigned_on", kind="stable"
    )
    first_assignment = with_phone.drop_duplicates("phone").set_index("phone")[["assigned_on", "employee"]]
    real = sales[counted_sales(sales) & sales["phone"].notna()]
    real = real.sort_values("created_on", kind="stable", na_position="last")
    per_phone = real.groupby("phone", sort=False).agg(
        first_sale_at=("created_on", "min"), revenue=("net_amount", "sum")
    )
    per_phone["final_funnel"] = real.drop_duplicates("phone").set_index("phone")["final_funnel"]

    # every Part 2 phone, in phone order
    part2_phones = first_assignment.index.append(per_phone.index).unique()
    part2_phones = part2_phones[np.argsort(text_rank(part2_phones.to_series()), kind="stable")]

    # Part 1 people are their phone's Part 2 row when they have a phone (email-only people have none)
    at_part2 = part2_phones.get_indexer(first_touch["phone"].to_numpy(dtype=object))
    at_part2[first_touch["phone"].isna().to_numpy()] = -1
    only_part2 = np.setdiff1d(np.arange(len(part2_phones)), at_part2[at_part2 >= 0])
    # the rows: every Part 1 person, then the Part 2 phones no Part 1 person has
    from_part1 = np.concatenate([np.arange(len(first_touch)), np.full(len(only_part2), -1)])
    from_part2 = np.concatenate([at_part2, only_part2])
    from_assignment = _through(first_assignment.index.get_indexer(part2_phones), from_part2)
    from_sale = _through(per_phone.index.get_indexer(part2_phones), from_part2)

    joined = pd.DataFrame(
        {
            "phone": np.where(
                from_part1 >= 0,
                _looked_up(first_touch["phone"], from_part1),
                _looked_up(part2_phones.to_series(), from_part2),
            ),
            "email": _looked_up(first_touch["email"], from_part1),
            "lead_created_at": _looked_up(
                first_lead, _through(first_lead.index.get_indexer(part1_keys.to_numpy()), from_part1)
            ),
            "first_funnel": _looked_up(first_touch["first_funnel"], from_part1),
            "registered": _flag(first_touch["registered_any"], from_part1),
            "attended": _flag(first_touch["attended_any"], from_part1),
            "assigned_on": _looked_up(first_assignment["assigned_on"], from_assignment),
            "employee": _looked_up(first_assignment["employee"], from_assignment),
            "first_sale_at": _looked_up(per_phone["first_sale_at"], from_sale),
            "revenue": _looked_up(per_phone["revenue"], from_sale),
            "final_funnel": _looked_up(per_phone["final_funnel"], from_sale),
        }
    )
    for column in ("lead_created_at", "assigned_on", "first_sale_at"):
        joined[column] = in_local_time(joined[column])
    joined["converted"] = joined["first_sale_at"].notna()
    joined["revenue"] = pd.to_numeric(joined["revenue"]).fillna(0.0).astype("float64")
    for column in ("employee", "final_funnel"):
        joined[column] = joined[column].astype(object).where(joined[column].notna(), None)
    joined["user_id"] = user_id(joined["phone"]).astype(object).where(joined["phone"].notna(), None)
    joined = joined.sort_values(
        ["lead_created_at", "assigned_on"], na_position="last", kind="stable", ignore_index=True
    )
    return joined[list(FUNNEL_PEOPLE_COLUMNS)]


def _distinct_people(frame: pd.DataFrame, moment: str, funnel: pd.Series, today: date, name: str) -> pd.Series:
    """People counted once per month and funnel, by the month of `moment`."""
    keys, _ = person_keys(frame["phone"], frame["email"])
    counted = pd.DataFrame({"key": keys, "moment": frame[moment], "funnel": funnel.to_numpy()})
    counted = counted[before_today(counted["moment"], today)]
    counted["month"] = month_start(counted["moment"])
    return counted.drop_duplicates(["month", "funnel", "key"]).groupby(["month", "funnel"]).size().rename(name)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).astype("float64")


def monthly_funnel_metrics(
    leads: pd.DataFrame,
    participants: pd.DataFrame,
    first_touch: pd.DataFrame,
    assigned_monthly: pd.DataFrame,
    sales: pd.DataFrame,
    spend_daily: pd.DataFrame,
    today: date,
) -> pd.DataFrame:
    """Month x funnel: the five stage counts, revenue, spend and the ratios, through yesterday."""
    touch_keys, _ = person_keys(first_touch["phone"], first_touch["email"])
    funnel_of = pd.Series(first_touch["first_funnel"].to_numpy(), index=touch_keys.to_numpy())
    funnel_of = funnel_of[~funnel_of.index.duplicated()]
    event_keys, _ = person_keys(participants["phone"], participants["email"])
    event_funnel = event_keys.map(funnel_of).fillna(MISCELLANEOUS_FUNNEL)

    registered = participants["registered"].fillna(False).astype(bool).to_numpy()
    attended = participants["attended"].fillna(False).astype(bool).to_numpy()
    parts = [
        _distinct_people(leads, "created_at", leads["funnel"], today, "leads"),
        _distinct_people(
            participants[registered], "registration_time", event_funnel[registered], today, "registrations"
        ),
        _distinct_people(participants[attended], "first_join_time", event_funnel[attended], today, "attendees"),
    ]

    handover = assigned_monthly[before_today(assigned_monthly["first_assigned_on"], today)]
    parts.append(handover.groupby(["month", "funnel"]).size().rename("assigned"))

    real = sales[counted_sales(sales) & before_today(sales["created_on"], today)]
    real = real.assign(month=month_start(real["created_on"]))
    money = real.groupby(["month", "final_funnel"]).agg(
        conversions=("final_funnel", "size"), revenue=("net_amount", "sum")
    )
    parts.append(money.rename_axis(["month", "funnel"]))

    spent = spend_daily[pd.to_datetime(spend_daily["spend_date"]).lt(pd.Timestamp(today))]
    spent = spent.assign(month=pd.to_datetime(spent["spend_date"]).dt.to_period("M").dt.start_time.dt.date)
    parts.append(spent.groupby(["month", "funnel"])["cost"].sum().rename("spend"))

    metrics = pd.concat(parts, axis=1).reset_index()
    metrics.columns = ["month", "funnel", *metrics.columns[2:]]
    for column in ("leads", "registrations", "attendees", "assigned", "conversions"):
        metrics[column] = metrics.get(column, pd.Series(dtype="float64")).fillna(0).astype("int64")
    for column in ("revenue", "spend"):
        metrics[column] = metrics.get(column, pd.Series(dtype="float64")).fillna(0.0).astype("float64")

    last_day_of_month = (pd.to_datetime(metrics["month"]) + pd.offsets.MonthEnd(0)).dt.date
    metrics["month_complete"] = last_day_of_month < today
    metrics["cost_per_lead"] = _ratio(metrics["spend"], metrics["leads"])
    metrics["cost_per_attendee"] = _ratio(metrics["spend"], metrics["attendees"])
    metrics["cost_per_acquisition"] = _ratio(metrics["spend"], metrics["conversions"])
    metrics["roas"] = _ratio(metrics["revenue"], metrics["spend"])
    metrics["registration_rate"] = _ratio(metrics["registrations"], metrics["leads"])
    metrics["attendance_rate"] = _ratio(metrics["attendees"], metrics["registrations"])
    metrics["handover_rate"] = _ratio(metrics["assigned"], metrics["attendees"])
    metrics["conversion_rate"] = _ratio(metrics["conversions"], metrics["assigned"])
    return metrics[list(METRIC_COLUMNS)].sort_values(["month", "funnel"], ignore_index=True)


def stages_per_month(metrics: pd.DataFrame) -> pd.DataFrame:
    """The same counts, tall: one row per month, funnel and stage, as BI funnel charts want them."""
    tall = metrics.melt(
        id_vars=["month", "funnel", "month_complete"],
        value_vars=[stage for stage, _ in STAGES],
        var_name="stage",
        value_name="people",
    )
    tall["stage_order"] = tall["stage"].map(dict(STAGES)).astype("int64")
    tall["people"] = tall["people"].astype("int64")
    return tall[list(STAGE_COLUMNS)].sort_values(["month", "funnel", "stage_order"], ignore_index=True)


def funnel_at_a_glance(metrics: pd.DataFrame, counted_through: date) -> str:
    """A small markdown table for the run's metadata: the stages over all funnels in the month of
    `counted_through` (yesterday), or in the latest month with data when that month has none yet."""
    through = f"{counted_through:%-d %B %Y}"
    if metrics.empty:
        return f"No data yet (counted through {through})."
    month = counted_through.replace(day=1)
    shown = metrics[metrics["month"].eq(month)]
    if shown.empty:
        latest_month = metrics["month"].max()
        shown = metrics[metrics["month"].eq(latest_month)]
        header = (
            f"No data for **{month:%B %Y}** yet (counted through {through}); "
            f"the latest month with data is **{latest_month:%B %Y}**"
        )
    else:
        state = "the whole month" if bool(shown["month_complete"].all()) else "the month so far"
        header = f"**{month:%B %Y}**, counted through {through} (yesterday): {state}"
    totals = shown[[stage for stage, _ in STAGES]].sum()
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
