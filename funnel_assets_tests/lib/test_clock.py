"""One clock: the true instant, shown in Asia/Kolkata, whatever zone the server runs in."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_assets.lib.clock import TIMEZONE, in_local_time, now, today


def test_now_is_the_true_instant_in_asia_kolkata():
    instant = now()
    assert str(instant.tz) == TIMEZONE
    assert abs((instant - datetime.now(UTC)).total_seconds()) < 5
    assert today() == instant.date()


def test_a_server_clock_in_utc_does_not_shift_the_stamp():
    """The Docker image runs in UTC: the stamp must be the same instant as on a server set to India."""
    script = "from funnel_assets.lib.clock import now; import time; print(now().timestamp() - time.time())"
    for zone in ("UTC", "Asia/Kolkata", "America/New_York"):
        out = subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "TZ": zone}, capture_output=True, text=True, check=True
        )
        assert abs(float(out.stdout)) < 5, zone


# the Polars form against the pandas form


def shown_both_ways(moments: pl.Series) -> None:
    """The Polars form (of the Series, and as an expression) gives the pandas form's instants to the microsecond,
    with the same wall-clock times."""
    shown = in_local_time(moments.to_pandas()).dt.floor("us")
    instants = [None if pd.isna(v) else v.value // 1000 for v in shown]
    wall_clock = [None if pd.isna(v) else v.tz_localize(None).to_pydatetime() for v in shown]
    as_expression = moments.to_frame().select(in_local_time(pl.col(moments.name))).to_series()
    for polars_form in (in_local_time(moments), as_expression):
        assert polars_form.dtype == pl.Datetime("us", TIMEZONE) and polars_form.name == moments.name
        assert polars_form.dt.epoch("us").to_list() == instants
        assert polars_form.dt.replace_time_zone(None).to_list() == wall_clock


# from 1920: before 1906 India's offsets had seconds (Madras time, +05:21:10), which pandas' zones (pytz) round to
# the minute and Polars' keep; no source of the product's reaches back there
NAIVE = [datetime(2025, 9, 30, 19), None, datetime(2025, 10, 31, 18, 30, 0, 999999), datetime(1960, 5, 1, 3, 4, 5, 1)]
NAIVE += [datetime(1943, 6, 1, 12), datetime(1920, 1, 1), datetime(2099, 12, 31, 23, 59, 59)]


@pytest.mark.parametrize("unit", ["ns", "us", "ms"])
def test_naive_times_are_utc_shown_in_asia_kolkata_alike_in_polars(unit):
    shown_both_ways(pl.Series("moment", NAIVE, dtype=pl.Datetime(unit)))


def test_nanoseconds_fall_to_the_microsecond_before_them_in_polars():
    # before 1970 as after: the floor, as the pandas instant floored to the microsecond
    shown_both_ways(pl.Series("moment", [-1500, 1500, 1_759_258_800_123_456_789, None], dtype=pl.Datetime("ns")))


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_zoned_instants_are_shown_in_asia_kolkata_alike_in_polars(zone):
    zoned = pl.Series("moment", NAIVE, dtype=pl.Datetime("us")).dt.replace_time_zone(zone, ambiguous="earliest")
    shown_both_ways(zoned)
    assert in_local_time(zoned).dt.epoch("us").to_list() == zoned.dt.epoch("us").to_list(), "the same instants"


def test_a_column_all_missing_is_missing_instants_and_text_is_refused_in_polars():
    nothing = pl.Series("moment", [None, None])
    assert in_local_time(nothing).dtype == pl.Datetime("us", TIMEZONE)
    assert in_local_time(nothing).to_list() == [None, None]
    assert pl.DataFrame({"moment": nothing}).select(in_local_time(pl.col("moment"))).schema == {
        "moment": pl.Datetime("us", TIMEZONE)
    }
    with pytest.raises(TypeError, match="moment: expected instants, got String"):
        in_local_time(pl.Series("moment", ["2025-10-01 10:00"]))
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.DataFrame({"moment": ["2025-10-01 10:00"]}).select(in_local_time(pl.col("moment")))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.datetimes(min_value=datetime(1920, 1, 1), max_value=datetime(2200, 1, 1))),
        max_size=20,
    ),
    st.sampled_from(["UTC", "Asia/Kolkata", "America/New_York", None]),
)
def test_any_instants_are_shown_alike_in_polars(moments, zone):
    naive = pl.Series("moment", moments, dtype=pl.Datetime("us"))
    shown_both_ways(
        naive if zone is None else naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    )
