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

import numpy as np
import pandas as pd

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE, in_local_time
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.people import person_keys
from funnel_assets.lib.performance import as_dates, calendar_days, markdown_cell
from funnel_assets.lib.reporting import before_today, counted_sales, month_start

STAGES = (("registered", 1), ("attended", 2), ("assigned", 3), ("converted", 4))
COHORT_COLUMNS = catalogue.table("funnel_cohorts").column_names
_COUNTS = ("stage_order", "people", "reached", "reached_within_30_days", "reached_within_90_days")


def _empty_cohorts() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ("cohort_month", "first_funnel", "stage")})
    for column in _COUNTS:
        frame[column] = pd.Series(dtype="int64")
    for column in ("share", "median_days_to_reach"):
        frame[column] = pd.Series(dtype="float64")
    return frame[list(COHORT_COLUMNS)]


def _flag(values: pd.Series) -> np.ndarray:
    return values.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _session_start(event_date: pd.Series) -> pd.Series:
    """The start of each session's date (00:00 in Asia/Kolkata)."""
    days = pd.to_datetime(event_date, errors="coerce")
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        return days.dt.tz_convert(TIMEZONE).dt.normalize()
    return days.dt.normalize().dt.tz_localize(TIMEZONE)


def _earliest(moments: pd.Series, keys: pd.Series, mask: np.ndarray) -> pd.Series:
    """key -> the earliest of its moments among the rows in `mask` (missing moments ignored)."""
    picked = pd.Series(in_local_time(moments).array, index=keys.to_numpy())[mask]
    picked = picked[picked.notna().to_numpy()]
    if picked.empty:
        return pd.Series(dtype=f"datetime64[ns, {TIMEZONE}]")
    return picked.groupby(level=0, sort=False).min()


def _stage_moments(
    people_keys: pd.Series,
    people_phones: pd.Series,
    event_keys: pd.Series,
    participants: pd.DataFrame,
    assigned_monthly: pd.DataFrame,
    sales: pd.DataFrame,
) -> dict[str, pd.Series]:
    """Each stage's moment for each person (NaT where never reached), aligned with `people_keys`."""
    session_start = _session_start(participants["event_date"]).array
    join = in_local_time(participants["first_join_time"])
    registration = in_local_time(participants["registration_time"]).fillna(join)
    registration = registration.where(registration.notna(), pd.Series(session_start, index=registration.index))
    attendance = join.where(join.notna(), pd.Series(session_start, index=join.index))
    registered = _earliest(registration, event_keys, _flag(participants["registered"]))
    attended = _earliest(attendance, event_keys, _flag(participants["attended"]))

    phones = assigned_monthly["phone"].astype(object)
    assigned = _earliest(assigned_monthly["first_assigned_on"], phones, phones.notna().to_numpy())
    counted = sales[counted_sales(sales).to_numpy()]
    sale_phones = counted["phone"].astype(object)
    converted = _earliest(counted["created_on"], sale_phones, sale_phones.notna().to_numpy())

    def lookup(earliest: pd.Series, by: pd.Series) -> pd.Series:
        found = earliest.reindex(by.to_numpy())
        return pd.Series(in_local_time(found).array, index=by.index)

    return {
        "registered": lookup(registered, people_keys),
        "attended": lookup(attended, people_keys),
        "assigned": lookup(assigned, people_phones),
        "converted": lookup(converted, people_phones),
    }


