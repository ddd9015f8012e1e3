"""PostgreSQL (production): tables in one schema, loaded with COPY and read back with COPY.

The swap at the end of a load (DROP the old table, RENAME the new one) needs the table to
itself, so it waits for every session reading it; and while it waits, every new query on the
table queues behind it. A BI session left idle in an open transaction would hold it (and
the dashboards) up without end: the swap waits a few seconds at most, tries again a few
times, then gives up naming the session in the way, and yesterday's table stays. The guard's
row count before a load waits the same way (a session holding the table exclusively would
hold it up too). The sessions named are those PostgreSQL said were blocking the wait
(`pg_blocking_pids`), never a query that was only queued behind it.
"""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import TypeVar

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg2 import sql
from psycopg2.errors import LockNotAvailable
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from funnel_assets.io.warehouse.backend import SQL_TYPES, Described, PreparedBatch, quote
from funnel_assets.io.warehouse.column_kinds import (
    ARROW_TYPES,
    declared_type_kind,
    frame_from_arrow,
    polars_from_arrow,
    restore_dtypes,
)
from funnel_assets.io.warehouse.csv_encoding import csv_bytes
from funnel_assets.io.warehouse.errors import WarehouseError
from funnel_assets.lib.clock import TIMEZONE

# Bytes handed to the driver per call during COPY (its default, 8 KB, costs many calls).
COPY_CHUNK_BYTES = 1 << 20

# How long one swap attempt waits for another session's lock on the table (new BI queries
# queue behind it meanwhile), and how many attempts, a growing pause apart, before giving up.
SWAP_LOCK_TIMEOUT_SECONDS = 3.0
SWAP_ATTEMPTS = 5
SWAP_BACKOFF_SECONDS = 1.0
SWAP_MAX_BACKOFF_SECONDS = 8.0

# How often the sessions blocking a waiting statement are sampled while it waits.
BLOCKER_POLL_SECONDS = 0.02

# Of the sessions that blocked the wait, those still holding a lock on the table, the
# longest-standing first. application_name and the role are visible to every role; the
# state and its time only to the role's own sessions or with pg_read_all_stats.
_LOCK_HOLDERS_SQL = """
SELECT DISTINCT a.pid, a.usename, a.application_name, a.state, a.state_change
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.granted AND l.pid = ANY(%s)
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.relation = to_regclass(%s)
ORDER BY a.state_change NULLS LAST, a.pid
"""

T = TypeVar("T")


