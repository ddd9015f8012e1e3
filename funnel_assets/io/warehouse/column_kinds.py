"""Column kinds: how a frame's columns are typed in the warehouse, serialised, and read back.

A column whose type the table's declaration gives (the catalogue, for every funnel table) is
written as that kind, and only when its values fit it; any other column is typed by its pandas
dtype. Either way it comes back the same when the table is read: text, whole numbers
(nullable), decimals, true/false (nullable), dates, timestamps, and timestamps with a time zone
(returned in Asia/Kolkata). Money is written as an exact amount with two decimals (a BI tool's
sum shows no float noise) and read back as decimals. Blank text is stored as NULL, as BI tools
expect. Both backends share these rules; only their SQL differs.

A Polars frame follows the same rules with its own kernels (`column_kind`, `misfit` and
`money_rounded` take a Polars series too; `polars_batch` is its `cast_to_kinds` + `arrow_batch`),
so a Polars frame lands as the same values as the pandas frame holding the same data. A float
NaN is missing, as pandas has it (Polars tells NaN from null: it is made null first).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import polars as pl
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


# Polars dtypes a text column is written from natively (cast to String); any other text-kind dtype (a list, a
# time of day, an object) is written from its pandas form, as the pandas path spells it (arrow_strings)
NATIVE_TEXT = (pl.String, pl.Categorical, pl.Enum, pl.Null)

# Polars type of each kind as the warehouse reads it back (docs: ENGINE.md, the engine's column types)
POLARS_TYPES = {
    "text": pl.String,
    "integer": pl.Int64,
    "float": pl.Float64,
    "money": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "timestamp": pl.Datetime("us"),
    "timestamptz": pl.Datetime("us", TIMEZONE),
}


def _polars_kind(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "float"
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    if dtype == pl.Date:
        return "date"
    return "text"


def nan_as_null(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with NaN in its float columns made null: missing, as pandas (and the warehouse) has it."""
    floats = [c for c, dtype in frame.schema.items() if dtype.is_float()]
    return frame.with_columns(pl.col(floats).fill_nan(None)) if floats else frame


def column_kind(series: pd.Series | pl.Series) -> str:
    """The warehouse kind of a column by its dtype: text, integer, float, boolean, date, timestamp(tz)
    (money is never inferred: the catalogue declares it). A pandas or a Polars series."""
    if isinstance(series, pl.Series):
        return _polars_kind(series.dtype)
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


def _whole_numbers(series: pd.Series | pl.Series) -> bool:
    if isinstance(series, pl.Series):
        numbers = series.cast(pl.Float64).fill_nan(None).drop_nulls()
        return bool((numbers.is_finite() & (numbers == numbers.round())).all())
    numbers = pd.to_numeric(series.dropna())
    return bool(np.isfinite(numbers).all() and (numbers == numbers.round()).all())


def _has_values(series: pd.Series | pl.Series) -> bool:
    if isinstance(series, pl.Series):
        values = series.fill_nan(None) if series.dtype.is_float() else series
        return values.null_count() < len(values)
    return bool(series.notna().any())


def fits_kind(series: pd.Series | pl.Series, kind: str) -> bool:
    """Whether a column may be written as `kind` with its values meaning what they meant: a column of that kind;
    one with no value at all (an empty table, a column left unfilled); whole numbers as decimals or money; and
    decimals that are all whole numbers (how pandas holds whole numbers with gaps) as whole numbers."""
    held = column_kind(series)
    if held == kind or not _has_values(series):
        return True
    if kind in ("float", "money"):
        return held in ("integer", "float")
    return kind == "integer" and held == "float" and _whole_numbers(series)


def misfit(series: pd.Series | pl.Series, kind: str) -> str | None:
    """What a column holds, in words, when it does not fit `kind` (None when it does)."""
    if fits_kind(series, kind):
        return None
    held = column_kind(series)
    engine = "polars" if isinstance(series, pl.Series) else "pandas"
    what = f"{KIND_WORDS[held]} ({engine} dtype {series.dtype})"
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
            raise _unfitting(table, column, kind, exc) from exc
        out[column] = series
    return out


def _unfitting(table: str, column: str, kind: str, exc: Exception) -> WarehouseError:
    return WarehouseError(
        f"Table '{table}', column '{column}': a value does not fit the column's type ({kind}) set by the first rows: "
        f"{exc}"
    )


def _money(series: pd.Series | pl.Series, table: str, column: str) -> pd.Series | pl.Series:
    """Amounts rounded to paise; one that is not a finite number, or is beyond NUMERIC(14,2), refused."""
    if isinstance(series, pl.Series):
        # the same numpy rounding as pandas', so both refuse the same amounts (nulls are NaN here, and not counted)
        amounts = series.cast(pl.Float64).to_numpy()
        beyond = ~(np.round(np.abs(amounts), MONEY_SCALE) < MONEY_LIMIT) & series.is_not_null().to_numpy()
    else:
        beyond = ~(series.abs().round(MONEY_SCALE) < MONEY_LIMIT) & series.notna()
    if beyond.any():
        raise WarehouseError(
            f"Table '{table}', column '{column}': {int(beyond.sum())} amount(s) are infinite or not below "
            f"{MONEY_LIMIT:,} (the most a money column holds); check the source's amounts."
        )
    return money_rounded(series)


