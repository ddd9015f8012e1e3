"""Run configuration can set business knobs only: no endpoint, path, key file, schema or URL.

A value given in the Launchpad (or `-c run.yaml`) overrides the one the definitions were built
with, so any field a resource, IO manager or op exposes there lets whoever can launch a run
redirect data or credentials. The test walks the run-config schema of every job of the
production definitions, the implicit asset job included, the way an attacker would, and fails
on any settable field outside an allow-list.
"""

from __future__ import annotations

import json

import dagster as dg
import pytest
from dagster._config import ConfigTypeKind
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from funnel_assets.definitions import build_definitions, defs
from funnel_assets.defs.resources import fixed
from funnel_assets.settings import Settings
from funnel_assets_tests.support.run_config import OPEN_CONTAINERS, settable_fields

# (op, field) pairs a run may set: the date everything is counted before (defs/run_config.py AsOfConfig)
BUSINESS_KNOBS = frozenset({"as_of"})


def all_jobs(definitions: dg.Definitions) -> list[dg.JobDefinition]:
    jobs = list(definitions.get_repository_def().get_all_jobs())
    assert any(job.name.startswith("__ASSET_JOB") for job in jobs), "the implicit asset job is walked too"
    return jobs


def reaches_something(job: dg.JobDefinition, path: tuple[str, ...], kind: str) -> bool:
    """A field a run may set that some code reads: anything under `resources`, and any op config
    field but the business knobs. An op with no config schema takes `config: Any`, which nothing reads."""
    if path[0] == "resources":
        return True
    op_name, rest = path[1], path[2:]
    if rest == ("config",) and kind == ConfigTypeKind.ANY.value:
        node = job.graph.node_named(op_name)
        return node.definition.config_schema.as_field().config_type.kind != ConfigTypeKind.ANY
    return not (rest[:1] == ("config",) and len(rest) == 2 and rest[1] in BUSINESS_KNOBS)


def test_no_resource_or_op_field_but_a_business_knob_is_settable_from_run_config():
    exposed = []
    for job in all_jobs(defs):
        top = job.run_config_schema.config_type
        for section in OPEN_CONTAINERS:
            for path, kind in settable_fields(top.fields[section].config_type, (section,)):
                if reaches_something(job, path, kind):
                    exposed.append(f"{job.name}: {'.'.join(path)}")
    assert not exposed, f"{len(exposed)} run-config fields reach an endpoint, path or setting:\n" + "\n".join(exposed)


class Endpoint(dg.ConfigurableResource):
    url: str


@dg.asset
def reads_an_endpoint(endpoint: Endpoint) -> None:
    pass


def test_the_walk_finds_what_it_should():
    """The walker itself: a ConfigurableResource field and an op's business knob are found."""
    probe = dg.Definitions(assets=[reads_an_endpoint], resources={"endpoint": Endpoint(url="https://example.com")})
    found = [
        path
        for job in all_jobs(probe)
        for path, kind in settable_fields(
            job.run_config_schema.config_type.fields["resources"].config_type, ("resources",)
        )
        if reaches_something(job, path, kind)
    ]
    assert ("resources", "endpoint", "config", "url") in found
    knobs = [
        path
        for job in all_jobs(defs)
        for path, _ in settable_fields(job.run_config_schema.config_type.fields["ops"].config_type, ("ops",))
        if path[-1] == "as_of"
    ]
    assert ("ops", "funnel_metrics_monthly", "config", "as_of") in knobs


def test_the_warehouse_url_its_password_and_the_crm_token_stay_out_of_what_the_ui_shows(monkeypatch, tmp_path):
    """The UI shows each resource's configured values (the code location's snapshot): a warehouse URL
    with its password in it, and the CRM addresses, never reach it."""
    password, token = "pw-in-the-url-7731", "crm-token-5521"
    monkeypatch.setenv("FUNNEL_WAREHOUSE_URL", f"postgresql://loader:{password}@warehouse.internal:5432/warehouse")
    monkeypatch.setenv("CRM_ASSIGNED_LEADS_URL", f"https://crm.internal/assigned.csv?key={token}")
    monkeypatch.setenv("CRM_SALES_URL", "https://crm.internal/sales.csv")
    definitions = build_definitions(Settings.from_env())
    repository = definitions.get_repository_def()
    shown = serialize_value(RepositorySnap.from_def(repository))
    for secret in (password, token, "warehouse.internal", "crm.internal"):
        assert secret not in shown, secret
    assert json.loads(shown)  # the snapshot is what the UI reads


EVIL = "http://evil.example:18082\\@127.0.0.1:18081"


@pytest.mark.parametrize(
    "resource, config",
    [
        ("crm", {"assigned_leads_url": f"{EVIL}/assigned_leads.csv", "sales_url": f"{EVIL}/sales.csv"}),
        (
            "leads_source",
            {"location": "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "google_sheets_api_url": "http://evil.example/v4"},
        ),
        ("io_manager", {"url": "postgresql://loader@evil.example/warehouse"}),
        ("zoom_drop", {"directory": "/etc"}),
    ],
)
def test_a_run_that_sets_an_endpoint_is_refused_before_it_starts(resource, config):
    """What the issue reproduced from the Launchpad: Dagster itself now refuses the run's config."""
    for job in ("daily_refresh", "part2_sales"):
        with pytest.raises(dg.DagsterInvalidConfigError):
            dg.validate_run_config(defs.resolve_job_def(job), {"resources": {resource: {"config": config}}})
    # the business knob is still a run's to set
    dg.validate_run_config(
        defs.resolve_job_def("daily_refresh"), {"ops": {"funnel_metrics_monthly": {"config": {"as_of": "2026-03-01"}}}}
    )


LIFECYCLE: list[tuple[str, object]] = []


class RecordingIOManager(dg.ConfigurableIOManager):
    """Says when it is set up and torn down, and as which object."""

    def setup_for_execution(self, context) -> None:
        LIFECYCLE.append(("setup", self))

    def teardown_after_execution(self, context) -> None:
        LIFECYCLE.append(("teardown", self))

    def handle_output(self, context, obj) -> None:
        pass

    def load_input(self, context):
        return None


@dg.asset
def one_number() -> int:
    return 1


def test_a_fixed_resource_is_a_copy_of_its_own_each_run_set_up_and_torn_down_as_before():
    """What the warehouse IO manager relies on: its engine disposed and held tables let go after each run."""
    LIFECYCLE.clear()
    manager = fixed(RecordingIOManager())
    assert isinstance(manager, dg.IOManagerDefinition)
    for _ in range(2):
        assert dg.materialize([one_number], resources={"io_manager": manager}).success
    assert [event for event, _ in LIFECYCLE] == ["setup", "teardown", "setup", "teardown"]
    first, second = LIFECYCLE[0][1], LIFECYCLE[2][1]
    assert LIFECYCLE[1][1] is first and LIFECYCLE[3][1] is second and first is not second
