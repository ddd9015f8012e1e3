"""Part 2, sales: the CRM's full dumps of assigned leads and of sales, joined to Part 1 only by
the phone key.

`attended` comes from Part 1's `event_participants` as it last landed, read without waiting on
this run's Zoom step (declared in the catalogue as a last-good input): a Zoom step that fails or
refuses its input never stops the CRM tables from landing. In `daily_refresh` the Zoom step runs
first (its priority), so on a good day Part 2 sees this morning's attendance.
"""

from datetime import timedelta

import dagster as dg
import polars as pl

from funnel_assets import catalogue
from funnel_assets.defs.failures import readable_failures
from funnel_assets.defs.landing_runs import landing_run
from funnel_assets.defs.last_good import last_good
from funnel_assets.defs.row_reconciliation import reconciliation_metadata
from funnel_assets.defs.run_config import AsOfConfig
from funnel_assets.defs.table_assets import reads_columns, table_asset
from funnel_assets.io.crm import CrmApi
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import WarehouseIOManager
from funnel_assets.lib.assignments import clean_assigned_leads, first_assignment_per_month
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.performance import SALES_READ, performance_by_employee, top_employees_table
from funnel_assets.lib.sales import SALES_READ_FOR_THE_WORKLIST, enrich_sales, list_sales_to_map
from funnel_assets.lib.zoom_events import attended_phones

# the CRM is slow to come back when it is down: wait a minute between step retries
CRM_RETRY = dg.RetryPolicy(max_retries=2, delay=60)
# an assignment that cannot be placed in a month: no phone or no readable date
UNPLACED = pl.col("phone").is_null() | pl.col("assigned_on").is_null()


@table_asset("crm_assigned_leads", retry_policy=CRM_RETRY)
def crm_assigned_leads(context: dg.AssetExecutionContext, crm: CrmApi, mappings: Mappings) -> pl.DataFrame:
    """The CRM's assigned-leads dump (CRM_ASSIGNED_LEADS_URL), cleaned and mapped to funnels."""
    label = "CRM assigned-leads dump"
    with readable_failures():
        raw = crm.read(landing_run(context), "assigned_leads")
        assignments, report = clean_assigned_leads(raw.frame, mappings.funnel_mapping(), source=label)
    if report.extra_columns:
        context.log.warning(f"{label} has new column(s), kept as text: {', '.join(report.extra_columns)}")
    unplaced = assignments.select(UNPLACED.sum()).item()
    miscellaneous = int((assignments["funnel"] == MISCELLANEOUS_FUNNEL).sum())
    context.add_asset_metadata(
        {
            "rows_without_phone": report.without_phone,
            "rows_with_unreadable_date": report.unreadable_dates,
            "new_crm_columns": ", ".join(report.extra_columns) or "none",
            "miscellaneous_rows": miscellaneous,
            # the raw pandas frame: it carries the reader's count of values set aside (frame.attrs)
            **reconciliation_metadata(
                raw,
                assignments.height,
                kept_with_phone_empty__no_usable_phone=report.without_phone,
                kept__assign_date_unreadable=report.unreadable_dates,
                left_out_of_assigned_leads_monthly__no_phone_or_date=unplaced,
                counted_as_miscellaneous__source_not_in_funnel_mapping=miscellaneous,
            ),
        }
    )
    return assignments


@table_asset("assigned_leads_monthly")
def assigned_leads_monthly(
    context: dg.AssetExecutionContext,
    crm_assigned_leads: pl.DataFrame,
    io_manager: dg.ResourceParam[WarehouseIOManager],
) -> pl.DataFrame:
    """Each phone's earliest assignment of each month, with whether it attended."""
    participants = last_good(context, io_manager, catalogue.EVENT_PARTICIPANTS.name, polars=True)
    monthly = first_assignment_per_month(crm_assigned_leads, attended_phones(participants))
    unplaced = crm_assigned_leads.select(UNPLACED.sum()).item()
    context.add_asset_metadata(
        {"assignments_left_out_no_phone_or_date": unplaced, "attended": int(monthly["attended"].sum())}
    )
    return monthly


@table_asset("sales", retry_policy=CRM_RETRY)
def sales(
    context: dg.AssetExecutionContext, crm: CrmApi, mappings: Mappings, io_manager: dg.ResourceParam[WarehouseIOManager]
) -> pl.DataFrame:
    """The CRM's sales dump (CRM_SALES_URL), each sale with the funnel it is credited to (`final_funnel`)."""
    label = "CRM sales dump"
    with readable_failures():
        raw = crm.read(landing_run(context), "sales")
        manual = mappings.read("manual_sales_mapping.csv", ("sale_id", "manual_source"), optional=True)
        participants = last_good(context, io_manager, catalogue.EVENT_PARTICIPANTS.name, polars=True)
        enriched, report = enrich_sales(
            raw.frame,
            mappings.funnel_mapping(),
            pl.from_pandas(manual),
            attended_phones(participants),
            source=label,
        )
    if report.new_columns:
        context.log.warning(f"{label} has column(s) not seen before, kept as text: {', '.join(report.new_columns)}")
    context.add_asset_metadata(
        {
            "sales_without_phone": report.without_phone,
            "miscellaneous_sales": report.miscellaneous,
            "manually_mapped_sales": report.manually_mapped,
            "unreadable_numbers_or_dates": report.unreadable_values,
            "new_crm_columns": ", ".join(report.new_columns) or "none",
            "attended": int(enriched["attended"].sum()),
            **reconciliation_metadata(
                raw,
                enriched.height,
                kept_with_phone_empty__no_usable_phone=report.without_phone,
                kept_with_value_empty__number_or_date_unreadable=report.unreadable_values,
                counted_as_miscellaneous__see_sales_to_map=report.miscellaneous,
            ),
        }
    )
    return enriched


@table_asset("sales_to_map", ins=reads_columns(sales=SALES_READ_FOR_THE_WORKLIST))
def sales_to_map(sales: pl.DataFrame) -> pl.DataFrame:
    """The sales still counted as Miscellaneous: the ops person's monthly worklist."""
    return list_sales_to_map(sales)


@table_asset("sales_performance_monthly", ins=reads_columns(sales=SALES_READ))
def sales_performance_monthly(
    context: dg.AssetExecutionContext, config: AsOfConfig, assigned_leads_monthly: pl.DataFrame, sales: pl.DataFrame
) -> pl.DataFrame:
    """Each sales person's month: what they were handed and how much of it bought, and what they closed."""
    as_of = config.today()
    performance = performance_by_employee(assigned_leads_monthly, sales, as_of)
    context.add_asset_metadata(
        {
            "counted_through": str(as_of - timedelta(days=1)),
            "top_employees": dg.MetadataValue.md(top_employees_table(performance, as_of)),
        }
    )
    return performance
