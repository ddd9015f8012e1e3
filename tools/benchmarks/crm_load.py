"""Benchmark: Part 2 at full-dump scale, as a user starts it, into PostgreSQL and SQLite.

Run from the project root (tools/ is not part of the installed package):

    .venv/bin/python -m tools.benchmarks.crm_load [--assigned 1000000] [--sales 200000]
        [--backend both|postgresql|sqlite] [--postgres-url URL]

Generates the two CRM dumps with the sample generator as local CSV files, then runs
`dagster job execute -m funnel_assets.definitions -j part2_sales` in a process of its own,
configured only through environment variables (CRM_ASSIGNED_LEADS_URL and CRM_SALES_URL
pointing at the files, which the landing step copies as it would stream a download; CSV
exports on; a fresh DAGSTER_HOME, FUNNEL_DATA_DIR, and PostgreSQL schema (FUNNEL_WAREHOUSE_SCHEMA,
dropped afterwards) or SQLite file). Prints, per backend, the whole run's wall seconds (process
start included), each step's wall seconds, rows and rows per second, slowest first, and the
run's peak memory (the largest resident set in the CLI's process tree). Figures only.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path

import numpy as np

from tools.benchmarks.cli_run import (
    DEFAULT_POSTGRES_URL,
    drop_postgres_schema,
    fresh_dagster_home,
    job_environment,
    megabytes,
    print_steps,
    run_job,
)
from tools.samples.generate import DEFAULT_END_DATE, assigned_leads_frame, people_pool, sales_frame


def run(label: str, root: Path, warehouse: dict[str, str], dumps: Path) -> None:
    folder = root / label
    folder.mkdir()
    settings = warehouse | {
        "CRM_ASSIGNED_LEADS_URL": dumps / "assigned.csv",
        "CRM_SALES_URL": dumps / "sales.csv",
        "FUNNEL_DATA_DIR": folder / "data",
        "FUNNEL_ZOOM_DROP_DIR": folder / "zoom_drop",
        "FUNNEL_EXPORT_DIR": folder / "exports",
        "DAGSTER_HOME": fresh_dagster_home(folder / "dagster_home"),
    }
    result = run_job("part2_sales", job_environment(settings), folder / "dagster.log")
    print(
        f"\n{label}: part2_sales {result.seconds:.1f} s (dagster job execute, process start included), "
        f"peak memory {megabytes(result.peak_bytes)}"
    )
    print_steps(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assigned", type=int, default=1_000_000)
    parser.add_argument("--sales", type=int, default=200_000)
    parser.add_argument("--backend", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="funnel_crm_bench_") as folder:
        root = Path(folder)
        rng = np.random.default_rng(5)
        people = people_pool(rng, max(1000, args.assigned // 3))
        assigned_leads_frame(rng, people, args.assigned, DEFAULT_END_DATE).to_csv(root / "assigned.csv", index=False)
        sales_frame(rng, people, args.sales, DEFAULT_END_DATE).to_csv(root / "sales.csv", index=False)
        print(
            f"dumps: {args.assigned:,} assigned leads ({(root / 'assigned.csv').stat().st_size / 1e6:.0f} MB), "
            f"{args.sales:,} sales ({(root / 'sales.csv').stat().st_size / 1e6:.0f} MB)",
            flush=True,
        )

        if args.backend in ("both", "postgresql"):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            try:
                run(
                    "PostgreSQL",
                    root,
                    {"FUNNEL_WAREHOUSE_URL": args.postgres_url, "FUNNEL_WAREHOUSE_SCHEMA": schema},
                    root,
                )
            finally:
                drop_postgres_schema(args.postgres_url, schema)
        if args.backend in ("both", "sqlite"):
            run("SQLite", root, {"FUNNEL_WAREHOUSE_URL": f"sqlite:///{root / 'warehouse.sqlite'}"}, root)


if __name__ == "__main__":
    main()
