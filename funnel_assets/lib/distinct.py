"""Work done once per distinct value.

A million CRM rows carry a few dozen distinct sources and employees, and most of the sales
dump's 44 columns hold a handful of values: cleaning each distinct value once and
broadcasting the result back costs what the distinct values cost, not what the rows cost.
Where most values differ (phones), a vectorised Arrow kernel over every row is cheaper.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`transform(values)`, computed on the distinct values only; missing values stay missing."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    transformed = transform(pd.Series(distinct, dtype=object)).reset_index(drop=True)
    # one more slot, missing, for the values that were missing to begin with
    padded = pd.concat([transformed, pd.Series([None], dtype=transformed.dtype)], ignore_index=True)
    result = padded.take(np.where(codes >= 0, codes, len(transformed)))
    result.index = values.index
    return result