def cohort_conversion(
    first_touch: pd.DataFrame,
    participants: pd.DataFrame,
    assigned_monthly: pd.DataFrame,
    sales: pd.DataFrame,
    today: date,
) -> pd.DataFrame:
    """Cohort month x first funnel x stage: how many of the cohort reached each stage before today, and how fast.

    See the module's docstring for the definitions. Returns the columns of COHORT_COLUMNS:
    cohort_month (date), first_funnel and stage (text), stage_order, people, reached,
    reached_within_30_days, reached_within_90_days (int64), share and median_days_to_reach
    (float64); ordered by cohort month, first funnel and stage order.
    """
    # the people and the Zoom rows keyed together: the people first, so an email takes its person's phone
    phone = pd.concat([first_touch["phone"], participants["phone"]], ignore_index=True).astype(object)
    email = pd.concat([first_touch["email"], participants["email"]], ignore_index=True).astype(object)
    keys, phones = person_keys(phone, email)
    count = len(first_touch)
    people_keys = keys.iloc[:count].reset_index(drop=True)
    people_phones = phones.iloc[:count].reset_index(drop=True)
    event_keys = keys.iloc[count:].reset_index(drop=True)

    touched = pd.Series(in_local_time(first_touch["first_touch_at"]).array)
    people = pd.DataFrame(
        {
            "key": people_keys,
            "phone": people_phones,
            "first_touch_at": touched,
            "first_funnel": pd.Series(first_touch["first_funnel"].to_numpy(dtype=object)).fillna(MISCELLANEOUS_FUNNEL),
        }
    )
    participants = participants.reset_index(drop=True)
    moments = _stage_moments(people["key"], people["phone"], event_keys, participants, assigned_monthly, sales)
    in_cohort = before_today(people["first_touch_at"], today).to_numpy()
    people = people.assign(**{f"at_{stage}": moments[stage] for stage, _ in STAGES})[in_cohort]
    # one row per person: should two rows of first touch be one person, the earlier touch counts
    people = people.sort_values("first_touch_at", kind="stable").drop_duplicates("key")
    if people.empty:
        return _empty_cohorts()
    people["cohort_month"] = month_start(people["first_touch_at"]).to_numpy(dtype=object)

    stages = []
    for stage, order in STAGES:  # four stages, each for every person at once
        moment = people[f"at_{stage}"]
        reached = before_today(moment, today).to_numpy()
        days = calendar_days(people["first_touch_at"], moment).clip(lower=0).where(reached)
        stages.append(
            pd.DataFrame(
                {
                    "cohort_month": people["cohort_month"].to_numpy(),
                    "first_funnel": people["first_funnel"].to_numpy(),
                    "stage_order": order,
                    "reached": reached,
                    "within_30": reached & days.le(30).to_numpy(),
                    "within_90": reached & days.le(90).to_numpy(),
                    "days": days.to_numpy(dtype="float64"),
                }
            )
        )
    tall = pd.concat(stages, ignore_index=True)
    table = (
        tall.groupby(["cohort_month", "first_funnel", "stage_order"])
        .agg(
            people=("reached", "size"),
            reached=("reached", "sum"),
            reached_within_30_days=("within_30", "sum"),
            reached_within_90_days=("within_90", "sum"),
            median_days_to_reach=("days", "median"),
        )
        .reset_index()
    )
    table["stage"] = table["stage_order"].map({order: stage for stage, order in STAGES}).astype(object)
    for column in _COUNTS:
        table[column] = table[column].astype("int64")
    table["share"] = (table["reached"] / table["people"]).astype("float64")
    table["median_days_to_reach"] = table["median_days_to_reach"].astype("float64")
    table["cohort_month"] = table["cohort_month"].astype(object)
    table["first_funnel"] = table["first_funnel"].astype(object)
    table = table.sort_values(["cohort_month", "first_funnel", "stage_order"], kind="stable", ignore_index=True)
    return table[list(COHORT_COLUMNS)]


def latest_complete_cohort_table(cohorts: pd.DataFrame, today: date) -> str:
    """Markdown for the Dagster UI: per first funnel, its latest complete cohort month (a month
    before the current Asia/Kolkata month) and the share of it that reached each stage."""
    if cohorts.empty:
        return "No cohorts yet."
    months = as_dates(cohorts["cohort_month"])
    complete = cohorts.assign(_month=months.to_numpy())[(months < today.replace(day=1)).to_numpy()]
    if complete.empty:
        return "No complete cohort month yet."
    latest = complete[complete["_month"].eq(complete.groupby("first_funnel")["_month"].transform("max")).to_numpy()]
    shares = latest.pivot_table(index=["first_funnel", "_month"], columns="stage", values="share", aggfunc="first")
    sizes = latest.groupby(["first_funnel", "_month"])["people"].first()
    stage_names = [stage for stage, _ in STAGES]
    lines = [
        "**Latest complete cohorts**: of the people whose first touch was in that month, "
        "the share who reached each stage",
        "",
        "| first funnel | cohort month | people | " + " | ".join(stage_names) + " |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in stage_names) + " |",
    ]
    for (funnel, month), size in sizes.items():
        cells = [f"{shares.at[(funnel, month), stage]:.0%}" if stage in shares.columns else "" for stage in stage_names]
        lines.append(f"| {markdown_cell(funnel)} | {month:%B %Y} | {int(size):,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
