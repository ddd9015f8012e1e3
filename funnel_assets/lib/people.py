"""Who a row is about: the one rule for a person across every table.

A person is their phone key; without one, their lower-cased email (an email seen elsewhere
with a phone takes that phone: the earliest one, in row order); with neither, the row stands
alone. Used for first touch, the Zoom sessions (within each session) and the reporting.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets.lib.text import arrow_strings, to_object


def person_keys(phone: pd.Series, email: pd.Series, within: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """(person key, phone filled in from the email where the email was seen with a phone).

    The keys read `phone:<phone>`, `email:<email>` or `row:<index>`, so keys of different
    frames match. With `within` (say a session), an email takes a phone only from rows of
    the same `within` value, and each key is prefixed with it. Arrow's string kernels and
    pandas' hash tables: no per-row Python.
    """
    phones = arrow_strings(phone)
    emails = pc.utf8_lower(pc.utf8_trim_whitespace(arrow_strings(email)))
    scope = arrow_strings(within) if within is not None else None
    lookup = emails if scope is None else pc.binary_join_element_wise(scope, emails, "|")
    with_both = pc.and_(pc.is_valid(phones), pc.is_valid(lookup))
    # each email's earliest phone (rows arrive earliest first): index_in finds a value's first place
    earliest = pc.index_in(lookup, value_set=lookup.filter(with_both))
    phones = pc.coalesce(phones, phones.filter(with_both).take(earliest))
    alone = pc.binary_join_element_wise("row:", _index_text(phone.index), "")
    keys = pc.coalesce(
        pc.binary_join_element_wise("phone:", phones, ""), pc.binary_join_element_wise("email:", emails, ""), alone
    )
    if scope is not None:
        keys = pc.binary_join_element_wise(scope, keys, "|")
    return to_object(keys, phone.index), to_object(phones, phone.index)


def _index_text(index: pd.Index) -> pa.Array:
    """The row labels as text (whole numbers written by Arrow, without a Python string per row)."""
    if pd.api.types.is_integer_dtype(index.dtype):
        return pa.array(index.to_numpy()).cast(pa.string())
    return pa.array(index.astype(str), type=pa.string())
