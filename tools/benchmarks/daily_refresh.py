"""Benchmark: the whole daily refresh as a user starts it, measured against its I/O floor.

Run from the project root (tools/ is not part of the installed package):

    .venv/bin/python -m tools.benchmarks.daily_refresh [--backend both|postgresql|sqlite]
        [--sizes 0.25,0.5,1] [--scale benchmark|small] [--postgres-url URL] [--data-dir DIR]

For each size (a share of the scale; the whole benchmark set is 500,000 leads, 100,000 spend
rows, 1,000,000 CRM assignments, 200,000 sales and 300 Zoom reports) it generates the inputs
with tools/samples/generate.py, then for each backend:

1. The refresh, as a user starts it: `dagster job execute -m funnel_assets.definitions -j
   daily_refresh` in a process of its own (its start and imports included in the time),
   configured only through environment variables: the generated files as the sources
   (FUNNEL_LEADS_SOURCE, FUNNEL_SPEND_SOURCE, CRM_ASSIGNED_LEADS_URL, CRM_SALES_URL), a drop
   folder holding the Zoom reports (FUNNEL_ZOOM_DROP_DIR), CSV exports on as in production
   (FUNNEL_EXPORT_DIR), the project's mappings/, a fresh DAGSTER_HOME and FUNNEL_DATA_DIR, and
   a fresh PostgreSQL schema (FUNNEL_WAREHOUSE_SCHEMA, dropped afterwards) or SQLite file.
2. Right after, on the same machine, the I/O floor of that refresh, with no logic at all:
   (a) Arrow parsing every input file (pyarrow.csv.read_csv, every cell as text, as the
       project reads them; a Zoom report's rows of its most common width);
   (b) loading every output table's final rows into a plain table: on PostgreSQL, the rows are
       fetched as CSV first (COPY ... TO STDOUT, not timed), a plain table is created LIKE the
       output table in a scratch schema, and only `COPY ... FROM STDIN WITH CSV` is timed; on
       SQLite, which has no COPY, the rows are fetched first and only one executemany into a
       plain table of a scratch SQLite file (WAL, as the warehouse) and its commit are timed;
   (c) writing every output table once as CSV with Arrow (pyarrow.csv.write_csv of the table
       already in memory, typed as in the warehouse, timestamps as UTC wall-clock values since
       Arrow formats zoned ones ten times slower; only the write is timed).

It prints, per run: the steps' wall times, slowest first, and how much of each went to writing
its tables (read from the run's step stats and events in its DAGSTER_HOME), the computing that
remains and the time outside the steps, the whole refresh's seconds, the floor's three parts and the rows loaded,
the ratio refresh / floor and the peak memory (the largest resident set in the CLI's process
tree), each beside its target (PostgreSQL at most 2.0x the floor, SQLite at most 3x, peak under
2 GB); then a scaling table per backend: refresh, floor, ratio and peak per size.

Benchmarks print figures; nothing is asserted, and they are never tests. A full-scale size
takes minutes per backend.
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import tempfile
import time
import uuid
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pyarrow as pa
import pyarrow.csv as pacsv

from tools.benchmarks.cli_run import (
    DEFAULT_POSTGRES_URL,
    JobRun,
    drop_postgres_schema,
    drop_reports,
    fresh_dagster_home,
    job_environment,
    libpq_url,
    megabytes,
    print_steps,
    run_job,
)
from tools.samples.generate import SCALES, generate

RATIO_TARGETS = {"postgresql": 2.0, "sqlite": 3.0}
PEAK_TARGET = 2 * 2**30
COMPLETE = ".generated"  # written last: a set cut short by an interrupt is generated again
LABELS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
LOAD_FLOORS = {
    "postgresql": "one COPY FROM STDIN per table into a plain table",
    "sqlite": "one executemany per table into a plain table (no COPY)",
}


@dataclass
class Inputs:
    folder: Path
    label: str

    @property
    def tables(self) -> list[Path]:
        return [
            self.folder / "leads.csv",
            self.folder / "spend.csv",
            self.folder / "crm" / "assigned_leads.csv",
            self.folder / "crm" / "sales.csv",
        ]

    @property
    def zoom_reports(self) -> list[Path]:
        return sorted((self.folder / "zoom").glob("*.csv"))


@dataclass
class Floor:
    parse_seconds: float
    parse_bytes: int
    load_seconds: float
    load_rows: int
    csv_seconds: float
    tables: int

    @property
    def seconds(self) -> float:
        return self.parse_seconds + self.load_seconds + self.csv_seconds


@dataclass
class Result:
    backend: str
    size: str
    run: JobRun
    floor: Floor

    @property
    def ratio(self) -> float:
        return self.run.seconds / self.floor.seconds


# -- the inputs -------------------------------------------------------------------------------


def inputs(root: Path, scale_name: str, fraction: float) -> Inputs:
    """The generated set for this share of the scale, reused when `root` already holds it."""
    label = scale_name if fraction == 1 else f"{fraction:g} x {scale_name}"
    folder = root / f"{scale_name}_x{fraction:g}"
    if not (folder / COMPLETE).exists():
        started = time.perf_counter()
        counts = generate(folder, SCALES[scale_name].scaled(fraction))
        (folder / COMPLETE).touch()
        tables = {k: v for k, v in counts.items() if not k.startswith("zoom/")}
        print(
            f"\n{label}: generated in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{name} {n:,} rows" for name, n in tables.items())
            + f", {len(counts) - len(tables)} Zoom reports",
            flush=True,
        )
    return Inputs(folder, label)


# -- the floor, (a) parsing -------------------------------------------------------------------


def _text_columns(names: list[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))


def parse_floor(data: Inputs) -> tuple[float, int]:
    """Seconds to parse every input file with Arrow, every cell as text; and the bytes read."""
    seconds, size = 0.0, 0
    for path in data.tables:
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f))
        started = time.perf_counter()
        pacsv.read_csv(path, convert_options=_text_columns(header))
        seconds += time.perf_counter() - started
        size += path.stat().st_size
    for path in data.zoom_reports:
        # a report is sections of different widths (summary, host, attendees): Arrow reads the
        # rows of its most common width, the people, and skips the others after tokenising them
        with open(path, newline="", encoding="utf-8-sig") as f:
            width = Counter(len(row) for row in csv.reader(f) if row).most_common(1)[0][0]
        names = [f"c{i}" for i in range(width)]
        started = time.perf_counter()
        pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
            convert_options=_text_columns(names),
        )
        seconds += time.perf_counter() - started
        size += path.stat().st_size
    return seconds, size


# -- the floor, (b) loading -------------------------------------------------------------------

ARROW_TYPES = {
    "int2": pa.int64(),
    "int4": pa.int64(),
    "int8": pa.int64(),
    "float4": pa.float64(),
    "float8": pa.float64(),
    "numeric": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "timestamp": pa.timestamp("us"),
}


def _arrow_from_copy(buffer: bytes, columns: list[tuple[str, str]], table: str) -> pa.Table:
    """A table COPY wrote as CSV (timestamps in UTC), read back as Arrow with its columns' types.

    Timestamps are held as UTC wall-clock values without a zone: Arrow formats a zoned
    timestamp about ten times slower than a plain one, a cost of Arrow's formatter and not of
    writing the bytes, which would make the floor look higher than it is."""
    names = [name for name, _ in columns]
    read = pacsv.ReadOptions(column_names=names, block_size=1 << 24)
    typed = pacsv.ConvertOptions(
        column_types={name: ARROW_TYPES.get(kind, pa.string()) for name, kind in columns},
        true_values=["t"],
        false_values=["f"],
    )
    try:
        arrow = pacsv.read_csv(io.BytesIO(buffer), read_options=read, convert_options=typed)
    except pa.ArrowInvalid as error:  # a value Arrow cannot type: the same table as text
        print(f"  (floor: {table} held as text for the CSV write: {error})")
        return pacsv.read_csv(io.BytesIO(buffer), read_options=read, convert_options=_text_columns(names))
    for i, column in enumerate(arrow.columns):
        if pa.types.is_timestamp(column.type) and column.type.tz:
            arrow = arrow.set_column(i, names[i], column.cast(pa.timestamp(column.type.unit)))
    return arrow


def schema_tables(cur, schema: str) -> list[str]:
    cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE' "
        "ORDER BY table_name",
        (schema,),
    )
    return [name for (name,) in cur.fetchall()]


def postgres_load_floor(url: str, schema: str) -> tuple[float, int, dict[str, pa.Table]]:
    """Seconds of one COPY FROM STDIN per output table of `schema` into a plain table LIKE it in
    a scratch schema (dropped afterwards), the rows, and the tables as Arrow."""
    scratch = f"{schema}_floor"
    seconds, rows, tables = 0.0, 0, {}
    with closing(psycopg2.connect(libpq_url(url))) as conn, conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute(f'CREATE SCHEMA "{scratch}"')
        conn.commit()
        try:
            for table in schema_tables(cur, schema):
                cur.execute(
                    "SELECT column_name, udt_name FROM information_schema.columns "
                    "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                    (schema, table),
                )
                columns = cur.fetchall()
                out = io.BytesIO()
                cur.copy_expert(f'COPY (SELECT * FROM "{schema}"."{table}") TO STDOUT WITH CSV', out)
                cur.execute(f'CREATE TABLE "{scratch}"."{table}" (LIKE "{schema}"."{table}")')
                conn.commit()
                out.seek(0)
                started = time.perf_counter()
                cur.copy_expert(f'COPY "{scratch}"."{table}" FROM STDIN WITH CSV', out, size=1 << 20)
                conn.commit()
                seconds += time.perf_counter() - started
                cur.execute(f'SELECT count(*) FROM "{scratch}"."{table}"')
                rows += cur.fetchone()[0]
                tables[table] = _arrow_from_copy(out.getvalue(), columns, table)
        finally:
            conn.rollback()
            cur.execute(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE')
            conn.commit()
    return seconds, rows, tables


def _arrow_column(values: tuple) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # SQLite lets a column mix types
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def sqlite_load_floor(warehouse: Path, scratch: Path) -> tuple[float, int, dict[str, pa.Table]]:
    """Seconds of one executemany per output table into a plain table of the same declared
    columns in a scratch file, the rows, and the tables as Arrow."""
    seconds, rows, tables = 0.0, 0, {}
    with closing(sqlite3.connect(warehouse)) as source, closing(sqlite3.connect(scratch)) as target:
        target.execute("PRAGMA journal_mode=WAL")
        names = [
            n
            for (n,) in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in names:
            declared = [(name, kind) for _, name, kind, *_ in source.execute(f'PRAGMA table_info("{table}")')]
            data = source.execute(f'SELECT * FROM "{table}"').fetchall()
            plain_columns = ", ".join(f'"{name}" {kind}' for name, kind in declared)
            target.execute(f'CREATE TABLE "{table}" ({plain_columns})')
            target.commit()
            started = time.perf_counter()
            target.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(declared))})', data)
            target.commit()
            seconds += time.perf_counter() - started
            rows += len(data)
            columns = list(zip(*data, strict=False)) if data else [()] * len(declared)
            tables[table] = pa.table(
                {name: _arrow_column(col) for (name, _), col in zip(declared, columns, strict=False)}
            )
    return seconds, rows, tables


# -- the floor, (c) the CSV exports -----------------------------------------------------------


def csv_floor(tables: dict[str, pa.Table], folder: Path) -> float:
    """Seconds to write every table once as CSV with Arrow."""
    folder.mkdir(parents=True, exist_ok=True)
    seconds = 0.0
    for name, table in tables.items():
        started = time.perf_counter()
        pacsv.write_csv(table, folder / f"{name}.csv")
        seconds += time.perf_counter() - started
    return seconds


# -- one run ----------------------------------------------------------------------------------


def refresh_settings(data: Inputs, folder: Path) -> dict[str, str | Path]:
    """Every environment variable the refresh reads, but the warehouse's."""
    return {
        "FUNNEL_DATA_DIR": folder / "data",
        "FUNNEL_ZOOM_DROP_DIR": drop_reports(data.zoom_reports, folder / "zoom_drop"),
        "FUNNEL_LEADS_SOURCE": data.folder / "leads.csv",
        "FUNNEL_SPEND_SOURCE": data.folder / "spend.csv",
        "CRM_ASSIGNED_LEADS_URL": data.folder / "crm" / "assigned_leads.csv",
        "CRM_SALES_URL": data.folder / "crm" / "sales.csv",
        "FUNNEL_EXPORT_DIR": folder / "exports",
        "DAGSTER_HOME": fresh_dagster_home(folder / "dagster_home"),
    }


