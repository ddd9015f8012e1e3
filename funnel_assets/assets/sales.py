"""Part 2, sales: CRM assigned leads and sales, joined to Part 1 only by the phone key.

`attended` comes from Part 1's `event_participants`, a declared dependency: in
`daily_refresh` these steps run after the Zoom step, so the column never depends on which
step ran first. `part2_sales` alone runs without Part 1 (the table as it stands is read;
`attended` reads false when Part 1 has never run).
"""

import dagster as dg
import pandas as pd

from funnel_assets.assets.failures import landing_run, readable_failures
from funnel_assets.assets.metadata import reconciliation, table_metadata
from funnel_assets.lib.assignments import assigned_leads_monthly as monthly_view, clean_assigned_leads
from funnel_assets.lib.dump_guard import check_not_shrunk
from funnel_assets.lib.sales import enrich_sales, sales_to_map as list_sales_to_map
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.sources import CrmApi
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.settings import MISCELLANEOUS_FUNNEL

GROUP = "sales"


def attended_phones(warehouse: Warehouse) -> pd.Series:
    """Phones that attended any webinar or boot camp, from Part 1 (empty until Part 1 has run)."""
    if not warehouse.table_exists("event_participants"):
        return pd.Series(dtype=object)
    participants = warehouse.read_table("event_participants", ["phone", "attended"])
    return participants.loc[participants["attended"].fillna(False).astype(bool), "phone"]


def read_full_dump(run_id: str, crm: CrmApi, warehouse: Warehouse, dump: str, table: str, label: str) -> pd.DataFrame:
    """Today's full dump, refused when it is far smaller than the table it would replace."""
    raw = crm.read(dump, run_id)
    previous = warehouse.row_count(table) if warehouse.table_exists(table) else None
    check_not_shrunk(label, len(raw), previous, crm.min_rows_ratio)
    return raw


@dg.multi_asset(
    group_name=GROUP,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60),
    specs=[
        dg.AssetSpec(
            "crm_assigned_leads",
            kinds={"pandas", "sql"},
            description=(
                "One assignment of a lead to a sales person, from the CRM's full dump: the lead's source and its "
                "funnel, when it was assigned (Asia/Kolkata), the phone key and user_id, and the employee. Rows "
                "without a usable phone are kept with phone empty, and counted."
            ),
        ),
        dg.AssetSpec(
            "assigned_leads_monthly",
            kinds={"pandas", "sql"},
            # attended comes from Part 1's event_participants: a declared dependency, so the value
            # never depends on which step happened to run first
            deps=["crm_assigned_leads", "event_participants"],
            description=(
                "One phone assigned in one month (Asia/Kolkata): the source, funnel and employee of its earliest "
                "assignment that month, how many assignments it had that month, and whether the phone attended "
                "any webinar or boot camp (Part 1)."
            ),
        ),
    ],
)
def crm_assignments(context: dg.AssetExecutionContext, crm: CrmApi, mappings: Mappings, warehouse: Warehouse):
    # one step for both tables: the monthly view is computed from the dump already in memory
    label = "CRM assigned-leads dump"
    with readable_failures():
        raw = read_full_dump(landing_run(context), crm, warehouse, "assigned_leads", "crm_assigned_leads", label)
        assignments, report = clean_assigned_leads(raw, mappings.funnel_mapping(), source=label)
    rows_read = len(raw)
    del raw
    if report.extra_columns:
        context.log.warning(f"{label} has new column(s), kept as text: {', '.join(report.extra_columns)}")
    monthly = monthly_view(assignments, attended_phones(warehouse))
    warehouse.write_table("crm_assigned_leads", assignments)
    warehouse.write_table("assigned_leads_monthly", monthly)
    unplaced = assignments["phone"].isna() | assignments["assigned_on"].isna()
    yield dg.MaterializeResult(
        asset_key="crm_assigned_leads",
        metadata=table_metadata(
            assignments,
            rows_without_phone=report.without_phone,
            rows_with_unreadable_date=report.unreadable_dates,
            new_crm_columns=", ".join(report.extra_columns) or "none",
            miscellaneous_rows=int(assignments["funnel"].eq(MISCELLANEOUS_FUNNEL).sum()),
            **reconciliation(
                rows_read,
                len(assignments),
                kept_with_phone_empty__no_usable_phone=report.without_phone,
                kept__assign_date_unreadable=report.unreadable_dates,
                left_out_of_assigned_leads_monthly__no_phone_or_date=int(unplaced.sum()),
                counted_as_miscellaneous__source_not_in_funnel_mapping=int(assignments["funnel"].eq(MISCELLANEOUS_FUNNEL).sum()),
            ),
        ),
    )
    yield dg.MaterializeResult(
        asset_key="assigned_leads_monthly",
        metadata=table_metadata(
            monthly,
            assignments_left_out_no_phone_or_date=int(unplaced.sum()),
            attended=int(monthly["attended"].sum()),
        ),
    )


@dg.multi_asset(
    group_name=GROUP,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60),
    specs=[
        dg.AssetSpec(
            "sales",
            kinds={"pandas", "sql"},
            deps=["event_participants"],
            description=(
                "One sale from the CRM's full dump: every CRM column (snake_cased; the CRM's Funnel is crm_funnel), "
                "the phone key and user_id of StudentContact, the funnel of assignedLeadSources, the ops person's "
                "manual source, the final funnel (the brief's formula) and whether the phone attended an event."
            ),
        ),
        dg.AssetSpec(
            "sales_to_map",
            kinds={"pandas", "sql"},
            description=(
                "One sale still counted as Other Sources (Miscellaneous): the monthly worklist. Add its sale_id and "
                "the right source to mappings/manual_sales_mapping.csv; the next run applies it."
            ),
        ),
    ],
)
def crm_sales(context: dg.AssetExecutionContext, crm: CrmApi, mappings: Mappings, warehouse: Warehouse):
    label = "CRM sales dump"
    with readable_failures():
        raw = read_full_dump(landing_run(context), crm, warehouse, "sales", "sales", label)
        manual = mappings.read("manual_sales_mapping.csv", ("sale_id", "manual_source"), optional=True)
        sales, report = enrich_sales(raw, mappings.funnel_mapping(), manual, attended_phones(warehouse), source=label)
    if report.new_columns:
        context.log.warning(f"{label} has column(s) not seen before, kept as text: {', '.join(report.new_columns)}")
    warehouse.write_table("sales", sales)
    worklist = list_sales_to_map(sales)
    warehouse.write_table("sales_to_map", worklist)
    yield dg.MaterializeResult(
        asset_key="sales",
        metadata=table_metadata(
            sales,
            sales_without_phone=report.without_phone,
            miscellaneous_sales=report.miscellaneous,
            manually_mapped_sales=report.manually_mapped,
            unreadable_numbers_or_dates=report.unreadable_values,
            new_crm_columns=", ".join(report.new_columns) or "none",
            attended=int(sales["attended"].sum()),
            **reconciliation(
                len(raw),
                len(sales),
                kept_with_phone_empty__no_usable_phone=report.without_phone,
                kept_with_value_empty__number_or_date_unreadable=report.unreadable_values,
                counted_as_miscellaneous__see_sales_to_map=report.miscellaneous,
            ),
        ),
    )
    yield dg.MaterializeResult(asset_key="sales_to_map", metadata=table_metadata(worklist))

