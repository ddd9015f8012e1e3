"""Dates and times as the sources write them, made into Asia/Kolkata timestamps.

Sheets, CRMs and spreadsheet programs write the same moment many ways. A value that
carries an offset (`2025-09-30T19:00:00Z`) is converted to Asia/Kolkata; a value
without one is taken as Asia/Kolkata local time, as the team enters it.
"""

from __future__ import annotations

import pandas as pd

from funnel_assets.settings import TIMEZONE

# Tried in order; the first that reads a value wins. Day-first, as India writes dates.
LOCAL_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y",
)

_HAS_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_local_datetimes(values: pd.Series, formats: tuple[str, ...] = LOCAL_FORMATS) -> pd.Series:
    """Asia/Kolkata timestamps; NaT where a value is blank or in no known format."""
    text = values.astype("string").str.strip()
    text = text.mask(text.eq(""))
    result = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {TIMEZONE}]")

    with_offset = text.str.contains(_HAS_OFFSET, regex=True, na=False)
    if with_offset.any():
        parsed = pd.to_datetime(text[with_offset], utc=True, format="ISO8601", errors="coerce")
        result[with_offset] = parsed.dt.tz_convert(TIMEZONE)

    pending = text.notna() & ~with_offset
    for fmt in formats:
        if not pending.any():
            break
        parsed = pd.to_datetime(text[pending], format=fmt, errors="coerce")
        read = parsed.notna()
        result[parsed[read].index] = parsed[read].dt.tz_localize(TIMEZONE)
        pending[parsed[read].index] = False
    return result
