"""The warehouse: where every funnel table lands for BI tools.

One SQLAlchemy URL picks the database: an embedded SQLite file by default, PostgreSQL
(schema `funnel`) in production. Every write replaces a whole table atomically: rows are
loaded into a staging table and swapped in within one transaction, so a reader sees
yesterday's table or today's, never a half-written or empty one, and a failure mid-write
leaves the previous table in place. On PostgreSQL the table's and its columns' meanings are
comments, swapped in with it, and money is NUMERIC(14,2). With an export folder, each table is also written
there as `<table>.csv`, replaced only once the table has been; money has two decimals
(`1234.50`) and text is made safe to open in a spreadsheet program, where the warehouse keeps every value verbatim.

A table is written from a pandas or a Polars frame, and lands as the same values either way. A Polars frame is
cast and spelt by Polars itself (column_kinds.polars_batch); PostgreSQL then loads Polars' own CSV (write_csv),
SQLite its rows through Arrow (to_arrow). With an export folder, a Polars batch goes through Arrow to both the
load and the export, as a pandas batch does: one CSV serves both when no text needs escaping for the export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import pandas as pd
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from funnel_assets.io import files
from funnel_assets.io.warehouse.backend import Backend, Described, PreparedBatch
from funnel_assets.io.warehouse.column_kinds import (
    KIND_WORDS,
    arrow_batch,
    cast_to_kinds,
    column_kind,
    misfit,
    nan_as_null,
    polars_arrow,
    polars_batch,
)
from funnel_assets.io.warehouse.csv_encoding import csv_bytes, csv_header, export_table
from funnel_assets.io.warehouse.errors import WarehouseError
from funnel_assets.io.warehouse.names import check_table_name, warehouse_column_names
from funnel_assets.io.warehouse.postgres import SWAP_ATTEMPTS, SWAP_LOCK_TIMEOUT_SECONDS, PostgresBackend
from funnel_assets.io.warehouse.sqlite import SqliteBackend

# Rows per COPY / executemany batch: bounds the memory of one batch's CSV text, and is small enough
# that most tables are several batches, so the database loads one while the next is serialised
# (with 200,000, every table under that size was serialised first and loaded after: 3 s more a refresh).
WRITE_BATCH_ROWS = 50_000
# The first batch is small: the database starts loading while the second is serialised.
FIRST_BATCH_ROWS = 10_000

T = TypeVar("T")
Frame = pd.DataFrame | pl.DataFrame


@dataclass(frozen=True)
class ExportResult:
    """A table's CSV export: where, and why it was not written (None when it was)."""

    path: Path
    problem: str | None = None


def normalise_url(url: str) -> URL:
    """Parse a SQLAlchemy URL, pointing a plain `postgresql://` at psycopg2.

    SQLAlchemy 2.1 maps the bare `postgresql://` prefix to psycopg 3, but the project
    installs psycopg2 (whose COPY the loader uses), so a URL pasted as-is must work.
    """
    parsed = make_url(url.strip())
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def _check_columns(frame: Frame, table: str) -> list[str]:
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


def _kinds(table: str, frame: Frame, names: list[str], described: Described | None) -> dict[str, str]:
    """Each column's kind by its warehouse name: as declared (refused when its values do not fit, before anything
    is written), or by its dtype when undeclared."""
    declared = described.kinds if described else {}
    kinds = {}
    for name, column in zip(names, frame.columns, strict=True):
        series = frame[column]
        kind = declared.get(str(column))
        if kind is None:
            kind = column_kind(series)
        else:
            held = misfit(series, kind)
            if held:
                raise WarehouseError(
                    f"Table '{table}', column '{column}' is declared {KIND_WORDS[kind]} in funnel_assets/catalogue.py, "
                    f"but the data holds {held}. Nothing was written: the table keeps its previous rows. Fix the step "
                    "that builds the column, or the column's type in the catalogue."
                )
        kinds[name] = kind
    return kinds


def _normalised(frame: Frame) -> Frame:
    """A Polars frame with NaN as missing (null), as a pandas frame has it; a pandas frame as it is."""
    return nan_as_null(frame) if isinstance(frame, pl.DataFrame) else frame


