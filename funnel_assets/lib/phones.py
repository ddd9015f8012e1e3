"""The phone key that joins Part 1 (marketing) and Part 2 (sales).

Rule (docs/rules.md#phone-numbers): keep digits only; with 10 or more digits keep the last 10;
anything else is no phone. `user_id` is "91" followed by those 10 digits.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets.lib.text import arrow_strings


def phone_key(values: pd.Series) -> pd.Series:
    """The 10-digit phone key of each value, or <NA> where there is no usable phone."""
    # every row through Arrow's regex costs less than finding the distinct phones first (a million CRM
    # rows hold a quarter of a million phones); \p{Nd}: every decimal digit, as Python's \d counts them
    digits = pc.replace_substring_regex(arrow_strings(values), r"[^\p{Nd}]", "")
    keys = pc.if_else(
        pc.greater_equal(pc.utf8_length(digits), 10), pc.utf8_slice_codeunits(digits, -10), pa.scalar(None, pa.string())
    )
    return pd.Series(keys.to_numpy(zero_copy_only=False), index=values.index, dtype="string")


def user_id(phones: pd.Series) -> pd.Series:
    """ "91" + the phone key, or <NA> where there is no phone key."""
    return ("91" + phones.astype("string")).where(phones.notna())
