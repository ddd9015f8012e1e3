"""CRM assigned leads: one row per assignment of a lead to a sales person, and the monthly view
(docs/rules.md#assigned-leads-per-month): one row per month and phone, attributed to the month's first assignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnel_assets import catalogue
from funnel_assets.catalogue import CRM_ASSIGNMENTS_DUMP
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.funnel_mapping import map_funnel
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import text_rank

ASSIGNED_LEADS_COLUMNS = catalogue.table("crm_assigned_leads").column_names
MONTHLY_COLUMNS = catalogue.table("assigned_leads_monthly").column_names


@dataclass(frozen=True)
class AssignmentsReport:
    rows: int
    without_phone: int
    unreadable_dates: int
    extra_columns: tuple[str, ...]


def _stripped(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text.eq("")).astype(object)


def clean_assigned_leads(
    raw: pd.DataFrame, funnel_mapping: pd.DataFrame, *, source: str
) -> tuple[pd.DataFrame, AssignmentsReport]:
    """Match the CRM's columns to their contract, key the phone, read assignOn in Asia/Kolkata, map the funnel.

    Rows without a usable phone or date are kept (phone / assigned_on NULL) and counted.
    Columns the CRM adds later are kept after the known ones, snake_cased, as text.
    """
    resolved = resolve_columns(raw, CRM_ASSIGNMENTS_DUMP, label=source)
    frame = resolved.frame
    phones = phone_key(frame["lead_mobile"])
    cleaned = pd.DataFrame(
        {
            "source": per_distinct(frame["sources"], _stripped),
            "assigned_on": parse_local_datetimes(frame["assign_on"]),
            "phone": phones.astype(object),
            "user_id": user_id(phones).astype(object),
            "employee": per_distinct(frame["employee"], _stripped),
            "funnel": map_funnel(frame["sources"], funnel_mapping),
        }
    )
    for column in resolved.others.values():
        cleaned[column] = frame[column].to_numpy()
    report = AssignmentsReport(
        rows=len(cleaned),
        without_phone=int(cleaned["phone"].isna().sum()),
        unreadable_dates=int(cleaned["assigned_on"].isna().sum()),
        extra_columns=resolved.other_headers,
    )
    return cleaned, report


def first_assignment_per_month(assignments: pd.DataFrame, attended_phones: pd.Series) -> pd.DataFrame:
    """One row per month (Asia/Kolkata) and phone assigned that month.

    The source, funnel and employee are those of the month's earliest assignment of that
    phone; `assignments` counts its assignments that month; `attended` says whether the
    phone attended any webinar or boot camp (from Part 1). Rows without a phone or a date
    cannot be placed and are left out (the asset counts them).
    """
    placed = assignments[assignments["phone"].notna() & assignments["assigned_on"].notna()]
    if placed.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MONTHLY_COLUMNS})
    # plain integer arrays: sorting a million zoned timestamps and phone strings in pandas takes seconds
    local = placed["assigned_on"].dt.tz_localize(None).to_numpy()
    months = local.astype("datetime64[M]")
    phone_codes, phones = pd.factorize(placed["phone"])
    month_phone = months.astype("int64") * len(phones) + phone_codes
    earliest_first = np.argsort(local.astype("int64"), kind="stable")  # ties: the CRM's own order
    _, first_positions, counts = np.unique(month_phone[earliest_first], return_index=True, return_counts=True)
    first = placed.iloc[earliest_first[first_positions]]
    first_months = months[earliest_first[first_positions]]
    monthly = pd.DataFrame(
        {
            "month": first_months.astype("datetime64[D]").astype(object),
            "phone": first["phone"].to_numpy(),
            "first_assigned_on": first["assigned_on"].array,
            "source": first["source"].to_numpy(),
            "funnel": first["funnel"].to_numpy(),
            "employee": first["employee"].to_numpy(),
            "assignments": counts.astype("int64"),
        }
    )
    monthly["user_id"] = user_id(monthly["phone"].astype("string")).astype(object)
    monthly["attended"] = monthly["phone"].isin(set(attended_phones.dropna()))
    order = np.lexsort((text_rank(monthly["phone"]), first["assigned_on"].array.asi8, first_months.astype("int64")))
    return monthly[list(MONTHLY_COLUMNS)].take(order).reset_index(drop=True)
