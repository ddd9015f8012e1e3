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
    # each email's earliest phone (rows arrive earliest first)
    seen = pd.Index(lookup.filter(with_both).to_numpy(zero_copy_only=False))
    earliest = ~seen.duplicated()
    email_phone = phones.filter(with_both).filter(pa.array(earliest))
    position = seen[earliest].get_indexer(lookup.to_numpy(zero_copy_only=False))
    phones = pc.coalesce(phones, email_phone.take(pa.array(position, mask=position < 0)))
    alone = pc.binary_join_element_wise("row:", pa.array(phone.index.astype(str), type=pa.string()), "")
    keys = pc.coalesce(
        pc.binary_join_element_wise("phone:", phones, ""), pc.binary_join_element_wise("email:", emails, ""), alone
    )
    if scope is not None:
        keys = pc.binary_join_element_wise(scope, keys, "|")
    return to_object(keys, phone.index), to_object(phones, phone.index)
