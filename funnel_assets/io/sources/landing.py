"""Landing: each source brought onto disk once per run, as <landing dir>/<day>/<run id>/<name>.

A source (a local CSV path, an http(s) CSV URL, or a Google Sheet by key or URL) is landed as a
CSV file first and read from that file (io/sources/csv_reading.py): a retried step of the same run
reads its landing file instead of downloading again.

Each day's raw downloads stay on disk for audit for a number of days (FUNNEL_LANDING_KEEP_DAYS,
default 30), then are pruned when a new download lands. Only day folders of this landing folder
are ever removed: the Zoom archive, which is the history, lives in the drop folder.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

from funnel_assets.io import files
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.google_sheets import (
    SHEETS_API,
    export_url,
    fetch_sheet_values,
    is_google_sheet,
    parse_sheet_reference,
    write_values_csv,
)
from funnel_assets.io.sources.http import HttpLimits, download, is_url
from funnel_assets.io.sources.redact import redact_url
from funnel_assets.lib.clock import today

DEFAULT_KEEP_DAYS = 30


def landing_path(landing_dir: str | Path, run_id: str, name: str, keep_days: int = DEFAULT_KEEP_DAYS) -> Path:
    """Where one run keeps its download of one source.

    A retried step of the same run finds the file and reuses it; a new run gets a new
    folder and downloads afresh (and day folders older than `keep_days` are pruned).
    """
    landing = Path(landing_dir)
    # a step retried after midnight still finds the file its run landed the day before
    for earlier in sorted(landing.glob(f"*/{run_id}/{name}")):
        if not any(part.is_symlink() for part in (earlier, earlier.parent, earlier.parent.parent)):
            return earlier  # a link planted there is never read as the download: the step downloads again

    prune_landing(landing, keep_days, today())
    return landing / today().isoformat() / run_id / name


def prune_landing(landing: Path, keep_days: int, on: date) -> list[Path]:
    """Remove the day folders older than `keep_days` before `on`; the folders removed."""
    if keep_days <= 0 or not landing.is_dir():
        return []
    oldest_kept = on - timedelta(days=keep_days)
    removed = []
    # listed and removed through the landing folder opened without following a link: a link at the landing
    # folder (or above it) is refused, never emptied; a link among the day folders is left alone
    with files.open_folder(landing, create=False) as folder:
        for entry in os.scandir(folder):
            try:
                day = date.fromisoformat(entry.name)
            except ValueError:
                continue  # not a day folder of ours: left alone
            if day < oldest_kept and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.name, dir_fd=folder)  # rmtree's fd-based walk follows no link inside either
                removed.append(landing / entry.name)
    return removed


def first_try_started(dest: Path, run_id: str) -> float:
    """When run `run_id` first tried to download `dest` (time.time()): recorded beside it on the first try,
    so a retried step of the same run keeps that download's one deadline. A re-execution is another run:
    it gets a deadline of its own."""
    record = dest.with_name(f"{dest.name}.{run_id}.started")
    now = time.time()
    try:
        # written new, never over anything already there (a link included)
        files.write_text(record, repr(now), replace=False)
        return now
    except FileExistsError:
        pass
    with os.fdopen(os.open(record, os.O_RDONLY | os.O_NOFOLLOW)) as recorded:
        try:
            return min(now, float(recorded.read().strip()))
        except ValueError:
            return now  # a record cut short by a crash: the deadline counts from now


def land_table(
    location: str,
    dest: Path,
    *,
    label: str,
    http: HttpLimits,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
    worksheet: str | None = None,
    service_account_file: str | None = None,
    sheets_api_url: str = SHEETS_API,
) -> Path:
    """Bring the source into `dest` as CSV, unless this run already landed it there.

    `sheets_api_url` is the Sheets API's address (Google's; tests point it at a local stand-in).
    """
    if dest.is_file() and not dest.is_symlink():  # a link planted there is never read: the write below refuses it
        return dest
    location = location.strip()
    if is_google_sheet(location):
        key, gid = parse_sheet_reference(location)
        if service_account_file:
            values = fetch_sheet_values(
                key,
                gid=gid,
                worksheet=worksheet,
                service_account_file=service_account_file,
                settings=http,
                label=label,
                api_url=sheets_api_url,
            )
            return write_values_csv(values, dest)
        return download(export_url(key, gid, worksheet), dest, http, label=label)
    if is_url(location):
        return download(location, dest, http, label=label, headers=headers, params=params, secrets=secrets)

    path = Path(location).expanduser()
    if not path.is_file():
        raise SourceError(
            f"{label}: the file {path} does not exist. Check the path in the configuration, "
            "or whether the file was moved or renamed."
        )
    return files.copy_file(path, dest)


def describe_location(location: str) -> str:
    """A name for a source safe to show anywhere: no token, no password."""
    if location.startswith(("http://", "https://")) and not is_google_sheet(location):
        return redact_url(location)
    if is_google_sheet(location):
        key, _ = parse_sheet_reference(location)
        return f"Google Sheet {key}"
    return Path(location).name
