"""Benchmark: the warehouse's table load against a raw PostgreSQL COPY of the same rows.

Run from the project root (tools/ is not part of the installed package):

    .venv/bin/python -m tools.benchmarks.warehouse_load --rows 1000000 [--repeat 5] [--postgres-url URL]

Prints wall seconds, rows per second and the ratio to the raw COPY (the floor), for
PostgreSQL and for the embedded SQLite warehouse, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import statistics
import tempfile
import time
from contextlib import closing

import numpy as np
import pandas as pd

from funnel_assets.io.warehouse import Warehouse


def assignment_like_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """Rows shaped like the CRM's assigned leads: four columns, text and a timestamp."""
    rng = np.random.default_rng(seed)
    phones = pd.Series(rng.integers(6_000_000_000, 9_999_999_999, rows).astype(str))
    start = pd.Timestamp("2026-08-01", tz="Asia/Kolkata")
    return pd.DataFrame(
        {
            "source": pd.Series(
                rng.choice(["ACCA_Webinar_Meta", "CFA_Webinar_Meta", "Website_Organic", "walk-in"], rows)
            ),
            "assigned_on": start + pd.to_timedelta(rng.integers(0, 90 * 86_400, rows), unit="s"),
            "phone": phones,
            "employee": pd.Series(rng.choice([f"Employee {i}" for i in range(40)], rows)),
        }
    )


def raw_copy_seconds(warehouse: Warehouse, frame: pd.DataFrame) -> float:
    """The floor: one COPY of the rows' CSV, already written out, into a plain table. Only the
    COPY is timed: no serialising, no staging table, no casting."""
    text = io.BytesIO()
    frame.to_csv(text, index=False, header=False, quoting=csv.QUOTE_MINIMAL, date_format="%Y-%m-%dT%H:%M:%S%z")
    with closing(warehouse.engine().raw_connection()) as conn, conn.cursor() as cur:
        cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{warehouse.schema_name}"')
        cur.execute(f'DROP TABLE IF EXISTS "{warehouse.schema_name}".bench_raw_copy')
        cur.execute(
            f'CREATE TABLE "{warehouse.schema_name}".bench_raw_copy '
            "(source TEXT, assigned_on TIMESTAMPTZ, phone TEXT, employee TEXT)"
        )
        conn.commit()
        text.seek(0)
        started = time.perf_counter()
        cur.copy_expert(
            f'COPY "{warehouse.schema_name}".bench_raw_copy FROM STDIN WITH (FORMAT csv)', text, size=1 << 20
        )
        conn.commit()
        elapsed = time.perf_counter() - started
        cur.execute(f'SELECT COUNT(*) FROM "{warehouse.schema_name}".bench_raw_copy')
        assert cur.fetchone()[0] == len(frame)
        cur.execute(f'DROP TABLE "{warehouse.schema_name}".bench_raw_copy')
        conn.commit()
    return elapsed


def timed_write(warehouse: Warehouse, frame: pd.DataFrame) -> float:
    started = time.perf_counter()
    warehouse.write_table("bench_assigned_leads", frame)
    return time.perf_counter() - started


def load_against_floor(warehouse: Warehouse, frame: pd.DataFrame, repeat: int) -> tuple[float, float, list[float]]:
    """Median seconds of the floor and of the warehouse's load, each measured `repeat` times in
    turn (this shared machine varies by a fifth from one run to the next), and every run's ratio."""
    floors, loads = [], []
    for _ in range(repeat):
        floors.append(raw_copy_seconds(warehouse, frame))
        loads.append(timed_write(warehouse, frame))
    return (
        statistics.median(floors),
        statistics.median(loads),
        [load / floor for floor, load in zip(floors, loads, strict=False)],
    )


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="measurements of the floor and the load, each")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("FUNNEL_BENCHMARK_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()

    frame = assignment_like_frame(args.rows)
    print(f"{args.rows:,} rows x {frame.shape[1]} columns; peak memory after building them: {peak_memory_mb():,.0f} MB")

    postgres = Warehouse(url=args.postgres_url, schema_name="funnel_benchmark")
    floor, loaded, ratios = load_against_floor(postgres, frame, args.repeat)
    print(f"PostgreSQL, median of {args.repeat} runs each:")
    print(f"PostgreSQL raw COPY (floor)    {floor:6.2f} s  {args.rows / floor:12,.0f} rows/s")
    print(
        f"PostgreSQL warehouse load      {loaded:6.2f} s  {args.rows / loaded:12,.0f} rows/s  "
        f"({loaded / floor:.2f}x the floor; "
        f"runs {min(ratios):.2f}x to {max(ratios):.2f}x)"
    )
    with postgres.engine().begin() as conn:
        conn.exec_driver_sql('DROP SCHEMA "funnel_benchmark" CASCADE')

    with tempfile.TemporaryDirectory() as folder:
        sqlite = Warehouse(url=f"sqlite:///{folder}/bench.sqlite")
        loaded = timed_write(sqlite, frame)
        print(f"SQLite warehouse load          {loaded:6.2f} s  {args.rows / loaded:12,.0f} rows/s")
        sqlite.engine().dispose()
    print(f"peak memory: {peak_memory_mb():,.0f} MB")


if __name__ == "__main__":
    main()
