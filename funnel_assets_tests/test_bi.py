"""The warehouse as a BI tool meets it: money that sums without float noise, and every meaning as a
PostgreSQL comment (read back as the BI role in test_production.py)."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import pandas as pd
import pytest

from funnel_assets import catalogue
from funnel_assets.defs.marketing.assets import marketing_spend, spend_by_funnel
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources.resources import TabularSource
from funnel_assets.io.warehouse import Warehouse, WarehouseError
from funnel_assets.io.warehouse.backend import Described
from funnel_assets_tests.support.resources import io_manager_for, landing_dir

# three costs whose float sum is 2000.3000000000002 (what a BI tool summing double precision shows)
SPEND_CSV = (
    "date_time,campaign,ad_group,impressions,clicks,cost,platform,Funnel\n"
    '2026-08-01,acca_aug,g1,"1,000",10,"₹1,234.50",meta,ACCA Webinar\n'
    "2026-08-01,acca_aug,g2,500,5,765.50,meta,ACCA Webinar\n"
    "2026-08-02,cfa_aug,g1,3,1,0.10,google,CFA Webinar\n"
    "2026-08-02,cfa_aug,g2,3,1,0.20,google,CFA Webinar\n"
)


def materialise_spend(tmp_path, warehouse: Warehouse) -> dg.ExecuteInProcessResult:
    spend_file = tmp_path / "spend.csv"
    spend_file.write_text(SPEND_CSV, encoding="utf-8")
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "funnel_mapping.csv").write_text("source,funnel,deprecated\n", encoding="utf-8")
    resources = {
        "io_manager": io_manager_for(warehouse, export_dir=tmp_path / "exports"),
        "spend_source": TabularSource(location=str(spend_file), landing_dir=landing_dir()),
        "mappings": Mappings(directory=str(tmp_path / "mappings")),
    }
    return dg.materialize([marketing_spend, spend_by_funnel], resources=resources)


@pytest.mark.postgres
def test_money_sums_exactly_in_postgresql_and_rates_stay_double(tmp_path, postgres_warehouse: Warehouse):
    assert materialise_spend(tmp_path, postgres_warehouse).success
    schema = postgres_warehouse.schema_name
    with postgres_warehouse.engine().connect() as conn:
        total = conn.exec_driver_sql(f'SELECT SUM(cost) FROM "{schema}".marketing_spend').scalar_one()
        by_day = conn.exec_driver_sql(f'SELECT SUM(cost) FROM "{schema}".spend_by_funnel').scalar_one()
        types = dict(
            conn.exec_driver_sql(
                "SELECT table_name || '.' || column_name, format_type(a.atttypid, a.atttypmod) "
                "FROM information_schema.columns c JOIN pg_attribute a "
                "ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass "
                "AND a.attname = c.column_name WHERE c.table_schema = %s",
                (schema,),
            ).all()
        )
    assert total == Decimal("2000.30") and str(total) == "2000.30"
    assert by_day == Decimal("2000.30")
    assert types["marketing_spend.cost"] == types["spend_by_funnel.cost"] == "numeric(14,2)"
    assert types["spend_by_funnel.impressions"] == "double precision"
    # pandas still reads money as float64, rounded to paise
    assert postgres_warehouse.read_table("spend_by_funnel")["cost"].tolist() == [2000.0, 0.3]


def test_the_csv_exports_write_money_with_two_decimals(tmp_path, warehouse: Warehouse):
    assert materialise_spend(tmp_path, warehouse).success
    spend = (tmp_path / "exports" / "marketing_spend.csv").read_text(encoding="utf-8").splitlines()
    cost = spend[0].split(",").index("cost")
    assert [line.split(",")[cost] for line in spend[1:]] == ["1234.50", "765.50", "0.10", "0.20"]
    by_funnel = (tmp_path / "exports" / "spend_by_funnel.csv").read_text(encoding="utf-8").splitlines()
    cost = by_funnel[0].split(",").index("cost")
    assert [line.split(",")[cost] for line in by_funnel[1:]] == ["2000.00", "0.30"]


def test_every_money_column_of_the_catalogue_is_declared_money_and_no_rate_is():
    money = {(t.name, c.name) for t in catalogue.TABLES for c in t.columns if c.type == catalogue.MONEY}
    names = {c for _, c in money}
    expected = {"cost", "revenue", "spend", "net_amount", "cost_per_lead", "cost_per_attendee", "cost_per_acquisition"}
    assert expected <= names
    assert not any("rate" in c or "share" in c or c in ("roas", "impressions", "clicks") or "count" in c for c in names)
    assert catalogue.table("funnel_metrics_monthly").column("roas").type == catalogue.FLOAT


def test_an_amount_beyond_what_money_holds_is_refused_without_quoting_it(warehouse: Warehouse):
    warehouse.write_table("spend", pd.DataFrame({"cost": [1.0]}), Described(kinds={"cost": "money"}))
    for amount in (1e12, float("inf")):
        with pytest.raises(WarehouseError, match="'spend', column 'cost': 1 amount") as refused:
            warehouse.write_table("spend", pd.DataFrame({"cost": [5.0, amount]}), Described(kinds={"cost": "money"}))
        assert "1000000000000.0" not in str(refused.value) and "inf " not in str(refused.value)
    assert warehouse.read_table("spend")["cost"].tolist() == [1.0]


@pytest.mark.postgres
def test_a_comment_is_data_whatever_it_holds(postgres_warehouse: Warehouse):
    meanings = {
        "phone": "the person's phone; it's 10 digits",
        "note": "100% of '%s' and \"quotes\"\\; DROP TABLE x; --",
    }
    described = Described(comment="One row's test: O'Brien's table.", column_comments=meanings)
    postgres_warehouse.write_table("notes", pd.DataFrame({"phone": ["9000000001"], "note": ["a"]}), described)
    qualified = f'"{postgres_warehouse.schema_name}".notes'
    with postgres_warehouse.engine().connect() as conn:
        table, phone, note = conn.exec_driver_sql(
            "SELECT obj_description(%s::regclass, 'pg_class'), col_description(%s::regclass, 1), "
            "col_description(%s::regclass, 2)",
            (qualified, qualified, qualified),
        ).one()
    assert (table, phone, note) == ("One row's test: O'Brien's table.", meanings["phone"], meanings["note"])
