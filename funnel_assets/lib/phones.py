"""The phone key that joins Part 1 (marketing) and Part 2 (sales).

Rule (DESIGN.md): keep digits only; with 10 or more digits keep the last 10; anything
else is no phone. `user_id` is "91" followed by those 10 digits.
"""

from __future__ import annotations

import pandas as pd

from funnel_assets.lib.distinct import per_distinct


def _phone_key(values: pd.Series) -> pd.Series:
    digits = values.astype("string").str.replace(r"\D", "", regex=True)
    return digits.str[-10:].where(digits.str.len() >= 10)


def phone_key(values: pd.Series) -> pd.Series:
    """The 10-digit phone key of each value, or <NA> where there is no usable phone."""
    return per_distinct(values, _phone_key)


def user_id(phones: pd.Series) -> pd.Series:
    """"91" + the phone key, or <NA> where there is no phone key."""
    return ("91" + phones.astype("string")).where(phones.notna())
