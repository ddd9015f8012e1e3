"""Every asset check can fail: each is shown a table that breaks its rule, and one that keeps it."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pandas as pd

from funnel_assets import catalogue
from funnel_assets.defs.checks import evaluate
from funnel_assets.defs.table_assets import table_asset
from funnel_assets.io.warehouse.io_manager import empty_table
from funnel_assets.lib.clock import TIMEZONE, now, today
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL


def results(
    table: str, frame: pd.DataFrame, previous_rows: int | None = None, share: float = 0.25
) -> dict[str, dg.AssetCheckResult]:
    return {r.check_name: r for r in evaluate(catalogue.table(table), frame, share, previous_rows)}


def with_rows(table: str, **columns) -> pd.DataFrame:
    rows = len(next(iter(columns.values())))
    frame = empty_table(table).reindex(range(rows))
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_the_grain_check_fails_on_a_repeated_key_and_ignores_missing_phones():
    frame = with_rows("funnel_people", phone=["9000000001", "9000000001", None, None])
    result = results("funnel_people", frame)["one_row_per_phone"]
    assert not result.passed and result.metadata["repeated_keys"].value == 1
    assert results("funnel_people", frame.iloc[1:])["one_row_per_phone"].passed


def test_the_phone_check_fails_on_a_key_that_is_not_ten_digits():
    bad = results(
        "marketing_leads", with_rows("marketing_leads", phone=["9000000001", "900000000", "90000000012", "90000-0001"])
    )
    assert (
        not bad["phone_keys_well_formed"].passed
        and bad["phone_keys_well_formed"].metadata["malformed_phones"].value == 3
    )
    assert results("marketing_leads", with_rows("marketing_leads", phone=["9000000001", None]))[
        "phone_keys_well_formed"
    ].passed


def test_the_cost_check_fails_on_a_negative_cost():
    assert not results("marketing_spend", with_rows("marketing_spend", cost=[10.0, -0.5]))["cost_not_negative"].passed
    assert results("marketing_spend", with_rows("marketing_spend", cost=[10.0, 0.0]))["cost_not_negative"].passed


def test_the_miscellaneous_check_warns_above_its_share():
    frame = with_rows(
        "crm_assigned_leads", funnel=[MISCELLANEOUS_FUNNEL, MISCELLANEOUS_FUNNEL, "ACCA Webinar", "CFA Webinar"]
    )
    check = results("crm_assigned_leads", frame, share=0.25)["miscellaneous_share"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN and check.metadata["share"].value == 0.5
    assert results("crm_assigned_leads", frame, share=0.5)["miscellaneous_share"].passed


def test_the_freshness_check_warns_when_yesterday_is_missing():
    two_days_ago = now() - timedelta(days=2)
    stale = results(
        "marketing_leads",
        with_rows("marketing_leads", created_at=pd.Series([two_days_ago], dtype=f"datetime64[ns, {TIMEZONE}]")),
    )
    assert (
        not stale["has_yesterdays_data"].passed and stale["has_yesterdays_data"].severity == dg.AssetCheckSeverity.WARN
    )
    yesterday = now() - timedelta(days=1)
    assert results(
        "marketing_leads",
        with_rows("marketing_leads", created_at=pd.Series([yesterday], dtype=f"datetime64[ns, {TIMEZONE}]")),
    )["has_yesterdays_data"].passed
    # a date column (spend) counts the same way
    fresh_spend = with_rows("marketing_spend", spend_date=[today() - timedelta(days=1)])
    assert results("marketing_spend", fresh_spend)["has_yesterdays_data"].passed
    assert not results("marketing_spend", with_rows("marketing_spend", spend_date=[None]))["has_yesterdays_data"].passed


def test_the_shrink_check_warns_under_half_the_previous_rows():
    frame = with_rows("funnel_people", phone=[f"90000000{i:02d}" for i in range(4)])
    assert not results("funnel_people", frame, previous_rows=10)["did_not_shrink_sharply"].passed
    assert results("funnel_people", frame, previous_rows=8)["did_not_shrink_sharply"].passed
    assert results("funnel_people", frame, previous_rows=None)["did_not_shrink_sharply"].passed


def test_a_failing_check_shows_in_a_dagster_run():
    """Through Dagster: a table with a repeated key gets a failed ERROR check, in the table's own step."""

    @table_asset("spend_by_funnel")
    def repeated_day():
        return with_rows("spend_by_funnel", spend_date=[today(), today()], funnel=["ACCA Webinar", "ACCA Webinar"])

    result = dg.materialize([repeated_day], resources={"io_manager": dg.InMemoryIOManager()})
    grain = [e for e in result.get_asset_check_evaluations() if e.check_name == "one_row_per_spend_date_funnel"]
    assert len(grain) == 1 and not grain[0].passed and grain[0].severity == dg.AssetCheckSeverity.ERROR
    assert [s.step_key for s in result.get_step_success_events()] == ["spend_by_funnel"]
