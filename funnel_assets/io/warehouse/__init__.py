"""The warehouse (PostgreSQL or SQLite) and the IO manager that persists every funnel table in it."""

from funnel_assets.io.warehouse.errors import WarehouseError
from funnel_assets.io.warehouse.io_manager import WarehouseIOManager
from funnel_assets.io.warehouse.warehouse import Warehouse, normalise_url

__all__ = ["Warehouse", "WarehouseError", "WarehouseIOManager", "normalise_url"]