def _batches(data: Frame | Iterable[Frame]) -> Iterator[Frame]:
    if isinstance(data, pd.DataFrame):
        yield data.iloc[:FIRST_BATCH_ROWS]
        for start in range(FIRST_BATCH_ROWS, len(data), WRITE_BATCH_ROWS):
            yield data.iloc[start : start + WRITE_BATCH_ROWS]
    elif isinstance(data, pl.DataFrame):  # slices share the frame's memory
        yield data.slice(0, FIRST_BATCH_ROWS)
        for start in range(FIRST_BATCH_ROWS, data.height, WRITE_BATCH_ROWS):
            yield data.slice(start, WRITE_BATCH_ROWS)
    else:
        yield from map(_normalised, data)


def _chain(first: Frame, rest: Iterator[Frame]) -> Iterator[Frame]:
    yield first
    yield from rest


def _prepared_ahead(batches: Iterator[Frame], prepare: Callable[[Frame], T]) -> Iterator[T]:
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


class _Export:
    """A table's CSV export, written on the side as the batches pass to the database: published only once the
    table has landed (both show the same rows), and when it cannot be written (a full disk, a link in the way)
    the table still lands and `problem` says what went wrong, naming the file.

    The file is written on a thread of its own, so the database loads a batch while its export is written (in
    the caller's thread the two took turns: 2 s of a full-scale refresh); every step on the file runs on that
    thread, in order."""

    def __init__(self, table: str, path: Path, columns: list[str]) -> None:
        self.table, self.path, self.columns = table, path, columns
        self.problem: str | None = None
        self._writing: AbstractContextManager | None = None
        self._out = None
        self._complete = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"export-{table}"[:30])
        self._queued: Future[None] | None = None

    def passing(self, batches: Iterator[PreparedBatch]) -> Iterator[PreparedBatch]:
        """The batches, unchanged, each one's export CSV appended to the export on the way."""
        self._queue(partial(self._attempt, self._open))
        for batch in batches:
            self._queue(partial(self._append, batch.export_csv))
            yield batch
        self._queue(lambda: None)  # the last batch written (or its failure raised) before the table is swapped in
        self._complete = True

    def _queue(self, step: Callable[[], None]) -> None:
        """`step` on the writer thread once the step queued before it is done (and raised, if it failed): one
        batch's text waits for the file at most."""
        if self._queued is not None:
            self._queued.result()
        self._queued = self._writer.submit(step)

    def _finally(self, step: Callable[[], None]) -> None:
        """`step` on the writer thread once every write queued before it is done; then the thread ends."""
        try:
            self._writer.submit(step).result()
        finally:
            self._writer.shutdown(wait=True)

    def _open(self) -> None:
        writing = files.writing(self.path)
        self._out = writing.__enter__()
        self._writing = writing
        self._out.write(csv_header(self.columns))

    def _append(self, text: bytes | None) -> None:
        if self._out is not None:
            self._attempt(partial(self._out.write, text))

    def _attempt(self, step: Callable[[], object]) -> None:
        try:
            step()
        except OSError as exc:
            self._abandon()
            self.problem = (
                f"The CSV export {self.path} was not written: {files.plain_reason(exc)}. "
                f"The table `{self.table}` itself "
                "was refreshed in the warehouse; the file keeps its previous content. "
                + (
                    str(exc)
                    if isinstance(exc, files.UnsafePathError)
                    else "Free space or fix the export folder (FUNNEL_EXPORT_DIR), then re-run to refresh the file."
                )
            )

    def publish(self) -> None:
        """Give the finished export its name (after the table has landed)."""
        self._finally(self._publish)

    def _publish(self) -> None:
        if not self._complete:  # the table was written from fewer batches than passed here: never publish a part
            self._abandon()
            self.problem = (
                self.problem or f"The CSV export {self.path} was not written: the table was not read to its end."
            )
            return
        writing, self._writing, self._out = self._writing, None, None
        if writing is not None:
            self._attempt(lambda: writing.__exit__(None, None, None))

    def abandon(self) -> None:
        """Remove what was written so far; the previous export stays."""
        self._finally(self._abandon)

    def _abandon(self) -> None:
        writing, self._writing, self._out = self._writing, None, None
        if writing is not None:
            abandoned = RuntimeError("export abandoned")
            try:
                writing.__exit__(RuntimeError, abandoned, None)
            except RuntimeError as exc:
                if exc is not abandoned:
                    raise
            except OSError:
                pass  # the temporary file could not even be removed: the problem is already being reported