def run_postgresql(data: Inputs, folder: Path, url: str) -> Result:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = refresh_settings(data, folder) | {"FUNNEL_WAREHOUSE_URL": url, "FUNNEL_WAREHOUSE_SCHEMA": schema}
    try:
        run = run_job("daily_refresh", job_environment(settings), folder / "dagster.log")
        parse_seconds, parse_bytes = parse_floor(data)
        load_seconds, rows, tables = postgres_load_floor(url, schema)
        if not tables:
            raise RuntimeError(f"the refresh wrote no table into schema {schema}: is FUNNEL_WAREHOUSE_SCHEMA read?")
        csv_seconds = csv_floor(tables, folder / "floor_csv")
    finally:
        drop_postgres_schema(url, schema)
    return Result(
        "postgresql", data.label, run, Floor(parse_seconds, parse_bytes, load_seconds, rows, csv_seconds, len(tables))
    )


def run_sqlite(data: Inputs, folder: Path) -> Result:
    warehouse = folder / "warehouse.sqlite"
    settings = refresh_settings(data, folder) | {"FUNNEL_WAREHOUSE_URL": f"sqlite:///{warehouse}"}
    run = run_job("daily_refresh", job_environment(settings), folder / "dagster.log")
    parse_seconds, parse_bytes = parse_floor(data)
    load_seconds, rows, tables = sqlite_load_floor(warehouse, folder / "floor.sqlite")
    csv_seconds = csv_floor(tables, folder / "floor_csv")
    return Result(
        "sqlite", data.label, run, Floor(parse_seconds, parse_bytes, load_seconds, rows, csv_seconds, len(tables))
    )


