"""The folder where the ops person drops Zoom reports (FUNNEL_ZOOM_DROP_DIR).

    zoom_drop/                 drop CSV files here
    zoom_drop/processed/       every report ever loaded, named <content hash>__<original name>;
                               the Zoom tables are rebuilt from these on every run
    zoom_drop/ledger/ingested_files.csv
                               every file ever dropped and what became of it (the ingested_files table)
    zoom_drop/rejected/        files that could not be read, each with <name>.reason.txt beside it

A file still being copied is left alone until it has not changed for `settle_seconds`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.io.sources.tabular import read_csv_text
from funnel_assets.lib.clock import now

PROCESSED = "processed"
LEDGER = Path("ledger") / "ingested_files.csv"
REJECTED = "rejected"
# browsers and copy tools write these while a download or copy is still under way
UNFINISHED_SUFFIXES = (".part", ".crdownload", ".tmp", ".download")


class ZoomDropFolder(dg.ConfigurableResource):
    """The drop folder for Zoom registration and attendee reports."""

    directory: str = Field(description="Folder watched for Zoom CSVs (FUNNEL_ZOOM_DROP_DIR).")
    settle_seconds: float = Field(
        default=30.0, description="A file must be unchanged this long before it is read (it may still be copying)."
    )

    @property
    def path(self) -> Path:
        return Path(self.directory).expanduser()

    def waiting_files(self) -> list[Path]:
        """CSV files in the folder (not its sub-folders) that have finished arriving, oldest first."""
        if not self.path.is_dir():
            return []
        now = time.time()
        files = [
            p
            for p in self.path.iterdir()
            if p.is_file()
            and p.suffix.lower() == ".csv"
            and not p.name.startswith((".", "~$"))
            and now - p.stat().st_mtime >= self.settle_seconds
        ]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    def still_arriving(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        ready = set(self.waiting_files())
        return sorted(
            p
            for p in self.path.iterdir()
            if p.is_file() and p not in ready and (p.suffix.lower() == ".csv" or p.name.endswith(UNFINISHED_SUFFIXES))
        )

    def fingerprint(self) -> str:
        """Changes whenever a file ready to read is added, removed or changed."""
        entries = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in self.waiting_files()]
        return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:24]

    def archived_files(self) -> list[Path]:
        folder = self.path / PROCESSED
        return sorted(folder.glob("*.csv")) if folder.is_dir() else []

    def read_ledger(self) -> pd.DataFrame | None:
        """Every file dropped before, as the ledger last written (None before the first run)."""
        path = self.path / LEDGER
        return read_csv_text(path, label=f"the Zoom ledger {path}") if path.is_file() else None

    def write_ledger(self, ledger: pd.DataFrame) -> None:
        """Replace the ledger beside the archive it describes (whole, or not at all)."""
        path = self.path / LEDGER
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        ledger.to_csv(partial, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f%z")
        os.replace(partial, path)

    def archive(self, source: Path, sha256: str) -> Path:
        """Keep a loaded report for good (copied first, so a crash never loses the only copy)."""
        target = self.path / PROCESSED / f"{sha256[:16]}__{source.name}"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
        return target

    def reject(self, source: Path, reason: str) -> Path:
        """Move a bad file aside with a note in plain words beside it."""
        folder = self.path / REJECTED
        folder.mkdir(parents=True, exist_ok=True)
        stamp = now().strftime("%Y-%m-%d_%H%M%S")
        target = folder / f"{stamp}__{source.name}"
        target.with_name(target.name + ".reason.txt").write_text(
            f"This file was not loaded.\n\nWhy: {reason}\n\n"
            "What to do: download the report from Zoom again (Reports > Webinars > Registration or "
            "Attendee report, CSV) and drop the new file into the drop folder. This file can then be deleted.\n",
            encoding="utf-8",
        )
        os.replace(source, target)
        return target

    def remove(self, source: Path) -> None:
        source.unlink(missing_ok=True)
