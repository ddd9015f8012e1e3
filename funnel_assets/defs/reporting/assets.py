"""Where the two parts meet: one row per person across the funnel, the monthly funnel metrics,
the sources the mapping does not know, and every source's reconciliation.

In `daily_refresh` these run after both parts; when a step they read fails they are skipped
and yesterday's tables stay, flagged stale by their freshness policy rather than half-updated.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
import polars as pl

from funnel_assets import catalogue
from funnel_assets.defs.failures import readable_failures
from funnel_assets.defs.row_reconciliation import RECONCILIATION_METADATA
from funnel_assets.defs.run_config import AsOfConfig
from funnel_assets.defs.table_assets import reads_columns, table_asset
from funnel_assets.io.sheets_export import SheetsExport
from funnel_assets.lib.attribution import list_unmapped_sources
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.cohorts import cohort_conversion, latest_complete_cohort_table
from funnel_assets.lib.reporting import (
    LEADS_READ,
    funnel_at_a_glance,
    monthly_funnel_metrics,
    people_across_funnel,
    stages_per_month,
)
from funnel_assets.lib.tables import declared_frame

SALE_COLUMNS = ("phone", "created_on", "net_amount", "final_funnel", "status", "employee_name")


def sale_facts(sales: pl.DataFrame) -> pl.DataFrame:
    """The sales columns the reporting needs (the CRM's `status` when it sends one)."""
    return sales.select(c for c in SALE_COLUMNS if c in sales.columns)


# the columns unmapped_sources takes of each table, as (source, funnel, seen at)
UNMAPPED_SEEN = {
    "marketing_leads": ("source", "funnel", "created_at"),
    "crm_assigned_leads": ("source", "funnel", "assigned_on"),
    "sales": ("assigned_lead_sources", "funnel", "created_on"),
}


@table_asset("unmapped_sources", ins=reads_columns(**UNMAPPED_SEEN))
def unmapped_sources(
    context: dg.AssetExecutionContext,
    marketing_leads: pl.DataFrame,
    crm_assigned_leads: pl.DataFrame,
    sales: pl.DataFrame,
) -> pl.DataFrame:
    """The Miscellaneous sources of the three inputs that go through the funnel mapping."""
    tables = {"marketing_leads": marketing_leads, "crm_assigned_leads": crm_assigned_leads, "sales": sales}
    table = list_unmapped_sources(
        {
            name: tables[name].select(source=source, funnel=funnel, seen_at=seen_at)
            for name, (source, funnel, seen_at) in UNMAPPED_SEEN.items()
        }
    )
    context.add_asset_metadata({"rows_in_miscellaneous": int(table["rows"].sum())})
    return table


@table_asset("funnel_people", ins=reads_columns(sales=SALE_COLUMNS, marketing_leads=LEADS_READ))
def funnel_people(
    context: dg.AssetExecutionContext,
    lead_first_touch: pl.DataFrame,
    marketing_leads: pl.DataFrame,
    assigned_leads_monthly: pl.DataFrame,
    sales: pl.DataFrame,
) -> pl.DataFrame:
    """Part 1's people and Part 2's phones joined on the phone key."""
    people = people_across_funnel(
        lead_first_touch,
        marketing_leads,
        # each phone's first assignment is its earliest month's first: a third fewer rows than the dump
        assigned_leads_monthly.select("phone", "employee", assigned_on="first_assigned_on"),
        sale_facts(sales),
    )
    both_parts = people.select(
        (pl.col("first_funnel").is_not_null() & (pl.col("assigned_on").is_not_null() | pl.col("converted"))).sum()
    ).item()
    context.add_asset_metadata(
        {
            "people_in_both_parts": int(both_parts),
            "converted": int(people["converted"].sum()),
            "revenue": float(people["revenue"].sum()),
        }
    )
    return people


@table_asset("funnel_metrics_monthly", ins=reads_columns(sales=SALE_COLUMNS, marketing_leads=LEADS_READ))
def funnel_metrics_monthly(
    context: dg.AssetExecutionContext,
    config: AsOfConfig,
    marketing_leads: pl.DataFrame,
    event_participants: pl.DataFrame,
    lead_first_touch: pl.DataFrame,
    assigned_leads_monthly: pl.DataFrame,
    sales: pl.DataFrame,
    spend_by_funnel: pl.DataFrame,
) -> pl.DataFrame:
    """Each month's stage counts, revenue and spend per funnel, through yesterday."""
    as_of = config.today()
    metrics = monthly_funnel_metrics(
        leads=marketing_leads,
        participants=event_participants,
        first_touch=lead_first_touch,
        assigned_monthly=assigned_leads_monthly,
        sales=sale_facts(sales),
        spend_daily=spend_by_funnel,
        today=as_of,
    )
    context.add_asset_metadata(
        {
            "counted_through": str(as_of - timedelta(days=1)),
            "funnel_at_a_glance": dg.MetadataValue.md(funnel_at_a_glance(metrics, as_of - timedelta(days=1))),
        }
    )
    return metrics


@table_asset("funnel_cohorts", ins=reads_columns(sales=SALE_COLUMNS))
def funnel_cohorts(
    context: dg.AssetExecutionContext,
    config: AsOfConfig,
    lead_first_touch: pl.DataFrame,
    event_participants: pl.DataFrame,
    assigned_leads_monthly: pl.DataFrame,
    sales: pl.DataFrame,
) -> pl.DataFrame:
    """Each first-touch cohort followed down the funnel: registered, attended, assigned, converted."""
    as_of = config.today()
    cohorts = cohort_conversion(lead_first_touch, event_participants, assigned_leads_monthly, sale_facts(sales), as_of)
    context.add_asset_metadata(
        {
            "counted_through": str(as_of - timedelta(days=1)),
            "latest_complete_cohorts": dg.MetadataValue.md(latest_complete_cohort_table(cohorts, as_of)),
        }
    )
    return cohorts


@table_asset("funnel_stages_monthly")
def funnel_stages_monthly(funnel_metrics_monthly: pl.DataFrame) -> pl.DataFrame:
    """The monthly metrics reshaped to one row per stage, for BI funnel charts."""
    return stages_per_month(funnel_metrics_monthly)


@table_asset("reconciliation", deps=[t.name for t in catalogue.TABLES if t.source])
def reconciliation(context: dg.AssetExecutionContext) -> pl.DataFrame:
    """Collects the `reconciliation` figures each source's latest materialisation recorded."""
    rows = []
    for declared in (t for t in catalogue.TABLES if t.source):
        event = context.instance.get_latest_materialization_event(dg.AssetKey(declared.name))
        facts = (
            event.asset_materialization.metadata.get(RECONCILIATION_METADATA)
            if event and event.asset_materialization
            else None
        )
        if facts is None:
            continue
        value = facts.value
        loaded_at = datetime.fromtimestamp(event.timestamp, tz=ZoneInfo(TIMEZONE))
        common = {
            "source": declared.source,
            "table_name": declared.name,
            "run_id": event.run_id,
            "loaded_at": loaded_at,
            "rows_read": value["rows_read"],
            "rows_loaded": value["rows_loaded"],
        }
        issues = value.get("issues") or {"no issues": 0}
        rows += [{**common, "reason": reason, "rows": count} for reason, count in issues.items()]
    table = declared_frame("reconciliation", rows)
    context.add_asset_metadata({"sources": table["source"].n_unique()})
    return table


SHEET_TABS = tuple(t.name for t in catalogue.TABLES if t.sheet_tab)


@dg.asset(
    group_name="reporting",
    kinds={"googlesheets"},
    ins={name: dg.AssetIn(dagster_type=pd.DataFrame) for name in SHEET_TABS},
)
def google_sheet_export(
    context: dg.AssetExecutionContext, sheets_export: SheetsExport, **tables: pd.DataFrame
) -> dg.MaterializeResult:
    """One tab per aggregate table the catalogue marks `sheet_tab`, in the Google Sheet FUNNEL_EXPORT_SHEET,
    replaced on each run. Off when FUNNEL_EXPORT_SHEET is empty; the
    per-person tables never go to a sheet (a spreadsheet holds at most 10 million cells)."""
    if not sheets_export.enabled:
        context.log.info("FUNNEL_EXPORT_SHEET is not set: no Google Sheet export.")
        return dg.MaterializeResult(metadata={"exported": False})
    with readable_failures():
        cells = sheets_export.write({name: tables[name] for name in SHEET_TABS})
    return dg.MaterializeResult(metadata={"exported": True, **{f"cells_{tab}": n for tab, n in cells.items()}})
