"""The project's own definitions, built as `definitions.py` builds them, on the sample data."""

from __future__ import annotations

import shutil

import dagster as dg

from funnel_assets.definitions import build_definitions
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.settings import PROJECT_ROOT, SAMPLE_DATA_DIR, Settings


def sample_settings(tmp_path, warehouse: Warehouse, **environ: str) -> Settings:
    """The project's own settings, as the environment would give them, on the sample data."""
    drop = tmp_path / "zoom_drop"
    if not drop.exists():
        drop.mkdir()
        for report in [*(SAMPLE_DATA_DIR / "zoom").glob("*.csv"), *(SAMPLE_DATA_DIR / "events").glob("*.csv")]:
            shutil.copy2(report, drop / report.name)
    return Settings.from_env(
        {
            "FUNNEL_DATA_DIR": str(tmp_path / "data"),
            "FUNNEL_ZOOM_DROP_DIR": str(drop),
            "FUNNEL_MAPPINGS_DIR": str(PROJECT_ROOT / "mappings"),
            "FUNNEL_WAREHOUSE_URL": warehouse.url,
            "FUNNEL_WAREHOUSE_SCHEMA": warehouse.schema_name,
            "FUNNEL_EXPORT_DIR": str(tmp_path / "exports"),
            **environ,
        }
    )


def sample_definitions(tmp_path, warehouse: Warehouse, **environ: str) -> dg.Definitions:
    """The project's definitions, built as `definitions.py` builds them, on the sample data."""
    return build_definitions(sample_settings(tmp_path, warehouse, **environ))
