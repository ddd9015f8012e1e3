"""Every outside thing the assets touch, as a resource configured from the settings.

Dagster lets a run's configuration (the Launchpad, `-c run.yaml`) override every field of a
ConfigurableResource, whatever it was built with: a field naming an endpoint, a folder, a key
file or the warehouse would let anyone who can launch a run send data or a token elsewhere.
So each resource is handed to Dagster fixed, with an empty config schema (`fixed`): the
settings (the environment) are the only place these values come from. Business knobs such as
`as_of` stay op config.
"""

from __future__ import annotations

import contextlib

import dagster as dg

from funnel_assets.io.crm import CrmApi
from funnel_assets.io.drop_folders import PARSED, DriveDropFolder, EventDropFolder, LocalDropFolder
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sheets_export import SheetsExport
from funnel_assets.io.sources.resources import LeadSheet, TabularSource
from funnel_assets.io.warehouse import WarehouseIOManager
from funnel_assets.settings import Settings


def fixed(resource: dg.ConfigurableResource | dg.ConfigurableIOManager) -> dg.ResourceDefinition:
    """`resource` as Dagster runs it, but with nothing a run's configuration can set.

    Each run still gets its own copy, set up and torn down as Dagster does for a configurable
    resource (the warehouse IO manager disposes its connections and lets go of held tables).
    """

    @contextlib.contextmanager
    def per_run(context: dg.InitResourceContext):
        with resource.with_replaced_resource_context(context).yield_for_execution(context) as value:
            yield value

    definition = dg.IOManagerDefinition if isinstance(resource, dg.ConfigurableIOManager) else dg.ResourceDefinition
    # an empty schema, not None: None would let a run pass any `config` (unread, but shown as settable)
    return definition(resource_fn=per_run, config_schema={}, description=type(resource).__doc__)


def resources(settings: Settings) -> dict[str, dg.ResourceDefinition]:
    return {name: fixed(resource) for name, resource in configured_resources(settings).items()}


def configured_resources(settings: Settings) -> dict[str, dg.ConfigurableResource | dg.ConfigurableIOManager]:
    landing = {"landing_dir": str(settings.data_dir / "landing"), "landing_keep_days": settings.landing_keep_days}
    google_account = settings.google_service_account_file
    return {
        "io_manager": WarehouseIOManager(
            url=settings.warehouse_url,
            schema_name=settings.warehouse_schema,
            export_dir=str(settings.export_dir) if settings.export_dir else None,
            min_rows_ratios=settings.min_rows_ratios,
            max_miscellaneous_share=settings.max_miscellaneous_share,
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
        "sheets_export": SheetsExport(spreadsheet=settings.export_sheet, google_service_account_file=google_account),
        "crm": CrmApi(
            assigned_leads_url=settings.crm_assigned_leads_url,
            sales_url=settings.crm_sales_url,
            token_query_parameter=settings.crm_token_query_parameter,
            token_urls={"assigned_leads": settings.crm_assigned_leads_url, "sales": settings.crm_sales_url},
            **landing,
        ),
    }


def zoom_drop_folder(settings: Settings) -> EventDropFolder:
    """The one place that picks the kind of drop folder: the local one, or a Google Drive folder whose files are
    copied into FUNNEL_DATA_DIR/zoom_drive and handled there by the same code (io/drop_folders/)."""
    if settings.zoom_drop_drive_folder:
        return DriveDropFolder(
            directory=str(settings.zoom_drop_dir),
            parsed_directory=str(settings.data_dir / PARSED),
            drive_folder=settings.zoom_drop_drive_folder,
            google_service_account_file=settings.google_service_account_file,
        )
    return LocalDropFolder(directory=str(settings.zoom_drop_dir), parsed_directory=str(settings.data_dir / PARSED))