# -- printing ---------------------------------------------------------------------------------


def print_result(result: Result, data: Inputs) -> None:
    run, floor = result.run, result.floor
    print(f"\n{LABELS[result.backend]}, {result.size}: daily_refresh (run {run.run_id[:8]}), steps slowest first")
    # the many small check steps are summed on one line
    print_steps(run, min_seconds=max(0.05, 0.02 * sum(s.seconds for s in run.steps)))

    def line(label: str, value: str, target: str = "") -> None:
        print(f"  {label:68} {value:>12}   {target}".rstrip())

    line("whole refresh (dagster job execute, process start included)", f"{run.seconds:.2f} s")
    line("floor, no logic", f"{floor.seconds:.2f} s")
    line(
        f"  (a) Arrow parse of {len(data.tables)} input files and {len(data.zoom_reports)} Zoom reports, "
        f"{floor.parse_bytes / 1e6:,.1f} MB",
        f"{floor.parse_seconds:.2f} s",
    )
    line(f"  (b) load: {LOAD_FLOORS[result.backend]}", f"{floor.load_seconds:.2f} s")
    line(f"      {floor.load_rows:,} output rows in {floor.tables} tables", "")
    line(
        f"  (c) Arrow CSV write of the {floor.tables} output tables (timestamps unzoned)", f"{floor.csv_seconds:.2f} s"
    )
    line("refresh / floor", f"{result.ratio:.2f}x", f"target at most {RATIO_TARGETS[result.backend]:g}x")
    line(
        "peak memory (largest resident set in the CLI's process tree)",
        megabytes(run.peak_bytes),
        f"target under {megabytes(PEAK_TARGET)}",
    )
    print(flush=True, end="")


