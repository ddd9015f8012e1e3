"""The phone key that joins Part 1 (marketing) and Part 2 (sales).

Rule (docs/rules.md#phone-numbers): keep digits only; with 10 or more digits keep the last 10;
anything else is no phone. `user_id` is "91" followed by those 10 digits.
"""

from __future__ import annotations

from typing import overload

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets.lib.text import arrow_strings

# \p{Nd}: every decimal digit, as Python's \d counts them (a Devanagari phone keeps its digits, as typed)
_NOT_A_DIGIT = r"[^\p{Nd}]"


@overload
def phone_key(values: pd.Series) -> pd.Series: ...
@overload
def phone_key(values: pl.Expr) -> pl.Expr: ...
def phone_key(values):
    """The 10-digit phone key of each value, or <NA> (null for a Polars expression) where there is no usable phone."""
    if isinstance(values, pl.Expr):
        digits = values.cast(pl.String).str.replace_all(_NOT_A_DIGIT, "")
        # len_chars and slice count characters, as Arrow's utf8 kernels do
        return pl.when(digits.str.len_chars() >= 10).then(digits.str.slice(-10))
    # every row through Arrow's regex costs less than finding the distinct phones first (a million CRM
    # rows hold a quarter of a million phones)
    digits = pc.replace_substring_regex(arrow_strings(values), _NOT_A_DIGIT, "")
    keys = pc.if_else(
        pc.greater_equal(pc.utf8_length(digits), 10), pc.utf8_slice_codeunits(digits, -10), pa.scalar(None, pa.string())
    )
    return pd.Series(keys.to_numpy(zero_copy_only=False), index=values.index, dtype="string")


@overload
def user_id(phones: pd.Series) -> pd.Series: ...
@overload
def user_id(phones: pl.Expr) -> pl.Expr: ...
def user_id(phones):
    """ "91" + the phone key, or <NA> (null for a Polars expression) where there is no phone key."""
    if isinstance(phones, pl.Expr):
        # prefixed in place, so that the expression keeps the key's name; a null key stays null
        return phones.cast(pl.String).str.replace("^", "91")
    return ("91" + phones.astype("string")).where(phones.notna())
