import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnel_assets.lib.phones import phone_key, user_id


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+91 98765-43210", "9876543210"),
        ("098765 43210", "9876543210"),
        ("919876543210", "9876543210"),
        ("98765 43210", "9876543210"),
        ("(987) 654-3210", "9876543210"),
        ("+1 415 555 0100", "4155550100"),  # the rule keeps the last 10 digits, whatever the country
        ("12345", None),
        ("", None),
        (None, None),
        ("not a phone", None),
    ],
)
def test_phone_key_follows_the_design_rule(raw, key):
    result = phone_key(pd.Series([raw], dtype=object))[0]
    assert (None if pd.isna(result) else result) == key


def test_user_id_is_91_and_the_key():
    keys = phone_key(pd.Series(["+91 98765-43210", "123"]))
    ids = user_id(keys)
    assert ids[0] == "919876543210"
    assert pd.isna(ids[1])


@given(
    st.lists(
        st.one_of(st.none(), st.text(), st.text(alphabet="0123456789 +-()٣९"), st.integers(0, 10**13)), max_size=40
    )
)
def test_phone_key_keeps_the_last_ten_of_the_digits_python_sees(values):
    def rule(value):
        if value is None:
            return None
        digits = re.sub(r"\D", "", str(value))
        return digits[-10:] if len(digits) >= 10 else None

    keys = phone_key(pd.Series(values, dtype=object))
    assert [None if pd.isna(k) else k for k in keys] == [rule(v) for v in values]
