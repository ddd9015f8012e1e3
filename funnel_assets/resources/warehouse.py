"""The warehouse: where every funnel table lands for BI tools.

One SQLAlchemy URL picks the database: an embedded SQLite file by default, PostgreSQL
(schema `funnel`) in production. Every write replaces a whole table atomically: rows
are loaded into a staging table and swapped in within one transaction, so a reader
sees yesterday's table or today's, never a half-written or empty one, and a failure
mid-write leaves the previous table in place.

Column types follow the pandas dtypes of the frame written, and come back the same
when the table is read: text, whole numbers (nullable), decimals, true/false
(nullable), dates, timestamps, and timestamps with a time zone (returned in
Asia/Kolkata). Blank text is stored as NULL, as BI tools expect.
"""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pandas.api import types as ptypes
from pydantic import Field, PrivateAttr
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url

from funnel_assets.lib.text import arrow_strings, blank_as_null
from funnel_assets.settings import TIMEZONE, default_warehouse_url

# Rows per COPY / executemany batch: bounds the memory of one batch's CSV text.
WRITE_BATCH_ROWS = 200_000
# Bytes handed to the PostgreSQL driver per call during COPY (its default, 8 KB, costs many calls).
COPY_CHUNK_BYTES = 1 << 20

T = TypeVar("T")

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Declared SQL type of each column kind, per dialect. The names are read back to
# restore the pandas dtype, so SQLite keeps them verbatim as declared types.
_SQL_TYPES = {
    "postgresql": {
        "text": "TEXT",
        "integer": "BIGINT",
        "float": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "timestamptz": "TIMESTAMPTZ",
    },
    "sqlite": {
        "text": "TEXT",
        "integer": "BIGINT",
        "float": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "timestamptz": "TIMESTAMPTZ",
    },
}


