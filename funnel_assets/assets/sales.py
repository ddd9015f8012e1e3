"""Part 2, sales: CRM assigned leads and sales, joined to Part 1 only by the phone key."""

import dagster as dg

from funnel_assets.assets.failures import readable_failures
from funnel_assets.assets.metadata import table_metadata
from funnel_assets.lib.assignments import clean_assigned_leads
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.sources import CrmApi
from funnel_assets.resources.warehouse import Warehouse

GROUP = "sales"


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, retry_policy=dg.RetryPolicy(max_retries=2, delay=60))
def crm_assigned_leads(
    context: dg.AssetExecutionContext, crm: CrmApi, mappings: Mappings, warehouse: Warehouse
) -> dg.MaterializeResult:
    """One assignment of a lead to a sales person, from the CRM's full dump: the lead's
    source and its funnel, when it was assigned (Asia/Kolkata), the phone key and user_id,
    and the employee. Rows without a usable phone are kept with phone empty, and counted."""
    with readable_failures():
        raw = crm.read("assigned_leads", context.run.run_id)
        assignments, report = clean_assigned_leads(raw, mappings.funnel_mapping(), source="CRM assigned leads dump")
    warehouse.write_table("crm_assigned_leads", assignments)
    return dg.MaterializeResult(
        metadata=table_metadata(
            assignments,
            rows_without_phone=report.without_phone,
            rows_with_unreadable_date=report.unreadable_dates,
        )
    )
