"""CRM assigned leads: one row per assignment of a lead to a sales person."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from funnel_assets.lib.columns import require_columns, snake_case_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.funnel_mapping import map_funnel
from funnel_assets.lib.phones import phone_key, user_id

ASSIGNED_LEADS_COLUMNS = ("source", "assigned_on", "phone", "user_id", "employee", "funnel")


@dataclass(frozen=True)
class AssignmentsReport:
    rows: int
    without_phone: int
    unreadable_dates: int


def clean_assigned_leads(
    raw: pd.DataFrame, funnel_mapping: pd.DataFrame, *, source: str
) -> tuple[pd.DataFrame, AssignmentsReport]:
    """Rename the CRM's columns, key the phone, read assignOn in Asia/Kolkata, map the funnel.

    Rows without a usable phone or date are kept (phone / assigned_on NULL) and counted.
    """
    frame = snake_case_columns(raw)
    require_columns(frame, ("sources", "assign_on", "lead_mobile", "employee"), source=source)
    phones = phone_key(frame["lead_mobile"])
    cleaned = pd.DataFrame(
        {
            "source": frame["sources"].astype("string").str.strip().astype(object),
            "assigned_on": parse_local_datetimes(frame["assign_on"]),
            "phone": phones.astype(object),
            "user_id": user_id(phones).astype(object),
            "employee": frame["employee"].astype("string").str.strip().astype(object),
            "funnel": map_funnel(frame["sources"], funnel_mapping),
        }
    )
    report = AssignmentsReport(
        rows=len(cleaned),
        without_phone=int(cleaned["phone"].isna().sum()),
        unreadable_dates=int(cleaned["assigned_on"].isna().sum()),
    )
    return cleaned, report
