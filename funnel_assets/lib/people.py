"""Who a row is about: the one rule for a person across every table.

A person is their phone key; without one, their lower-cased email (an email seen elsewhere
with a phone takes that phone: the earliest one, in row order); with neither, the row stands
alone. Used for first touch, the Zoom sessions (within each session) and the reporting.

`person_keys` has two forms with one result: pandas Series in, pandas Series out (the Zoom sessions,
still on pandas), and Polars Series in, Polars Series out (the rules on Polars). A Polars row's
`row:` key is its position, as a pandas row's is its label on the RangeIndex the warehouse reads give.
"""

from __future__ import annotations

from typing import overload

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets.lib.text import arrow_strings, to_object


@overload
def person_keys(phone: pd.Series, email: pd.Series, within: pd.Series | None = None) -> tuple[pd.Series, pd.Series]: ...
@overload
def person_keys(phone: pl.Series, email: pl.Series, within: pl.Series | None = None) -> tuple[pl.Series, pl.Series]: ...
def person_keys(phone, email, within=None):
    """(person key, phone filled in from the email where the email was seen with a phone).

    The keys read `phone:<phone>`, `email:<email>` or `row:<index>`, so keys of different
    frames match. With `within` (say a session), an email takes a phone only from rows of
    the same `within` value, and each key is prefixed with it. Arrow's string kernels and
    pandas' hash tables: no per-row Python. Polars Series in: Polars Series out (`_person_keys_polars`).
    """
    if isinstance(phone, pl.Series):
        return _person_keys_polars(phone, email, within)
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


def _email_lookup(email: pl.Series) -> pl.Series:
    """The email as the key writes it: trimmed and lower-cased by Arrow's kernels, as the pandas form does
    (Polars' to_lowercase maps a final sigma and a dotted capital I otherwise)."""
    text = email.cast(pl.String).to_arrow(compat_level=pl.CompatLevel.oldest())
    return pl.Series("email", pc.utf8_lower(pc.utf8_trim_whitespace(text)), dtype=pl.String)


def _person_keys_polars(
    phone: pl.Series, email: pl.Series, within: pl.Series | None = None
) -> tuple[pl.Series, pl.Series]:
    """The Polars form of `person_keys`: the same keys and phones, a row's `row:` key being its position."""
    rows = pl.DataFrame({"phone": phone.cast(pl.String), "email": _email_lookup(email)})
    if within is not None:
        rows = rows.with_columns(within=within.cast(pl.String))
    # with `within`, an email lends a phone only within its value (a null one, like a null email, lends none)
    rows = rows.with_columns(
        lookup=pl.col("email") if within is None else pl.concat_str("within", pl.lit("|"), "email")
    )
    # each email's earliest phone (rows arrive earliest first): eager, and a join rather than a window over the
    # emails, which both cost more than half again as much on half a million leads
    lent = (
        rows.filter(pl.col("phone").is_not_null() & pl.col("lookup").is_not_null())
        .unique("lookup", keep="first")
        .select("lookup", lent="phone")
    )
    filled = rows.join(lent, on="lookup", how="left", maintain_order="left").with_columns(
        phone=pl.coalesce("phone", "lent")
    )
    keys = pl.coalesce(
        pl.concat_str(pl.lit("phone:"), "phone"),
        pl.concat_str(pl.lit("email:"), "email"),
        pl.concat_str(pl.lit("row:"), pl.int_range(pl.len()).cast(pl.String)),
    )
    if within is not None:
        keys = pl.concat_str("within", pl.lit("|"), keys)
    return filled.select(key=keys)["key"], filled["phone"]