class _Blockers:
    """The sessions PostgreSQL reports as blocking `pid` (pg_blocking_pids), sampled from a second
    connection while `pid` waits for a lock. A query that arrives after the wait began queues behind
    it and is never among them, even if it gets the lock once the wait gives up."""

    def __init__(self, engine: Engine, pid: int) -> None:
        self.engine, self.pid = engine, pid
        self.seen: set[int] = set()
        self._stop = threading.Event()

    def _watch(self) -> None:
        try:
            with self.engine.connect() as conn:
                while not self._stop.is_set():
                    found = conn.exec_driver_sql("SELECT pg_blocking_pids(%s)", (self.pid,)).scalar_one()
                    conn.rollback()
                    self.seen.update(found or ())
                    self._stop.wait(BLOCKER_POLL_SECONDS)
        except Exception:  # the watch only names sessions in a message: it never fails the load
            return

    @contextmanager
    def watching(self) -> Iterator[None]:
        self._stop.clear()
        watcher = threading.Thread(target=self._watch, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            self._stop.set()
            watcher.join()


_STATE_WORDS = {
    "idle in transaction": "idle in transaction (it began a transaction and left it open)",
    "idle in transaction (aborted)": "idle in a failed transaction it never ended",
    "active": "running a query",
    "idle": "idle",
}


def _holder_text(pid: int, role: str | None, application: str | None, state: str | None, since) -> str:
    """One session holding the table, as the maintainer knows it: the BI tool's name first."""
    # Superset, for one, sets no application name unless its connection asks for one
    who = (
        f"'{application}'" if application else "a session with no application name (docs/bi.md: how a BI tool sets one)"
    )
    text = f"{who} (role {role or 'unknown'}, process {pid})"
    if state is None:
        # another role's session, and the loader may not see its state (pg_read_all_stats)
        return f"{text}, whose state this role may not see"
    text = f"{text}, {_STATE_WORDS.get(state, state)}"
    if since is not None:
        local = pd.Timestamp(since).tz_convert(TIMEZONE)
        text += f" since {local:%Y-%m-%d %H:%M:%S} India time"
    return text


class PostgresBackend:
    def __init__(
        self,
        url: URL,
        schema: str,
        *,
        lock_timeout_seconds: float = SWAP_LOCK_TIMEOUT_SECONDS,
        swap_attempts: int = SWAP_ATTEMPTS,
    ) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        self.schema = schema
        self.lock_timeout_seconds = lock_timeout_seconds
        self.swap_attempts = max(1, swap_attempts)

    def _qualified(self, table: str) -> str:
        return f"{quote(self.schema)}.{quote(table)}"

    def prepare_load(self, arrow: pa.Table, kinds: dict[str, str]) -> bytes:
        return csv_bytes(arrow)

    def prepare_polars_load(self, batch: pl.DataFrame, kinds: dict[str, str]) -> bytes:
        """Polars' own CSV, as COPY reads it: every text (and date, time, true/false) quoted, so only a null is an
        unquoted empty field and no value (say a line reading \\.) is taken for COPY syntax; numbers unquoted, in
        their shortest exact spelling (money is already to the paisa)."""
        out = io.BytesIO()
        batch.write_csv(out, include_header=False, quote_style="non_numeric")
        return out.getvalue()

    def replace_table(
        self, table: str, kinds: dict[str, str], batches: Iterator[PreparedBatch], comments: Described | None = None
    ) -> int:
        staging = f"_stage_{table}_{uuid.uuid4().hex[:8]}"[:63]
        columns = ", ".join(f"{quote(c)} {SQL_TYPES[k]}" for c, k in kinds.items())
        copy_sql = (
            f"COPY {self._qualified(staging)} ({', '.join(quote(c) for c in kinds)}) FROM STDIN WITH (FORMAT csv)"
        )
        rows = 0
        with closing(self.engine.raw_connection()) as conn:
            try:
                with conn.cursor() as cur:
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
                    # the staging table exists only inside this transaction: a crash leaves nothing behind
                    cur.execute(f"CREATE TABLE {self._qualified(staging)} ({columns})")
                    for batch in batches:
                        cur.copy_expert(copy_sql, io.BytesIO(batch.load), size=COPY_CHUNK_BYTES)
                        rows += batch.rows
                    # on the staging table, which keeps them when renamed: the swap brings table and comments at once
                    self._comment(cur, staging, comments)
                    self._swap_in(cur, staging, table)
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

    def _comment(self, cur, table: str, comments: Described | None) -> None:
        """The table's and its columns' meanings as PostgreSQL comments (what BI tools show); a comment is
        data, quoted by the driver (sql.Literal), so a quote in a meaning is just a quote."""
        if comments is None:
            return
        name = sql.Identifier(self.schema, table)
        statements = []
        if comments.comment:
            statements.append(sql.SQL("COMMENT ON TABLE {} IS {}").format(name, sql.Literal(comments.comment)))
        statements += [
            sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(name, sql.Identifier(column), sql.Literal(meaning))
            for column, meaning in comments.column_comments.items()
            if meaning
        ]
        if statements:  # one round trip
            cur.execute(sql.SQL("; ").join(statements))

    def _swap_in(self, cur, staging: str, table: str) -> None:
        """Replace `table` with the loaded staging table, each attempt waiting at most the lock
        timeout for the sessions reading the table; the loaded rows are kept between attempts."""

        def swap() -> None:
            cur.execute(f"DROP TABLE IF EXISTS {self._qualified(table)}")
            cur.execute(f"ALTER TABLE {self._qualified(staging)} RENAME TO {quote(table)}")

        self._waiting_for_locks(cur, table, swap, "was not replaced")

    def _waiting_for_locks(self, cur, table: str, statements: Callable[[], T], failed: str) -> T:
        """`statements` on `cur` (in its transaction), each attempt waiting at most the lock timeout for other
        sessions' locks on `table`; after the last attempt, a WarehouseError naming the sessions in the way."""
        milliseconds = max(1, round(self.lock_timeout_seconds * 1000))
        cur.execute("SELECT set_config('lock_timeout', %s, true), pg_backend_pid()", (f"{milliseconds}ms",))
        blockers = _Blockers(self.engine, cur.fetchone()[1])
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(LockNotAvailable),
                stop=stop_after_attempt(self.swap_attempts),
                wait=wait_exponential(multiplier=SWAP_BACKOFF_SECONDS, max=SWAP_MAX_BACKOFF_SECONDS),
                reraise=True,
            ):
                with attempt:
                    # a savepoint: a timed-out attempt lets go of its place in the lock queue (the
                    # BI queries behind it run) while what the transaction did before stays
                    cur.execute("SAVEPOINT waiting")
                    try:
                        with blockers.watching():
                            result = statements()
                    except LockNotAvailable:
                        cur.execute("ROLLBACK TO SAVEPOINT waiting")
                        raise
                    cur.execute("RELEASE SAVEPOINT waiting")
                    return result
        except LockNotAvailable as exc:
            raise WarehouseError(self._lock_message(cur, table, failed, sorted(blockers.seen))) from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _lock_message(self, cur, table: str, failed: str, blockers: list[int]) -> str:
        """Why the wait gave up, in the maintainer's words: which sessions blocked it and hold the table, since when."""
        cur.execute(_LOCK_HOLDERS_SQL, (blockers, self._qualified(table)))
        holders = [_holder_text(*row) for row in cur.fetchall()]
        gave_up = (
            f"Table '{self.schema}.{table}' {failed}: after {self.swap_attempts} tries, "
            f"each waiting {self.lock_timeout_seconds:g} s, another session"
        )
        if not holders:
            return f"{gave_up} held it (it has let go since). Yesterday's table is unchanged; re-execute the run."
        return (
            f"{gave_up} still holds it: {'; '.join(holders)}. Yesterday's table is unchanged. A BI tool (or a "
            f"person's SQL client) kept a transaction open on it: end that session (close the query tab or "
            f"restart the BI tool's connection; an administrator can run SELECT pg_terminate_backend(<process>)), "
            f"then re-execute the run."
        )

    def table_exists(self, table: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                (self.schema, table),
            ).first()
        return found is not None

    def column_kinds(self, table: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (self.schema, table),
            ).all()
        return {name: declared_type_kind(declared) for name, declared in rows}

    def read_table(self, table: str, kinds: dict[str, str], *, polars: bool = False) -> pd.DataFrame | pl.DataFrame:
        """COPY ... TO STDOUT, parsed by Arrow: several times faster than fetching rows through the driver."""
        buffer = io.BytesIO()
        # timestamps travel as whole microseconds since 1970 (UTC): no text to parse on the way back
        select = ", ".join(
            f"(EXTRACT(EPOCH FROM {quote(c)}) * 1000000)::BIGINT" if kind in ("timestamptz", "timestamp") else quote(c)
            for c, kind in kinds.items()
        )
        with closing(self.engine.raw_connection()) as conn:
            with conn.cursor() as cur:
                cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
                # wait out a table swap under way before COPY takes its snapshot: COPY's snapshot is
                # taken before its lock, and would see the swapped-in table as empty
                cur.execute(f"LOCK TABLE {self._qualified(table)} IN ACCESS SHARE MODE")
                cur.copy_expert(
                    f"COPY (SELECT {select} FROM {self._qualified(table)}) TO STDOUT WITH (FORMAT csv)", buffer
                )
            conn.rollback()
        columns = list(kinds)
        if not buffer.getbuffer().nbytes:
            if polars:
                return polars_from_arrow({c: pa.array([], type=ARROW_TYPES[kind]) for c, kind in kinds.items()}, kinds)
            return restore_dtypes(pd.DataFrame({c: pd.Series(dtype=object) for c in columns}), kinds)
        copied = {kind: ARROW_TYPES[kind] for kind in ("text", "integer", "float", "money", "boolean", "date")}
        parsed = pacsv.read_csv(
            pa.BufferReader(buffer.getbuffer()),
            read_options=pacsv.ReadOptions(column_names=columns),
            # a row of one NULL is an empty line; text may hold line breaks (inside quotes)
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=True),
            # an unquoted empty field is NULL; a quoted one ("") is empty text
            convert_options=pacsv.ConvertOptions(
                column_types={c: copied.get(kind, pa.int64()) for c, kind in kinds.items()},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
        # microseconds since 1970 are what Arrow's timestamps hold: a cast, not a parse
        typed = {c: parsed.column(c).cast(ARROW_TYPES[kind]) for c, kind in kinds.items()}
        return polars_from_arrow(typed, kinds) if polars else frame_from_arrow(typed, kinds)

    def row_count(self, table: str) -> int:
        """The rows of `table`, waiting for another session's exclusive lock only as long as a swap would."""

        def count() -> int:
            cur.execute(f"SELECT COUNT(*) FROM {self._qualified(table)}")
            return int(cur.fetchone()[0])

        with closing(self.engine.raw_connection()) as conn:
            try:
                with conn.cursor() as cur:
                    return self._waiting_for_locks(cur, table, count, "could not be counted before replacing it")
            finally:
                conn.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
