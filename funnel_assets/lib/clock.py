"""The team's clock: Asia/Kolkata, whatever zone the server runs in.

Every time the product records is the true instant with its offset; "today" (the day
metrics stop before, D-1) is the Asia/Kolkata date. A Docker container runs in UTC, so
nothing here reads the server's local zone.
"""

from __future__ import annotations

from datetime import date
from typing import overload

import pandas as pd
import polars as pl

TIMEZONE = "Asia/Kolkata"
# an instant as Polars holds it: Asia/Kolkata, to the microsecond
INSTANT = pl.Datetime("us", TIMEZONE)


def now() -> pd.Timestamp:
    """This instant, in Asia/Kolkata."""
    return pd.Timestamp.now(tz="UTC").tz_convert(TIMEZONE)


def today() -> date:
    """Today's date in Asia/Kolkata."""
    return now().date()


@overload
def in_local_time(moments: pd.Series) -> pd.Series: ...
@overload
def in_local_time(moments: pl.Series) -> pl.Series: ...
@overload
def in_local_time(moments: pl.Expr) -> pl.Expr: ...
def in_local_time(moments):
    """Instants (zoned, or UTC when naive) shown in Asia/Kolkata.

    In Polars, to the microsecond; a column all missing (of no type) becomes missing instants; a Series of
    anything but instants is refused (so is an expression over text, when it runs).
    """
    if isinstance(moments, pl.Series) and not isinstance(moments.dtype, (pl.Datetime, pl.Null)):
        raise TypeError(f"{moments.name}: expected instants, got {moments.dtype}")
    if isinstance(moments, (pl.Expr, pl.Series)):
        # a cast to a zoned type reads naive times as UTC and converts zoned ones: one expression for both,
        # which an expression needs, not knowing its column's type
        return moments.cast(INSTANT)
    if not isinstance(moments.dtype, pd.DatetimeTZDtype):
        # only when they are not instants yet: to_datetime looks through the values of any column
        moments = pd.to_datetime(moments, utc=True)
    return moments.dt.tz_convert(TIMEZONE)
