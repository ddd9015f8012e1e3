"""Numbers as Google Sheets and CRMs export them: `1,234.50`, `₹1,234.50`, `Rs. 500`, blanks."""

from __future__ import annotations

import pandas as pd

from funnel_assets.lib.distinct import per_distinct

_NOT_PART_OF_A_NUMBER = r"(?i)(?:₹|rs\.?|inr|,|\s)"


def _amounts(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.replace(_NOT_PART_OF_A_NUMBER, "", regex=True)
    return pd.to_numeric(text.mask(text.eq("")), errors="coerce").astype("float64")


def _unreadable(values: pd.Series) -> pd.Series:
    """1.0 where a value is given but is not a number."""
    given = values.astype("string").str.replace(_NOT_PART_OF_A_NUMBER, "", regex=True).fillna("").ne("")
    return (given & _amounts(values).isna()).astype("float64")


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers, unreadable): floats with NaN for blanks, and a mask of non-blank values that are not numbers."""
    return per_distinct(values, _amounts), per_distinct(values, _unreadable).eq(1.0)
