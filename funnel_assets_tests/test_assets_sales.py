"""Part 2 through Dagster, against a CRM served on 127.0.0.1: good dumps, failures, schema drift, a shrunk dump."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from funnel_assets.io.crm import CrmApi
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import Warehouse
from funnel_assets_tests.support.assets import CRM_ASSIGNMENTS, PART2
from funnel_assets_tests.support.http_server import Scripted
from funnel_assets_tests.support.resources import io_manager_for, landing_dir
from funnel_assets_tests.support.source_files import assigned_csv, sales_csv

TOKEN = "crm-secret-token-123"


@pytest.fixture(autouse=True)
def crm_token(monkeypatch):
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)


def resources(tmp_path, warehouse: Warehouse, http_server, **io_options) -> dict:
    mappings = tmp_path / "mappings"
    mappings.mkdir(exist_ok=True)
    (mappings / "funnel_mapping.csv").write_text(
        "source,funnel,deprecated\nACCA_Webinar_Meta,ACCA Webinar,\nReferral,Referral,\n"
    )
    (mappings / "manual_sales_mapping.csv").write_text("sale_id,manual_source,note\ns2,Referral,called the student\n")
    return {
        "crm": CrmApi(
            assigned_leads_url=http_server.url("/api/assigned"),
            sales_url=http_server.url("/api/sales"),
            backoff_seconds=0.01,
            read_timeout_seconds=1,
            landing_dir=landing_dir(),
        ),
        "mappings": Mappings(directory=str(mappings)),
        "io_manager": io_manager_for(warehouse, **io_options),
    }


def step_failure(result: dg.ExecuteInProcessResult) -> str:
    failures = [e for e in result.all_events if e.is_step_failure]
    assert len(failures) == 1
    return failures[0].step_failure_data.error.message


def test_good_dumps_land_with_part_1_absent(tmp_path, warehouse: Warehouse, http_server):
    http_server.add("/api/assigned", assigned_csv(40)).add("/api/sales", sales_csv())
    result = dg.materialize(PART2, resources=resources(tmp_path, warehouse, http_server))
    assert result.success
    assert warehouse.row_count("crm_assigned_leads") == 40
    monthly = warehouse.read_table("assigned_leads_monthly")
    assert len(monthly) == 40 and not monthly["attended"].any(), "Part 1 never ran: nobody attended"
    sales = warehouse.read_table("sales").set_index("id")
    assert sales["final_funnel"].to_dict() == {"s1": "ACCA Webinar", "s2": "Referral", "s3": "ACCA Webinar"}
    assert sales.loc["s1", "net_amount"] == 1000.0 and sales.loc["s1", "crm_funnel"] == "ACCA Webinar"
    assert warehouse.row_count("sales_to_map") == 0
    assert http_server.requests("/api/sales")[0].headers["Authorization"] == f"Bearer {TOKEN}"
    landed = sorted(p.name for p in (tmp_path / "data" / "landing").rglob("*.csv"))
    assert landed == ["crm_assigned_leads.csv", "crm_sales.csv"], "each dump is kept on disk for audit"


@pytest.mark.parametrize(
    "first",
    [
        Scripted(status=500),
        Scripted(status=429, headers={"Retry-After": "0"}),
        Scripted(body=assigned_csv(40).encode(), delay=1.5),  # read timeout
        Scripted(body=assigned_csv(40).encode(), truncate_at=200),  # connection dropped mid-body
    ],
    ids=["500", "429", "timeout", "cut-short"],
)
def test_a_failed_attempt_then_a_good_one_lands_the_dump(tmp_path, sqlite_warehouse, http_server, first):
    http_server.add("/api/assigned", first, assigned_csv(40))
    result = dg.materialize(CRM_ASSIGNMENTS, resources=resources(tmp_path, sqlite_warehouse, http_server))
    assert result.success and sqlite_warehouse.row_count("crm_assigned_leads") == 40
    assert len(http_server.requests("/api/assigned")) == 2


def test_an_html_error_page_fails_with_a_clear_message_and_keeps_the_table(tmp_path, sqlite_warehouse, http_server):
    http_server.add("/api/assigned", assigned_csv(40), Scripted(body=b"<html><body>502 Bad Gateway</body></html>"))
    configured = resources(tmp_path, sqlite_warehouse, http_server)
    assert dg.materialize(CRM_ASSIGNMENTS, resources=configured).success
    result = dg.materialize(CRM_ASSIGNMENTS, resources=configured, raise_on_error=False)
    assert "web page instead of CSV" in step_failure(result)
    assert sqlite_warehouse.row_count("crm_assigned_leads") == 40


def test_schema_drift_a_new_column_is_kept_a_missing_one_fails_naming_it(tmp_path, sqlite_warehouse, http_server):
    http_server.add("/api/assigned", assigned_csv(40, extra_header="teamName"), assigned_csv(40, drop="leadMobile"))
    configured = resources(tmp_path, sqlite_warehouse, http_server)
    result = dg.materialize(CRM_ASSIGNMENTS, resources=configured)
    table = sqlite_warehouse.read_table("crm_assigned_leads")
    assert "team_name" in table.columns
    metadata = result.asset_materializations_for_node("crm_assigned_leads")[0].metadata
    assert metadata["new_crm_columns"].value == "teamName"

    failed = dg.materialize(CRM_ASSIGNMENTS, resources=configured, raise_on_error=False)
    assert "missing the column(s) leadMobile" in step_failure(failed)
    assert sqlite_warehouse.row_count("crm_assigned_leads") == 40


def test_a_dump_that_shrank_by_90_percent_fails_instead_of_replacing_good_data(tmp_path, warehouse, http_server):
    http_server.add("/api/assigned", assigned_csv(100), assigned_csv(10))
    configured = resources(tmp_path, warehouse, http_server)
    assert dg.materialize(CRM_ASSIGNMENTS, resources=configured).success
    result = dg.materialize(CRM_ASSIGNMENTS, resources=configured, raise_on_error=False)
    message = step_failure(result)
    assert "10 rows" in message and "100" in message and "CRM_MIN_ROWS_RATIO" in message
    assert warehouse.row_count("crm_assigned_leads") == 100
    assert TOKEN not in message

    relaxed = resources(tmp_path, warehouse, http_server, min_rows_ratios={"CRM_MIN_ROWS_RATIO": 0})
    assert dg.materialize(CRM_ASSIGNMENTS, resources=relaxed).success
    assert warehouse.row_count("crm_assigned_leads") == 10


def with_look_alike_phone_column(text: str) -> str:
    """The dump with an extra, empty `LEADMOBILE` column placed before `leadMobile`."""
    frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    frame.insert(2, "LEADMOBILE", "")
    return frame.to_csv(index=False)


def test_an_empty_look_alike_phone_column_never_empties_the_phones(tmp_path, warehouse, http_server):
    http_server.add("/api/assigned", with_look_alike_phone_column(assigned_csv(40)))
    result = dg.materialize(CRM_ASSIGNMENTS, resources=resources(tmp_path, warehouse, http_server))
    assert result.success
    assert warehouse.read_table("crm_assigned_leads")["phone"].notna().all()
    assert warehouse.row_count("assigned_leads_monthly") == 40


def test_two_look_alike_phone_columns_refuse_the_dump_naming_both_and_keep_the_table(
    tmp_path, sqlite_warehouse, http_server
):
    both = with_look_alike_phone_column(assigned_csv(40)).replace("leadMobile", "lead_mobile")
    http_server.add("/api/assigned", assigned_csv(40), both)
    configured = resources(tmp_path, sqlite_warehouse, http_server)
    assert dg.materialize(CRM_ASSIGNMENTS, resources=configured).success
    message = step_failure(dg.materialize(CRM_ASSIGNMENTS, resources=configured, raise_on_error=False))
    assert "CRM assigned-leads dump" in message and "'LEADMOBILE'" in message and "'lead_mobile'" in message
    assert sqlite_warehouse.read_table("crm_assigned_leads")["phone"].notna().all()


def test_a_dump_whose_phones_all_became_unusable_is_refused_like_a_shrink(tmp_path, warehouse, http_server):
    # the right header, but nothing usable under it: what a look-alike column did, whatever the cause
    blank_phones = assigned_csv(600).replace(",90000", ",n/a ")
    http_server.add("/api/assigned", assigned_csv(600), blank_phones, blank_phones)
    configured = resources(tmp_path, warehouse, http_server)
    assert dg.materialize(CRM_ASSIGNMENTS, resources=configured).success
    message = step_failure(dg.materialize(CRM_ASSIGNMENTS, resources=configured, raise_on_error=False))
    assert "CRM assigned leads" in message and "`phone`" in message and "CRM_MIN_ROWS_RATIO=0" in message
    assert "n/a" not in message
    assert warehouse.read_table("crm_assigned_leads")["phone"].notna().sum() == 600
    assert warehouse.row_count("assigned_leads_monthly") > 0

    relaxed = resources(tmp_path, warehouse, http_server, min_rows_ratios={"CRM_MIN_ROWS_RATIO": 0})
    assert dg.materialize(CRM_ASSIGNMENTS, resources=relaxed).success
    assert warehouse.read_table("crm_assigned_leads")["phone"].isna().all()


def test_the_row_guard_compares_with_the_largest_of_the_recent_good_loads(tmp_path, warehouse, http_server):
    # the reported fault: 300 -> 180 -> 108, each above half the one before, both accepted
    http_server.add(
        "/api/assigned", assigned_csv(300), assigned_csv(180), assigned_csv(108), assigned_csv(108), assigned_csv(100)
    )
    configured = resources(tmp_path, warehouse, http_server)
    with dg.instance_for_test() as instance:
        assert dg.materialize(CRM_ASSIGNMENTS, resources=configured, instance=instance).success
        assert dg.materialize(CRM_ASSIGNMENTS, resources=configured, instance=instance).success
        message = step_failure(
            dg.materialize(CRM_ASSIGNMENTS, resources=configured, instance=instance, raise_on_error=False)
        )
        assert "108 rows" in message and "300" in message and "CRM_MIN_ROWS_RATIO=0" in message
        assert warehouse.row_count("crm_assigned_leads") == 180

        # a real shrink accepted once is the new baseline: the next run compares with it, not with 300
        relaxed = resources(tmp_path, warehouse, http_server, min_rows_ratios={"CRM_MIN_ROWS_RATIO": 0})
        assert dg.materialize(CRM_ASSIGNMENTS, resources=relaxed, instance=instance).success
        assert dg.materialize(CRM_ASSIGNMENTS, resources=configured, instance=instance).success
        assert warehouse.row_count("crm_assigned_leads") == 100


def test_a_nul_byte_in_an_amount_is_set_aside_and_counted_never_cut_short(tmp_path, warehouse, http_server):
    # `72<NUL>33.9` was loaded as 72: revenue fell by the rest, with exit 0 and no word
    http_server.add("/api/sales", sales_csv().replace("2000", "72\x0033.9"))
    result = dg.materialize(
        [s for s in PART2 if s.key.path[-1] in ("sales",)], resources=resources(tmp_path, warehouse, http_server)
    )
    assert result.success
    amounts = warehouse.read_table("sales").set_index("id")["net_amount"]
    assert pd.isna(amounts["s2"]) and amounts["s1"] == 1000 and amounts["s3"] == 3000
    metadata = result.asset_materializations_for_node("sales")[0].metadata
    assert metadata["reconciliation"].value["issues"]["kept with value empty: control character in netAmount"] == 1
    assert metadata["reconciliation"].value["rows_loaded"] == 3
