"""Where each run keeps its downloads: <landing dir>/<day>/<run id>/<name>."""

from __future__ import annotations

from pathlib import Path

from funnel_assets.lib.clock import today


def landing_path(landing_dir: str | Path, run_id: str, name: str) -> Path:
    """Where one run keeps its download of one source.

    A retried step of the same run finds the file and reuses it; a new run gets a new
    folder and downloads afresh.
    """
    landing = Path(landing_dir)
    # a step retried after midnight still finds the file its run landed the day before
    for earlier in sorted(landing.glob(f"*/{run_id}/{name}")):
        return earlier
    return landing / today().isoformat() / run_id / name
