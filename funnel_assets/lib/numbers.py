"""Numbers as Google Sheets and CRMs export them: `1,234.50`, `₹1,234.50`, `Rs. 500`, blanks."""

from __future__ import annotations

from typing import overload

import pandas as pd
import polars as pl

from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.text import WHITESPACE_CLASS

_NOT_PART_OF_A_NUMBER = r"(?i)(?:₹|rs\.?|inr|,|\s)"
# the same for Rust's regex: Python's, ignoring case, also takes ı and İ for an i, and its \s is WHITESPACE_CLASS
_NOT_PART_OF_A_NUMBER_RUST = f"(?i)(?:₹|rs\\.?|[iıİ]nr|,|{WHITESPACE_CLASS})"
# what pandas.to_numeric reads (its own parser, ASCII only): a decimal with an optional exponent, or infinity
_A_NUMBER = r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity))$"
_INFINITY = r"(?i)inf"


def _amounts(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.replace(_NOT_PART_OF_A_NUMBER, "", regex=True)
    return pd.to_numeric(text.mask(text.eq("")), errors="coerce").astype("float64")


def _unreadable(values: pd.Series) -> pd.Series:
    """1.0 where a value is given but is not a number."""
    given = values.astype("string").str.replace(_NOT_PART_OF_A_NUMBER, "", regex=True).fillna("").ne("")
    return (given & _amounts(values).isna()).astype("float64")


def _read_distinct(values: pl.Series) -> pl.Series:
    """Each distinct value's amount (Float64): null where blank, NaN where given but not a number (a readable
    amount is never NaN: pandas reads `nan` as missing, so the text `nan` is unreadable). The text is stripped once."""
    text = values.str.replace_all(_NOT_PART_OF_A_NUMBER_RUST, "")
    number = text.cast(pl.Float64, strict=False)
    # pandas reads `nan` as missing and a finite spelling too large for a float (1e400) as unreadable
    readable = text.str.contains(_A_NUMBER) & (number.is_finite() | text.str.contains(_INFINITY))
    given = text.fill_null("").ne("")
    return pl.select(pl.when(readable).then(number).when(given).then(float("nan"))).to_series().alias(values.name)


def _polars_amounts(values: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    # an amount column holds few distinct values (the sales dump's, at most a few hundred in 200,000 rows): each is
    # read once, and both results come from one Float64 (a query runs a Python function once per use, never shared)
    read = per_distinct(values.cast(pl.String), _read_distinct, return_dtype=pl.Float64)
    return read.fill_nan(None), read.is_nan().fill_null(False)


@overload
def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]: ...
@overload
def parse_amounts(values: pl.Expr) -> tuple[pl.Expr, pl.Expr]: ...
def parse_amounts(values):
    """(numbers, unreadable): floats with NaN for blanks, and a mask of non-blank values that are not numbers.

    With a `pl.Expr`: a Float64 expression, null for blanks and unreadable values, and a Boolean one."""
    if isinstance(values, pl.Expr):
        return _polars_amounts(values)
    return per_distinct(values, _amounts), per_distinct(values, _unreadable).eq(1.0)
