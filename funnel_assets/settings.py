"""Every setting of the project, read from the environment in one place.

Each variable has a working default for the demo, so a fresh clone runs with no
configuration at all; `dagster dev` and `dg dev` also read a `.env` file in the project
root. `Settings.from_env()` is called once, when the definitions are assembled
(`defs/resources.py` turns it into resources). Secrets are not fields of `Settings`:
they are read at the moment they are used, through `secret()`, so they never sit in a
resource's configuration that the UI shows or a run could override.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from funnel_assets import catalogue
from funnel_assets.io.sources.google_drive import is_drive_address
from funnel_assets.io.sources.landing import DEFAULT_KEEP_DAYS

# The project root: the folder holding pyproject.toml (the package is installed editable).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"

# Each full-rebuild source's guard: the smallest share of the last load it may shrink to (0 accepts anything).
GUARD_SETTINGS = tuple(sorted({t.guard.setting for t in catalogue.TABLES if t.guard}))

# The only environment variables read as secrets.
CRM_API_TOKEN = "CRM_API_TOKEN"
ALERT_WEBHOOK_URL = "FUNNEL_ALERT_WEBHOOK_URL"
WAREHOUSE_PASSWORD = "FUNNEL_WAREHOUSE_PASSWORD"
SECRETS = frozenset({CRM_API_TOKEN, ALERT_WEBHOOK_URL, WAREHOUSE_PASSWORD})
WAREHOUSE_URL = "FUNNEL_WAREHOUSE_URL"


def secret(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """A secret from the environment at the moment it is needed (None when unset)."""
    if name not in SECRETS:
        raise KeyError(f"{name} is not one of the project's secrets ({', '.join(sorted(SECRETS))}).")
    return environ.get(name, "").strip() or None


@dataclass(frozen=True)
class Settings:
    """The project's configuration, as the environment gives it (see the README's table)."""

    data_dir: Path
    mappings_dir: Path
    # the local folder the Zoom step works in: FUNNEL_ZOOM_DROP_DIR, or for a Drive folder its local copy
    zoom_drop_dir: Path
    # FUNNEL_ZOOM_DROP_DIR when it is a Google Drive folder's address (its files are copied into zoom_drop_dir)
    zoom_drop_drive_folder: str | None
    warehouse_url: str
    warehouse_schema: str
    export_dir: Path | None
    export_sheet: str
    leads_source: str
    leads_source_field: str
    spend_source: str
    google_service_account_file: str | None
    crm_assigned_leads_url: str
    crm_sales_url: str
    crm_token_query_parameter: str | None
    # each full-rebuild source's guard setting (catalogue.Guard.setting) -> the smallest share accepted
    min_rows_ratios: dict[str, float]
    daily_refresh_cron: str
    max_miscellaneous_share: float
    ui_url: str
    landing_keep_days: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        def value(name: str, default: str = "") -> str:
            return environ.get(name, "").strip() or default

        def folder(name: str, default: Path) -> Path:
            # a folder the administrator names is resolved once, here: a link in its path is theirs and accepted,
            # while below it the pipeline follows no link (funnel_assets/io/files.py); a default below another
            # folder is not resolved, so a link planted there is refused, never followed
            given = value(name)
            return Path(given).expanduser().resolve() if given else default

        data_dir = folder("FUNNEL_DATA_DIR", PROJECT_ROOT / "data")
        # the warehouse from its parts (a password with @ or : in it needs no escaping), or from one URL
        host = value("FUNNEL_WAREHOUSE_HOST")
        from_parts = host and URL.create(
            "postgresql+psycopg2",
            username=value("FUNNEL_WAREHOUSE_USER") or None,
            host=host,
            port=int(value("FUNNEL_WAREHOUSE_PORT", "5432")),
            database=value("FUNNEL_WAREHOUSE_DB", "warehouse"),
        ).render_as_string(hide_password=False)
        export_dir = value("FUNNEL_EXPORT_DIR", str(data_dir / "exports"))
        drop = value("FUNNEL_ZOOM_DROP_DIR")
        drive_folder = drop if is_drive_address(drop) else None
        return cls(
            data_dir=data_dir,
            mappings_dir=folder("FUNNEL_MAPPINGS_DIR", PROJECT_ROOT / "mappings"),
            # a Drive folder is copied into FUNNEL_DATA_DIR/zoom_drive, and handled there as a local drop folder
            zoom_drop_dir=data_dir / "zoom_drive"
            if drive_folder
            else folder("FUNNEL_ZOOM_DROP_DIR", data_dir / "zoom_drop"),
            zoom_drop_drive_folder=drive_folder,
            warehouse_url=from_parts or value(WAREHOUSE_URL, f"sqlite:///{data_dir / 'warehouse.sqlite'}"),
            warehouse_schema=value("FUNNEL_WAREHOUSE_SCHEMA", "funnel"),
            # "off" turns the CSV exports off
            export_dir=None if export_dir.lower() == "off" else folder("FUNNEL_EXPORT_DIR", data_dir / "exports"),
            export_sheet=value("FUNNEL_EXPORT_SHEET"),
            leads_source=value("FUNNEL_LEADS_SOURCE", str(SAMPLE_DATA_DIR / "leads.csv")),
            leads_source_field=value("FUNNEL_LEADS_SOURCE_FIELD", "utm_campaign"),
            spend_source=value("FUNNEL_SPEND_SOURCE", str(SAMPLE_DATA_DIR / "spend.csv")),
            google_service_account_file=value("GOOGLE_SERVICE_ACCOUNT_FILE") or None,
            crm_assigned_leads_url=value("CRM_ASSIGNED_LEADS_URL", str(SAMPLE_DATA_DIR / "crm" / "assigned_leads.csv")),
            crm_sales_url=value("CRM_SALES_URL", str(SAMPLE_DATA_DIR / "crm" / "sales.csv")),
            crm_token_query_parameter=value("CRM_API_TOKEN_QUERY_PARAMETER") or None,
            min_rows_ratios={name: float(value(name, "0.5")) for name in GUARD_SETTINGS},
            daily_refresh_cron=value("FUNNEL_DAILY_REFRESH_CRON", "30 6 * * *"),
            max_miscellaneous_share=float(
                value("FUNNEL_MAX_MISCELLANEOUS_SHARE", str(catalogue.DEFAULT_MAX_MISCELLANEOUS_SHARE))
            ),
            ui_url=value("FUNNEL_UI_URL", "http://127.0.0.1:3000").rstrip("/"),
            landing_keep_days=int(value("FUNNEL_LANDING_KEEP_DAYS", str(DEFAULT_KEEP_DAYS))),
        )


def data_subfolder(name: str) -> str:
    """`FUNNEL_DATA_DIR/<name>` as the settings read it: the fallback of a resource built by hand, outside the
    definitions (a script, a notebook), which pass it in."""
    return str(Settings.from_env().data_dir / name)
