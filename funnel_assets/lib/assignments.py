"""CRM assigned leads: one row per assignment of a lead to a sales person, and the monthly view
(docs/rules.md#assigned-leads-per-month): one row per month and phone, attributed to the month's first assignment."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from funnel_assets import catalogue
from funnel_assets.catalogue import CRM_ASSIGNMENTS_DUMP
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.funnel_mapping import map_funnel
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import trimmed

ASSIGNED_LEADS_COLUMNS = catalogue.table("crm_assigned_leads").column_names
MONTHLY_COLUMNS = catalogue.table("assigned_leads_monthly").column_names


@dataclass(frozen=True)
class AssignmentsReport:
    rows: int
    without_phone: int
    unreadable_dates: int
    extra_columns: tuple[str, ...]


def clean_assigned_leads(
    raw: pl.DataFrame, funnel_mapping: pl.DataFrame, *, source: str
) -> tuple[pl.DataFrame, AssignmentsReport]:
    """Match the CRM's columns to their contract, key the phone, read assignOn in Asia/Kolkata, map the funnel.

    Rows without a usable phone or date are kept (phone / assigned_on NULL) and counted.
    Columns the CRM adds later are kept after the known ones, snake_cased, as text (blank is NULL).
    """
    resolved = resolve_columns(raw, CRM_ASSIGNMENTS_DUMP, label=source)
    phone = phone_key(pl.col("lead_mobile"))
    cleaned = resolved.frame.select(
        trimmed(pl.col("sources")).alias("source"),
        parse_local_datetimes(pl.col("assign_on")).alias("assigned_on"),
        phone.alias("phone"),
        user_id(phone).alias("user_id"),
        trimmed(pl.col("employee")).alias("employee"),
        map_funnel(pl.col("sources"), funnel_mapping).alias("funnel"),
        pl.col(list(resolved.others.values())).replace("", None),
    )
    report = AssignmentsReport(
        rows=cleaned.height,
        without_phone=cleaned["phone"].null_count(),
        unreadable_dates=cleaned["assigned_on"].null_count(),
        extra_columns=resolved.other_headers,
    )
    return cleaned, report


def first_assignment_per_month(assignments: pl.DataFrame, attended_phones: pl.Series) -> pl.DataFrame:
    """One row per month (Asia/Kolkata) and phone assigned that month.

    The source, funnel and employee are those of the month's earliest assignment of that
    phone; `assignments` counts its assignments that month; `attended` says whether the
    phone attended any webinar or boot camp (from Part 1). Rows without a phone or a date
    cannot be placed and are left out (the asset counts them).
    """
    return (
        assignments.filter(pl.col("phone").is_not_null() & pl.col("assigned_on").is_not_null())
        # the local date's month: 19:00 UTC on 30 September is already October in India
        .with_columns(month=pl.col("assigned_on").dt.date().dt.month_start())
        # stable: on a tie the CRM's own order decides which assignment is the first
        .sort("assigned_on", maintain_order=True)
        .group_by("month", "phone")
        .agg(
            pl.col("assigned_on").first().alias("first_assigned_on"),
            pl.col("source", "funnel", "employee").first(),
            pl.len().cast(pl.Int64).alias("assignments"),
        )
        .with_columns(
            user_id=user_id(pl.col("phone")),
            attended=pl.col("phone").is_in(attended_phones.cast(pl.String).drop_nulls().implode()),
        )
        .sort("month", "first_assigned_on", "phone")
        .select(MONTHLY_COLUMNS)
    )
