"""PostgreSQL (production): tables in one schema, loaded with COPY and read back with COPY."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import closing

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine

from funnel_assets.io.warehouse.backend import PreparedBatch
from funnel_assets.io.warehouse.columns import ARROW_TYPES, declared_type_kind, frame_from_arrow, restore_dtypes

# Bytes handed to the driver per call during COPY (its default, 8 KB, costs many calls).
COPY_CHUNK_BYTES = 1 << 20

SQL_TYPES = {
    "text": "TEXT",
    "integer": "BIGINT",
    "float": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamptz": "TIMESTAMPTZ",
}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class PostgresBackend:
    loads_csv = True

    def __init__(self, url: URL, schema: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        self.schema = schema

    def _qualified(self, table: str) -> str:
        return f"{quote(self.schema)}.{quote(table)}"

    def replace_table(self, table: str, kinds: dict[str, str], batches: Iterator[PreparedBatch]) -> int:
        staging = f"_stage_{table}_{uuid.uuid4().hex[:8]}"[:63]
        columns = ", ".join(f"{quote(c)} {SQL_TYPES[k]}" for c, k in kinds.items())
        copy_sql = f"COPY {self._qualified(staging)} ({', '.join(quote(c) for c in kinds)}) FROM STDIN WITH (FORMAT csv)"
        rows = 0
        with closing(self.engine.raw_connection()) as conn:
            try:
                with conn.cursor() as cur:
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
                    # the staging table exists only inside this transaction: a crash leaves nothing behind
                    cur.execute(f"CREATE TABLE {self._qualified(staging)} ({columns})")
                    for batch in batches:
                        cur.copy_expert(copy_sql, io.BytesIO(batch.csv), size=COPY_CHUNK_BYTES)
                        rows += batch.arrow.num_rows
                    cur.execute(f"DROP TABLE IF EXISTS {self._qualified(table)}")
                    cur.execute(f"ALTER TABLE {self._qualified(staging)} RENAME TO {quote(table)}")
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

    def read_table(self, table: str, kinds: dict[str, str]) -> pd.DataFrame:
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
                cur.copy_expert(f"COPY (SELECT {select} FROM {self._qualified(table)}) TO STDOUT WITH (FORMAT csv)", buffer)
            conn.rollback()
        columns = list(kinds)
        if not buffer.getbuffer().nbytes:
            return restore_dtypes(pd.DataFrame({c: pd.Series(dtype=object) for c in columns}), kinds)
        copied = {kind: ARROW_TYPES[kind] for kind in ("text", "integer", "float", "boolean", "date")}
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
        )  # fmt: skip
        # microseconds since 1970 are what Arrow's timestamps hold: a cast, not a parse
        return frame_from_arrow({c: parsed.column(c).cast(ARROW_TYPES[kind]) for c, kind in kinds.items()}, kinds)

    def row_count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {self._qualified(table)}").scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()
