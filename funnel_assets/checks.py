"""Asset checks: is each output table what a BI user can trust this morning?

Each check asks the warehouse one SQL question, so it costs the same on a million rows
as on a hundred. ERROR checks guard the grain the BI tool relies on; WARN checks flag
what a person should look at (a stale source, many Miscellaneous rows, a table that shrank).
"""

from datetime import timedelta

import dagster as dg
import pandas as pd

from funnel_assets.resources.warehouse import Warehouse
from funnel_assets.settings import MISCELLANEOUS_FUNNEL, env, today_local

# table -> the columns that identify one row (NULL phones excluded: they stand alone)
GRAINS = {
    "funnel_people": ("phone",),
    "assigned_leads_monthly": ("month", "phone"),
    "funnel_metrics_monthly": ("month", "funnel"),
    "funnel_stages_monthly": ("month", "funnel", "stage"),
    "event_participants": ("event_id", "event_date", "phone"),
    "spend_by_funnel": ("spend_date", "funnel"),
    "lead_first_touch": ("phone",),
}
PHONE_TABLES = ("marketing_leads", "event_participants", "crm_assigned_leads", "sales", "funnel_people", "lead_first_touch")
FUNNEL_COLUMNS = {"marketing_leads": "funnel", "crm_assigned_leads": "funnel", "sales": "final_funnel"}
# source table -> the column whose newest value should be yesterday
DAILY_SOURCES = {
    "marketing_leads": "created_at",
    "crm_assigned_leads": "assigned_on",
    "marketing_spend": "spend_date",
    "sales": "created_on",
}
SHRINK_TABLES = (*GRAINS, "marketing_leads", "marketing_spend", "crm_assigned_leads", "sales")


def _grain_check(table: str, columns: tuple[str, ...]) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=table, name=f"one_row_per_{'_'.join(columns)}", description=f"No two rows of {table} share {', '.join(columns)}.")
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        keys = ", ".join(f'"{c}"' for c in columns)
        not_null = " AND ".join(f'"{c}" IS NOT NULL' for c in columns)
        repeated = warehouse.scalar(
            f"SELECT COUNT(*) FROM (SELECT {keys} FROM {{t}} WHERE {not_null} GROUP BY {keys} HAVING COUNT(*) > 1) AS d", t=table
        )
        return dg.AssetCheckResult(passed=repeated == 0, metadata={"repeated_keys": int(repeated or 0)})

    return check


def _phone_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=table, name="phone_keys_well_formed", description="Every phone is exactly 10 digits, or empty.")
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        if warehouse.dialect == "postgresql":
            bad = "phone !~ '^[0-9]{{10}}$'"
        else:
            bad = "(length(phone) <> 10 OR phone GLOB '*[^0-9]*')"
        malformed = warehouse.scalar(f"SELECT COUNT(*) FROM {{t}} WHERE phone IS NOT NULL AND {bad}", t=table)
        return dg.AssetCheckResult(passed=malformed == 0, metadata={"malformed_phones": int(malformed or 0)})

    return check


@dg.asset_check(asset="marketing_spend", name="cost_not_negative", description="No spend row has a negative cost.")
def marketing_spend_cost_not_negative(warehouse: Warehouse) -> dg.AssetCheckResult:
    negative = warehouse.scalar("SELECT COUNT(*) FROM {t} WHERE cost < 0", t="marketing_spend")
    return dg.AssetCheckResult(passed=negative == 0, metadata={"negative_cost_rows": int(negative or 0)})


def _miscellaneous_check(table: str, column: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name="miscellaneous_share",
        description=(
            "The share of rows in Other Sources (Miscellaneous) stays under FUNNEL_MAX_MISCELLANEOUS_SHARE "
            "(default 25%); above it, the monthly mapping is due (see unmapped_sources / sales_to_map)."
        ),
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        limit = float(env("FUNNEL_MAX_MISCELLANEOUS_SHARE", "0.25"))
        total = int(warehouse.scalar("SELECT COUNT(*) FROM {t}", t=table) or 0)
        misc = int(warehouse.scalar(f"SELECT COUNT(*) FROM {{t}} WHERE \"{column}\" = '{MISCELLANEOUS_FUNNEL}'", t=table) or 0)
        share = misc / total if total else 0.0
        return dg.AssetCheckResult(
            passed=share <= limit,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"miscellaneous_rows": misc, "share": round(share, 4), "limit": limit},
        )

    return check


def _fresh_data_check(table: str, column: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name="has_yesterdays_data",
        description=f"The newest {column} is from yesterday (Asia/Kolkata) or later: the source sent yesterday's rows.",
    )
    def check(warehouse: Warehouse) -> dg.AssetCheckResult:
        newest = warehouse.scalar(f'SELECT MAX("{column}") FROM {{t}}', t=table)
        yesterday = today_local() - timedelta(days=1)
        newest_day = pd.Timestamp(newest).tz_convert("Asia/Kolkata").date() if newest is not None and pd.Timestamp(newest).tzinfo else (
            pd.Timestamp(newest).date() if newest is not None else None
        )
        return dg.AssetCheckResult(
            passed=newest_day is not None and newest_day >= yesterday,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest": str(newest_day), "expected_at_least": str(yesterday)},
        )

    return check


def _shrink_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name="did_not_shrink_sharply",
        description="The table has at least half the rows of its previous materialisation.",
    )
    def check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        now = warehouse.row_count(table)
        records = context.instance.fetch_materializations(dg.AssetKey(table), limit=2).records
        counts = [r.asset_materialization.metadata.get("dagster/row_count") for r in records if r.asset_materialization]
        previous = counts[1].value if len(counts) > 1 and counts[1] is not None else None
        passed = previous is None or now >= 0.5 * previous
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata={"rows": now, "previous_rows": previous or 0}
        )

    return check


ASSET_CHECKS = [
    *[_grain_check(t, c) for t, c in GRAINS.items()],
    *[_phone_check(t) for t in PHONE_TABLES],
    marketing_spend_cost_not_negative,
    *[_miscellaneous_check(t, c) for t, c in FUNNEL_COLUMNS.items()],
    *[_fresh_data_check(t, c) for t, c in DAILY_SOURCES.items()],
    *[_shrink_check(t) for t in SHRINK_TABLES],
]
