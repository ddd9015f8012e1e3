import pandas as pd
import pytest

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
