"""What the asset checks count, as plain functions over a table."""

from __future__ import annotations

from datetime import date

import polars as pl

from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL

PHONE_KEY = r"^[0-9]{10}$"


def repeated_keys(frame: pl.DataFrame, columns: tuple[str, ...]) -> int:
    """How many key values more than one row shares (rows with a missing key part stand alone)."""
    keys = frame.select(columns).drop_nulls()
    return keys.filter(keys.is_duplicated()).unique().height


def malformed_phones(phones: pl.Series) -> int:
    """Phones that are not exactly 10 digits (empty ones are fine)."""
    return int((~phones.cast(pl.String).str.contains(PHONE_KEY)).sum())


def negative_values(values: pl.Series) -> int:
    return int((values.cast(pl.Float64, strict=False) < 0).sum())


def miscellaneous_share(funnels: pl.Series) -> tuple[int, float]:
    """(rows in Other Sources (Miscellaneous), their share of all rows)."""
    misc = int(funnels.cast(pl.String).eq(MISCELLANEOUS_FUNNEL).sum())
    return misc, (misc / len(funnels) if len(funnels) else 0.0)


def newest_day(moments: pl.Series) -> date | None:
    """The Asia/Kolkata date of the newest moment or date (None when there is none)."""
    if isinstance(moments.dtype, pl.Datetime):
        # an instant without a zone is UTC, as the warehouse keeps it
        zoned = moments if moments.dtype.time_zone else moments.dt.replace_time_zone("UTC")
        moments = zoned.dt.convert_time_zone(TIMEZONE).dt.date()
    elif moments.dtype != pl.Date:
        moments = moments.cast(pl.String).str.to_date(strict=False)
    return moments.max()
