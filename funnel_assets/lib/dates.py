"""Dates and times as the sources write them, made into Asia/Kolkata timestamps.

Sheets, CRMs and spreadsheet programs write the same moment many ways. A value that
carries an offset (`2025-09-30T19:00:00Z`) is converted to Asia/Kolkata; a value
without one is taken as Asia/Kolkata local time, as the team enters it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.text import trimmed_strings

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

# an offset follows a time of day: without the time, `14-09-2025` would read as a date ending in the offset "-2025"
_HAS_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?(?:Z|[+-]\d{2}:?\d{2})$"


def _instants(text: pa.Array) -> pd.DatetimeIndex:
    """ISO 8601 text with an offset, as UTC instants; NaT where a value is not one.

    Arrow reads a million such values in a hundredth of a second, pandas in half a second; when
    Arrow refuses one (an unusual spelling), pandas reads them all, coercing what it cannot."""
    try:
        return pd.DatetimeIndex(text.cast(pa.timestamp("ns", tz="UTC")).to_pandas())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_datetime(text.to_numpy(zero_copy_only=False), utc=True, format="ISO8601", errors="coerce")


def parse_local_datetimes(values: pd.Series, formats: tuple[str, ...] = LOCAL_FORMATS) -> pd.Series:
    """Asia/Kolkata timestamps; NaT where a value is blank or in no known format."""
    text = trimmed_strings(values)
    strings = text.to_numpy(zero_copy_only=False)
    present = pc.is_valid(text).to_numpy(zero_copy_only=False)
    with_offset = pc.fill_null(pc.match_substring_regex(text, _HAS_OFFSET), False).to_numpy(zero_copy_only=False)
    result = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {TIMEZONE}]")
    if with_offset.any():
        result.iloc[np.flatnonzero(with_offset)] = _instants(text.filter(pa.array(with_offset))).tz_convert(TIMEZONE)

    # positions still unread; each format is tried on what the formats before it left
    pending = np.flatnonzero(present & ~with_offset)
    local = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    for fmt in formats:
        if not len(pending):
            break
        parsed = pd.to_datetime(strings[pending], format=fmt, errors="coerce")
        read = ~np.asarray(parsed.isna())
        local[pending[read]] = parsed[read].to_numpy(dtype="datetime64[ns]")
        pending = pending[~read]
    read_locally = ~np.isnat(local)
    if read_locally.any():
        result.iloc[np.flatnonzero(read_locally)] = pd.DatetimeIndex(local[read_locally]).tz_localize(TIMEZONE)
    return result
