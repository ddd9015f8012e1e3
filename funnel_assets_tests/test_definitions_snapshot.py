"""A snapshot of the Dagster definitions, committed next to this test, so a change to the graph is seen in review.

`snapshots/definitions.txt` lists every asset (group, kinds, upstream deps, op, resources, policies, columns,
checks), every job, schedule and sensor, sorted, one fact a line. Descriptions are left out: they are prose,
reworded freely, and `test_definitions` already ties them to the catalogue. The definitions are built with every
setting at its default (as a fresh clone with no environment builds them), so the text is the same on every
machine and in every process. When the definitions change on purpose, regenerate the file and commit it with
the change (`REGENERATE` below).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from funnel_assets.definitions import build_definitions
from funnel_assets.settings import PROJECT_ROOT, Settings
from funnel_assets_tests.support.run_config import settable_fields

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.txt"
REGENERATE = "UPDATE_SNAPSHOTS=1 .venv/bin/pytest funnel_assets_tests/test_definitions_snapshot.py"
HEADER = (
    "# The project's Dagster definitions, rendered by funnel_assets_tests/test_definitions_snapshot.py with every\n"
    "# setting at its default. A property that is not set is left out. Regenerate after an intended change:\n"
    f"#   {REGENERATE}\n"
)
KIND_TAG = "dagster/kind/"


def words(values: Iterable[object]) -> str:
    return ", ".join(sorted(str(v) for v in values))


def duration(value) -> str:
    """A timedelta (or Dagster's serialisable one) as `1 day, 6:00:00`."""
    return str(value if isinstance(value, timedelta) else value.to_timedelta())


def freshness(policy: dg.FreshnessPolicy) -> str:
    # the two kinds `FreshnessPolicy.time_window` and `.cron` build; their classes are not exported by dagster
    if hasattr(policy, "fail_window"):
        warn = f", warn after {duration(policy.warn_window)}" if policy.warn_window else ""
        return f"time window: fail after {duration(policy.fail_window)}{warn}"
    if hasattr(policy, "deadline_cron"):
        lower_bound = duration(policy.lower_bound_delta)
        return f"cron: deadline {policy.deadline_cron} ({policy.timezone}), lower bound {lower_bound}"
    return repr(policy)  # a kind Dagster adds later: its record's repr, which holds only values


def retry(policy: dg.RetryPolicy) -> str:
    backoff = f", backoff {policy.backoff.value}" if policy.backoff else ""
    jitter = f", jitter {policy.jitter.value}" if policy.jitter else ""
    return f"max {policy.max_retries} retries, delay {policy.delay}s{backoff}{jitter}"


def condition(automation: dg.AutomationCondition) -> str:
    return automation.get_label() or str(automation)


def tags(values: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" if v else k for k, v in sorted(values.items()))


def asset_lines(definitions: dg.Definitions) -> Iterator[str]:
    graph = definitions.resolve_asset_graph()
    specs = {spec.key: spec for spec in definitions.resolve_all_asset_specs()}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node, spec = graph.get(key), specs[key]
        assets_def = node.assets_def
        yield f"asset {key.to_user_string()}"
        yield f"  group: {node.group_name}"
        yield f"  kinds: {words(node.kinds)}"
        yield f"  deps: {words(k.to_user_string() for k in node.parent_keys) or '(none)'}"
        yield f"  op: {assets_def.node_def.name}"
        yield f"  resources: {words(assets_def.required_resource_keys) or '(none)'}"
        optional = {
            "partitions": node.partitions_def and str(node.partitions_def),
            "backfill policy": assets_def.backfill_policy and str(assets_def.backfill_policy),
            "retry policy": assets_def.op.retry_policy and retry(assets_def.op.retry_policy),
            "freshness policy": spec.freshness_policy and freshness(spec.freshness_policy),
            "code version": node.code_version,
            "automation condition": node.automation_condition and condition(node.automation_condition),
            "owners": words(node.owners),
            "tags": tags({k: v for k, v in node.tags.items() if not k.startswith(KIND_TAG)}),
            "op tags": tags(assets_def.op.tags),
            "pool": assets_def.op.pool,
        }
        yield from (f"  {name}: {value}" for name, value in optional.items() if value)
        schema = spec.metadata.get("dagster/column_schema")
        if schema:
            yield "  columns:"
            yield from (f"    {column.name}: {column.type}" for column in schema.columns)
        if node.check_keys:
            yield "  checks:"
            for check_key in sorted(node.check_keys, key=lambda k: k.name):
                check = graph.get_check_spec(check_key)
                extra = [f"blocking: {'yes' if check.blocking else 'no'}"]
                if check.additional_deps:
                    extra.append(f"also reads: {words(d.asset_key.to_user_string() for d in check.additional_deps)}")
                if check.automation_condition:
                    extra.append(f"automation condition: {condition(check.automation_condition)}")
                yield f"    {check.name} ({'; '.join(extra)})"


def run_config_fields(job: dg.JobDefinition) -> list[str]:
    """What a run may set for its resources and ops; an op with no config schema takes `config: Any`,
    which nothing reads (see test_run_config_surface), and is left out."""
    top = job.run_config_schema.config_type
    found = []
    for section in ("resources", "ops"):
        for path, kind in settable_fields(top.fields[section].config_type, (section,)):
            if not (section == "ops" and path[2:] == ("config",) and kind == "ANY"):
                found.append(f"{'.'.join(path)} ({kind.lower()})")
    return sorted(found)


def job_lines(definitions: dg.Definitions) -> Iterator[str]:
    for job in sorted(definitions.resolve_all_job_defs(), key=lambda j: j.name):
        layer = job.asset_layer
        yield f"job {job.name}"
        yield f"  executor: {job.executor_def.name}"
        if job.op_retry_policy:
            yield f"  op retry policy: {retry(job.op_retry_policy)}"
        if job.tags:
            yield f"  tags: {tags(job.tags)}"
        if job.run_tags:
            yield f"  run tags: {tags(job.run_tags)}"
        if job.partitions_def:
            yield f"  partitions: {job.partitions_def}"
        yield f"  asset checks run: {len(layer.asset_graph.asset_check_keys)}"
        yield "  assets:"
        yield from (f"    {k}" for k in sorted(k.to_user_string() for k in layer.executable_asset_keys))
        fields = run_config_fields(job)
        if fields:
            yield "  run config:"
            yield from (f"    {field}" for field in fields)


def schedule_lines(definitions: dg.Definitions) -> Iterator[str]:
    for name in sorted(s.name for s in definitions.schedules or []):
        schedule = definitions.resolve_schedule_def(name)
        yield f"schedule {name}"
        yield f"  cron: {schedule.cron_schedule}"
        yield f"  timezone: {schedule.execution_timezone or 'UTC'}"
        yield f"  job: {schedule.job_name}"
        yield f"  default status: {schedule.default_status.value}"
        if schedule.tags:
            yield f"  tags: {tags(schedule.tags)}"
        if schedule.required_resource_keys:
            yield f"  resources: {words(schedule.required_resource_keys)}"


def sensor_lines(definitions: dg.Definitions) -> Iterator[str]:
    for name in sorted(s.name for s in definitions.sensors or []):
        sensor = definitions.resolve_sensor_def(name)
        yield f"sensor {name}"
        yield f"  type: {sensor.sensor_type.value}"
        if sensor.targets:
            yield f"  jobs: {words(target.job_name for target in sensor.targets)}"
        if isinstance(sensor, dg.RunStatusSensorDefinition):
            # Dagster keeps what a run-status sensor watches only in these attributes (the UI's snapshot lacks them)
            yield f"  run status: {sensor._run_status.value}"
            monitored = sensor._monitored_jobs
            yield f"  monitored jobs: {words(getattr(j, 'name', j) for j in monitored) if monitored else '(all)'}"
            yield f"  all code locations: {'yes' if sensor._monitor_all_code_locations else 'no'}"
        yield f"  minimum interval: {sensor.minimum_interval_seconds}s"
        yield f"  default status: {sensor.default_status.value}"
        if sensor.required_resource_keys:
            yield f"  resources: {words(sensor.required_resource_keys)}"


def render(definitions: dg.Definitions) -> str:
    lines = [
        line for section in (asset_lines, job_lines, schedule_lines, sensor_lines) for line in section(definitions)
    ]
    # a blank line before each asset, job, schedule and sensor
    text = HEADER + "".join(line + "\n" if line.startswith(" ") else f"\n{line}\n" for line in lines)
    # nothing that differs between processes or machines: an object's address, or where the project lives
    assert " at 0x" not in text and str(PROJECT_ROOT) not in text, text
    return text


def test_definitions_match_the_committed_snapshot():
    rendered = render(build_definitions(Settings.from_env({})))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(rendered, encoding="utf-8")
        return
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    if rendered != committed:
        diff = difflib.unified_diff(
            committed.splitlines(keepends=True),
            rendered.splitlines(keepends=True),
            fromfile=f"{SNAPSHOT.relative_to(PROJECT_ROOT)} (committed)",
            tofile="the definitions as built now",
        )
        pytest.fail(
            "The Dagster definitions differ from the committed snapshot:\n\n"
            + "".join(diff)
            + f"\nIf the change is intended, regenerate the snapshot and commit it with the change:\n  {REGENERATE}",
            pytrace=False,
        )


def test_the_render_shows_each_property_a_review_should_see():
    """The project sets only some of these today; a probe sets the rest, so each line is known to appear."""
    daily = dg.DailyPartitionsDefinition(start_date="2026-01-01", timezone="Asia/Kolkata")

    @dg.asset(
        group_name="probe",
        kinds={"pandas"},
        partitions_def=daily,
        retry_policy=dg.RetryPolicy(max_retries=3, delay=5, backoff=dg.Backoff.EXPONENTIAL),
        freshness_policy=dg.FreshnessPolicy.cron("0 9 * * *", lower_bound_delta=timedelta(hours=24)),
        code_version="2",
        automation_condition=dg.AutomationCondition.on_cron("30 6 * * *", cron_timezone="Asia/Kolkata"),
        owners=["team:marketing"],
        tags={"tier": "gold"},
        check_specs=[dg.AssetCheckSpec("has_rows", asset="probe_table", blocking=True)],
        metadata={"dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn("phone", "text")])},
    )
    def probe_table() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    job = dg.define_asset_job("probe_job", selection=[probe_table], tags={"team": "marketing"})

    @dg.sensor(job=job, minimum_interval_seconds=120)
    def probe_sensor():
        pass

    probe = dg.Definitions(
        assets=[probe_table],
        jobs=[job],
        schedules=[dg.build_schedule_from_partitioned_job(job, hour_of_day=6, minute_of_hour=30)],
        sensors=[probe_sensor],
    )
    lines = render(probe).splitlines()
    for expected in (
        "asset probe_table",
        "  group: probe",
        "  kinds: pandas",
        "  retry policy: max 3 retries, delay 5s, backoff EXPONENTIAL",
        "  freshness policy: cron: deadline 0 9 * * * (UTC), lower bound 1 day, 0:00:00",
        "  code version: 2",
        "  automation condition: on_cron(30 6 * * *, Asia/Kolkata)",
        "  owners: team:marketing",
        "  tags: tier=gold",
        "    phone: text",
        "    has_rows (blocking: yes)",
        "job probe_job",
        "  tags: team=marketing",
        "schedule probe_job_schedule",
        "  cron: 30 6 * * *",
        "  timezone: Asia/Kolkata",
        "  job: probe_job",
        "  default status: STOPPED",
        "sensor probe_sensor",
        "  jobs: probe_job",
        "  minimum interval: 120s",
    ):
        assert expected in lines, expected
