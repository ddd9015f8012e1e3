"""Work done once per distinct value.

A million CRM rows carry a few dozen distinct sources and employees, and most of the sales
dump's 44 columns hold a handful of values: cleaning each distinct value once and
broadcasting the result back costs what the distinct values cost, not what the rows cost.
Where most values differ (phones), a vectorised Arrow kernel over every row is cheaper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import overload

import numpy as np
import pandas as pd
import polars as pl


def _per_distinct_series(values: pl.Series, transform: Callable[[pl.Series], pl.Series]) -> pl.Series:
    distinct = values.drop_nulls().unique(maintain_order=True)
    transformed = transform(distinct)
    # `replace_strict` finds each value's transform by hash: a null (or a value the lookup lacks) stays null
    return values.replace_strict(distinct, transformed, default=None, return_dtype=transformed.dtype)


@overload
def per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series: ...
@overload
def per_distinct(
    values: pl.Expr, transform: Callable[[pl.Series], pl.Series], *, return_dtype: pl.DataType | None = None
) -> pl.Expr: ...
def per_distinct(values, transform, *, return_dtype=None):
    """`transform(values)`, computed on the distinct values only; missing values stay missing.

    For Polars work without a kernel (such as casefold): with a `pl.Expr`, `transform` takes and returns a
    `pl.Series` of the distinct non-null values, in one order, and the result is a `pl.Expr` (of `return_dtype`,
    which a lazy query needs when the transform changes the type)."""
    if isinstance(values, pl.Expr):
        return values.map_batches(
            lambda batch: _per_distinct_series(batch, transform), return_dtype=return_dtype, is_elementwise=True
        )
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    transformed = transform(pd.Series(distinct, dtype=object)).reset_index(drop=True)
    # one more slot, missing, for the values that were missing to begin with
    padded = pd.concat([transformed, pd.Series([None], dtype=transformed.dtype)], ignore_index=True)
    result = padded.take(np.where(codes >= 0, codes, len(transformed)))
    result.index = values.index
    return result