def print_scaling(results: list[Result]) -> None:
    for backend in LABELS:
        rows = [r for r in results if r.backend == backend]
        if not rows:
            continue
        print(
            f"\nscaling, {LABELS[backend]} (floor (b): {LOAD_FLOORS[backend]}); "
            f"targets: ratio at most {RATIO_TARGETS[backend]:g}x, peak under {megabytes(PEAK_TARGET)}"
        )
        print(f"  {'size':22} {'rows loaded':>12} {'refresh s':>10} {'floor s':>9} {'ratio':>7} {'peak':>10}")
        for r in rows:
            print(
                f"  {r.size:22} {r.floor.load_rows:>12,} {r.run.seconds:10.2f} {r.floor.seconds:9.2f} "
                f"{r.ratio:6.2f}x {megabytes(r.run.peak_bytes):>10}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--sizes", default="0.25,0.5,1", help="shares of the scale, comma-separated")
    parser.add_argument("--scale", choices=sorted(SCALES), default="benchmark")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated inputs here and reuse them (default: a temporary folder)"
    )
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]

    results = []
    with tempfile.TemporaryDirectory(prefix="funnel_refresh_bench_") as folder:
        root = Path(folder)
        for fraction in sizes:
            data = inputs(args.data_dir or root / "inputs", args.scale, fraction)
            for backend in backends:
                work = root / f"{backend}_x{fraction:g}"
                work.mkdir()
                if backend == "postgresql":
                    result = run_postgresql(data, work, args.postgres_url)
                else:
                    result = run_sqlite(data, work)
                print_result(result, data)
                results.append(result)
    print_scaling(results)


if __name__ == "__main__":
    main()
