"""Column kinds: how a frame's columns are typed in the warehouse, serialised, and read back.

A column whose type the table's declaration gives (the catalogue, for every funnel table) is
written as that kind, and only when its values fit it; any other column is typed by its pandas
dtype. Either way it comes back the same when the table is read: text, whole numbers
(nullable), decimals, true/false (nullable), dates, timestamps, and timestamps with a time zone
(returned in Asia/Kolkata). Money is written as an exact amount with two decimals (a BI tool's
sum shows no float noise) and read back as decimals. Blank text is stored as NULL, as BI tools
expect. Both backends share these rules; only their SQL differs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from funnel_assets.io.warehouse.errors import WarehouseError
from funnel_assets.lib.clock import TIMEZONE, in_local_time
from funnel_assets.lib.text import arrow_strings, blank_as_null

# Arrow type of each column kind, as written to CSV and as read back (times as UTC instants).
ARROW_TYPES = {
    "text": pa.string(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "money": pa.float64(),  # read back as decimals; written as MONEY_ARROW
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
}

# Money as written: an exact amount with two decimals (NUMERIC(14,2) on PostgreSQL, `1234.50` in the exports).
MONEY_PRECISION, MONEY_SCALE = 14, 2
MONEY_ARROW = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
MONEY_LIMIT = 10 ** (MONEY_PRECISION - MONEY_SCALE)


def column_kind(series: pd.Series) -> str:
    """The warehouse kind of a column by its dtype: text, integer, float, boolean, date, timestamp(tz)
    (money is never inferred: the catalogue declares it)."""
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype):
        return "boolean"
    if ptypes.is_integer_dtype(dtype):
        return "integer"
    if ptypes.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if ptypes.is_datetime64_dtype(dtype):
        return "timestamp"
    inferred = ptypes.infer_dtype(series, skipna=True)
    return {
        "date": "date",
        "boolean": "boolean",
        "integer": "integer",
        "floating": "float",
        "mixed-integer-float": "float",
        "decimal": "float",
    }.get(inferred, "text")


def declared_type_kind(declared: str) -> str:
    declared = declared.upper()
    if "TIMESTAMPTZ" in declared or "WITH TIME ZONE" in declared:
        return "timestamptz"
    if "TIMESTAMP" in declared:
        return "timestamp"
    if declared == "DATE":
        return "date"
    if "BOOL" in declared:
        return "boolean"
    if "INT" in declared:
        return "integer"
    if "NUMERIC" in declared or "DECIMAL" in declared:
        return "money"
    if any(word in declared for word in ("DOUBLE", "REAL", "FLOAT")):
        return "float"
    return "text"


# Each kind in words, for a person reading why a table was refused.
KIND_WORDS = {
    "text": "text",
    "integer": "integer (whole numbers)",
    "float": "float (decimal numbers)",
    "money": "money (amounts)",
    "boolean": "boolean (true/false)",
    "date": "date",
    "timestamp": "timestamp without a time zone",
    "timestamptz": "timestamp (instants with their offset)",
}


def _whole_numbers(series: pd.Series) -> bool:
    numbers = pd.to_numeric(series.dropna())
    return bool(np.isfinite(numbers).all() and (numbers == numbers.round()).all())


def fits_kind(series: pd.Series, kind: str) -> bool:
    """Whether a column may be written as `kind` with its values meaning what they meant: a column of that kind;
    one with no value at all (an empty table, a column left unfilled); whole numbers as decimals or money; and
    decimals that are all whole numbers (how pandas holds whole numbers with gaps) as whole numbers."""
    held = column_kind(series)
    if held == kind or not series.notna().any():
        return True
    if kind in ("float", "money"):
        return held in ("integer", "float")
    return kind == "integer" and held == "float" and _whole_numbers(series)


def misfit(series: pd.Series, kind: str) -> str | None:
    """What a column holds, in words, when it does not fit `kind` (None when it does)."""
    if fits_kind(series, kind):
        return None
    held = column_kind(series)
    what = f"{KIND_WORDS[held]} (pandas dtype {series.dtype})"
    return f"{what}, not all of them whole" if kind == "integer" and held == "float" else what


def cast_to_kinds(frame: pd.DataFrame, kinds: dict[str, str], table: str) -> dict[str, pd.Series]:
    """The frame's columns cast to their kinds, ready to serialise (text is left as it is); as columns
    apart, since gathering fifty of them into a new frame copies them all."""
    out = {}
    for column, kind in kinds.items():
        series = frame[column]
        try:
            if kind == "integer":
                series = pd.to_numeric(series).astype("Int64")
            elif kind == "float":
                series = pd.to_numeric(series).astype("float64")
            elif kind == "money":
                series = _money(pd.to_numeric(series).astype("float64"), table, column)
            elif kind == "boolean":
                series = series.astype("boolean")
            # a column already of its kind is left as it is: to_datetime looks through the values of
            # even a datetime column (half a second per million rows)
            elif kind == "timestamptz":
                series = in_local_time(series)
            elif kind == "timestamp":
                if not ptypes.is_datetime64_dtype(series.dtype):
                    series = pd.to_datetime(series)
            elif kind == "date" and ptypes.infer_dtype(series, skipna=True) not in ("date", "empty"):
                series = pd.to_datetime(series).dt.date
        except (ValueError, TypeError) as exc:
            raise WarehouseError(
                f"Table '{table}', column '{column}': a value does not fit the column's type "
                f"({kind}) set by the first rows: {exc}"
            ) from exc
        out[column] = series
    return out


def _money(series: pd.Series, table: str, column: str) -> pd.Series:
    """Amounts rounded to paise; one that is not a finite number, or is beyond NUMERIC(14,2), refused."""
    beyond = ~(series.abs().round(MONEY_SCALE) < MONEY_LIMIT) & series.notna()
    if beyond.any():
        raise WarehouseError(
            f"Table '{table}', column '{column}': {int(beyond.sum())} amount(s) are infinite or not below "
            f"{MONEY_LIMIT:,} (the most a money column holds); check the source's amounts."
        )
    return money_rounded(series)


def money_rounded(series: pd.Series) -> pd.Series:
    """Amounts (finite, within NUMERIC(14,2)) rounded to paise exactly as the warehouse gives them back:
    through the same decimal the table stores, so a step handed the frame in memory computes what a step
    reading the table would."""
    exact = pa.array(series, type=pa.float64(), from_pandas=True).cast(MONEY_ARROW)
    return pd.Series(exact.cast(pa.float64()).to_numpy(zero_copy_only=False), index=series.index, name=series.name)


def _offset_text(seconds: float) -> str:
    sign, seconds = ("+" if seconds >= 0 else "-"), abs(int(seconds))
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _timestamp_strings(series: pd.Series) -> pa.Array:
    """ISO text of timestamps, null for missing; a zoned one keeps its offset (`...T09:30:00+05:30`).

    Arrow's cast formats a million timestamps in a tenth of a second, where pandas' own
    formatting of zoned timestamps (to_csv, astype(str)) takes seconds.
    """
    zoned = getattr(series.dt, "tz", None) is not None
    local = series.dt.tz_localize(None) if zoned else series
    values = local.to_numpy(dtype="datetime64[us]")
    missing = series.isna().to_numpy()
    whole_seconds = bool((values[~missing].astype("int64") % 1_000_000 == 0).all())
    unit = "s" if whole_seconds else "us"
    stamps = pa.array(values.astype(f"datetime64[{unit}]"), mask=missing)
    text = pc.replace_substring(stamps.cast(pa.string()), " ", "T", max_replacements=1)
    if zoned:
        offsets = (local - series.dt.tz_convert("UTC").dt.tz_localize(None)).dt.total_seconds()
        distinct = offsets.dropna().unique()
        if len(distinct) == 1:
            suffix = pa.scalar(_offset_text(distinct[0]))
        else:
            suffix = pa.array(offsets.map({o: _offset_text(o) for o in distinct}), type=pa.string(), from_pandas=True)
        text = pc.binary_join_element_wise(text, suffix, "")
    return text


def arrow_batch(batch: Mapping[str, pd.Series], kinds: dict[str, str]) -> pa.Table:
    """A cast batch (its columns by name) as Arrow columns, ready for CSV: text (blank as null) and
    timestamps as strings."""
    columns = []
    for column, kind in kinds.items():
        series = batch[column]
        if kind == "text":
            columns.append(blank_as_null(arrow_strings(series)))
        elif kind in ("timestamptz", "timestamp"):
            columns.append(_timestamp_strings(series))
        elif kind == "money":
            # an exact decimal: CSV writes it with two decimals, for COPY and the exports alike
            columns.append(pa.array(series, type=pa.float64(), from_pandas=True).cast(MONEY_ARROW))
        else:
            columns.append(pa.array(series, type=ARROW_TYPES[kind], from_pandas=True))
    return pa.table(columns, names=list(kinds))


def frame_from_arrow(columns: dict[str, pa.Array | pa.ChunkedArray], kinds: dict[str, str]) -> pd.DataFrame:
    """Arrow columns as the frame the table was written from: nullable whole numbers and
    true/false, dates as dates, zoned times in Asia/Kolkata, None for missing text."""
    frame = pa.table(columns).to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get,
        date_as_object=True,
        coerce_temporal_nanoseconds=True,
    )
    for column, kind in kinds.items():
        if kind == "timestamptz":
            frame[column] = frame[column].dt.tz_convert(TIMEZONE)
    return frame


def restore_dtypes(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    for column, kind in kinds.items():
        series = frame[column]
        if kind == "boolean":
            frame[column] = series.astype("boolean")
        elif kind == "integer":
            frame[column] = pd.to_numeric(series).astype("Int64")
        elif kind in ("float", "money"):
            frame[column] = pd.to_numeric(series).astype("float64")
        elif kind == "timestamptz":
            if not isinstance(series.dtype, pd.DatetimeTZDtype):
                series = pd.to_datetime(series, utc=True, format="ISO8601")
            frame[column] = series.dt.tz_convert(TIMEZONE)
        elif kind == "timestamp":
            if not ptypes.is_datetime64_dtype(series.dtype):
                series = pd.to_datetime(series, format="ISO8601")
            frame[column] = series
        elif kind == "date":
            frame[column] = pd.to_datetime(series, format="ISO8601").dt.date.astype(object)
            frame[column] = frame[column].where(series.notna(), None)
        else:
            frame[column] = series.astype(object).where(series.notna(), None)
    return frame
