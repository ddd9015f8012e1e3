"""What the asset checks count, as plain functions over a table."""

from __future__ import annotations

from datetime import date

import pandas as pd

from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL

PHONE_KEY = r"^[0-9]{10}$"


def repeated_keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> int:
    """How many key values more than one row shares (rows with a missing key part stand alone)."""
    keys = frame[list(columns)].dropna()
    return int(keys[keys.duplicated(keep=False)].drop_duplicates().shape[0])


def malformed_phones(phones: pd.Series) -> int:
    """Phones that are not exactly 10 digits (empty ones are fine)."""
    given = phones.dropna().astype(str)
    return int((~given.str.fullmatch(PHONE_KEY)).sum())


def negative_values(values: pd.Series) -> int:
    return int((pd.to_numeric(values, errors="coerce") < 0).sum())


def miscellaneous_share(funnels: pd.Series) -> tuple[int, float]:
    """(rows in Other Sources (Miscellaneous), their share of all rows)."""
    misc = int(funnels.eq(MISCELLANEOUS_FUNNEL).sum())
    return misc, (misc / len(funnels) if len(funnels) else 0.0)


def newest_day(moments: pd.Series) -> date | None:
    """The Asia/Kolkata date of the newest moment or date (None when there is none)."""
    values = moments.dropna()
    if values.empty:
        return None
    if isinstance(values.iloc[0], date) and not isinstance(values.iloc[0], pd.Timestamp):
        return max(values)
    stamps = pd.to_datetime(values)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert(TIMEZONE)
    return stamps.max().date()
