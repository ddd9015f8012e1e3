"""`make run`'s own run, as a newcomer meets it: on current sample data, recorded under the code location the
UI serves (so the Overview and Jobs pages list it), every check green, and one closing line saying so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG
from dagster._core.workspace.load import location_origins_from_yaml_paths
from dagster_dg_cli.cli.utils import create_temp_workspace_file
from dagster_dg_core.context import DgContext

from funnel_assets.defs.checks import STALE_CHECK
from funnel_assets.lib.clock import today
from funnel_assets.settings import PROJECT_ROOT
from tools.samples.generate import generate_current


def served_repository_label() -> str:
    """The repository label of the code location `dg dev` serves, from dg's own workspace for the project."""
    with create_temp_workspace_file(DgContext.for_project_environment(PROJECT_ROOT, {})) as workspace:
        (location,) = location_origins_from_yaml_paths([workspace])
    return f"__repository__@{location.location_name}"


def test_the_demo_run_shows_under_the_served_code_location_with_every_check_green(tmp_path):
    sample, drop, home = tmp_path / "sample", tmp_path / "drop", tmp_path / "dagster_home"
    generate_current(sample, today())
    drop.mkdir()
    for report in [*(sample / "zoom").glob("*.csv"), *(sample / "events").glob("*.csv")]:
        shutil.copy2(report, drop / report.name)
    home.mkdir()
    shutil.copy2(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DAGSTER_HOME": str(home),
        "FUNNEL_DATA_DIR": str(tmp_path / "data"),
        "FUNNEL_WAREHOUSE_URL": f"sqlite:///{tmp_path / 'warehouse.sqlite'}",
        "FUNNEL_EXPORT_DIR": str(tmp_path / "exports"),
        "FUNNEL_ZOOM_DROP_DIR": str(drop),
        "FUNNEL_MAPPINGS_DIR": str(PROJECT_ROOT / "mappings"),
        "FUNNEL_LEADS_SOURCE": str(sample / "leads.csv"),
        "FUNNEL_SPEND_SOURCE": str(sample / "spend.csv"),
        "CRM_ASSIGNED_LEADS_URL": str(sample / "crm" / "assigned_leads.csv"),
        "CRM_SALES_URL": str(sample / "crm" / "sales.csv"),
    }
    # from a folder of its own: it reads a .env in its working folder, as Dagster's commands do
    done = subprocess.run(
        [sys.executable, "-m", "tools.demo_run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last_line = done.stdout.strip().splitlines()[-1]
    assert "Warning" not in done.stderr

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        # the UI's Jobs page asks for the job's runs by this label; a `dagster job execute` run has none
        (run,) = instance.get_runs(
            filters=dg.RunsFilter(job_name="daily_refresh", tags={REPOSITORY_LABEL_TAG: served_repository_label()})
        )
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert last_line == (
            f"The daily_refresh run succeeded: see it at http://127.0.0.1:3000/runs/{run.run_id} "
            "(or the UI's Runs page, once `make demo` serves it)."
        )
        evaluations = [
            record.event_log_entry.dagster_event.event_specific_data
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
        ]
    stale = {e.asset_key.to_user_string(): e.passed for e in evaluations if e.check_name == STALE_CHECK}
    assert stale == dict.fromkeys(["crm_assigned_leads", "marketing_leads", "marketing_spend", "sales"], True)
    assert all(e.passed for e in evaluations), [
        f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed
    ]
