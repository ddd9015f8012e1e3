"""Where things live and which environment variables configure them.

Every setting has a working default for the demo, so a fresh clone runs with no
configuration at all. `dagster dev` also reads a `.env` file in the project root.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

# The project root: the folder holding pyproject.toml (the package is installed editable).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

TIMEZONE = "Asia/Kolkata"
MISCELLANEOUS_FUNNEL = "Other Sources (Miscellaneous)"


def _path_setting(env_name: str, default: Path) -> Path:
    value = os.environ.get(env_name, "").strip()
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """Raw landing files (each run's downloads) and the embedded warehouse."""
    return _path_setting("FUNNEL_DATA_DIR", PROJECT_ROOT / "data")


def mappings_dir() -> Path:
    return _path_setting("FUNNEL_MAPPINGS_DIR", PROJECT_ROOT / "mappings")


def zoom_drop_dir() -> Path:
    return _path_setting("FUNNEL_ZOOM_DROP_DIR", data_dir() / "zoom_drop")


SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"


def default_warehouse_url() -> str:
    return f"sqlite:///{data_dir() / 'warehouse.sqlite'}"


def env(name: str, default: str = "") -> str:
    """An environment variable, stripped, or the default when unset or blank."""
    return os.environ.get(name, "").strip() or default


def landing_path(run_id: str, name: str, *, day: date | None = None) -> Path:
    """Where one run keeps its download of one source: data/landing/<day>/<run_id>/<name>.

    A retried step of the same run finds the file and reuses it; a new run gets a
    new folder and downloads afresh.
    """
    landing = data_dir() / "landing"
    # a step retried after midnight still finds the file its run landed the day before
    for earlier in sorted(landing.glob(f"*/{run_id}/{name}")):
        return earlier
    day = day or date.today()
    return landing / day.isoformat() / run_id / name


def today_local() -> date:
    """Today's date in Asia/Kolkata: the day metrics stop before (D-1)."""
    return datetime.now(ZoneInfo(TIMEZONE)).date()