# Arrow type of each column kind, as written to CSV and as read back (times as UTC instants).
_ARROW_TYPES = {
    "text": pa.string(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
}


class WarehouseError(Exception):
    """A table could not be written or read; the message says which and why."""


def normalise_url(url: str) -> URL:
    """Parse a SQLAlchemy URL, pointing a plain `postgresql://` at psycopg2.

    SQLAlchemy 2.1 maps the bare `postgresql://` prefix to psycopg 3, but the project
    installs psycopg2 (whose COPY the loader uses), so a URL pasted as-is must work.
    """
    parsed = make_url(url.strip())
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def column_kind(series: pd.Series) -> str:
    """The warehouse kind of a column: text, integer, float, boolean, date, timestamp(tz)."""
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


def _declared_type_kind(declared: str) -> str:
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
    if any(word in declared for word in ("DOUBLE", "REAL", "FLOAT", "NUMERIC", "DECIMAL")):
        return "float"
    return "text"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _check_table_name(name: str) -> None:
    if not _TABLE_NAME.match(name):
        raise WarehouseError(f"'{name}' is not a valid table name (lower-case letters, digits, _).")


def _check_columns(frame: pd.DataFrame, table: str) -> list[str]:
    columns = [str(c) for c in frame.columns]
    if not columns:
        raise WarehouseError(f"Table '{table}': the data has no columns.")
    if any(not c.strip() for c in columns):
        raise WarehouseError(f"Table '{table}': a column has a blank name.")
    lowered = pd.Series([c.lower() for c in columns])
    if lowered.duplicated().any():
        dupes = sorted(set(lowered[lowered.duplicated()]))
        raise WarehouseError(f"Table '{table}': duplicate column names {dupes}.")
    return columns


def _for_database(frame: pd.DataFrame, kinds: dict[str, str], table: str) -> pd.DataFrame:
    """The frame's values cast to its columns' kinds, ready to serialise (text is left as it is)."""
    out = {}
    for column, kind in kinds.items():
        series = frame[column]
        try:
            if kind == "integer":
                series = pd.to_numeric(series).astype("Int64")
            elif kind == "float":
                series = pd.to_numeric(series).astype("float64")
            elif kind == "boolean":
                series = series.astype("boolean")
            elif kind == "timestamptz":
                series = pd.to_datetime(series, utc=True).dt.tz_convert(TIMEZONE)
            elif kind == "timestamp":
                series = pd.to_datetime(series)
            elif kind == "date":
                series = pd.to_datetime(series).dt.date
        except (ValueError, TypeError) as exc:
            raise WarehouseError(
                f"Table '{table}', column '{column}': a value does not fit the column's type "
                f"({kind}) set by the first rows: {exc}"
            ) from exc
        out[column] = series
    return pd.DataFrame(out, index=frame.index)


def _batches(data: pd.DataFrame | Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    if isinstance(data, pd.DataFrame):
        for start in range(0, max(len(data), 1), WRITE_BATCH_ROWS):
            yield data.iloc[start : start + WRITE_BATCH_ROWS]
    else:
        yield from data


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


def _arrow_batch(batch: pd.DataFrame, kinds: dict[str, str]) -> pa.Table:
    """A cast batch as Arrow columns, ready for CSV: text (blank as null) and timestamps as strings."""
    columns = []
    for column, kind in kinds.items():
        series = batch[column]
        if kind == "text":
            columns.append(blank_as_null(arrow_strings(series)))
        elif kind in ("timestamptz", "timestamp"):
            columns.append(_timestamp_strings(series))
        else:
            columns.append(pa.array(series, type=_ARROW_TYPES[kind], from_pandas=True))
    return pa.table(columns, names=list(kinds))


def _csv_bytes(table: pa.Table) -> bytes:
    """CSV without a header; every string quoted, so a blank (null) is an unquoted empty field and
    no value (say a line reading \\.) can be mistaken for COPY syntax."""
    out = pa.BufferOutputStream()
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue().to_pybytes()


@dataclass(frozen=True)
class _Prepared:
    """One batch cast to its columns' kinds, as Arrow columns and (for COPY and the export) as CSV."""

    arrow: pa.Table
    csv: bytes


def _exporting(prepared: Iterator[_Prepared], path: Path, columns: list[str]) -> Iterator[_Prepared]:
    """Pass the batches through, appending each one's CSV to the export at `path` on the way."""
    with path.open("wb") as out:
        out.write(_csv_header(columns))
        for batch in prepared:
            out.write(batch.csv)
            yield batch


def _csv_header(columns: list[str]) -> bytes:
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(columns)
    return line.getvalue().encode("utf-8")


def _sqlite_rows(table: pa.Table, kinds: dict[str, str]) -> list[tuple]:
    """Rows as Python values sqlite3 stores: ISO text for dates and times, 0/1 for booleans."""
    columns = [
        column.cast(pa.string()) if kind == "date" else column
        for column, kind in zip(table.columns, kinds.values())
    ]
    return list(zip(*(column.to_pylist() for column in columns)))


class Warehouse(dg.ConfigurableResource):
    """The funnel warehouse (SQLite by default, PostgreSQL in production).

    Configure with FUNNEL_WAREHOUSE_URL, e.g. `postgresql://user:password@host:5432/db`.
    """

    url: str = Field(
        default_factory=default_warehouse_url,
        description="SQLAlchemy URL of the warehouse (FUNNEL_WAREHOUSE_URL).",
    )
    schema_name: str = Field(
        default="funnel", description="PostgreSQL schema holding the output tables."
    )
    export_dir: str | None = Field(
        default=None,
        description=(
            "Also write every table as <table>.csv into this folder, replaced on each write, for BI tools "
            "that read files (FUNNEL_EXPORT_DIR)."
        ),
    )

    _engine: Engine | None = PrivateAttr(default=None)

    # ---- connection -------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        return normalise_url(self.url).get_backend_name()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for logs and metadata."""
        return normalise_url(self.url).render_as_string(hide_password=True)

    def engine(self) -> Engine:
        if self._engine is None:
            url = normalise_url(self.url)
            if url.get_backend_name() not in _SQL_TYPES:
                raise WarehouseError(
                    f"FUNNEL_WAREHOUSE_URL must point at PostgreSQL or SQLite, not '{url.get_backend_name()}'."
                )
            if url.get_backend_name() == "sqlite" and url.database:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 60})
                with closing(engine.raw_connection()) as conn:
                    # WAL lets BI readers keep reading while a table is swapped
                    conn.execute("PRAGMA journal_mode=WAL")
            else:
                engine = create_engine(url, pool_pre_ping=True)
            self._engine = engine
        return self._engine

    def _qualified(self, table: str) -> str:
        if self.dialect == "postgresql":
            return f"{_quote(self.schema_name)}.{_quote(table)}"
        return _quote(table)

    # ---- writing ----------------------------------------------------------------------

    def write_table(self, table: str, data: pd.DataFrame | Iterable[pd.DataFrame]) -> int:
        """Replace `table` with `data` (a frame, or an iterable of frames with the same columns).

        Atomic: until the final swap commits, readers see the previous table; if anything
        fails, the previous table stays as it was. Returns the number of rows written.
        """
        _check_table_name(table)
        batches = _batches(data)
        first = next(batches, None)
        if first is None:
            raise WarehouseError(f"Table '{table}': nothing to write (no data frames given).")
        columns = _check_columns(first, table)
        kinds = {column: column_kind(first[column]) for column in columns}
        export = Path(self.export_dir) / f"{table}.csv" if self.export_dir else None
        partial = export.with_name(export.name + ".part") if export else None
        with_csv = self.dialect == "postgresql" or export is not None
        prepared = _prepared_ahead(
            _chain(first, batches), lambda batch: self._prepare(batch, columns, kinds, table, with_csv)
        )
        if export:
            export.parent.mkdir(parents=True, exist_ok=True)
            prepared = _exporting(prepared, partial, columns)
        try:
            if self.dialect == "postgresql":
                rows = self._write_postgres(table, columns, kinds, prepared)
            else:
                rows = self._write_sqlite(table, columns, kinds, prepared)
        except BaseException:
            if partial:
                partial.unlink(missing_ok=True)
            raise
        if export:
            # the CSV changes only once the table has: both show the same rows
            os.replace(partial, export)
        return rows

    def _create_staging_sql(self, staging: str, columns: list[str], kinds: dict[str, str]) -> str:
        types = _SQL_TYPES[self.dialect]
        column_sql = ", ".join(f"{_quote(c)} {types[kinds[c]]}" for c in columns)
        return f"CREATE TABLE {self._qualified(staging)} ({column_sql})"

    def _aligned(self, batch: pd.DataFrame, columns: list[str], table: str) -> pd.DataFrame:
        if [str(c) for c in batch.columns] != columns:
            raise WarehouseError(
                f"Table '{table}': a later batch has different columns than the first "
                f"({list(batch.columns)} vs {columns})."
            )
        return batch

    def _prepare(self, batch: pd.DataFrame, columns: list[str], kinds: dict[str, str], table: str, with_csv: bool) -> _Prepared:
        arrow = _arrow_batch(_for_database(self._aligned(batch, columns, table), kinds, table), kinds)
        return _Prepared(arrow, _csv_bytes(arrow) if with_csv else b"")

    def _write_postgres(self, table: str, columns: list[str], kinds: dict[str, str], prepared: Iterator[_Prepared]) -> int:
        staging = f"_stage_{table}_{uuid.uuid4().hex[:8]}"[:63]
        column_list = ", ".join(_quote(c) for c in columns)
        copy_sql = (
            f"COPY {self._qualified(staging)} ({column_list}) FROM STDIN "
            "WITH (FORMAT csv)"
        )
        rows = 0
        with closing(self.engine().raw_connection()) as conn:
            try:
                with conn.cursor() as cur:
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(self.schema_name)}")
                    # the staging table exists only inside this transaction: a crash leaves nothing behind
                    cur.execute(self._create_staging_sql(staging, columns, kinds))
                    for batch in prepared:
                        cur.copy_expert(copy_sql, io.BytesIO(batch.csv), size=COPY_CHUNK_BYTES)
                        rows += batch.arrow.num_rows
                    cur.execute(f"DROP TABLE IF EXISTS {self._qualified(table)}")
                    cur.execute(f"ALTER TABLE {self._qualified(staging)} RENAME TO {_quote(table)}")
                conn.commit()
            except BaseException:
                try:
                    conn.rollback()
                except Exception:
                    # the connection itself is gone (the server ended it): nothing to roll back,
                    # and the pool must not hand it out again
                    conn.invalidate()
                raise
        return rows

    def _write_sqlite(self, table: str, columns: list[str], kinds: dict[str, str], prepared: Iterator[_Prepared]) -> int:
        staging = f"_stage_{table}_{uuid.uuid4().hex[:8]}"
        placeholders = ", ".join("?" for _ in columns)
        insert_sql = f"INSERT INTO {_quote(staging)} VALUES ({placeholders})"
        rows = 0
        with closing(self.engine().raw_connection()) as conn:
            raw = conn.driver_connection
            previous_isolation = raw.isolation_level
            raw.isolation_level = None  # manage the transaction explicitly: DDL included
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute(self._create_staging_sql(staging, columns, kinds))
                for batch in prepared:
                    raw.executemany(insert_sql, _sqlite_rows(batch.arrow, kinds))
                    rows += batch.arrow.num_rows
                raw.execute(f"DROP TABLE IF EXISTS {_quote(table)}")
                raw.execute(f"ALTER TABLE {_quote(staging)} RENAME TO {_quote(table)}")
                raw.execute("COMMIT")
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raise
            finally:
                raw.isolation_level = previous_isolation
        return rows

    # ---- reading ----------------------------------------------------------------------

    def table_exists(self, table: str) -> bool:
        _check_table_name(table)
        with self.engine().connect() as conn:
            if self.dialect == "postgresql":
                found = conn.exec_driver_sql(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                    (self.schema_name, table),
                ).first()
            else:
                found = conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                ).first()
        return found is not None

    def column_kinds(self, table: str) -> dict[str, str]:
        """Each column's kind, in table order, from the declared SQL types."""
        _check_table_name(table)
        with self.engine().connect() as conn:
            if self.dialect == "postgresql":
                rows = conn.exec_driver_sql(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                    (self.schema_name, table),
                ).all()
            else:
                rows = [
                    (row[1], row[2])
                    for row in conn.exec_driver_sql(f"PRAGMA table_info({_quote(table)})").all()
                ]
        if not rows:
            raise WarehouseError(f"Table '{table}' does not exist in the warehouse yet.")
        return {name: _declared_type_kind(declared) for name, declared in rows}

    def read_table(self, table: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The table (or only `columns` of it), with each column restored to the dtype it was written with."""
        kinds = self.column_kinds(table)
        if columns is not None:
            missing = [c for c in columns if c not in kinds]
            if missing:
                raise WarehouseError(f"Table '{table}' has no column(s) {', '.join(missing)}.")
            kinds = {c: kinds[c] for c in columns}
        if self.dialect == "postgresql":
            return self._read_postgres(table, kinds)
        return self._read_sqlite(table, kinds)

    def _read_sqlite(self, table: str, kinds: dict[str, str]) -> pd.DataFrame:
        select = ", ".join(_quote(c) for c in kinds)
        with closing(self.engine().raw_connection()) as conn:
            rows = conn.cursor().execute(f"SELECT {select} FROM {self._qualified(table)}").fetchall()
        values = list(zip(*rows)) if rows else [()] * len(kinds)
        try:
            return _frame_from_arrow({c: _sqlite_column(v, kind) for (c, kind), v in zip(kinds.items(), values)}, kinds)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # a value another program stored in a shape of its own: pandas reads it more forgivingly
            return _restore_dtypes(pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in zip(kinds, values)}), kinds)

    def _read_postgres(self, table: str, kinds: dict[str, str]) -> pd.DataFrame:
        """COPY ... TO STDOUT, parsed by Arrow: several times faster than fetching rows through the driver."""
        buffer = io.BytesIO()
        # timestamps travel as whole microseconds since 1970 (UTC): no text to parse on the way back
        select = ", ".join(
            f"(EXTRACT(EPOCH FROM {_quote(c)}) * 1000000)::BIGINT" if kind in ("timestamptz", "timestamp") else _quote(c)
            for c, kind in kinds.items()
        )
        with closing(self.engine().raw_connection()) as conn:
            with conn.cursor() as cur:
                cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
                # wait out a table swap under way before COPY takes its snapshot: COPY's snapshot is
                # taken before its lock, and would see the swapped-in table as empty
                cur.execute(f"LOCK TABLE {self._qualified(table)} IN ACCESS SHARE MODE")
                cur.copy_expert(f"COPY (SELECT {select} FROM {self._qualified(table)}) TO STDOUT WITH (FORMAT csv)", buffer)
            conn.rollback()
        columns = list(kinds)
        if not buffer.getbuffer().nbytes:
            return _restore_dtypes(pd.DataFrame({c: pd.Series(dtype=object) for c in columns}), kinds)
        copied = {kind: _ARROW_TYPES[kind] for kind in ("text", "integer", "float", "boolean", "date")}
        parsed = pacsv.read_csv(
            pa.BufferReader(buffer.getbuffer()),
            read_options=pacsv.ReadOptions(column_names=columns),
            # a row of one NULL is an empty line; text may hold line breaks (inside quotes)
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=True),
            # an unquoted empty field is NULL; a quoted one ("") is empty text
            convert_options=pacsv.ConvertOptions(
                column_types={c: copied.get(kind, pa.int64()) for c, kind in kinds.items()},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
                true_values=["t"], false_values=["f"],
            ),
        )
        # microseconds since 1970 are what Arrow's timestamps hold: a cast, not a parse
        return _frame_from_arrow({c: parsed.column(c).cast(_ARROW_TYPES[kind]) for c, kind in kinds.items()}, kinds)

    def scalar(self, sql: str, **tables: str) -> object:
        """One value from a query; `{name}` placeholders become the qualified, validated table names."""
        for name in tables.values():
            _check_table_name(name)
        with self.engine().connect() as conn:
            return conn.exec_driver_sql(sql.format(**{k: self._qualified(v) for k, v in tables.items()})).scalar()

    def row_count(self, table: str) -> int:
        _check_table_name(table)
        with self.engine().connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {self._qualified(table)}").scalar_one())


def _prepared_ahead(batches: Iterator[pd.DataFrame], prepare: Callable[[pd.DataFrame], T]) -> Iterator[T]:
    """Each batch prepared, the next one on a second thread while the caller sends this one:
    the database loads one batch while Arrow (which lets go of the GIL) writes the next."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse-serialise") as pool:
        pending: Future[T] | None = None
        for batch in batches:
            upcoming = pool.submit(prepare, batch)
            if pending is not None:
                yield pending.result()
            pending = upcoming
        if pending is not None:
            yield pending.result()


def _chain(first: pd.DataFrame, rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield first
    yield from rest


def _sqlite_column(values: tuple, kind: str) -> pa.ChunkedArray | pa.Array:
    """One column as sqlite3 returns it (text for dates and times, 0/1 for booleans) in its Arrow type."""
    if kind == "boolean":
        return pa.array(values, type=pa.int64()).cast(pa.bool_())
    if kind in ("date", "timestamp", "timestamptz"):
        # ISO text, an offset on zoned times: Arrow reads a million in a few hundredths of a second
        return pa.array(values, type=pa.string()).cast(_ARROW_TYPES[kind])
    return pa.array(values, type=_ARROW_TYPES[kind])


def _frame_from_arrow(columns: dict[str, pa.Array | pa.ChunkedArray], kinds: dict[str, str]) -> pd.DataFrame:
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


def _restore_dtypes(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    for column, kind in kinds.items():
        series = frame[column]
        if kind == "boolean":
            frame[column] = series.astype("boolean")
        elif kind == "integer":
            frame[column] = pd.to_numeric(series).astype("Int64")
        elif kind == "float":
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
