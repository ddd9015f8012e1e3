"""Re-executing a failed run from failure (the UI's button) reuses what the failed run downloaded.

The CRM's dumps are the expensive, rate-limited part of Part 2: a run that landed them and then
failed on a broken mapping is re-executed once the ops person fixes the mapping, and reads the
landed files of the original run instead of asking the CRM again.
"""

from __future__ import annotations

import os
from datetime import timedelta

import dagster as dg

from funnel_assets.defs import landing_runs
from funnel_assets.io.crm import CrmApi
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import Warehouse, WarehouseIOManager
from funnel_assets_tests.support.assets import PART2
from funnel_assets_tests.support.http_server import Scripted
from funnel_assets_tests.support.resources import landing_dir
from funnel_assets_tests.support.source_files import assigned_csv, sales_csv

GOOD_MAPPING = "source,funnel,deprecated\nACCA_Webinar_Meta,ACCA Webinar,\n"


def part2_job() -> dg.JobDefinition:
    """Part 2 with its resources from the environment the test sets: what a re-execution rebuilds."""
    return dg.Definitions(
        assets=PART2,
        jobs=[dg.define_asset_job("part2", selection=dg.AssetSelection.groups("sales"))],
        executor=dg.in_process_executor,
        resources={
            "crm": CrmApi(
                assigned_leads_url=os.environ["TEST_CRM_ASSIGNED_URL"],
                sales_url=os.environ["TEST_CRM_SALES_URL"],
                backoff_seconds=0.01,
                max_attempts=1,
                landing_dir=landing_dir(),
            ),
            "mappings": Mappings(directory=os.environ["TEST_MAPPINGS_DIR"]),
            "io_manager": WarehouseIOManager(url=os.environ["TEST_WAREHOUSE_URL"]),
        },
    ).resolve_job_def("part2")


def test_reexecution_from_failure_reads_the_dumps_the_failed_run_landed(tmp_path, monkeypatch, http_server):
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    # saved without its funnel column: every Part 2 step fails after landing its dump
    (mappings / "funnel_mapping.csv").write_text("source,deprecated\nACCA_Webinar_Meta,\n")
    (mappings / "manual_sales_mapping.csv").write_text("sale_id,manual_source,note\n")
    http_server.add("/api/assigned", assigned_csv(30), Scripted(status=500))
    http_server.add("/api/sales", sales_csv(), Scripted(status=500))
    monkeypatch.setenv("TEST_CRM_ASSIGNED_URL", http_server.url("/api/assigned"))
    monkeypatch.setenv("TEST_CRM_SALES_URL", http_server.url("/api/sales"))
    monkeypatch.setenv("TEST_MAPPINGS_DIR", str(mappings))
    monkeypatch.setenv("TEST_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'warehouse.sqlite'}")

    with dg.instance_for_test() as instance:
        failed = dg.execute_job(dg.reconstructable(part2_job), instance=instance, raise_on_error=False)
        assert not failed.success
        assert len(http_server.requests("/api/assigned")) == len(http_server.requests("/api/sales")) == 1

        (mappings / "funnel_mapping.csv").write_text(GOOD_MAPPING)  # the ops person's fix
        # the CRM now answers 500: a step that downloaded again would fail
        rerun = dg.execute_job(
            dg.reconstructable(part2_job),
            instance=instance,
            reexecution_options=dg.ReexecutionOptions.from_failure(failed.run_id, instance),
            raise_on_error=False,
        )
        assert rerun.success
        assert instance.get_run_by_id(rerun.run_id).root_run_id == failed.run_id

    assert len(http_server.requests("/api/assigned")) == len(http_server.requests("/api/sales")) == 1, "no new download"
    warehouse = Warehouse(url=os.environ["TEST_WAREHOUSE_URL"])
    assert warehouse.row_count("crm_assigned_leads") == 30 and warehouse.row_count("sales") == 3
    assert set(warehouse.read_table("crm_assigned_leads")["funnel"]) == {"ACCA Webinar"}


def newer_run_job() -> dg.JobDefinition:
    """The same job under a name of its own: Dagster keeps a reconstructed job for the life of the
    process, so each test that rebuilds one from its environment needs its own."""
    return part2_job()


def old_downloads_job() -> dg.JobDefinition:
    return part2_job()


def failed_part2_run(tmp_path, monkeypatch, http_server, instance, job) -> str:
    """A Part 2 run that landed its dumps and failed on a broken mapping, which is then fixed."""
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "funnel_mapping.csv").write_text("source,deprecated\nACCA_Webinar_Meta,\n")
    # paths of this test's own: the server answers each path from its queue, the last answer repeating
    http_server.add("/stale/assigned", assigned_csv(30), assigned_csv(40))
    http_server.add("/stale/sales", sales_csv(), sales_csv())
    monkeypatch.setenv("TEST_CRM_ASSIGNED_URL", http_server.url("/stale/assigned"))
    monkeypatch.setenv("TEST_CRM_SALES_URL", http_server.url("/stale/sales"))
    monkeypatch.setenv("TEST_MAPPINGS_DIR", str(mappings))
    monkeypatch.setenv("TEST_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    failed = dg.execute_job(dg.reconstructable(job), instance=instance, raise_on_error=False)
    assert not failed.success
    (mappings / "funnel_mapping.csv").write_text(GOOD_MAPPING)
    return failed.run_id


def reexecute(instance, run_id: str, job) -> dg.ExecuteJobResult:
    return dg.execute_job(
        dg.reconstructable(job),
        instance=instance,
        reexecution_options=dg.ReexecutionOptions.from_failure(run_id, instance),
        raise_on_error=False,
    )


def step_failures(result) -> list[str]:
    return [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]


def test_reexecuting_an_old_failed_run_is_refused_after_a_newer_run_landed(tmp_path, monkeypatch, http_server):
    with dg.instance_for_test() as instance:
        old = failed_part2_run(tmp_path, monkeypatch, http_server, instance, newer_run_job)
        newer = dg.execute_job(dg.reconstructable(newer_run_job), instance=instance)  # today's good run: 40 rows
        assert newer.success
        stale = reexecute(instance, old, newer_run_job)
        assert not stale.success
        assert any("newer run" in m and newer.run_id in m for m in step_failures(stale))
    assert Warehouse(url=os.environ["TEST_WAREHOUSE_URL"]).row_count("crm_assigned_leads") == 40, "newer data kept"


def test_reexecuting_a_run_whose_downloads_are_over_a_day_old_is_refused(tmp_path, monkeypatch, http_server):
    with dg.instance_for_test() as instance:
        old = failed_part2_run(tmp_path, monkeypatch, http_server, instance, old_downloads_job)
        monkeypatch.setattr(landing_runs, "LANDING_FILES_KEPT_FRESH", timedelta(seconds=0))  # as if a day had passed
        stale = reexecute(instance, old, old_downloads_job)
        assert not stale.success
        assert any("day(s) old" in m and "Launch a new run" in m for m in step_failures(stale))
