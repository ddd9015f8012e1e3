"""The one person rule, `person_keys`: its Polars form gives what its pandas form gives."""

from __future__ import annotations

import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_assets.lib.people import person_keys


def both_forms(phone: list, email: list, within: list | None = None) -> tuple[tuple[list, list], tuple[list, list]]:
    """(pandas keys and phones, Polars keys and phones) as lists, for the same rows."""
    pandas_keys, pandas_phones = person_keys(
        pd.Series(phone, dtype=object),
        pd.Series(email, dtype=object),
        None if within is None else pd.Series(within, dtype=object),
    )
    polars_keys, polars_phones = person_keys(
        pl.Series(phone, dtype=pl.String),
        pl.Series(email, dtype=pl.String),
        None if within is None else pl.Series(within, dtype=pl.String),
    )
    assert isinstance(polars_keys, pl.Series) and isinstance(polars_phones, pl.Series)
    return (pandas_keys.tolist(), pandas_phones.tolist()), (polars_keys.to_list(), polars_phones.to_list())


def test_a_phone_else_an_email_else_the_row():
    pandas, polars = both_forms(["9000000001", None, None, None], ["a@x.com", " A@X.com", "b@x.com", None])
    assert (
        pandas
        == polars
        == (
            ["phone:9000000001", "phone:9000000001", "email:b@x.com", "row:3"],
            ["9000000001", "9000000001", None, None],
        )
    )


def test_an_email_takes_its_earliest_phone_within_its_scope_only():
    pandas, polars = both_forms(
        [None, "9000000002", "9000000003", None, None],
        ["a@x.com", "a@x.com", "a@x.com", "a@x.com", None],
        ["s1", "s1", "s1", "s2", None],
    )
    assert (
        pandas
        == polars
        == (
            ["s1|phone:9000000002", "s1|phone:9000000002", "s1|phone:9000000003", "s2|email:a@x.com", None],
            ["9000000002", "9000000002", "9000000003", None, None],
        )
    )


def test_empty_columns():
    assert both_forms([], []) == (([], []), ([], []))


# text that the two engines might lower-case or trim otherwise: a final sigma, a dotted capital I, odd spaces
TEXT = st.sampled_from(["a@x.com", " A@X.com\u00a0", "ΟΔΟΣ@x.gr", "İ@x.com", "i̇@x.com", "\x1cb@x.com", "", "  "])
rows = st.lists(
    st.tuples(
        st.sampled_from(["9000000001", "9000000002", "", None]),
        st.one_of(st.none(), TEXT, st.text(max_size=4)),
        st.sampled_from(["s1", "s2", None]),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(rows, st.booleans())
def test_the_two_forms_agree(generated, scoped):
    phone = [p for p, _, _ in generated]
    email = [e for _, e, _ in generated]
    within = [w for _, _, w in generated] if scoped else None
    pandas, polars = both_forms(phone, email, within)
    assert pandas == polars
