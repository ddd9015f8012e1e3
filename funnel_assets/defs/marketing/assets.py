"""Part 1, marketing: the lead sheet, the spend sheet, and first-touch attribution."""

import dagster as dg
import polars as pl

from funnel_assets.defs.failures import SOURCE_RETRY, readable_failures
from funnel_assets.defs.landing_runs import landing_run
from funnel_assets.defs.row_reconciliation import reconciliation_metadata
from funnel_assets.defs.table_assets import reads_columns, table_asset
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources.resources import LeadSheet, TabularSource
from funnel_assets.lib.attribution import LEADS_READ_FOR_TOUCHES, all_touches, first_touch
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL, spell_as_mapped
from funnel_assets.lib.leads import clean_leads
from funnel_assets.lib.spend import clean_spend, total_spend_by_funnel


@table_asset("marketing_spend", retry_policy=SOURCE_RETRY)
def marketing_spend(context: dg.AssetExecutionContext, spend_source: TabularSource, mappings: Mappings) -> pl.DataFrame:
    """The spend sheet (FUNNEL_SPEND_SOURCE), with amounts such as `₹1,234.50` read as numbers; an
    unreadable date or number is left empty and counted, never dropped. A funnel typed like one of the
    mapping's but for case or spaces takes the mapping's spelling, so spend meets its leads."""
    with readable_failures():
        raw = spend_source.read(landing_run(context), "marketing_spend")
        spend, report = clean_spend(raw.frame, source=spend_source.label)
        funnel, respelled = spell_as_mapped(spend["funnel"], mappings.funnel_mapping())
        spend = spend.with_columns(funnel.alias("funnel"))
    for typed, counted in respelled.items():
        context.log.warning(
            f"{spend_source.label}: the Funnel '{typed}' differs from the mapping's '{counted}' only in capitals or "
            f"spaces, so its spend counts under '{counted}'. "
            "Correct it in the spend sheet to make this warning go away."
        )
    context.add_asset_metadata(
        {
            "source": spend_source.label,
            "unreadable_dates": report.unreadable_dates,
            "unreadable_numbers": report.unreadable_numbers,
            "rows_without_funnel": report.blank_funnel,
            "total_cost": float(spend["cost"].sum()),
            **reconciliation_metadata(
                raw,
                len(spend),
                kept__date_unreadable_so_in_no_day=report.unreadable_dates,
                kept_with_value_empty__number_unreadable=report.unreadable_numbers,
                counted_as_miscellaneous__funnel_blank=report.blank_funnel,
            ),
        }
    )
    return spend


@table_asset("spend_by_funnel")
def spend_by_funnel(context: dg.AssetExecutionContext, marketing_spend: pl.DataFrame) -> pl.DataFrame:
    """Spend summed by funnel and Asia/Kolkata day; rows whose date could not be read are left out."""
    totals = total_spend_by_funnel(marketing_spend)
    context.add_asset_metadata({"total_cost": float(totals["cost"].sum())})
    return totals


@table_asset("marketing_leads", retry_policy=SOURCE_RETRY)
def marketing_leads(context: dg.AssetExecutionContext, leads_source: LeadSheet, mappings: Mappings) -> pl.DataFrame:
    """The lead sheet (FUNNEL_LEADS_SOURCE), cleaned and mapped to funnels; every row is kept."""
    with readable_failures():
        raw = leads_source.read(landing_run(context), "marketing_leads")
        leads, report = clean_leads(
            raw.frame,
            mappings.funnel_mapping(),
            source_field=leads_source.source_field,
            label=leads_source.label,
        )
    if report.without_phone or report.unusable_phone:
        context.log.warning(
            f"{report.without_phone} lead(s) without a phone and {report.unusable_phone} with an unusable one "
            "(too short) are kept with phone empty."
        )
    miscellaneous = int((leads["funnel"] == MISCELLANEOUS_FUNNEL).sum())
    context.add_asset_metadata(
        {
            "source": leads_source.label,
            "source_field": leads_source.source_field,
            "leads_without_phone": report.without_phone,
            "leads_with_unusable_phone": report.unusable_phone,
            "leads_without_date": report.without_date,
            "leads_with_unreadable_date": report.unreadable_dates,
            "miscellaneous_leads": miscellaneous,
            "extra_sheet_columns": ", ".join(report.extra_columns) or "none",
            **reconciliation_metadata(
                raw,
                len(leads),
                kept_with_phone_empty__no_phone_given=report.without_phone,
                kept_with_phone_empty__phone_too_short=report.unusable_phone,
                kept__no_created_date_so_in_no_month=report.without_date,
                kept__created_date_unreadable_so_in_no_month=report.unreadable_dates,
                counted_as_miscellaneous__source_not_in_funnel_mapping=miscellaneous,
            ),
        }
    )
    return leads


@table_asset("lead_touches", ins=reads_columns(marketing_leads=LEADS_READ_FOR_TOUCHES))
def lead_touches(
    context: dg.AssetExecutionContext, marketing_leads: pl.DataFrame, event_participants: pl.DataFrame
) -> pl.DataFrame:
    """Every lead, registration and attendance of the two Part 1 tables, earliest first."""
    touches = all_touches(marketing_leads, event_participants)
    context.add_asset_metadata(
        {kind: int(n) for kind, n in touches["touch_type"].value_counts(sort=True).iter_rows() if kind is not None}
    )
    return touches


@table_asset("lead_first_touch")
def lead_first_touch(context: dg.AssetExecutionContext, lead_touches: pl.DataFrame) -> pl.DataFrame:
    """Each person's earliest touch (first-touch attribution) and whether they ever registered or attended."""
    people = first_touch(lead_touches)
    context.add_asset_metadata(
        {
            "registered_any": int(people["registered_any"].sum()),
            "attended_any": int(people["attended_any"].sum()),
            "people_without_phone": people["phone"].null_count(),
        }
    )
    return people