class Warehouse:
    """The funnel tables in PostgreSQL (schema `schema_name`) or SQLite, picked by the URL.

    On PostgreSQL, a table swap waits at most `swap_lock_timeout_seconds` for another session's
    lock on the table (a BI tool's), and tries `swap_attempts` times before it gives up saying
    which session holds the table: a waiting swap would hold up every new BI query behind it.
    """

    def __init__(
        self,
        url: str,
        schema_name: str = "funnel",
        export_dir: str | Path | None = None,
        *,
        swap_lock_timeout_seconds: float = SWAP_LOCK_TIMEOUT_SECONDS,
        swap_attempts: int = SWAP_ATTEMPTS,
    ) -> None:
        self.url = url
        self.schema_name = schema_name
        self.export_dir = Path(export_dir) if export_dir else None
        self.swap_lock_timeout_seconds = swap_lock_timeout_seconds
        self.swap_attempts = swap_attempts
        self._backend: Backend | None = None
        self.exports: dict[str, ExportResult] = {}

    @property
    def dialect(self) -> str:
        return normalise_url(self.url).get_backend_name()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for logs and metadata."""
        return normalise_url(self.url).render_as_string(hide_password=True)

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            url = normalise_url(self.url)
            if url.get_backend_name() == "postgresql":
                self._backend = PostgresBackend(
                    url,
                    self.schema_name,
                    lock_timeout_seconds=self.swap_lock_timeout_seconds,
                    swap_attempts=self.swap_attempts,
                )
            elif url.get_backend_name() == "sqlite":
                self._backend = SqliteBackend(url)
            else:
                raise WarehouseError(
                    f"FUNNEL_WAREHOUSE_URL must point at PostgreSQL or SQLite, not '{url.get_backend_name()}'."
                )
        return self._backend

    def engine(self) -> Engine:
        return self.backend.engine

    def dispose(self) -> None:
        if self._backend is not None:
            self._backend.dispose()

    # ---- writing ----------------------------------------------------------------------

    def write_table(self, table: str, data: Frame | Iterable[Frame], described: Described | None = None) -> int:
        """Replace `table` with `data` (a pandas or Polars frame, or an iterable of frames with the same columns);
        `described` (by the frame's column names) adds its comments and the declared columns' kinds.

        Atomic: until the final swap commits, readers see the previous table, comments included; if
        anything fails, the previous table stays as it was. Returns the number of rows written.
        """
        check_table_name(table)
        self.exports.pop(table, None)
        whole = isinstance(data, (pd.DataFrame, pl.DataFrame))
        if whole:
            data = _normalised(data)
        batches = _batches(data)
        first = next(batches, None)
        if first is None:
            raise WarehouseError(f"Table '{table}': nothing to write (no data frames given).")
        columns = _check_columns(first, table)
        # the names the table gets (both databases alike), one to one with the frame's
        names = warehouse_column_names(columns)
        # a whole frame's columns are typed by all their values, a stream's by its first batch
        kinds = _kinds(table, data if whole else first, names, described)
        comments = None
        if described is not None:
            meanings = described.column_comments
            comments = Described(
                described.comment, {n: meanings[c] for n, c in zip(names, columns, strict=False) if meanings.get(c)}
            )
        export = self.export_dir / f"{table}.csv" if self.export_dir else None

        def prepare(batch: Frame) -> PreparedBatch:
            if [str(c) for c in batch.columns] != columns:
                raise WarehouseError(
                    f"Table '{table}': a later batch has different columns than the first "
                    f"({list(batch.columns)} vs {columns})."
                )
            if isinstance(batch, pl.DataFrame):
                if names != columns:
                    batch = batch.select(pl.col(c).alias(n) for c, n in zip(columns, names, strict=True))
                spelt = polars_batch(batch, kinds, table)
                if export is None:
                    return PreparedBatch(spelt.height, self.backend.prepare_polars_load(spelt, kinds))
                arrow = polars_arrow(spelt, kinds)
            else:
                if names != columns:
                    batch = batch.set_axis(names, axis=1)
                arrow = arrow_batch(cast_to_kinds(batch, kinds, table), kinds)
            load = self.backend.prepare_load(arrow, kinds)
            if export is None:
                return PreparedBatch(arrow.num_rows, load)
            # the export's text is escaped, the loaded text is not: a CSV load serves both when nothing needs it
            safe = export_table(arrow, kinds)
            return PreparedBatch(
                arrow.num_rows, load, load if safe is arrow and isinstance(load, bytes) else csv_bytes(safe)
            )

        prepared = _prepared_ahead(_chain(first, batches), prepare)
        if export is None:
            return self.backend.replace_table(table, kinds, prepared, comments)
        side = _Export(table, export, names)
        try:
            rows = self.backend.replace_table(table, kinds, side.passing(prepared), comments)
        except BaseException:
            side.abandon()
            raise
        side.publish()  # the CSV changes only once the table has: both show the same rows
        self.exports[table] = ExportResult(export, side.problem)
        return rows

    def export_of(self, table: str) -> ExportResult | None:
        """How the last write of `table` in this process exported it (None: no export folder, or not written)."""
        return self.exports.get(table)

    # ---- reading ----------------------------------------------------------------------

    def table_exists(self, table: str) -> bool:
        check_table_name(table)
        return self.backend.table_exists(table)

    def column_kinds(self, table: str) -> dict[str, str]:
        """Each column's kind, in table order, from the declared SQL types."""
        check_table_name(table)
        kinds = self.backend.column_kinds(table)
        if not kinds:
            raise WarehouseError(f"Table '{table}' does not exist in the warehouse yet.")
        return kinds

    def read_table(
        self, table: str, columns: Iterable[str] | None = None, *, polars: bool = False
    ) -> pd.DataFrame | pl.DataFrame:
        """The table (or only `columns` of it), with each column restored to the dtype it was written with; as a
        Polars frame when `polars`, with the engine's type of each column's kind (column_kinds.POLARS_TYPES)."""
        kinds = self.column_kinds(table)
        if columns is not None:
            missing = [c for c in columns if c not in kinds]
            if missing:
                raise WarehouseError(f"Table '{table}' has no column(s) {', '.join(missing)}.")
            kinds = {c: kinds[c] for c in columns}
        return self.backend.read_table(table, kinds, polars=polars)

    def row_count(self, table: str) -> int:
        check_table_name(table)
        return self.backend.row_count(table)

    def usable_counts(self, table: str, columns: Iterable[str]) -> tuple[int, dict[str, int]]:
        """The table's rows, and how many of them have a value in each of `columns` the table has; one query.

        On PostgreSQL it waits for another session's lock no longer than a swap does.
        """
        present = [c for c in columns if c in self.column_kinds(table)]
        schema = self.schema_name if self.dialect == "postgresql" else None
        counted = sa.table(table, *(sa.column(c) for c in present), schema=schema)
        query = sa.select(sa.func.count(), *(sa.func.count(counted.c[c]) for c in present)).select_from(counted)
        try:
            with self.engine().begin() as conn:
                if self.dialect == "postgresql":
                    milliseconds = max(1, round(self.swap_lock_timeout_seconds * 1000))
                    conn.execute(sa.text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{milliseconds}ms"})
                rows, *filled = conn.execute(query).one()
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "pgcode", None) != "55P03":  # lock_not_available
                raise
            raise WarehouseError(
                f"Table '{table}' could not be counted within {self.swap_lock_timeout_seconds:g} s: another session "
                "holds a lock on it. Run again once it is done."
            ) from None
        return int(rows), dict(zip(present, map(int, filled), strict=False))
