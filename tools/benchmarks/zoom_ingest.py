"""Benchmark: a drop folder of a few hundred Zoom reports into event_participants, through Dagster.

    python -m funnel_assets.benchmarks.zoom_ingest --reports 300 [--per-session 150]

Generates the reports with the sample generator (registration + attendee per webinar and
boot-camp day, two two-day boot camps, a recurring webinar, two meeting participants reports), drops them into a temporary folder, materialises the Zoom assets into a
temporary SQLite warehouse, and prints wall seconds, rows and peak memory. A second run with
the folder empty shows the steady daily cost: every archived report is parsed again.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import dagster as dg
import numpy as np

from funnel_assets.assets.zoom import bootcamp_attendance, zoom_reports
from funnel_assets.resources.drop_folder import ZoomDropFolder
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.samples.generate import DEFAULT_END_DATE, Scale, people_pool, zoom_reports as generate_zoom_reports
from funnel_assets.settings import mappings_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--per-session", type=int, default=150, help="registrants per session")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["FUNNEL_DATA_DIR"] = str(root / "data")
        rng = np.random.default_rng(11)
        # plus two boot camps of two days (a registration and an attendee report each) and two meeting reports
        sessions = max(1, args.reports // 2 - 5)
        scale = Scale(people=50_000, leads=0, spend_rows=0, assigned_leads=0, sales=0,
                      webinar_sessions=sessions, registrants_per_session=args.per_session)  # fmt: skip
        files = generate_zoom_reports(rng, people_pool(rng, scale.people), scale, DEFAULT_END_DATE)
        drop = root / "zoom_drop"
        drop.mkdir()
        old = time.time() - 3600
        for name, content in files.items():
            (drop / name).write_bytes(content)
            os.utime(drop / name, (old, old))
        megabytes = sum(len(c) for c in files.values()) / 1e6
        print(f"{len(files)} Zoom reports, {megabytes:.1f} MB")

        warehouse = Warehouse(url=f"sqlite:///{root / 'warehouse.sqlite'}")
        resources = {
            "zoom_drop": ZoomDropFolder(directory=str(drop)),
            "mappings": Mappings(directory=str(mappings_dir())),
            "warehouse": warehouse,
        }
        for label in ("first run (all files new)", "next run (folder empty, history re-parsed)"):
            started = time.perf_counter()
            result = dg.materialize([zoom_reports, bootcamp_attendance], resources=resources)
            seconds = time.perf_counter() - started
            assert result.success
            rows = warehouse.row_count("event_participants")
            print(f"{label:45} {seconds:6.1f} s   event_participants {rows:,} rows ({rows / seconds:,.0f} rows/s)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
