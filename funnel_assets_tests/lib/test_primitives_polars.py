"""The Polars form of each primitive gives what its pandas form gives, value for value.

Each test runs the inputs of the pandas form's own tests (and generated text) through both forms: the same
nulls, the same instants (to the microsecond, Polars' unit), the same floats.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_assets import catalogue
from funnel_assets.lib import dates
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.columns import MissingColumnsError, resolve_columns
from funnel_assets.lib.dates import LOCAL_FORMATS, parse_local_datetimes
from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.funnel_mapping import (
    MISCELLANEOUS_FUNNEL,
    clean_funnel_mapping,
    funnel_key,
    map_funnel,
    source_key,
    spell_as_mapped,
)
from funnel_assets.lib.numbers import parse_amounts
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import clean_text, trimmed

fast = settings(max_examples=60, deadline=None)
WHITESPACE = "".join(c for c in map(chr, range(0x3100)) if c.isspace())
texts = st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(WHITESPACE + "aé☃1,.")), st.text()), max_size=30)


def through_polars(rule, values: list, *outputs: int) -> list:
    """`rule(pl.col("v"))` on the values as a String column (each output of a rule giving several)."""
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    result = rule(pl.col("v"))
    if outputs:
        return [frame.select(result[i].alias("out"))["out"].to_list() for i in outputs]
    assert frame.lazy().with_columns(result).collect_schema().names() == ["v"], "the result keeps the column's name"
    return frame.select(result)["v"].to_list()


def plain(values) -> list:
    """A pandas result as Python values, None where missing."""
    return [None if pd.isna(v) else v for v in values]


# text


def both_text(values: list) -> None:
    series = pd.Series(values, dtype=object)
    assert through_polars(trimmed, values) == plain(trimmed(series))
    assert through_polars(clean_text, values) == plain(clean_text(series))


def test_text_of_the_pandas_tests_is_cleaned_alike():
    values = ["\u00a0ACCA\u00a0\u00a0Webinar ", "9876543210", None, " ", "\x1cx\x1f", "a\u3000\u2028b"]
    both_text(values)
    assert through_polars(clean_text, values)[:4] == ["ACCA Webinar", "9876543210", None, None]


@fast
@given(texts)
def test_text_is_cleaned_alike_on_any_text(values):
    both_text(values)


# phones

PHONES = ["+91 98765-43210", "098765 43210", "919876543210", "98765 43210", "(987) 654-3210", "+1 415 555 0100"]
PHONES += ["12345", "", None, "not a phone", "٣٣٣٣٣ ९९९९९ 1", "९८७६५४३२१०"]


def both_phones(values: list) -> None:
    keys = phone_key(pd.Series(values, dtype=object))
    assert through_polars(phone_key, values) == plain(keys)
    assert through_polars(lambda v: user_id(phone_key(v)), values) == plain(user_id(keys))


def test_phones_of_the_pandas_tests_have_the_same_keys():
    both_phones(PHONES)
    assert through_polars(phone_key, PHONES)[:6] == ["9876543210"] * 5 + ["4155550100"]
    assert through_polars(lambda v: user_id(phone_key(v)), ["+91 98765-43210", "123"]) == ["919876543210", None]


@fast
@given(st.lists(st.one_of(st.none(), st.text(), st.text(alphabet="0123456789 +-()٣९")), max_size=40))
def test_phones_have_the_same_keys_on_any_text(values):
    both_phones(values)


# dates

DATES = [
    "2025-09-30T19:00:00Z",
    "2025-09-30T19:00:00+05:30",
    "03/11/2025 19:02:11",
    "03/11/2025",
    "Nov 3, 2025 07:02 PM",
    "nov 3, 2025 07:02 pm",
    "NOV 3, 2025 7:02 Pm",
    "Nov 3, 2025 12:00 AM",
    "Nov 3, 2025 12:30 PM",
    "Nov 3, 2025 7:02:61 PM",
    "03-11-2025 19:02",
    "14-09-2025",
    "3-9-2025",
    "3/9/2025 7:5:9",
    "2025-9-3",
    "2025-09-30T19:00Z",
    "2025-09-30 19:00:00 +05:30",
    "2026-08-01",
    "  2026-08-01 10:15:00 ",
    "2025-09-30\u00a019:00",
    "२०२५-09-30",
    "2025-09-30T19:00:00.123456789Z",
    "20250930T19:00Z",
    "2025/09/30 19:00-0530",
    "2025-09-30 19:00:60",
    "",
    None,
    "yesterday",
    "31/02/2025",
    "29/02/2024",
    "0001-01-01",
    "2025-02-30T10:00:00Z",
    "2025-09-30T19:00:00.5+05:30",
    "2025-09-30 19:00",
    "2025-09-30T24:00Z",
    "NaT",
]


def both_dates(values: list, formats: tuple[str, ...] = LOCAL_FORMATS) -> list:
    parsed = parse_local_datetimes(pd.Series(values, dtype=object), formats)
    # pandas holds nanoseconds, Polars microseconds: the Polars form drops the digits past the sixth
    expected = pl.from_pandas(parsed.dt.floor("us")).dt.cast_time_unit("us").to_list()
    result = through_polars(lambda v: parse_local_datetimes(v, formats), values)
    assert result == expected
    return result


def test_dates_of_the_pandas_tests_are_the_same_instants():
    result = both_dates(DATES)
    assert pl.Series(result).dtype == pl.Datetime("us", TIMEZONE)
    iso = [None if t is None else t.isoformat() for t in result]
    assert iso[:4] == [
        "2025-10-01T00:30:00+05:30",
        "2025-09-30T19:00:00+05:30",
        "2025-11-03T19:02:11+05:30",
        "2025-11-03T00:00:00+05:30",
    ]
    assert iso[4:10] == [
        "2025-11-03T19:02:00+05:30",
        "2025-11-03T19:02:00+05:30",
        "2025-11-03T19:02:00+05:30",
        "2025-11-03T00:00:00+05:30",
        "2025-11-03T12:30:00+05:30",
        "2025-11-03T19:03:01+05:30",
    ]
    assert iso[11] == "2025-09-14T00:00:00+05:30", "a day-first date with dashes is a date, not an offset"
    assert iso[25:29] == [None] * 4 and iso[29] == "2024-02-29T00:00:00+05:30" and iso[30] is None


def test_dates_in_other_formats_are_the_same_instants():
    formats = ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %H:%M", "%d %B %Y", "%Y-%m-%dT%H:%M:%S.%f")
    both_dates(["2025-09-30 07:05:09 pm", "2025-09-30 7:05", "3 november 2025", "2025-09-30T19:00:00.25", "x"], formats)


def test_now_and_today_are_unreadable():
    """pandas reads `now` and `today` as the moment it runs (its to_datetime's own words), which no source
    means; the Polars form leaves them empty."""
    assert through_polars(parse_local_datetimes, ["now", "today"]) == [None, None]


DATE_TOKENS = ["2025", "2024", "1900", "0001", "२०२५", "25", "9", "09", "1", "12", "13", "30", "31", "29", "0"]
DATE_TOKENS += ["60", "61", "7", "19", "24", "5", "123456789", "٣", "-", "/", ":", " ", "  ", "T", "t", ".", ","]
DATE_TOKENS += ["Z", "+05:30", "-0530", "+24:00", "Nov", "nov", "SEP", "AM", "pm", "PM", "\u00a0", "\t"]
date_like = st.lists(st.sampled_from(DATE_TOKENS), min_size=1, max_size=14).map("".join)
dated = st.builds(
    "{}{}{}{}{}{} {}:{}{}{}".format,
    st.sampled_from(["2025", "2024", "1", "03", "31", "29", "२०२५"]),
    st.sampled_from(["-", "/", ""]),
    st.sampled_from(["9", "09", "02", "12", "13", "Nov"]),
    st.sampled_from(["-", "/", " "]),
    st.sampled_from(["3", "30", "2025", "29"]),
    st.sampled_from(["", "T19:00", " 7:05:09"]),
    st.sampled_from(["1", "07", "12", "19", "23", "24"]),
    st.sampled_from(["5", "05", "59", "60"]),
    st.sampled_from(["", ":9", ":09", ":60", ":61", ":00.5", ":00.1234567"]),
    st.sampled_from(["", " AM", " pm", "Z", " +05:30", "-0530", "+0000"]),
)


@fast
@given(st.lists(st.one_of(st.none(), date_like, dated, st.text(max_size=12)), max_size=20))
def test_dates_are_the_same_instants_on_date_like_text(values):
    both_dates(values)


@fast
@given(st.lists(st.one_of(st.none(), date_like, dated), max_size=20))
def test_dates_are_the_same_instants_in_twelve_hour_formats(values):
    both_dates(values, ("%b %d, %Y %I:%M %p", "%Y-%m-%d %I:%M:%S %p", "%d/%m/%Y %I:%M %p"))


# Most columns hold canonical spellings, which a fast path reads with Polars' own strptime, and a few odd ones,
# left to the exact path: the column is split, so both kinds are mixed in one column here, around the edges
# of the fast path (padding, impossible days, leap years, the years pandas holds, hour 24, second 60).
padded = st.integers(0, 99).map("{:02d}".format)
# Asia/Kolkata's offset last changed in 1945; before, pandas' time zone data and Polars' differ (both forms'
# results differ there, with or without the fast path), so the forms are compared on later years
MODERN_YEARS = ["2025", "2024", "2000", "2100", "2199", "2200", "2262", "1946"]
EDGE_YEARS = ["1677", "1678", "1699", "1700", "1900", "1946", "2000", "2024", "2100", "2199", "2200", "2262"]
canonical = st.builds(
    lambda template, year, month, day, hour, minute, second, offset: template.format(
        Y=year, m=month, d=day, H=hour, I=hour, M=minute, S=second, z=offset, b=month_abbreviation(month)
    ),
    st.sampled_from(
        [
            "{Y}-{m}-{d} {H}:{M}:{S}",
            "{Y}-{m}-{d} {H}:{M}",
            "{Y}-{m}-{d}",
            "{Y}-{m}-{d}T{H}:{M}:{S}",
            "{Y}-{m}-{d}T{H}:{M}:{S}{z}",
            "{d}/{m}/{Y} {H}:{M}:{S}",
            "{d}/{m}/{Y} {H}:{M}",
            "{d}/{m}/{Y}",
            "{d}-{m}-{Y} {H}:{M}",
            "{d}-{m}-{Y}",
            "{b} {d}, {Y} {I}:{M} PM",
            "{b} {d}, {Y} {I}:{M}:{S} AM",
            "{b} {d}, {Y}",
        ]
    ),
    st.sampled_from(MODERN_YEARS),
    st.one_of(st.sampled_from(["01", "02", "09", "12"]), padded),
    st.one_of(st.sampled_from(["01", "28", "29", "30", "31"]), padded),
    st.one_of(st.sampled_from(["00", "12", "19", "23"]), padded),
    st.one_of(st.sampled_from(["00", "59"]), padded),
    st.one_of(st.sampled_from(["00", "59", "60", "61"]), padded),
    st.sampled_from(["Z", "+05:30", "-05:30", "+00:00", "-00:00", "+23:59", "+24:00", "+0530"]),
)


def month_abbreviation(month: str) -> str:
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return names[int(month) - 1] if 1 <= int(month) <= 12 else "Foo"


@fast
@given(st.lists(st.one_of(canonical, st.none(), date_like, dated), min_size=1, max_size=30), st.data())
def test_dates_are_the_same_instants_with_canonical_and_odd_spellings_in_one_column(values, data):
    result = both_dates(values)
    both_dates(values, ("%d-%m-%Y", "%m-%d-%Y", "%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S"))
    # Polars reads a column a chunk at a time: the chunks read alone give what the whole column gives
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=4)))
    pieces = [values[a:b] for a, b in zip([0, *cuts], [*cuts, len(values)], strict=True)]
    chunked = pl.concat([pl.Series("v", piece, dtype=pl.String) for piece in pieces], rechunk=False)
    assert chunked.to_frame().select(parse_local_datetimes(pl.col("v")))["v"].to_list() == result


def every_day_in_every_canonical_spelling(years: list[str]) -> list[str]:
    days = [(year, f"{month:02d}", f"{day:02d}") for year in years for month in range(0, 14) for day in range(0, 33)]
    spellings = ["{Y}-{m}-{d} 23:59:59", "{Y}-{m}-{d}", "{Y}-{m}-{d}T00:00:00Z", "{d}/{m}/{Y} 19:00", "{d}-{m}-{Y}"]
    spellings += ["{Y}-{m}-{d}T12:00:00-05:30", "{b} {d}, {Y} 12:00 AM"]
    return [
        spelling.format(Y=year, m=month, d=day, b=month_abbreviation(month))
        for spelling in spellings
        for year, month, day in days
    ]


def test_every_day_of_the_edge_years_is_the_same_instant_in_every_canonical_spelling():
    """Impossible days (31 April, 29 February of 2100) are left alike, and offered to the next format."""
    values = every_day_in_every_canonical_spelling(MODERN_YEARS)
    result = both_dates(values)
    assert sum(instant is not None for instant in result) > len(values) / 2


def test_the_fast_path_reads_what_the_exact_path_reads(monkeypatch):
    """Down to the first years pandas holds, where the forms' time zone data differ: the Polars form without its
    fast path gives the same instants."""
    values = every_day_in_every_canonical_spelling(EDGE_YEARS)
    fast_read = through_polars(parse_local_datetimes, values)
    monkeypatch.setattr(dates, "_strict_pattern", lambda fmt: None)
    monkeypatch.setattr(dates, "_STRICT_INSTANT", "^$")
    assert fast_read == through_polars(parse_local_datetimes, values)
    assert sum(instant is not None for instant in fast_read) > len(values) / 2


# numbers

AMOUNTS = ["1,234.50", "₹1,234.50", "Rs. 500", " 12 ", "", None, "n/a", "-3.5", "1,00,000", "INR 2,000", "rs5"]
AMOUNTS += ["nan", "inf", "-Infinity", "1e400", "1e5", ".5", "5.", "1_000", "१२", "ınr 7", "₹\u00a0100"]


# pandas' own number parser is not correctly rounded for some spellings (many digits, a large exponent: `3E81`
# reads 2.9999999999999996e+81), where the Polars form reads the nearest float: off by at most 4 units in the last
# place (measured on 200,000 random spellings of 1 to 15 digits with exponents -320 to 310)
PANDAS_PARSER_ULPS = 4


def _same_amount(polars_value, pandas_value) -> bool:
    if polars_value == pandas_value or (polars_value is None and pandas_value is None):
        return True
    if isinstance(polars_value, float) and isinstance(pandas_value, float):
        if math.isnan(polars_value) and math.isnan(pandas_value):
            return True
        finite = math.isfinite(polars_value) and math.isfinite(pandas_value)
        return finite and abs(polars_value - pandas_value) <= PANDAS_PARSER_ULPS * math.ulp(polars_value)
    return False


# pandas also refuses a zero with an exponent past the float range (`0E310`: unreadable); the Polars form reads 0.0
ZERO_PAST_THE_FLOAT_RANGE = re.compile(r"^[^1-9]*[eE][+-]?0*[1-9][0-9]{2,}")


def test_a_zero_with_an_exponent_past_the_float_range_is_zero():
    amounts, unreadable = through_polars(parse_amounts, ["0E310", "₹ 0.00e-400", "5e310"], 0, 1)
    assert amounts == [0.0, 0.0, None]
    assert unreadable == [False, False, True]


def both_amounts(values: list) -> None:
    values = [v for v in values if not (isinstance(v, str) and ZERO_PAST_THE_FLOAT_RANGE.search(v))]
    amounts, unreadable = parse_amounts(pd.Series(values, dtype=object))
    polars_amounts, polars_unreadable = through_polars(parse_amounts, values, 0, 1)
    pandas_amounts = plain(amounts)
    assert len(polars_amounts) == len(pandas_amounts)
    assert all(map(_same_amount, polars_amounts, pandas_amounts)), (polars_amounts, pandas_amounts)
    assert polars_unreadable == unreadable.tolist()


def test_amounts_of_the_pandas_tests_are_the_same_floats():
    both_amounts(AMOUNTS)
    amounts, unreadable = through_polars(parse_amounts, AMOUNTS[:8], 0, 1)
    assert amounts == [1234.5, 1234.5, 500.0, 12.0, None, None, None, -3.5]
    assert unreadable == [False, False, False, False, False, False, True, False]


AMOUNT_TOKENS = ["1", "0", "5", "9", "12345", "1,00,000", ",", ".", "e", "E", "+", "-", "₹", "Rs", "rs.", "INR"]
AMOUNT_TOKENS += ["ınr", " ", "\u00a0", "inf", "nan", "x", "e5", "e-3", "e308"]
amount_like = (
    st.lists(st.sampled_from(AMOUNT_TOKENS), min_size=1, max_size=8)
    .map("".join)
    # pandas' parser rounds more than 15 significant digits its own way (the Polars form rounds correctly)
    .filter(lambda text: sum(c.isdigit() for c in text) <= 15)
)


@fast
@given(st.lists(st.one_of(st.none(), amount_like, st.text(max_size=6)), max_size=20))
def test_amounts_are_the_same_floats_on_amount_like_text(values):
    both_amounts(values)


# distinct


@fast
@given(st.lists(st.one_of(st.none(), st.sampled_from(["Straße", "STRASSE", "ﬃ", "x"]), st.text()), max_size=30))
def test_per_distinct_gives_the_transform_of_each_value(values):
    def fold(distinct: pl.Series) -> pl.Series:
        return pl.Series([v.casefold() for v in distinct.to_list()], dtype=pl.String)

    expected = plain(per_distinct(pd.Series(values, dtype=object), lambda d: d.str.casefold()))
    assert through_polars(lambda v: per_distinct(v, fold), values) == expected
    assert expected == [None if v is None else v.casefold() for v in values]


# funnel mapping

MAPPING = clean_funnel_mapping(
    pd.DataFrame(
        [
            ["ACCA_Webinar_Meta", "ACCA Webinar", ""],
            ["ACCA_FinProClub", "ACCA Webinar", "yes"],
            ["ACCA_Webinar_YouTube", "ACCA webinar", ""],
            ["CFA_Webinar_Meta", "CFAWebinar", ""],
            ["CFA_Webinar_Google", "CFA Webinar", ""],
            ["Straße", "Street", ""],
            ["Walk_in", "other sources (miscellaneous)", ""],
        ],
        columns=["source", "funnel", "deprecated"],
    )
)
SOURCES = ["  acca_webinar_META ", "ACCA_FinProClub", "walk-in", "", None, "STRASSE", "strasse ", "Walk_in"]
SOURCES += ["CFA_Webinar_Meta", "acca_webinar\u00a0meta", "ACCA_Webinar_YouTube"]
source_like = st.text(alphabet=st.sampled_from("ACacß S_\u00a0\tﬃİ"), max_size=8)


def both_mapped(values: list) -> None:
    series = pd.Series(values, dtype=object)
    assert through_polars(source_key, values) == plain(source_key(series))
    assert through_polars(funnel_key, values) == plain(funnel_key(series))
    expected = map_funnel(series, MAPPING).tolist()
    assert through_polars(lambda v: map_funnel(v, MAPPING), values) == expected
    assert through_polars(lambda v: map_funnel(v, pl.from_pandas(MAPPING)), values) == expected


def test_sources_of_the_pandas_tests_map_alike():
    both_mapped(SOURCES)
    assert through_polars(lambda v: map_funnel(v, MAPPING), SOURCES) == [
        "ACCA Webinar",
        "ACCA Webinar",
        MISCELLANEOUS_FUNNEL,
        MISCELLANEOUS_FUNNEL,
        MISCELLANEOUS_FUNNEL,
        "Street",
        "Street",
        MISCELLANEOUS_FUNNEL,
        "CFAWebinar",  # the first seen of two spellings each used once
        MISCELLANEOUS_FUNNEL,  # a no-break space is a space, not the mapping's underscore
        "ACCA Webinar",
    ]


@fast
@given(st.lists(st.one_of(st.none(), source_like, st.text(max_size=8)), max_size=20))
def test_sources_map_alike_on_any_text(values):
    both_mapped(values)


def both_spelled(values: list) -> tuple[list, dict]:
    spelled, respelled = spell_as_mapped(pd.Series(values, dtype=object), MAPPING)
    for mapping in (MAPPING, pl.from_pandas(MAPPING)):
        polars_spelled, polars_respelled = spell_as_mapped(pl.Series("funnel", values, dtype=pl.String), mapping)
        assert polars_spelled.dtype == pl.String and polars_spelled.name == "funnel"
        assert polars_spelled.to_list() == plain(spelled)
        assert polars_respelled == respelled
    return plain(spelled), respelled


def test_funnels_of_the_pandas_tests_take_the_mapping_spelling_alike():
    spelled, respelled = both_spelled(["ACCA webinar", "CFA Webinar", "New Funnel", None, "ACCA  WEBINAR", "STREET"])
    assert spelled == ["ACCA Webinar", "CFAWebinar", "New Funnel", None, "ACCA Webinar", "Street"]
    assert respelled == {
        "ACCA webinar": "ACCA Webinar",
        "CFA Webinar": "CFAWebinar",
        "ACCA  WEBINAR": "ACCA Webinar",
        "STREET": "Street",
    }


@fast
@given(st.lists(st.one_of(st.none(), st.sampled_from(["acca WEBINAR", "Other Sources(Miscellaneous)"]), source_like)))
def test_funnels_take_the_mapping_spelling_alike_on_any_text(values):
    both_spelled(values)


# columns


def full(contract: catalogue.Source) -> pd.DataFrame:
    return pd.DataFrame([[f.name for f in contract.fields]], columns=[f.header for f in contract.fields], dtype=object)


def both_resolved(raw: pd.DataFrame, contract: catalogue.Source) -> None:
    try:
        expected = resolve_columns(raw, contract, label="the test source")
    except MissingColumnsError as refused:
        with pytest.raises(type(refused)) as raised:
            resolve_columns(pl.from_pandas(raw), contract, label="the test source")
        assert str(raised.value) == str(refused)
        return
    resolved = resolve_columns(pl.from_pandas(raw), contract, label="the test source")
    assert isinstance(resolved.frame, pl.DataFrame)
    assert resolved.frame.columns == list(expected.frame.columns)
    assert resolved.frame.rows() == list(expected.frame.itertuples(index=False, name=None))
    assert resolved.others == expected.others


@pytest.mark.parametrize("contract", catalogue.SOURCES, ids=lambda s: s.table)
def test_columns_of_the_pandas_tests_resolve_alike(contract):
    raw = full(contract)
    both_resolved(raw, contract)
    for field in contract.fields:
        alike = field.header.upper() if field.header != field.header.upper() else field.header.lower()
        both_resolved(raw.rename(columns={field.header: alike}), contract)  # a unique look-alike
        both_resolved(raw.assign(**{alike: ""}), contract)  # an exact header past a look-alike
        both_resolved(raw.rename(columns={field.header: alike}).assign(**{f"{field.header}_": "x"}), contract)
        both_resolved(raw.assign(**{f"{field.header}.1": ""}), contract)  # a repeated header
        both_resolved(raw.drop(columns=field.header).assign(Canary="x"), contract)  # a missing field
    both_resolved(raw.assign(Phone="x", funnel="y", source="z"), contract)


@fast
@given(st.data())
def test_columns_resolve_alike_for_any_headers(data):
    contract = data.draw(st.sampled_from(catalogue.SOURCES))
    spellings = [s for f in contract.fields for s in (f.header, f.header.upper(), f"{f.header}.1", f"{f.header} (2)")]
    headers = data.draw(st.lists(st.one_of(st.sampled_from(spellings), st.text(max_size=6)), unique=True, max_size=12))
    both_resolved(pd.DataFrame([[f"v{i}" for i in range(len(headers))]], columns=headers, dtype=object), contract)
