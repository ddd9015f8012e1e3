"""Numbers as Google Sheets and CRMs export them: `1,234.50`, `₹1,234.50`, `Rs. 500`, blanks."""

from __future__ import annotations

import pandas as pd

_NOT_PART_OF_A_NUMBER = r"(?i)(?:₹|rs\.?|inr|,|\s)"


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers, unreadable): floats with NaN for blanks, and a mask of non-blank values that are not numbers."""
    text = values.astype("string").str.replace(_NOT_PART_OF_A_NUMBER, "", regex=True)
    text = text.mask(text.eq(""))
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    unreadable = (text.notna() & numbers.isna()).fillna(False).astype(bool)
    return numbers, unreadable
