"""The first tables, materialised through Dagster on both warehouses from sources served like production."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from funnel_assets.defs.marketing.assets import marketing_spend, spend_by_funnel
from funnel_assets.io.crm import CrmApi
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources.resources import TabularSource
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets_tests.support.assets import CRM_ASSIGNMENTS
from funnel_assets_tests.support.http_server import Scripted
from funnel_assets_tests.support.resources import io_manager_for, landing_dir
from funnel_assets_tests.support.source_files import SPEND_CSV

ASSIGNED_CSV = (
    "sources,assignOn,leadMobile,employee\n"
    "ACCA_Webinar_Meta,2026-09-30T19:00:00Z,+91 98765-43210,Asha\n"
    "acca_webinar_meta ,2026-10-01T04:00:00Z,098765 43210,Ravi\n"
    "walk-in,2026-10-02T04:00:00Z,12345,Asha\n"
)


def write_mappings(folder):
    folder.mkdir()
    (folder / "funnel_mapping.csv").write_text(
        "source,funnel,deprecated\nACCA_Webinar_Meta,ACCA Webinar,\n", encoding="utf-8"
    )
    return Mappings(directory=str(folder))


@pytest.fixture(autouse=True)
def crm_token(monkeypatch):
    monkeypatch.setenv("CRM_API_TOKEN", "s3cret-token")


def resources(tmp_path, warehouse: Warehouse, http_server) -> dict:
    """The spend sheet as a local file saved by a spreadsheet program (BOM, CRLF), the CRM over HTTP."""
    spend_file = tmp_path / "spend.csv"
    spend_file.write_text(SPEND_CSV, encoding="utf-8-sig")
    return {
        "io_manager": io_manager_for(warehouse),
        "spend_source": TabularSource(location=str(spend_file), landing_dir=landing_dir()),
        "crm": CrmApi(
            assigned_leads_url=http_server.url("/crm/assigned-leads"),
            sales_url=http_server.url("/crm/sales"),
            backoff_seconds=0.01,
            landing_dir=landing_dir(),
        ),
        "mappings": write_mappings(tmp_path / "mappings"),
    }


def test_spend_and_assigned_leads_land_through_dagster(tmp_path, warehouse: Warehouse, http_server):
    http_server.add("/crm/assigned-leads", ASSIGNED_CSV)
    result = dg.materialize(
        [marketing_spend, spend_by_funnel, *CRM_ASSIGNMENTS], resources=resources(tmp_path, warehouse, http_server)
    )
    assert result.success

    by_funnel = warehouse.read_table("spend_by_funnel").set_index("funnel")
    assert by_funnel.loc["ACCA Webinar", "cost"] == 2000.0
    assert by_funnel.loc["ACCA Webinar", "impressions"] == 1500.0

    assigned = warehouse.read_table("crm_assigned_leads")
    assert assigned["phone"].tolist() == ["9876543210", "9876543210", None]
    assert assigned["funnel"].tolist() == ["ACCA Webinar", "ACCA Webinar", MISCELLANEOUS_FUNNEL]
    assert assigned["assigned_on"].iloc[0] == pd.Timestamp("2026-10-01 00:30", tz="Asia/Kolkata")

    request = http_server.requests("/crm/assigned-leads")[0]
    assert request.headers["Authorization"] == "Bearer s3cret-token"

    metadata = result.asset_materializations_for_node("crm_assigned_leads")[0].metadata
    assert metadata["dagster/row_count"].value == 3
    assert metadata["rows_without_phone"].value == 1


def test_crm_refusing_the_token_fails_only_sales_at_once_and_keeps_yesterdays_table(
    tmp_path, sqlite_warehouse: Warehouse, http_server
):
    http_server.add("/crm/assigned-leads", ASSIGNED_CSV, Scripted(status=401))
    configured = resources(tmp_path, sqlite_warehouse, http_server)
    assert dg.materialize(CRM_ASSIGNMENTS, resources=configured).success

    result = dg.materialize(
        [marketing_spend, spend_by_funnel, *CRM_ASSIGNMENTS], resources=configured, raise_on_error=False
    )
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["crm_assigned_leads"]
    message = failures[0].step_failure_data.error.message
    assert "401" in message and "CRM_API_TOKEN" in message and "s3cret-token" not in message
    assert len(http_server.requests("/crm/assigned-leads")) == 2, "a refused token is not retried"
    # Part 1 landed regardless, and the sales table from the good run is intact
    assert sqlite_warehouse.row_count("spend_by_funnel") == 2
    assert sqlite_warehouse.row_count("crm_assigned_leads") == 3
