"""Unified output: one row per person across the funnel, and the monthly funnel metrics.

These read both parts' tables from the warehouse. In `daily_refresh` they run after both
parts; when one part fails they are skipped and yesterday's tables stay, flagged stale
by their freshness policy rather than half-updated.
"""

from datetime import date, timedelta

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.assets.failures import readable_failures
from funnel_assets.assets.metadata import table_metadata
from funnel_assets.lib.reporting import (
    funnel_at_a_glance,
    funnel_metrics_monthly as monthly_metrics,
    funnel_people as people_across_funnel,
    funnel_stages_monthly as stages_tall,
)
from funnel_assets.resources.sheets_export import SheetsExport
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.settings import today_local

GROUP = "reporting"
# the daily refresh runs early morning; a day and a few hours later these are stale
DAILY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=30), warn_window=timedelta(hours=26))


def read_sales(warehouse: Warehouse) -> pd.DataFrame:
    """The sales columns the reporting needs (the CRM's `status` when it sends one)."""
    wanted = ["phone", "created_on", "net_amount", "final_funnel", "status"]
    present = warehouse.column_kinds("sales")
    return warehouse.read_table("sales", [c for c in wanted if c in present])


class MetricsConfig(dg.Config):
    as_of: str = Field(
        default="",
        description="Count everything before this date (YYYY-MM-DD); empty means today in Asia/Kolkata (D-1).",
    )

    def today(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of.strip() else today_local()


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "sql"},
    deps=["lead_first_touch", "marketing_leads", "assigned_leads_monthly", "sales"],
    freshness_policy=DAILY,
)
def funnel_people(warehouse: Warehouse) -> dg.MaterializeResult:
    """One person across the whole funnel, joined on the phone key: when their first lead was
    captured and their first-touch funnel (Part 1), whether they registered and attended, their
    first assignment and its employee, whether they bought, their first sale, total revenue and
    the final funnel of their first sale (Part 2). People known to only one part are kept;
    people without a phone (known by email only) cannot join Part 2."""
    people = people_across_funnel(
        warehouse.read_table("lead_first_touch", ["phone", "email", "first_funnel", "registered_any", "attended_any"]),
        warehouse.read_table("marketing_leads", ["phone", "email", "created_at"]),
        # each phone's first assignment is its earliest month's first: a third fewer rows than the dump
        warehouse.read_table("assigned_leads_monthly", ["phone", "first_assigned_on", "employee"]).rename(
            columns={"first_assigned_on": "assigned_on"}
        ),
        read_sales(warehouse),
    )
    warehouse.write_table("funnel_people", people)
    return dg.MaterializeResult(
        metadata=table_metadata(
            people,
            people_in_both_parts=int((people["first_funnel"].notna() & (people["assigned_on"].notna() | people["converted"])).sum()),
            converted=int(people["converted"].sum()),
            revenue=float(people["revenue"].sum()),
        )
    )


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec(
            "funnel_metrics_monthly",
            kinds={"pandas", "sql"},
            deps=["marketing_leads", "event_participants", "lead_first_touch", "assigned_leads_monthly", "sales", "spend_by_funnel"],
            freshness_policy=DAILY,
            description=(
                "One funnel in one month (Asia/Kolkata), through yesterday: leads, webinar registrations, "
                "attendees, sales handover, conversions, revenue and spend, the costs per lead, attendee and "
                "acquisition, ROAS and the stage-to-stage rates; month_complete says whether the whole month is in."
            ),
        ),
        dg.AssetSpec(
            "funnel_stages_monthly",
            kinds={"pandas", "sql"},
            deps=["funnel_metrics_monthly"],
            freshness_policy=DAILY,
            description=(
                "One stage of one funnel in one month (leads, registrations, attendees, assigned, conversions) "
                "with its people count and stage_order: what a BI funnel chart draws without reshaping."
            ),
        ),
    ],
)
def funnel_metrics(config: MetricsConfig, warehouse: Warehouse):
    today = config.today()
    metrics = monthly_metrics(
        leads=warehouse.read_table("marketing_leads", ["phone", "email", "created_at", "funnel"]),
        participants=warehouse.read_table(
            "event_participants", ["phone", "email", "registered", "registration_time", "attended", "first_join_time"]
        ),
        first_touch=warehouse.read_table("lead_first_touch", ["phone", "email", "first_funnel"]),
        assigned_monthly=warehouse.read_table("assigned_leads_monthly", ["month", "first_assigned_on", "funnel"]),
        sales=read_sales(warehouse),
        spend_daily=warehouse.read_table("spend_by_funnel", ["spend_date", "funnel", "cost"]),
        today=today,
    )
    stages = stages_tall(metrics)
    warehouse.write_table("funnel_metrics_monthly", metrics)
    warehouse.write_table("funnel_stages_monthly", stages)
    glance = funnel_at_a_glance(metrics)
    yield dg.MaterializeResult(
        asset_key="funnel_metrics_monthly",
        metadata=table_metadata(metrics, counted_through=str(today - timedelta(days=1)), funnel_at_a_glance=dg.MetadataValue.md(glance)),
    )
    yield dg.MaterializeResult(asset_key="funnel_stages_monthly", metadata=table_metadata(stages))


