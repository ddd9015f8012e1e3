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
        # day first with dashes and no time: its "-2025" once passed for an offset and the date was lost
        ("14-09-2025", "2025-09-14T00:00:00+05:30"),
        ("2025-09-30T19:00Z", "2025-10-01T00:30:00+05:30"),
        ("2025-09-30 19:00:00 +05:30", "2025-09-30T19:00:00+05:30"),
        ("2026-08-01", "2026-08-01T00:00:00+05:30"),
        ("  2026-08-01 10:15:00 ", "2026-08-01T10:15:00+05:30"),
    ],
)
def test_known_formats_become_asia_kolkata_times(raw, expected):
    assert parse_local_datetimes(pd.Series([raw]))[0].isoformat() == expected


@pytest.mark.parametrize("raw", ["", None, "yesterday", "31/02/2025"])
def test_unreadable_values_are_nat(raw):
    assert pd.isna(parse_local_datetimes(pd.Series([raw], dtype=object))[0])


def test_an_impossible_instant_among_good_ones_is_nat_and_the_good_ones_are_read():
    """Arrow reads instants with an offset; one it refuses (30 February) sends the lot to pandas, which
    reads the rest the same and leaves only that one empty."""
    values = ["2025-09-30T19:00:00Z", "2025-02-30T10:00:00Z", "2025-09-30T19:00:00.5+05:30", "2025-09-30 19:00"]
    parsed = parse_local_datetimes(pd.Series(values))
    assert [None if pd.isna(t) else t.isoformat() for t in parsed] == [
        "2025-10-01T00:30:00+05:30",
        None,
        "2025-09-30T19:00:00.500000+05:30",
        "2025-09-30T19:00:00+05:30",
    ]
    assert parsed.drop(1).equals(parse_local_datetimes(pd.Series(values).drop(1))), "the same without it"
