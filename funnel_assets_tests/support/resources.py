"""Resources as the definitions make them, pointed at the test's own warehouse and data folder."""

from __future__ import annotations

from funnel_assets.io.warehouse import Warehouse, WarehouseIOManager
from funnel_assets.settings import Settings


def io_manager_for(warehouse: Warehouse, export_dir=None, **options) -> WarehouseIOManager:
    """The project's IO manager writing into the test's warehouse."""
    return WarehouseIOManager(
        url=warehouse.url,
        schema_name=warehouse.schema_name,
        export_dir=str(export_dir) if export_dir else None,
        **options,
    )


def landing_dir() -> str:
    """The landing folder in the test's isolated data folder, where defs/resources.py puts it (FUNNEL_DATA_DIR/landing):
    for a source resource a test builds itself."""
    return str(Settings.from_env().data_dir / "landing")
