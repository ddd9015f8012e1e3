"""Benchmark: a drop folder of a few hundred Zoom reports into event_participants, as a user starts it.

Run from the project root (tools/ is not part of the installed package):

    .venv/bin/python -m tools.benchmarks.zoom_ingest [--reports 300] [--per-session 150]

Generates the reports with the sample generator (registration + attendee per webinar and
boot-camp day, two two-day boot camps, a recurring webinar, two meeting participants reports)
into a drop folder (copied in as the ops person would, an hour ago), then runs
`dagster job execute -m funnel_assets.definitions -j zoom_ingest` in a process of its own,
configured only through environment variables (FUNNEL_ZOOM_DROP_DIR, a temporary SQLite
warehouse, CSV exports on, a fresh DAGSTER_HOME and FUNNEL_DATA_DIR). Prints the wall seconds
(process start included), event_participants' rows, each step's wall seconds and the peak memory
(the largest resident set in the CLI's process tree). A second run, the folder now empty, shows
the steady daily cost: every archived report is parsed again. Figures only.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import numpy as np

from tools.benchmarks.cli_run import drop_reports, fresh_dagster_home, job_environment, megabytes, print_steps, run_job
from tools.samples.generate import DEFAULT_END_DATE, Scale, people_pool, zoom_reports


def generated_reports(reports: int = 300, per_session: int = 150) -> dict[str, bytes]:
    """About `reports` Zoom reports (file name -> bytes), always the same ones for the same arguments."""
    rng = np.random.default_rng(11)
    # plus two boot camps of two days (a registration and an attendee report each) and two meeting reports
    scale = Scale(
        people=50_000,
        leads=0,
        spend_rows=0,
        assigned_leads=0,
        sales=0,
        webinar_sessions=max(1, reports // 2 - 5),
        registrants_per_session=per_session,
    )
    return zoom_reports(rng, people_pool(rng, scale.people), scale, DEFAULT_END_DATE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--per-session", type=int, default=150, help="registrants per session")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="funnel_zoom_bench_") as folder:
        root = Path(folder)
        generated = root / "generated"
        generated.mkdir()
        for name, content in generated_reports(args.reports, args.per_session).items():
            (generated / name).write_bytes(content)
        reports = sorted(generated.iterdir())
        print(f"{len(reports)} Zoom reports, {sum(r.stat().st_size for r in reports) / 1e6:.1f} MB")

        warehouse = root / "warehouse.sqlite"
        env = job_environment(
            {
                "FUNNEL_WAREHOUSE_URL": f"sqlite:///{warehouse}",
                "FUNNEL_ZOOM_DROP_DIR": drop_reports(reports, root / "zoom_drop"),
                "FUNNEL_DATA_DIR": root / "data",
                "FUNNEL_EXPORT_DIR": root / "exports",
                "DAGSTER_HOME": fresh_dagster_home(root / "dagster_home"),
            }
        )
        for label in ("first run (all files new)", "next run (folder empty, history re-parsed)"):
            result = run_job("zoom_ingest", env, root / "dagster.log")
            with closing(sqlite3.connect(warehouse)) as conn:
                rows = conn.execute("SELECT count(*) FROM event_participants").fetchone()[0]
            print(
                f"\n{label}: {result.seconds:.1f} s (dagster job execute, process start included), "
                f"event_participants {rows:,} rows ({rows / result.seconds:,.0f} rows/s), "
                f"peak memory {megabytes(result.peak_bytes)}"
            )
            print_steps(result)


if __name__ == "__main__":
    main()
