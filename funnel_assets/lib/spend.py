"""Marketing spend: the performance sheet's rows, and cost summed per funnel and day."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from funnel_assets.catalogue import SPEND_SHEET
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.numbers import parse_amounts

SPEND_NUMBER_COLUMNS = ("cost", "impressions", "clicks")


@dataclass(frozen=True)
class SpendReport:
    """What cleaning found: every row is kept, problems are counted."""

    rows: int
    unreadable_dates: int
    unreadable_numbers: int
    blank_funnel: int


def clean_spend(raw: pd.DataFrame, *, source: str) -> tuple[pd.DataFrame, SpendReport]:
    """One row per spend-sheet row: snake_case columns, spend_date, numeric cost/impressions/clicks.

    Every other column of the sheet is kept as text. Unreadable dates or numbers become
    NULL and are counted; a blank Funnel becomes Miscellaneous.
    """
    frame = resolve_columns(raw, SPEND_SHEET, label=source).frame
    for column in ("impressions", "clicks", "platform", "campaign"):
        if column not in frame.columns:
            frame[column] = pd.NA

    spend_date = parse_local_datetimes(frame["date_time"]).dt.date
    unreadable_numbers = 0
    for column in SPEND_NUMBER_COLUMNS:
        frame[column], unreadable = parse_amounts(frame[column])
        unreadable_numbers += int(unreadable.sum())

    funnel = frame["funnel"].astype("string").str.strip()
    blank_funnel = funnel.isna() | funnel.eq("")
    frame["funnel"] = funnel.mask(blank_funnel, MISCELLANEOUS_FUNNEL).astype(object)
    frame.insert(0, "spend_date", spend_date.where(spend_date.notna(), None))

    report = SpendReport(
        rows=len(frame),
        unreadable_dates=int(frame["spend_date"].isna().sum()),
        unreadable_numbers=unreadable_numbers,
        blank_funnel=int(blank_funnel.sum()),
    )
    return frame.reset_index(drop=True), report


def total_spend_by_funnel(spend: pd.DataFrame) -> pd.DataFrame:
    """Funnel x day: summed cost, impressions and clicks (rows without a readable date are left out).

    `spend_month` (the month's first day) lets a BI tool sum by month without date functions.
    """
    dated = spend[spend["spend_date"].notna()]
    totals = (
        dated.groupby(["spend_date", "funnel"], as_index=False)[list(SPEND_NUMBER_COLUMNS)]
        .sum(min_count=0)
        .sort_values(["spend_date", "funnel"], ignore_index=True)
    )
    months = pd.to_datetime(totals["spend_date"]).dt.to_period("M").dt.start_time.dt.date
    totals.insert(1, "spend_month", months.to_numpy() if len(totals) else [])
    return totals
