"""Marketing spend: the performance sheet's rows, and cost summed per funnel and day."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from funnel_assets.catalogue import SPEND_SHEET
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.numbers import parse_amounts
from funnel_assets.lib.text import trimmed

SPEND_NUMBER_COLUMNS = ("cost", "impressions", "clicks")
OPTIONAL_COLUMNS = ("impressions", "clicks", "platform", "campaign")
# working flag columns, named so that no sheet column (snake_cased, so never with a leading underscore) meets them
FLAG = "__flag_"


@dataclass(frozen=True)
class SpendReport:
    """What cleaning found: every row is kept, problems are counted."""

    rows: int
    unreadable_dates: int
    unreadable_numbers: int
    blank_funnel: int


def clean_spend(raw: pl.DataFrame, *, source: str) -> tuple[pl.DataFrame, SpendReport]:
    """One row per spend-sheet row: snake_case columns, spend_date, numeric cost/impressions/clicks.

    Every other column of the sheet is kept as text. Unreadable dates or numbers become
    NULL and are counted; a blank Funnel becomes Miscellaneous.
    """
    frame = resolve_columns(raw, SPEND_SHEET, label=source).frame
    # a column the sheet leaves wholly empty arrives without a type; every sheet column is text
    frame = frame.with_columns(pl.col(pl.Null).cast(pl.String))
    # the optional columns the sheet lacks come last, empty
    frame = frame.with_columns(
        pl.lit(None, pl.String).alias(column) for column in OPTIONAL_COLUMNS if column not in frame.columns
    )

    numbers = {column: parse_amounts(pl.col(column)) for column in SPEND_NUMBER_COLUMNS}
    funnel = trimmed(pl.col("funnel"))
    spend = (
        frame.lazy()
        .with_columns(
            *(amounts.alias(column) for column, (amounts, _) in numbers.items()),
            *(unreadable.alias(FLAG + column) for column, (_, unreadable) in numbers.items()),
            funnel.fill_null(MISCELLANEOUS_FUNNEL).alias("funnel"),
            funnel.is_null().alias(FLAG + "funnel"),
        )
        .select(parse_local_datetimes(pl.col("date_time")).dt.date().alias("spend_date"), pl.all())
        .collect()
    )

    counts = spend.select(pl.col(f"^{FLAG}.*$").sum()).row(0, named=True)
    report = SpendReport(
        rows=spend.height,
        unreadable_dates=spend["spend_date"].null_count(),
        unreadable_numbers=sum(int(counts[FLAG + column]) for column in SPEND_NUMBER_COLUMNS),
        blank_funnel=int(counts[FLAG + "funnel"]),
    )
    return spend.select(pl.exclude(f"^{FLAG}.*$")), report


def total_spend_by_funnel(spend: pl.DataFrame) -> pl.DataFrame:
    """Funnel x day: summed cost, impressions and clicks (rows without a readable date are left out).

    `spend_month` (the month's first day) lets a BI tool sum by month without date functions.
    """
    return (
        spend.lazy()
        .filter(pl.col("spend_date").is_not_null())
        .group_by("spend_date", "funnel")
        .agg(pl.col(SPEND_NUMBER_COLUMNS).sum())  # a blank amount counts as 0
        .sort("spend_date", "funnel")
        .select(
            "spend_date", pl.col("spend_date").dt.month_start().alias("spend_month"), "funnel", *SPEND_NUMBER_COLUMNS
        )
        .collect()
    )
