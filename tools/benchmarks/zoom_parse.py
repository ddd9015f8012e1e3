"""Benchmark: the first parse of a few hundred dropped event reports, and the keeping of what was parsed.

Run from the project root (tools/ is not part of the installed package):

    PYTHONPATH=$PWD .venv/bin/python -m tools.benchmarks.zoom_parse [--reports 300] [--repeat 3]

Generates the Zoom reports `zoom_ingest` drops (the same ones, the same seed), then, in this process:

- `parse_report` over every one, with the forms declared in mappings/registration_forms.csv (as the
  `zoom_reports` asset parses a new file), and the share of it spent telling the platform (looks_like_*);
- the keeping of each parsed report beside the archive (`keep_report`, a zstd Arrow IPC file through
  `files.writing`) and its reading back (`kept_report`), with what keep_report's time is made of:
  `report_table`, the IPC file made in memory (zstd, and uncompressed), and `files.writing` of its bytes;
- `participants_from_reports` over the parsed reports (what reads their sections downstream);
- `parse_report` of each of sample_data/events (Teams, Meet, a form's responses, the event template), many times.

Each figure is the best of `--repeat` rounds (the machine is shared). Figures only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from funnel_assets.io.drop_folders.local import LocalDropFolder
from funnel_assets.io.files import write_bytes
from funnel_assets.io.mappings import Mappings
from funnel_assets.lib.form_responses import looks_like_form, read_form_declarations
from funnel_assets.lib.manual_events import looks_like_manual_event
from funnel_assets.lib.meet_reports import looks_like_meet
from funnel_assets.lib.teams_reports import looks_like_teams
from funnel_assets.lib.zoom_events import participants_from_reports
from funnel_assets.lib.zoom_ingest import content_hash, parse_report
from funnel_assets.lib.zoom_reports import report_from_table, report_table
from tools.benchmarks.zoom_ingest import generated_reports

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The fewest seconds `work` took in `repeat` rounds."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return min(seconds)


def ipc_bytes(table: pa.Table, compression: str | None) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression=compression)) as out:
        out.write_table(table)
    return sink.getvalue()


def line(what: str, seconds: float, note: str = "") -> None:
    print(f"{what + ':':<56}{seconds:7.3f} s" + (f"  ({note})" if note else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--per-session", type=int, default=150, help="registrants per session")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    files = generated_reports(args.reports, args.per_session)
    forms = read_form_declarations(
        pd.read_csv(PROJECT_ROOT / "mappings" / "registration_forms.csv", dtype=str, keep_default_na=False)
    )
    print(f"{len(files)} Zoom reports, {sum(map(len, files.values())) / 1e6:.1f} MB")

    def parse_all() -> list:
        return [parse_report(content, name, forms) for name, content in files.items()]

    def sniff_all() -> None:
        for content in files.values():
            looks_like_teams(content)
            looks_like_manual_event(content)
            looks_like_form(content, forms)
            looks_like_meet(content)

    reports = parse_all()
    rows = sum(len(rows) for report in reports for rows in report.sections.values())
    line("parse_report, all reports", best_of(args.repeat, parse_all), f"{rows:,} section rows")
    line("  of which telling the platform", best_of(args.repeat, sniff_all), "looks_like_*")

    tables = [report_table(report) for report in reports]
    names = list(files)
    hashes = [content_hash(content) for content in files.values()]
    with tempfile.TemporaryDirectory(prefix="funnel_zoom_parse_") as folder:
        drop = LocalDropFolder(directory=str(Path(folder) / "drop"), parsed_directory=str(Path(folder) / "parsed"))

        def keep_all() -> None:
            for sha, report in zip(hashes, reports, strict=True):
                drop.keep_report(sha, report)

        def read_all() -> None:
            for sha, name in zip(hashes, names, strict=True):
                assert drop.kept_report(sha, name) is not None

        line("keep_report, all reports", best_of(args.repeat, keep_all))
        line("  report_table", best_of(args.repeat, lambda: [report_table(r) for r in reports]))
        for compression in ("zstd", None):
            seconds = best_of(args.repeat, lambda c=compression: [ipc_bytes(t, c) for t in tables])
            size = sum(ipc_bytes(t, compression).size for t in tables) / 1e6
            line(f"  IPC file in memory, {compression or 'uncompressed'}", seconds, f"{size:.1f} MB")
        kept = [ipc_bytes(t, "zstd") for t in tables]
        plain = Path(folder) / "written"
        written = best_of(
            args.repeat,
            lambda: [write_bytes(plain / f"{sha}.arrow", data) for sha, data in zip(hashes, kept, strict=True)],
        )
        line("  files.writing of those bytes alone", written, "it fsyncs each file and its folder")
        line("kept_report, all reports", best_of(args.repeat, read_all))
        rebuilt = best_of(args.repeat, lambda: [report_from_table(t, n) for t, n in zip(tables, names, strict=True)])
        line("  report_from_table", rebuilt)

    mappings = Mappings(directory=str(PROJECT_ROOT / "mappings")).event_mappings()
    downstream = best_of(args.repeat, lambda: participants_from_reports(reports, mappings))
    line("participants_from_reports (reads the sections)", downstream)

    times = 50
    for path in sorted((PROJECT_ROOT / "sample_data" / "events").glob("*.csv")):
        content = path.read_bytes()
        seconds = best_of(args.repeat, lambda c=content, n=path.name: [parse_report(c, n, forms) for _ in range(times)])
        line(f"parse_report, {path.name} x{times}", seconds)


if __name__ == "__main__":
    main()
