"""Dates and times as the sources write them, made into Asia/Kolkata timestamps.

Sheets, CRMs and spreadsheet programs write the same moment many ways. A value that
carries an offset (`2025-09-30T19:00:00Z`) is converted to Asia/Kolkata; a value
without one is taken as Asia/Kolkata local time, as the team enters it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import overload

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from pandas._libs.tslibs.strptime import TimeRE

from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.text import WHITESPACE_CLASS, named_as, trimmed, trimmed_strings

# Tried in order; the first that reads a value wins. Day-first, as India writes dates.
LOCAL_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y",
)

# an offset follows a time of day: without the time, `14-09-2025` would read as a date ending in the offset "-2025"
_HAS_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?(?:Z|[+-]\d{2}:?\d{2})$"


def _instants(text: pa.Array) -> pd.DatetimeIndex:
    """ISO 8601 text with an offset, as UTC instants; NaT where a value is not one.

    Arrow reads a million such values in a hundredth of a second, pandas in half a second; when
    Arrow refuses one (an unusual spelling), pandas reads them all, coercing what it cannot."""
    try:
        return pd.DatetimeIndex(text.cast(pa.timestamp("ns", tz="UTC")).to_pandas())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_datetime(text.to_numpy(zero_copy_only=False), utc=True, format="ISO8601", errors="coerce")


@overload
def parse_local_datetimes(values: pd.Series, formats: tuple[str, ...] = LOCAL_FORMATS) -> pd.Series: ...
@overload
def parse_local_datetimes(values: pl.Expr, formats: tuple[str, ...] = LOCAL_FORMATS) -> pl.Expr: ...
def parse_local_datetimes(values, formats=LOCAL_FORMATS):
    """Asia/Kolkata timestamps; NaT where a value is blank or in no known format.

    With a `pl.Expr`: a Datetime("us", "Asia/Kolkata") expression, null where the pandas form gives NaT
    (sub-microsecond digits are dropped), reading exactly what the pandas form reads."""
    if isinstance(values, pl.Expr):
        return _polars_datetimes(values, formats)
    text = trimmed_strings(values)
    strings = text.to_numpy(zero_copy_only=False)
    present = pc.is_valid(text).to_numpy(zero_copy_only=False)
    with_offset = pc.fill_null(pc.match_substring_regex(text, _HAS_OFFSET), False).to_numpy(zero_copy_only=False)
    result = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {TIMEZONE}]")
    if with_offset.any():
        result.iloc[np.flatnonzero(with_offset)] = _instants(text.filter(pa.array(with_offset))).tz_convert(TIMEZONE)

    # positions still unread; each format is tried on what the formats before it left
    pending = np.flatnonzero(present & ~with_offset)
    local = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    for fmt in formats:
        if not len(pending):
            break
        parsed = pd.to_datetime(strings[pending], format=fmt, errors="coerce")
        read = ~np.asarray(parsed.isna())
        local[pending[read]] = parsed[read].to_numpy(dtype="datetime64[ns]")
        pending = pending[~read]
    read_locally = ~np.isnat(local)
    if read_locally.any():
        result.iloc[np.flatnonzero(read_locally)] = pd.DatetimeIndex(local[read_locally]).tz_localize(TIMEZONE)
    return result


# The Polars form reads what the pandas form reads. pandas reads a value in a format with Python's strptime
# regular expressions (pandas' TimeRE: ignoring case, a space in the format is any run of whitespace, \d any
# decimal digit) and the numbers they capture; it reads a value with an offset with its ISO 8601 parser. Polars'
# own strptime (chrono) differs in many small ways (widths, whitespace, leap seconds), so the same regular
# expressions capture the numbers here, and the instant is built from them.

# pandas' nanosecond range, which a naive time must lie in (the pandas form gives NaT outside it)
_EARLIEST = datetime(1677, 9, 21, 0, 12, 43, 145225)
_LATEST = datetime(2262, 4, 11, 23, 47, 16, 854775)
_MONTHS = {
    name: n
    for n, name in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_FULL_MONTHS = {
    name: n
    for n, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
_DAYS_IN_MONTH = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_READ_FIELDS = set("YmdHIMSfbBp")

# an offset value as pandas' ISO 8601 parser reads it, among those _HAS_OFFSET lets through (which have a time
# with minutes and end in Z or an offset of hours and minutes): the year-month-day separator is one of -./\ and
# space, or none with two-digit month and day; hours, minutes and seconds may have one digit; a fraction up to 18
_ISO_WITH_OFFSET = (
    r"^(?P<Y>[0-9]{4})"
    r"(?:(?P<sep1>[-./\\ ])(?P<m>[0-9]{1,2})(?P<sep2>[-./\\ ])(?P<d>[0-9]{1,2})|(?P<mm>[0-9]{2})(?P<dd>[0-9]{2}))"
    r"[T ](?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2})(?::(?P<S>[0-9]{1,2})(?:\.(?P<f>[0-9]{1,18}))?)?"
    r"[\t\n\f\r ]?(?:Z|(?P<sign>[+-])(?P<zh>[0-9]{2}):?(?P<zm>[0-9]{2}))$"
)
# _HAS_OFFSET as Arrow's RE2 reads it: \d and \s ASCII only
_HAS_OFFSET_ASCII = _HAS_OFFSET.replace(r"\d", "[0-9]").replace(r"\s", r"[\t\n\f\r ]")


@functools.cache
def _digit_values() -> dict[str, str]:
    """Every decimal digit that is not ASCII -> its ASCII digit: Python's int() reads them, as pandas does."""
    digits = re.findall(r"\d", "".join(map(chr, range(0x80, 0x110000))))
    return {digit: str(unicodedata.digit(digit)) for digit in digits}