def money_rounded(series: pd.Series | pl.Series) -> pd.Series | pl.Series:
    """Amounts (finite, within NUMERIC(14,2)) rounded to paise exactly as the warehouse gives them back:
    through the same decimal the table stores, so a step handed the frame in memory computes what a step
    reading the table would. A Polars series goes through the same Arrow cast, so both round alike."""
    if isinstance(series, pl.Series):
        exact = series.cast(pl.Float64).to_arrow().cast(MONEY_ARROW)
        return pl.from_arrow(exact.cast(pa.float64())).alias(series.name)
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


def _iso_format(series: pl.Series, zoned: bool) -> str:
    """The strftime format _timestamp_strings spells a batch's times in: microseconds only when some time has them."""
    fraction = "" if bool((series.dt.epoch("us") % 1_000_000 == 0).all()) else "%.6f"
    return f"%Y-%m-%dT%H:%M:%S{fraction}" + ("%:z" if zoned else "")


def _polars_column(series: pl.Series, kind: str, table: str) -> pl.Series:
    """One Polars column as polars_batch writes it (see arrow_batch for the pandas form it matches)."""
    name = series.name
    if kind == "text":
        if series.dtype not in NATIVE_TEXT and not isinstance(series.dtype, (pl.Categorical, pl.Enum)):
            # no Polars cast spells these as pandas' str() does: the pandas path's own text, for this column only
            return pl.Series(name, blank_as_null(arrow_strings(series.to_pandas())), dtype=pl.String)
        text = series.cast(pl.String)
        return pl.select(pl.when(text != "").then(text)).to_series().alias(name)
    if kind == "integer":
        return series.cast(pl.Int64)
    if kind == "float":
        return series.cast(pl.Float64)
    if kind == "money":
        return _money(series.cast(pl.Float64), table, name)
    if kind in ("boolean", "date"):
        return series.cast(POLARS_TYPES[kind])
    if not isinstance(series.dtype, pl.Datetime):  # no value at all (fits_kind): a null text column
        return series.cast(pl.String)
    if kind == "timestamptz":
        series = series.dt.convert_time_zone(TIMEZONE)
    series = series.dt.cast_time_unit("us")
    return series.dt.strftime(_iso_format(series, zoned=kind == "timestamptz"))


def polars_batch(batch: pl.DataFrame, kinds: dict[str, str], table: str) -> pl.DataFrame:
    """A Polars batch cast to its kinds and spelt as the warehouse takes it: what cast_to_kinds + arrow_batch give
    a pandas batch (blank text null, money to the paisa and refused beyond NUMERIC(14,2), times as ISO text with
    their offset, in Asia/Kolkata), with money as Float64 (exact to the paisa once rounded; polars_arrow makes it
    the decimal the exports write)."""
    columns = []
    for column, kind in kinds.items():
        try:
            columns.append(_polars_column(batch.get_column(column), kind, table))
        except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
            raise _unfitting(table, column, kind, exc) from exc
    return pl.DataFrame(columns)


def polars_arrow(batch: pl.DataFrame, kinds: dict[str, str]) -> pa.Table:
    """A polars_batch as the Arrow table arrow_batch makes of the same pandas batch (the same types, so the
    loads and CSV exports made from it are the same)."""
    table = batch.to_arrow()
    types = {**ARROW_TYPES, "money": MONEY_ARROW, "timestamp": pa.string(), "timestamptz": pa.string()}
    return pa.table([table.column(c).cast(types[kind]) for c, kind in kinds.items()], names=list(kinds))


def polars_from_arrow(columns: dict[str, pa.Array | pa.ChunkedArray], kinds: dict[str, str]) -> pl.DataFrame:
    """Arrow columns (as read back, or a frame's) as a Polars frame with the engine's column types
    (POLARS_TYPES): zoned times in Asia/Kolkata."""
    return polars_typed(pl.from_arrow(pa.table(columns)) if columns else pl.DataFrame(), kinds)


def polars_typed(frame: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
    """The frame's columns cast to the engine's type of their kind (POLARS_TYPES)."""
    return frame.with_columns(_engine_type(c, frame.schema[c], kind) for c, kind in kinds.items())


def _engine_type(column: str, dtype: pl.DataType, kind: str) -> pl.Expr:
    if kind != "timestamptz" or not isinstance(dtype, pl.Datetime):
        return pl.col(column).cast(POLARS_TYPES[kind])
    # instants: a naive time is UTC (as in_local_time has it), shown in Asia/Kolkata
    zoned = pl.col(column) if dtype.time_zone else pl.col(column).dt.replace_time_zone("UTC")
    return zoned.dt.convert_time_zone(TIMEZONE).dt.cast_time_unit("us")


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
