"""Benchmark: the whole daily_refresh through Dagster at scale, on PostgreSQL and on SQLite.

    python -m funnel_assets.benchmarks.daily_refresh [--scale benchmark] [--postgres-url URL] [--backend both|postgresql|sqlite] [--data DIR]

Generates the large sample set (1,000,000 CRM assignments, 200,000 sales, 500,000 leads,
100,000 spend rows, 300 Zoom reports), runs `daily_refresh` with its checks and CSV exports
(as production does), each backend in a process of its own, and prints per step: wall
seconds, rows written, rows per second and peak memory (the process's RSS sampled while the
step ran); then the whole run's wall time and peak memory, and the warehouse's load of
1,000,000 rows against the floor: a raw PostgreSQL COPY of the same rows' CSV, already written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import dagster as dg

from funnel_assets.assets import marketing, reporting, sales, zoom
from funnel_assets.benchmarks.warehouse_load import assignment_like_frame, load_against_floor
from funnel_assets.checks import ASSET_CHECKS
from funnel_assets.jobs import daily_refresh
from funnel_assets.resources.drop_folder import ZoomDropFolder
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.sheets_export import SheetsExport
from funnel_assets.resources.sources import CrmApi, TabularSource
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.samples.generate import SCALES, generate
from funnel_assets.settings import mappings_dir

PAGE = os.sysconf("SC_PAGE_SIZE")


class MemorySampler:
    """The process's resident memory every 20 ms, to find each step's peak."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with open("/proc/self/statm") as statm:
            while not self._stop.is_set():
                statm.seek(0)
                self.samples.append((time.time(), int(statm.read().split()[1]) * PAGE))
                time.sleep(0.02)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((rss for at, rss in self.samples if start <= at <= end), default=0)


def definitions(data: Path, drop: Path, warehouse: Warehouse) -> dg.Definitions:
    return dg.Definitions(
        assets=dg.load_assets_from_modules([marketing, zoom, sales, reporting]),
        asset_checks=ASSET_CHECKS,
        jobs=[daily_refresh],
        executor=dg.in_process_executor,
        resources={
            "warehouse": warehouse,
            "mappings": Mappings(directory=str(mappings_dir())),
            "zoom_drop": ZoomDropFolder(directory=str(drop)),
            "leads_source": TabularSource(location=str(data / "leads.csv")),
            "spend_source": TabularSource(location=str(data / "spend.csv")),
            "crm": CrmApi(assigned_leads_url=str(data / "crm" / "assigned_leads.csv"), sales_url=str(data / "crm" / "sales.csv")),
            "sheets_export": SheetsExport(),
        },
    )


def run(label: str, data: Path, root: Path, warehouse: Warehouse) -> None:
    drop = root / f"zoom_drop_{label}"
    shutil.copytree(data / "zoom", drop)
    old = time.time() - 3600
    for report in drop.iterdir():
        os.utime(report, (old, old))
    instance = dg.DagsterInstance.ephemeral()
    job = definitions(data, drop, warehouse).resolve_job_def("daily_refresh")
    with MemorySampler() as memory:
        started = time.perf_counter()
        result = job.execute_in_process(instance=instance)
        wall = time.perf_counter() - started
    assert result.success, label
    print(f"\n{label}: whole daily_refresh {wall:.1f} s, peak memory {memory.peak() / 2**20:,.0f} MB", flush=True)
    print(f"  {'step':45} {'seconds':>8} {'rows':>11} {'rows/s':>10} {'peak MB':>8}")
    started_at: dict[str, float] = {}
    rows: dict[str, int] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            started_at[event.step_key] = entry.timestamp
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            count = event.step_materialization_data.materialization.metadata.get("dagster/row_count")
            rows[event.step_key] = rows.get(event.step_key, 0) + (int(count.value) if count else 0)
        elif event.event_type_value == "STEP_SUCCESS" and event.step_key in started_at:
            start, end = started_at[event.step_key], entry.timestamp
            seconds = end - start
            count = rows.get(event.step_key, 0)
            if seconds >= 0.05 or count:
                rate = f"{count / seconds:,.0f}" if count and seconds else ""
                print(f"  {event.step_key:45} {seconds:8.2f} {count:>11,} {rate:>10} {memory.peak(start, end) / 2**20:8,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="benchmark")
    parser.add_argument("--postgres-url", default=os.environ.get("FUNNEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--backend", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--data", type=Path, help="a folder the generator already wrote (generated afresh when absent)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = args.data or root / "data"
        if not (data / "leads.csv").exists():
            started = time.perf_counter()
            counts = generate(data, SCALES[args.scale])
            tables = {k: v for k, v in counts.items() if not k.startswith("zoom/")}
            print(f"generated in {time.perf_counter() - started:.0f} s: "
                  + ", ".join(f"{name} {n:,}" for name, n in tables.items()) + f", {len(counts) - len(tables)} Zoom reports")  # fmt: skip
        if args.backend == "both":
            # each backend in a process of its own: its peak memory is its own, not the other's leftovers
            for backend in ("postgresql", "sqlite"):
                command = [sys.executable, "-m", __spec__.name, "--backend", backend, "--data", str(data), "--postgres-url", args.postgres_url]
                subprocess.run(command, check=True)
            return
        os.environ["FUNNEL_DATA_DIR"] = str(root / "landing")
        if args.backend == "sqlite":
            run("SQLite", data, root, Warehouse(url=f"sqlite:///{root / 'warehouse.sqlite'}", export_dir=str(root / "exports")))
            return
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        # CSV exports on, as in production (FUNNEL_EXPORT_DIR defaults to data/exports)
        postgres = Warehouse(url=args.postgres_url, schema_name=schema, export_dir=str(root / "exports"))
        try:
            run("PostgreSQL", data, root, postgres)
            floor, load, ratios = load_against_floor(Warehouse(url=args.postgres_url, schema_name=schema), assignment_like_frame(1_000_000), 5)
            print(f"\nload rate, 1,000,000 rows, median of 5: warehouse {load:.2f} s vs raw COPY {floor:.2f} s "
                  f"({load / floor:.2f}x the floor; runs {min(ratios):.2f}x to {max(ratios):.2f}x)")  # fmt: skip
        finally:
            with postgres.engine().begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
