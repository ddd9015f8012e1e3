"""The team's clock: Asia/Kolkata, whatever zone the server runs in.

Every time the product records is the true instant with its offset; "today" (the day
metrics stop before, D-1) is the Asia/Kolkata date. A Docker container runs in UTC, so
nothing here reads the server's local zone.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

TIMEZONE = "Asia/Kolkata"


def now() -> pd.Timestamp:
    """This instant, in Asia/Kolkata."""
    return pd.Timestamp.now(tz="UTC").tz_convert(TIMEZONE)


def today() -> date:
    """Today's date in Asia/Kolkata."""
    return now().date()


def in_local_time(moments: pd.Series) -> pd.Series:
    """Instants (zoned, or UTC when naive) shown in Asia/Kolkata."""
    if not isinstance(moments.dtype, pd.DatetimeTZDtype):
        # only when they are not instants yet: to_datetime looks through the values of any column
        moments = pd.to_datetime(moments, utc=True)
    return moments.dt.tz_convert(TIMEZONE)