def _number(text: pl.Expr, unicode_digits: bool) -> pl.Expr:
    """A captured number; only a batch holding a digit that is not ASCII pays for translating them."""
    if unicode_digits:
        text = pl.when(text.str.contains("[^0-9]")).then(text.str.replace_many(_digit_values())).otherwise(text)
    return text.cast(pl.Int64, strict=False)


@functools.cache
def _format_pattern(fmt: str) -> tuple[str, tuple[str, ...]]:
    """The regular expression pandas reads `fmt` with, for Rust's regex, and its fields."""
    python = TimeRE().pattern(fmt)
    fields = tuple(re.compile(python).groupindex)
    unknown = set(fields) - _READ_FIELDS
    if unknown:
        raise ValueError(f"the Polars form of parse_local_datetimes cannot read %{', %'.join(sorted(unknown))}")
    # Python's \s is WHITESPACE_CLASS; its \d (any decimal digit) is Rust's \d; pandas matches ignoring case
    return f"(?i)^(?:{python.replace(chr(92) + 's', WHITESPACE_CLASS)})$", fields


def _valid_day(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = month.replace_strict(_DAYS_IN_MONTH, default=0, return_dtype=pl.Int64) + (leap & (month == 2)).cast(pl.Int64)
    return month.is_between(1, 12) & day.is_between(1, days)


def _naive(
    year: pl.Expr,
    month: pl.Expr,
    day: pl.Expr,
    hour: pl.Expr,
    minute: pl.Expr,
    second: pl.Expr,
    microsecond: pl.Expr,
) -> pl.Expr:
    """The wall time, null where the day does not exist or pandas could not hold it (nanoseconds since 1970);
    seconds 60 and 61 run on into the next minute, as pandas lets them."""
    valid = _valid_day(year, month, day) & year.is_between(_EARLIEST.year, _LATEST.year)
    date = pl.date(pl.when(valid).then(year), pl.when(valid).then(month), pl.when(valid).then(day))
    clock = pl.duration(hours=hour, minutes=minute, seconds=second, microseconds=microsecond, time_unit="us")
    wall = date.cast(pl.Datetime("us")) + clock
    return pl.when(wall.is_between(_EARLIEST, _LATEST)).then(wall)


def _microseconds(fraction: str, unicode_digits: bool = False) -> pl.Expr:
    """A fraction's first six digits as microseconds (`.5` is 500000); 0 where there is none."""
    digits = pl.col(fraction).str.slice(0, 6)
    return (_number(digits, unicode_digits) * 10 ** (6 - digits.str.len_chars())).fill_null(0)


def _captured(rows: pl.DataFrame, pattern: str) -> pl.DataFrame:
    """The groups `pattern` captures in each row's text, one column a group (null where it does not match)."""
    return rows.select(pl.col("text").str.extract_groups(pattern).alias("captured")).unnest("captured")


def _read_format(rows: pl.DataFrame, fmt: str, unicode_digits: bool) -> pl.Series:
    """Each row's text read in `fmt` as pandas reads it: naive Datetime("us"), null where it does not read."""
    pattern, fields = _format_pattern(fmt)

    def number(name: str, default: int) -> pl.Expr:
        return _number(pl.col(name), unicode_digits) if name in fields else pl.lit(default, pl.Int64)

    def month_name(name: str, months: dict[str, int]) -> pl.Expr:
        # Python lower-cases the name and looks it up: a look-alike the regex took ignoring case (ſep) fails
        return pl.col(name).str.to_lowercase().replace_strict(months, default=None, return_dtype=pl.Int64)

    month = month_name("b", _MONTHS) if "b" in fields else month_name("B", _FULL_MONTHS) if "B" in fields else None
    month = number("m", 1) if month is None else month
    hour = number("H", 0)
    if "I" in fields:
        # 12 AM is midnight, 12 PM noon; without %p the hour is taken as AM
        afternoon = pl.col("p").str.to_lowercase() == "pm" if "p" in fields else pl.lit(False)
        hour = number("I", 0) % 12 + pl.when(afternoon).then(12).otherwise(0)
    microsecond = _microseconds("f", unicode_digits) if "f" in fields else pl.lit(0, pl.Int64)
    wall = _naive(number("Y", 1900), month, number("d", 1), hour, number("M", 0), number("S", 0), microsecond)
    # every group of pandas' patterns is mandatory: the first is null only where the text does not match
    return _captured(rows, pattern).select(pl.when(pl.col(fields[0]).is_not_null()).then(wall).alias("wall"))["wall"]


def _read_instants(rows: pl.DataFrame) -> pl.Series:
    """Each row's text, which has an offset, as pandas' ISO 8601 parser reads it: UTC Datetime("us"), null where
    it does not read."""

    def field(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Int64, strict=False)

    separated = pl.col("sep1").is_not_null()
    month = pl.when(separated).then(field("m")).otherwise(field("mm"))
    day = pl.when(separated).then(field("d")).otherwise(field("dd"))
    second = field("S").fill_null(0)
    offset_hours, offset_minutes = field("zh").fill_null(0), field("zm").fill_null(0)
    in_range = (
        pl.when(separated).then(pl.col("sep1") == pl.col("sep2")).otherwise(True)
        & (field("H") < 24)
        & (field("M") < 60)
        & (second < 60)
        & (offset_hours < 24)
        & (offset_minutes < 60)
    )
    wall = _naive(field("Y"), month, day, field("H"), field("M"), second, _microseconds("f"))
    sign = pl.when(pl.col("sign") == "-").then(-1).otherwise(1)
    offset = pl.duration(minutes=sign * (offset_hours * 60 + offset_minutes), time_unit="us")
    instants = pl.when(in_range).then(wall - offset).dt.replace_time_zone("UTC").alias("instant")
    return _captured(rows, _ISO_WITH_OFFSET).select(instants)["instant"]


# The fast path. Most columns hold one or two canonical spellings (`2025-09-30 19:00:00`, `2025-09-30T19:00:00Z`,
# `30/09/2025 19:00`): zero-padded numbers whose every value pandas' pattern takes too, one space, a year pandas
# holds whole. On such text the regular expression captures the same numbers chrono reads, so Polars' own
# strptime gives the same instant, or null where the day does not exist (31/02), as the exact path does. The fast
# path only decides what it reads; the rest (and what it could not read) goes on to the exact path untouched.
_STRICT_FIELDS = {
    "Y": "(?:1[7-9]|2[01])[0-9]{2}",
    "m": "(?:0[1-9]|1[0-2])",
    "b": "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
    "d": "(?:0[1-9]|[12][0-9]|3[01])",
    "H": "(?:[01][0-9]|2[0-3])",
    "I": "(?:0[1-9]|1[0-2])",
    "M": "[0-5][0-9]",
    "S": "[0-5][0-9]",
    "p": "(?:AM|PM)",
}
# the sets of fields chrono needs to build a datetime, and which pandas reads the same way
_STRICT_FIELD_SETS = [set(date) | set(time) for date in ("Ymd", "Ybd") for time in ("", "HM", "HMS", "IMp", "IMSp")]
# a date and time with an offset, as canonical writers spell it: `%#z` is chrono's offset that also takes Z
_STRICT_INSTANT = (
    f"^{_STRICT_FIELDS['Y']}-{_STRICT_FIELDS['m']}-{_STRICT_FIELDS['d']}"
    f"T{_STRICT_FIELDS['H']}:[0-5][0-9]:[0-5][0-9](?:Z|[+-]{_STRICT_FIELDS['H']}:[0-5][0-9])$"
)
_STRICT_INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S%#z"


@functools.cache
def _strict_pattern(fmt: str) -> str | None:
    """A regular expression for the canonical spellings of `fmt` (see above), or None where `fmt` has no fast path.

    Fields are fixed-width and parted by a literal that is no digit, so a text it matches splits into fields one
    way only, the way pandas' pattern splits it too."""
    parts = re.split(r"(%.)", fmt)
    fields, literals = parts[1::2], parts[0::2]
    if any(not re.fullmatch(r"%[A-Za-z]", field) or field[1] not in _STRICT_FIELDS for field in fields):
        return None
    names = [field[1] for field in fields]
    if len(set(names)) != len(names) or set(names) not in _STRICT_FIELD_SETS:
        return None
    if literals[0] or literals[-1] or not all(re.fullmatch(r"[-/:T, ]+", literal) for literal in literals[1:-1]):
        return None
    # the literals are no regular expression's metacharacters
    body = "".join(literal + _STRICT_FIELDS[name] for literal, name in zip(literals[:-1], names, strict=True))
    return f"^{body}$"


def _read_series(text: pl.Series, formats: tuple[str, ...]) -> pl.Series:
    """The trimmed texts read as the pandas form reads them: each format tried on what the formats before it left.

    Polars calls this once a chunk, often of a few hundred rows: Series operations, and a step skipped where no
    row is for it, keep that cheap."""
    read_rows: list[pl.Series] = []
    read_instants: list[pl.Series] = []

    def keep(rows: pl.Series, text: pl.Series, instants: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Keep the instants read; the rows and text of those that were not."""
        done = instants.is_not_null()
        read_rows.append(rows.filter(done))
        read_instants.append(instants.filter(done))
        return rows.filter(~done), text.filter(~done)

    def offer(
        rows: pl.Series, text: pl.Series, pattern: str, read: Callable[[pl.Series], pl.Series]
    ) -> tuple[pl.Series, pl.Series]:
        """`read` the texts that match `pattern`; the rows and text left, in no particular order."""
        matches = text.str.contains(pattern)
        if not matches.any():
            return rows, text
        left_rows, left_text = keep(rows.filter(matches), text.filter(matches), read(text.filter(matches)))
        return pl.concat([rows.filter(~matches), left_rows]), pl.concat([text.filter(~matches), left_text])

    def native_instants(text: pl.Series) -> pl.Series:
        instants = text.str.to_datetime(_STRICT_INSTANT_FORMAT, time_unit="us", time_zone="UTC", strict=False)
        return instants.dt.convert_time_zone(TIMEZONE)

    def exact_instants(text: pl.Series) -> pl.Series:
        return _read_instants(pl.DataFrame({"text": text})).dt.convert_time_zone(TIMEZONE)

    rows = pl.int_range(0, len(text), dtype=pl.UInt32, eager=True)
    with_offset = text.str.contains(_HAS_OFFSET_ASCII).fill_null(False)
    unicode_digits = bool(text.str.contains("[^\\x00-\\x7f]").any())
    offset_rows, offset_text = offer(
        rows.filter(with_offset), text.filter(with_offset), _STRICT_INSTANT, native_instants
    )
    if len(offset_rows):
        keep(offset_rows, offset_text, exact_instants(offset_text))
    local = ~with_offset & text.is_not_null()
    pending_rows, pending_text = rows.filter(local), text.filter(local)
    for fmt in formats:
        if not len(pending_rows):
            break

        def native(text: pl.Series, fmt: str = fmt) -> pl.Series:
            return text.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.replace_time_zone(TIMEZONE)

        def exact(text: pl.Series, fmt: str = fmt) -> pl.Series:
            return _read_format(pl.DataFrame({"text": text}), fmt, unicode_digits).dt.replace_time_zone(TIMEZONE)

        strict = _strict_pattern(fmt)
        if strict is not None:
            pending_rows, pending_text = offer(pending_rows, pending_text, strict, native)
        # a plain match is far cheaper than capturing groups: capture only in the rows that match
        pending_rows, pending_text = offer(pending_rows, pending_text, _format_pattern(fmt)[0], exact)
    instants = pl.Series(text.name, [], dtype=pl.Datetime("us", TIMEZONE)).extend_constant(None, len(text))
    if read_rows:
        instants.scatter(pl.concat(read_rows), pl.concat(read_instants))
    return instants


def _polars_datetimes(values: pl.Expr, formats: tuple[str, ...]) -> pl.Expr:
    # one batch at a time, so that each format reads only what the formats before it left, as in pandas
    instants = trimmed(values).map_batches(
        lambda text: _read_series(text, formats), return_dtype=pl.Datetime("us", TIMEZONE), is_elementwise=True
    )
    return named_as(instants, values)
