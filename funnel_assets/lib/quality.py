"""What the asset checks count, as plain functions over a table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow.compute as pc

from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.text import arrow_strings

PHONE_KEY = r"^[0-9]{10}$"


def repeated_keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> int:
    """How many key values more than one row shares (rows with a missing key part stand alone)."""
    if len(columns) == 1:
        keys = frame[columns[0]].dropna()
        return int(keys[keys.duplicated(keep=False)].nunique())
    keys = frame[list(columns)].dropna()
    return int(keys[keys.duplicated(keep=False)].drop_duplicates().shape[0])


def malformed_phones(phones: pd.Series) -> int:
    """Phones that are not exactly 10 digits (empty ones are fine)."""
    text = arrow_strings(phones)
    well_formed = pc.match_substring_regex(text, PHONE_KEY)
    return int(pc.sum(pc.invert(well_formed.fill_null(True))).as_py() or 0)


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
