"""Benchmark: Part 2 at full-dump scale, through Dagster, into PostgreSQL (and SQLite).

    python -m funnel_assets.benchmarks.crm_load [--assigned 1000000] [--sales 200000] [--postgres-url URL]

Generates the CRM dumps with the sample generator, serves them as local files (the landing
step copies them as it would stream a download), materialises crm_assigned_leads,
assigned_leads_monthly, sales and sales_to_map, and prints each step's wall seconds, rows
per second and the run's peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import uuid
from pathlib import Path

import dagster as dg
import numpy as np

from funnel_assets.assets.sales import crm_assignments, crm_sales
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.sources import CrmApi
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.samples.generate import DEFAULT_END_DATE, assigned_leads_frame, people_pool, sales_frame
from funnel_assets.settings import mappings_dir


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    started, seconds = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds[event.step_key] = entry.timestamp - started[event.step_key]
    return seconds


def run(label: str, warehouse: Warehouse, crm: CrmApi) -> None:
    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    result = dg.materialize(
        [crm_assignments, crm_sales],
        resources={"crm": crm, "mappings": Mappings(directory=str(mappings_dir())), "warehouse": warehouse},
        instance=instance,
    )
    wall = time.perf_counter() - started
    assert result.success
    print(f"\n{label}: whole run {wall:.1f} s")
    rows = {"crm_assignments": "crm_assigned_leads", "crm_sales": "sales"}
    for step, seconds in step_seconds(instance, result.run_id).items():
        count = warehouse.row_count(rows[step])
        print(f"  {step:24} {seconds:6.1f} s  {count:>10,} rows  {count / seconds:>10,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assigned", type=int, default=1_000_000)
    parser.add_argument("--sales", type=int, default=200_000)
    parser.add_argument("--postgres-url", default=os.environ.get("FUNNEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["FUNNEL_DATA_DIR"] = str(root / "data")
        rng = np.random.default_rng(5)
        people = people_pool(rng, max(1000, args.assigned // 3))
        assigned_leads_frame(rng, people, args.assigned, DEFAULT_END_DATE).to_csv(root / "assigned.csv", index=False)
        sales_frame(rng, people, args.sales, DEFAULT_END_DATE).to_csv(root / "sales.csv", index=False)
        print(f"dumps: {args.assigned:,} assigned leads ({(root / 'assigned.csv').stat().st_size / 1e6:.0f} MB), "
              f"{args.sales:,} sales ({(root / 'sales.csv').stat().st_size / 1e6:.0f} MB)")  # fmt: skip
        crm = CrmApi(assigned_leads_url=str(root / "assigned.csv"), sales_url=str(root / "sales.csv"))

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        postgres = Warehouse(url=args.postgres_url, schema_name=schema)
        try:
            run("PostgreSQL", postgres, crm)
        finally:
            with postgres.engine().begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        run("SQLite", Warehouse(url=f"sqlite:///{root / 'warehouse.sqlite'}"), crm)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
