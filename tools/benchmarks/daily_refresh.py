"""Benchmark: the whole daily refresh as a user starts it, measured against its I/O floor.

Run from the project root (tools/ is not part of the installed package):

    .venv/bin/python -m tools.benchmarks.daily_refresh [--backend both|postgresql|sqlite]
        [--sizes 0.25,0.5,1,4] [--scale benchmark|small] [--inputs generated|independent|both]
        [--postgres-url URL] [--data-dir DIR]

For each input set and size (a share of the scale; the whole benchmark set is 500,000 leads,
100,000 spend rows, 1,000,000 CRM assignments, 200,000 sales and 300 Zoom reports; 4 is four
times that) it writes the inputs, then for each backend runs the refresh and its floor below.
The input sets (`--inputs`, default `generated`; `both` runs each):

- generated: the project's own sample generator, tools/samples/generate.py;
- independent: tools/benchmarks/independent_inputs.py, written from the sources' contracts with
  other distributions and spellings (more sources and sales people, phones, dates and amounts
  spelled other ways, repeated leads), the same row counts per size, and the sample generator's
  Zoom writer. A ratio that holds on one set and not the other owes something to that set.

For each backend:

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
tree), each beside its target for that backend and size, met or not; then a scaling table per
input set and backend: refresh, floor, ratio, peak memory and the targets met per size.

The targets (`TARGETS`), set for the benchmark scale: at full scale (size 1), PostgreSQL within
3.0x of the floor and SQLite within 3.5x; at four times full scale (size 4), PostgreSQL within
2.0x, and peak memory under 3 GB on either backend. Other sizes have no target: they show how
the figures scale.

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
from tools.benchmarks.independent_inputs import generate_independent
from tools.samples.generate import SCALES, generate


@dataclass(frozen=True)
class Target:
    ratio: float | None = None  # refresh / floor, at most
    peak_bytes: int | None = None  # peak memory, under


# (backend, size) -> target; a size without one has none
TARGETS = {
    ("postgresql", 1.0): Target(ratio=3.0),
    ("postgresql", 4.0): Target(ratio=2.0, peak_bytes=3 * 2**30),
    ("sqlite", 1.0): Target(ratio=3.5),
    ("sqlite", 4.0): Target(peak_bytes=3 * 2**30),
}
INPUT_SETS = {"generated": generate, "independent": generate_independent}
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
    kind: str  # one of INPUT_SETS
    fraction: float  # the share of the scale

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
    fraction: float
    inputs: str  # one of INPUT_SETS

    @property
    def ratio(self) -> float:
        return self.run.seconds / self.floor.seconds

    @property
    def target(self) -> Target:
        return TARGETS.get((self.backend, self.fraction), Target())

    @property
    def ratio_met(self) -> bool | None:
        return None if self.target.ratio is None else self.ratio <= self.target.ratio

    @property
    def peak_met(self) -> bool | None:
        return None if self.target.peak_bytes is None else self.run.peak_bytes < self.target.peak_bytes


# -- the inputs -------------------------------------------------------------------------------


def inputs(root: Path, scale_name: str, fraction: float, kind: str = "generated") -> Inputs:
    """The input set `kind` for this share of the scale, reused when `root` already holds it."""
    label = (scale_name if fraction == 1 else f"{fraction:g} x {scale_name}") + f", {kind} inputs"
    # the generated set keeps its folder name, so a --data-dir written before the independent set still serves
    folder = root / (f"{scale_name}_x{fraction:g}" if kind == "generated" else f"{kind}_{scale_name}_x{fraction:g}")
    if not (folder / COMPLETE).exists():
        started = time.perf_counter()
        counts = INPUT_SETS[kind](folder, SCALES[scale_name].scaled(fraction))
        (folder / COMPLETE).touch()
        tables = {k: v for k, v in counts.items() if not k.startswith(("zoom/", "events/"))}
        reports = sum(1 for k in counts if k.startswith("zoom/"))
        print(
            f"\n{label}: written in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{name} {n:,} rows" for name, n in tables.items())
            + f", {reports} Zoom reports",
            flush=True,
        )
    return Inputs(folder, label, kind, fraction)


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
    floor = Floor(parse_seconds, parse_bytes, load_seconds, rows, csv_seconds, len(tables))
    return Result("postgresql", data.label, run, floor, data.fraction, data.kind)


def run_sqlite(data: Inputs, folder: Path) -> Result:
    warehouse = folder / "warehouse.sqlite"
    settings = refresh_settings(data, folder) | {"FUNNEL_WAREHOUSE_URL": f"sqlite:///{warehouse}"}
    run = run_job("daily_refresh", job_environment(settings), folder / "dagster.log")
    parse_seconds, parse_bytes = parse_floor(data)
    load_seconds, rows, tables = sqlite_load_floor(warehouse, folder / "floor.sqlite")
    csv_seconds = csv_floor(tables, folder / "floor_csv")
    floor = Floor(parse_seconds, parse_bytes, load_seconds, rows, csv_seconds, len(tables))
    return Result("sqlite", data.label, run, floor, data.fraction, data.kind)


# -- printing ---------------------------------------------------------------------------------


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: ""}[met]


def ratio_target_text(result: Result) -> str:
    if result.target.ratio is None:
        return "no target at this size"
    return f"target at most {result.target.ratio:g}x: {_verdict(result.ratio_met)}"


def peak_target_text(result: Result) -> str:
    if result.target.peak_bytes is None:
        return "no target at this size"
    return f"target under {megabytes(result.target.peak_bytes)}: {_verdict(result.peak_met)}"


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
    line("refresh / floor", f"{result.ratio:.2f}x", ratio_target_text(result))
    line(
        "peak memory (largest resident set in the CLI's process tree)",
        megabytes(run.peak_bytes),
        peak_target_text(result),
    )
    print(flush=True, end="")


def _target_cell(limit: str | None, met: bool | None) -> str:
    return "-" if limit is None else f"{limit} {'yes' if met else 'NO'}"


def print_scaling(results: list[Result]) -> None:
    """One table per input set and backend: the figures per size, beside that size's targets."""
    for kind in INPUT_SETS:
        for backend in LABELS:
            rows = [r for r in results if r.backend == backend and r.inputs == kind]
            if not rows:
                continue
            print(f"\nscaling, {LABELS[backend]}, {kind} inputs (floor (b): {LOAD_FLOORS[backend]})")
            print(
                f"  {'size':36} {'rows loaded':>12} {'refresh s':>10} {'floor s':>9} {'ratio':>7} {'peak':>10}"
                f"   {'ratio target':>14} {'peak target':>16}"
            )
            for r in rows:
                ratio_limit = None if r.target.ratio is None else f"<= {r.target.ratio:g}x"
                peak_limit = None if r.target.peak_bytes is None else f"< {megabytes(r.target.peak_bytes)}"
                print(
                    f"  {r.size:36} {r.floor.load_rows:>12,} {r.run.seconds:10.2f} {r.floor.seconds:9.2f} "
                    f"{r.ratio:6.2f}x {megabytes(r.run.peak_bytes):>10}"
                    f"   {_target_cell(ratio_limit, r.ratio_met):>14} {_target_cell(peak_limit, r.peak_met):>16}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--sizes", default="0.25,0.5,1,4", help="shares of the scale, comma-separated")
    parser.add_argument("--scale", choices=sorted(SCALES), default="benchmark")
    parser.add_argument(
        "--inputs", choices=[*INPUT_SETS, "both"], default="generated", help="the input set to run on, or both"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated inputs here and reuse them (default: a temporary folder)"
    )
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    kinds = list(INPUT_SETS) if args.inputs == "both" else [args.inputs]

    results = []
    with tempfile.TemporaryDirectory(prefix="funnel_refresh_bench_") as folder:
        root = Path(folder)
        for kind in kinds:
            for fraction in sizes:
                data = inputs(args.data_dir or root / "inputs", args.scale, fraction, kind)
                for backend in backends:
                    work = root / f"{kind}_{backend}_x{fraction:g}"
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
