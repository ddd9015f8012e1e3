"""Run `daily_refresh` once, as `make run` and `make demo` do, and say where to see it.

A run started with `dagster job execute` or `dg launch` is recorded without a code location, so
the UI's Overview and Jobs pages never list it. This one is recorded as belonging to the code
location that `workspace.yaml` and `dg dev` serve (`funnel_assets`), then runs in this process
(like `dagster job execute`, it does not wait in the run queue, and reads a `.env` file as it does).

    DAGSTER_HOME=$PWD/dagster_home python -m tools.demo_run [--job daily_refresh]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.definitions.repository_definition.valid_definitions import SINGLETON_REPOSITORY_NAME
from dagster._core.execution.api import execute_run
from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.secrets.env_file import get_env_var_dict
from dagster._core.workspace.load import location_origins_from_yaml_paths
from dagster._utils.env import environ

WORKSPACE = Path(__file__).resolve().parent.parent / "workspace.yaml"
UI = "http://127.0.0.1:3000"


def job_origins(job_name: str) -> tuple[RemoteJobOrigin, dg.JobDefinition, object]:
    """The job's origin as the webserver knows it (workspace.yaml's one code location), its definition, and
    how a step process rebuilds it."""
    (location,) = location_origins_from_yaml_paths([str(WORKSPACE)])
    target = location.loadable_target_origin
    remote = RemoteJobOrigin(
        repository_origin=RemoteRepositoryOrigin(
            code_location_origin=location, repository_name=SINGLETON_REPOSITORY_NAME
        ),
        job_name=job_name,
    )
    recon_repo = ReconstructableRepository.for_module(
        target.module_name, "defs", working_directory=target.working_directory or str(WORKSPACE.parent)
    )
    recon_job = recon_repo.get_reconstructable_job(job_name)
    return remote, recon_job.get_definition(), recon_job


def run_job(instance: dg.DagsterInstance, job_name: str) -> dg.DagsterRun:
    """Create the run under the served code location and execute it here; returns the finished run."""
    remote, job_def, recon_job = job_origins(job_name)
    run = instance.create_run_for_job(
        job_def=job_def, remote_job_origin=remote, job_code_origin=recon_job.get_python_origin()
    )
    execute_run(recon_job, run, instance)
    return instance.get_run_by_id(run.run_id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--job", default="daily_refresh")
    args = parser.parse_args()
    # a .env file in the working folder is read as Dagster's own commands read it (over the environment)
    with environ(get_env_var_dict(os.getcwd())), dg.DagsterInstance.get() as instance:
        run = run_job(instance, args.job)
    where = f"{UI}/runs/{run.run_id} (or the UI's Runs page, once `make demo` serves it)"
    if run.status == dg.DagsterRunStatus.SUCCESS:
        print(f"\nThe {args.job} run succeeded: see it at {where}.")
        return 0
    print(f"\nThe {args.job} run failed: open {where}, click the red step, and read its error in the event log.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
