import pandas as pd
import pytest

from funnel_assets.lib.dates import parse_local_datetimes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-09-30T19:00:00Z", "2025-10-01T00:30:00+05:30"),  # UTC evening is the next day in India
        ("2025-09-30T19:00:00+05:30", "2025-09-30T19:00:00+05:30"),
        ("03/11/2025 19:02:11", "2025-11-03T19:02:11+05:30"),
        ("03/11/2025", "2025-11-03T00:00:00+05:30"),
        ("Nov 3, 2025 07:02 PM", "2025-11-03T19:02:00+05:30"),
        ("03-11-2025 19:02", "2025-11-03T19:02:00+05:30"),
        ("2026-08-01", "2026-08-01T00:00:00+05:30"),
        ("  2026-08-01 10:15:00 ", "2026-08-01T10:15:00+05:30"),
    ],
)
def test_known_formats_become_asia_kolkata_times(raw, expected):
    assert parse_local_datetimes(pd.Series([raw]))[0].isoformat() == expected


@pytest.mark.parametrize("raw", ["", None, "yesterday", "31/02/2025"])
def test_unreadable_values_are_nat(raw):
    assert pd.isna(parse_local_datetimes(pd.Series([raw], dtype=object))[0])
