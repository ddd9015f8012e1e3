"""Part 1, marketing: leads, Zoom events, spend and first-touch attribution."""

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.assets.failures import landing_run, readable_failures
from funnel_assets.assets.metadata import reconciliation, table_metadata
from funnel_assets.lib.attribution import all_touches, first_touch, unmapped_sources as list_unmapped
from funnel_assets.lib.leads import clean_leads
from funnel_assets.lib.spend import clean_spend, spend_by_funnel as sum_spend_by_funnel
from funnel_assets.lib.zoom_events import EVENT_PARTICIPANT_COLUMNS
from funnel_assets.resources.mappings import Mappings
from funnel_assets.resources.sources import TabularSource
from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.settings import MISCELLANEOUS_FUNNEL, env

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
        raw = spend_source.read(landing_run(context), "marketing_spend")
        spend, report = clean_spend(raw, source=spend_source.label)
    warehouse.write_table("marketing_spend", spend)
    return dg.MaterializeResult(
        metadata=table_metadata(
            spend,
            source=spend_source.label,
            unreadable_dates=report.unreadable_dates,
            unreadable_numbers=report.unreadable_numbers,
            rows_without_funnel=report.blank_funnel,
            total_cost=float(spend["cost"].sum()),
            **reconciliation(
                len(raw),
                len(spend),
                kept__date_unreadable_so_in_no_day=report.unreadable_dates,
                kept_with_value_empty__number_unreadable=report.unreadable_numbers,
                counted_as_miscellaneous__funnel_blank=report.blank_funnel,
            ),
        )
    )


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, deps=[marketing_spend])
def spend_by_funnel(warehouse: Warehouse) -> dg.MaterializeResult:
    """One funnel on one day (Asia/Kolkata): the summed cost, impressions and clicks of
    its spend rows. Rows whose date could not be read are left out (see marketing_spend)."""
    totals = sum_spend_by_funnel(warehouse.read_table("marketing_spend"))
    warehouse.write_table("spend_by_funnel", totals)
    return dg.MaterializeResult(metadata=table_metadata(totals, total_cost=float(totals["cost"].sum())))


class LeadsConfig(dg.Config):
    source_field: str = Field(
        default_factory=lambda: env("FUNNEL_LEADS_SOURCE_FIELD", "utm_campaign"),
        description="Which lead column is the lead's source for funnel mapping: utm_campaign, utm_source or utm_medium.",
    )


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, retry_policy=dg.RetryPolicy(max_retries=2, delay=30))
def marketing_leads(
    context: dg.AssetExecutionContext,
    config: LeadsConfig,
    leads_source: TabularSource,
    mappings: Mappings,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    """One lead captured by a campaign (a row of the lead sheet): name, email, phone key and
    user_id, city, question 1, UTM fields, when it was created (Asia/Kolkata), its source (the
    UTM campaign by default) and that source's funnel. Leads without a usable phone are kept
    with phone empty, and counted."""
    with readable_failures():
        raw = leads_source.read(landing_run(context), "marketing_leads")
        leads, report = clean_leads(raw, mappings.funnel_mapping(), source_field=config.source_field, label=leads_source.label)
    warehouse.write_table("marketing_leads", leads)
    if report.without_phone or report.unusable_phone:
        context.log.warning(
            f"{report.without_phone} lead(s) without a phone and {report.unusable_phone} with an unusable one "
            "(too short) are kept with phone empty."
        )
    return dg.MaterializeResult(
        metadata=table_metadata(
            leads,
            source=leads_source.label,
            source_field=config.source_field,
            leads_without_phone=report.without_phone,
            leads_with_unusable_phone=report.unusable_phone,
            leads_without_date=report.without_date,
            leads_with_unreadable_date=report.unreadable_dates,
            miscellaneous_leads=int(leads["funnel"].eq(MISCELLANEOUS_FUNNEL).sum()),
            extra_sheet_columns=", ".join(report.extra_columns) or "none",
            **reconciliation(
                len(raw),
                len(leads),
                kept_with_phone_empty__no_phone_given=report.without_phone,
                kept_with_phone_empty__phone_too_short=report.unusable_phone,
                kept__no_created_date_so_in_no_month=report.without_date,
                kept__created_date_unreadable_so_in_no_month=report.unreadable_dates,
                counted_as_miscellaneous__source_not_in_funnel_mapping=int(leads["funnel"].eq(MISCELLANEOUS_FUNNEL).sum()),
            ),
        )
    )


def _empty_participants() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_PARTICIPANT_COLUMNS})


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, deps=[marketing_leads, "event_participants"])
def lead_touches(warehouse: Warehouse) -> dg.MaterializeResult:
    """One touch of a person with the funnel: a lead captured, a webinar or boot-camp
    registration, or an attendance, with its time, source and funnel. Earliest first."""
    event_columns = ["phone", "email", "event_type", "event_id", "event_name", "category", "registered",
                     "registration_time", "attended", "first_join_time"]  # fmt: skip
    participants = (
        warehouse.read_table("event_participants", event_columns)
        if warehouse.table_exists("event_participants")
        else _empty_participants()
    )
    touches = all_touches(warehouse.read_table("marketing_leads", ["phone", "email", "created_at", "source", "funnel"]), participants)
    warehouse.write_table("lead_touches", touches)
    return dg.MaterializeResult(metadata=table_metadata(touches, **touches["touch_type"].value_counts().to_dict()))


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, deps=[lead_touches])
def lead_first_touch(warehouse: Warehouse) -> dg.MaterializeResult:
    """One person (by phone, else email) across leads and Zoom events: their earliest touch
    (when, what kind, its source and funnel), and whether they ever registered or attended."""
    people = first_touch(warehouse.read_table("lead_touches"))
    warehouse.write_table("lead_first_touch", people)
    return dg.MaterializeResult(
        metadata=table_metadata(
            people,
            registered_any=int(people["registered_any"].sum()),
            attended_any=int(people["attended_any"].sum()),
            people_without_phone=int(people["phone"].isna().sum()),
        )
    )


# tables whose source strings go through the funnel mapping, and the time each row was seen
SOURCE_TABLES = {
    "marketing_leads": ("source", "created_at"),
    "crm_assigned_leads": ("source", "assigned_on"),
}


@dg.asset(group_name=GROUP, kinds={"pandas", "sql"}, deps=[marketing_leads])
def unmapped_sources(warehouse: Warehouse) -> dg.MaterializeResult:
    """One source string that no row of `mappings/funnel_mapping.csv` maps, so its rows count as
    Other Sources (Miscellaneous): where it was seen, how many rows, first and last seen. Copy
    these sources into the mapping with their funnel; the next run applies them. Lists the
    sources of every table in the warehouse that is mapped (CRM sources once Part 2 has run)."""
    seen = {
        table: warehouse.read_table(table, [source, "funnel", seen_at]).rename(columns={source: "source", seen_at: "seen_at"})
        for table, (source, seen_at) in SOURCE_TABLES.items()
        if warehouse.table_exists(table)
    }
    table = list_unmapped(seen)
    warehouse.write_table("unmapped_sources", table)
    return dg.MaterializeResult(
        metadata=table_metadata(table, rows_in_miscellaneous=int(table["rows"].sum()) if len(table) else 0)
    )
