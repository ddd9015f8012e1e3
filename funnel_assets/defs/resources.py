"""Every outside thing the assets touch, as a resource configured from the settings."""

from __future__ import annotations

import dagster as dg

from funnel_assets.io.crm import CrmApi
from funnel_assets.io.drive_folder import DriveDropFolder
from funnel_assets.io.drop_folder import ZoomDropFolder
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sheets_export import SheetsExport
from funnel_assets.io.tabular_source import LeadSheet, TabularSource
from funnel_assets.io.warehouse import WarehouseIOManager
from funnel_assets.settings import WAREHOUSE_URL, Settings


def resources(settings: Settings) -> dict[str, dg.ConfigurableResource | dg.ConfigurableIOManager]:
    landing = {"landing_dir": str(settings.data_dir / "landing"), "landing_keep_days": settings.landing_keep_days}
    google_account = settings.google_service_account_file
    return {
        "io_manager": WarehouseIOManager(
            url=dg.EnvVar(WAREHOUSE_URL) if settings.warehouse_url_in_environment else settings.warehouse_url,
            schema_name=settings.warehouse_schema,
            export_dir=str(settings.export_dir) if settings.export_dir else None,
            min_rows_ratios=settings.min_rows_ratios,
        ),
        "mappings": Mappings(directory=str(settings.mappings_dir)),
        "zoom_drop": zoom_drop_folder(settings),
        "leads_source": LeadSheet(
            location=settings.leads_source,
            source_field=settings.leads_source_field,
            google_service_account_file=google_account,
            **landing,
        ),
        "spend_source": TabularSource(
            location=settings.spend_source, google_service_account_file=google_account, **landing
        ),
        "sheets_export": SheetsExport(
            spreadsheet=settings.export_sheet, google_service_account_file=google_account, **landing
        ),
        "crm": CrmApi(
            assigned_leads_url=settings.crm_assigned_leads_url,
            sales_url=settings.crm_sales_url,
            token_query_parameter=settings.crm_token_query_parameter,
            **landing,
        ),
    }


def zoom_drop_folder(settings: Settings) -> ZoomDropFolder:
    """The local drop folder, or a Google Drive folder whose files are copied into FUNNEL_DATA_DIR/zoom_drive and
    handled there by the same code (io/drive_folder.py)."""
    if settings.zoom_drop_drive_folder:
        return DriveDropFolder(
            directory=str(settings.zoom_drop_dir),
            drive_folder=settings.zoom_drop_drive_folder,
            google_service_account_file=settings.google_service_account_file,
        )
    return ZoomDropFolder(directory=str(settings.zoom_drop_dir))
