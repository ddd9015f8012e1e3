"""Part 1, marketing: leads, Zoom events, spend and first-touch attribution."""

import dagster as dg

from funnel_assets.assets.failures import readable_failures
from funnel_assets.assets.metadata import table_metadata
from funnel_assets.lib.spend import clean_spend, spend_by_funnel as sum_spend_by_funnel
from funnel_assets.resources.sources import TabularSource
from funnel_assets.resources.warehouse import Warehouse

GROUP = "marketing"


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, retry_policy=dg.RetryPolicy(max_retries=2, delay=30))
def marketing_spend(
    context: dg.AssetExecutionContext, spend_source: TabularSource, warehouse: Warehouse
) -> dg.MaterializeResult:
    """One row of the performance-marketing spend sheet: its date, campaign, platform, cost,
    impressions, clicks and funnel, plus every other column of the sheet as text.

    Read from FUNNEL_SPEND_SOURCE. Amounts such as `₹1,234.50` are read as numbers; an
    unreadable date or number is left empty and counted, never dropped.
    """
    with readable_failures():
        spend, report = clean_spend(spend_source.read(context.run.run_id, "marketing_spend"), source=spend_source.label)
    warehouse.write_table("marketing_spend", spend)
    return dg.MaterializeResult(
        metadata=table_metadata(
            spend,
            source=spend_source.label,
            unreadable_dates=report.unreadable_dates,
            unreadable_numbers=report.unreadable_numbers,
            rows_without_funnel=report.blank_funnel,
            total_cost=float(spend["cost"].sum()),
        )
    )


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, deps=[marketing_spend])
def spend_by_funnel(warehouse: Warehouse) -> dg.MaterializeResult:
    """One funnel on one day (Asia/Kolkata): the summed cost, impressions and clicks of
    its spend rows. Rows whose date could not be read are left out (see marketing_spend)."""
    totals = sum_spend_by_funnel(warehouse.read_table("marketing_spend"))
    warehouse.write_table("spend_by_funnel", totals)
    return dg.MaterializeResult(metadata=table_metadata(totals, total_cost=float(totals["cost"].sum())))
