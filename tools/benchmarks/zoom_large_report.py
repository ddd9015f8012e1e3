"""Benchmark: one very large Zoom registration report (about 200 MB), loaded, then the next run.

Run from the project root (tools/ is not part of the installed package):

    PYTHONPATH=$PWD .venv/bin/python -m tools.benchmarks.zoom_large_report [--megabytes 200]

Writes one registration report of about `--megabytes` MB (one webinar, a registrant per line, as
Zoom's web portal exports it) into a drop folder (copied in an hour ago), then runs
`dagster job execute -m funnel_assets.definitions -j zoom_ingest` twice in a process of its own,
configured only through environment variables (a temporary SQLite warehouse, CSV exports on, a
fresh DAGSTER_HOME and FUNNEL_DATA_DIR). The first run parses the report; the second, the folder
now empty, rebuilds the Zoom tables from the archive and reuses the report's parsed rows instead
of parsing it again. Prints, per run, the wall seconds (process start included), each step's
seconds and the peak memory (the largest resident set in the CLI's process tree); and, in this
process, the seconds and peak memory of parsing the report alone. Figures only.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

from tools.benchmarks.cli_run import drop_reports, fresh_dagster_home, job_environment, megabytes, print_steps, run_job

FIRST = ("Asha", "Ravi", "Neha", "Karan", "Priya", "Arjun", "Meera", "Rohan", "Divya", "Siddharth")
LAST = ("Verma", "Iyer", "Sharma", "Nair", "Gupta", "Chopra", "Bansal", "Joshi", "Singh", "Pillai")
CITIES = ("Pune", "Mumbai", "Chennai", "Kochi", "Jaipur", "Delhi", "Bengaluru", "Hyderabad")


def registration_report(path: Path, target_bytes: int) -> int:
    """Write a registration report of about `target_bytes`; the registrants it lists."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write('Registration Report\r\nReport Generated:,"Nov 4, 2025 10:40 AM"\r\n')
        # the count comes first in the file: written as a placeholder of fixed width, filled in at the end
        out.write("Topic,Webinar ID,Scheduled Time,Duration (minutes),# Registered,# Cancelled\r\n")
        out.write('ACCA Free Masterclass: Career Roadmap,812 3456 7890,"Nov 3, 2025 07:00 PM",90,')
        count_at = out.tell()
        out.write(
            "0000000000,0\r\nHost Details\r\nUser Name,Email\r\nCA Rahul S,host@finedu.in\r\nRegistrant Details\r\n"
        )
        out.write("First Name,Last Name,Email,Phone,City,Registration Time,Approval Status,Country/Region Name\r\n")
        written, count = out.tell(), 0
        while written < target_bytes:
            lines = []
            for i in range(count, count + 10_000):
                first, last = FIRST[i % 10], LAST[(i // 10) % 10]
                lines.append(
                    f"{first},{last},{first.lower()}.{last.lower()}{i}@gmail.com,9{i % 1_000_000_000:09d},"
                    f'{CITIES[i % 8]},"Oct {1 + i % 28}, 2025 {1 + i % 12:02d}:{i % 60:02d} PM",approved,India\r\n'
                )
            count += len(lines)
            written += out.write("".join(lines))
        out.seek(count_at)
        out.write(f"{count:010d}")
    return count


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=200)
    parser.add_argument("--parse-only", action="store_true", help="only time parsing the report in this process")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="funnel_zoom_large_") as folder:
        root = Path(folder)
        report = root / "generated" / "large_registration_report.csv"
        report.parent.mkdir()
        registrants = registration_report(report, int(args.megabytes * 1e6))
        print(f"one registration report: {report.stat().st_size / 1e6:.1f} MB, {registrants:,} registrants")

        from funnel_assets.lib.zoom_reports import parse_zoom_report

        before, started = peak_rss_bytes(), time.perf_counter()
        parsed = parse_zoom_report(report.read_bytes(), file_name=report.name)
        print(
            f"\nparsing alone (this process): {time.perf_counter() - started:.1f} s, "
            f"{len(parsed.sections['registrant']):,} rows, peak memory {megabytes(peak_rss_bytes())} "
            f"({megabytes(before)} before)"
        )
        del parsed
        if args.parse_only:
            return

        warehouse = root / "warehouse.sqlite"
        env = job_environment(
            {
                "FUNNEL_WAREHOUSE_URL": f"sqlite:///{warehouse}",
                "FUNNEL_ZOOM_DROP_DIR": drop_reports([report], root / "zoom_drop"),
                "FUNNEL_DATA_DIR": root / "data",
                "FUNNEL_EXPORT_DIR": root / "exports",
                "DAGSTER_HOME": fresh_dagster_home(root / "dagster_home"),
            }
        )
        for label in ("first run (the report is new)", "next run (folder empty, the archive reused)"):
            result = run_job("zoom_ingest", env, root / "dagster.log")
            with closing(sqlite3.connect(warehouse)) as conn:
                rows = conn.execute("SELECT count(*) FROM event_participants").fetchone()[0]
            print(
                f"\n{label}: {result.seconds:.1f} s (dagster job execute, process start included), "
                f"event_participants {rows:,} rows, peak memory {megabytes(result.peak_bytes)}"
            )
            print_steps(result)


if __name__ == "__main__":
    main()
