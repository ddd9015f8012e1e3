"""The mapping files as the ops person saves them, through Dagster: a typo never splits a funnel or
hides in the numbers."""

from __future__ import annotations

import dagster as dg

from funnel_assets.defs.marketing.assets import marketing_leads, marketing_spend, spend_by_funnel
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources.resources import LeadSheet, TabularSource
from funnel_assets_tests.support.resources import io_manager_for, landing_dir

LEADS = "Name,Email,Phone number,utmCamp,created date\n" + "".join(
    f"Lead {n},lead{n}@example.com,98765{n:05d},{campaign},2026-09-{1 + n % 28:02d} 10:00:00\n"
    for n, campaign in enumerate(["ACCA_Webinar_Meta"] * 67 + ["ACCA_Webinar_YouTube"] * 28)
)


def materialize_leads(tmp_path, warehouse, mapping_csv: str, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    leads = tmp_path / "leads.csv"
    leads.write_text(LEADS, encoding="utf-8")
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "funnel_mapping.csv").write_bytes(mapping_csv.encode("utf-8"))
    return dg.materialize(
        [marketing_leads],
        resources={
            "io_manager": io_manager_for(warehouse),
            "leads_source": LeadSheet(location=str(leads), landing_dir=landing_dir()),
            "mappings": Mappings(directory=str(folder)),
        },
        instance=instance,
        raise_on_error=False,
    )


def run_messages(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> list[str]:
    return [entry.message for entry in instance.all_logs(result.run_id) if entry.message]


def test_a_funnel_typed_in_another_case_counts_under_the_existing_one_with_a_warning(tmp_path, warehouse):
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_leads(
        tmp_path,
        warehouse,
        "source,funnel,deprecated\nACCA_Webinar_Meta,ACCA Webinar,\nACCA_Webinar_YouTube,ACCA webinar,\n",
        instance,
    )
    assert result.success
    assert warehouse.read_table("marketing_leads")["funnel"].value_counts().to_dict() == {"ACCA Webinar": 95}
    warnings = [m for m in run_messages(instance, result) if "only in capitals or spaces" in m]
    assert len(warnings) == 1 and "'ACCA webinar'" in warnings[0] and "'ACCA Webinar'" in warnings[0]


def test_a_mapping_file_with_a_nul_byte_is_refused_naming_it(tmp_path, warehouse):
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_leads(
        tmp_path, warehouse, "source,funnel,deprecated\nACCA_Webinar_Meta,ACCA\x00 Webinar,\n", instance
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "mappings/funnel_mapping.csv" in failure and "control character" in failure
    assert not warehouse.table_exists("marketing_leads")


def test_a_spend_funnel_typed_in_another_case_meets_its_leads(tmp_path, warehouse):
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "date_time,cost,Funnel\n2026-09-01,100,ACCA webinar\n2026-09-01,50,ACCA Webinar\n", encoding="utf-8"
    )
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "funnel_mapping.csv").write_text(
        "source,funnel,deprecated\nACCA_Webinar_Meta,ACCA Webinar,\n", encoding="utf-8"
    )
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [marketing_spend, spend_by_funnel],
        resources={
            "io_manager": io_manager_for(warehouse),
            "spend_source": TabularSource(location=str(spend), landing_dir=landing_dir()),
            "mappings": Mappings(directory=str(folder)),
        },
        instance=instance,
    )
    assert result.success
    assert warehouse.read_table("spend_by_funnel")[["funnel", "cost"]].values.tolist() == [["ACCA Webinar", 150.0]]
    assert any("'ACCA webinar' differs from the mapping's 'ACCA Webinar'" in m for m in run_messages(instance, result))