# each source table, and what a person calls it
RECONCILED_SOURCES = {
    "marketing_leads": "lead sheet",
    "marketing_spend": "spend sheet",
    "event_participants": "Zoom reports",
    "crm_assigned_leads": "CRM assigned leads",
    "sales": "CRM sales",
}


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, deps=list(RECONCILED_SOURCES))
def reconciliation(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One reason rows of one source were set aside, kept with a gap, or counted as Miscellaneous, in
    the source's latest load: the run, rows read, rows loaded, the reason and how many rows. Every
    input row is accounted for; `no issues` when there were none."""
    rows = []
    for asset, source in RECONCILED_SOURCES.items():
        event = context.instance.get_latest_materialization_event(dg.AssetKey(asset))
        facts = event.asset_materialization.metadata.get("reconciliation") if event and event.asset_materialization else None
        if facts is None:
            continue
        value = facts.value
        loaded_at = pd.Timestamp(event.timestamp, unit="s", tz="UTC").tz_convert("Asia/Kolkata")
        common = {"source": source, "table_name": asset, "run_id": event.run_id, "loaded_at": loaded_at,
                  "rows_read": value["rows_read"], "rows_loaded": value["rows_loaded"]}  # fmt: skip
        issues = value.get("issues") or {"no issues": 0}
        rows += [{**common, "reason": reason, "rows": count} for reason, count in issues.items()]
    table = pd.DataFrame(rows, columns=["source", "table_name", "run_id", "loaded_at", "rows_read", "rows_loaded", "reason", "rows"])
    warehouse.write_table("reconciliation", table)
    return dg.MaterializeResult(metadata=table_metadata(table, sources=table["source"].nunique()))


@dg.asset(group_name=GROUP, kinds={"googlesheets"}, deps=["funnel_metrics_monthly", "funnel_stages_monthly", "spend_by_funnel"])
def google_sheet_export(context: dg.AssetExecutionContext, sheets_export: SheetsExport, warehouse: Warehouse) -> dg.MaterializeResult:
    """One tab per aggregate table (funnel_metrics_monthly, funnel_stages_monthly, spend_by_funnel) in the
    Google Sheet FUNNEL_EXPORT_SHEET, replaced on each run. Off when FUNNEL_EXPORT_SHEET is empty; the
    per-person tables never go to a sheet (a spreadsheet holds at most 10 million cells)."""
    if not sheets_export.enabled:
        context.log.info("FUNNEL_EXPORT_SHEET is not set: no Google Sheet export.")
        return dg.MaterializeResult(metadata={"exported": False})
    tables = {name: warehouse.read_table(name) for name in ("funnel_metrics_monthly", "funnel_stages_monthly", "spend_by_funnel")}
    with readable_failures():
        cells = sheets_export.write(tables)
    return dg.MaterializeResult(metadata={"exported": True, **{f"cells_{tab}": n for tab, n in cells.items()}})
