"""Running a job as a user starts it, for the benchmarks in this folder.

`dagster job execute -m funnel_assets.definitions -j <job>` in a process of its own, from the
project root, configured only through environment variables; measured from outside: its wall
time (process start included), its peak memory (the largest resident set in its process tree)
and, read back from the run's own DAGSTER_HOME, each step's wall time and rows written.

Nothing here imports the project's package: the benchmarks see it only as a user does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import psycopg2

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# the dagster command beside the Python running the benchmark (.venv/bin/dagster)
DAGSTER = Path(sys.executable).with_name("dagster")
DEFAULT_POSTGRES_URL = os.environ.get("FUNNEL_BENCHMARK_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# a developer's shell may carry the project's settings: a benchmark run sees only its own
_INHERITED_PREFIXES_DROPPED = ("FUNNEL_", "CRM_", "GOOGLE_", "DAGSTER_")
# blank means unset to the project (the run starts outside the project root, so no .env fills them in)
_BLANK = (
    "FUNNEL_EXPORT_SHEET",
    "GOOGLE_SERVICE_ACCOUNT_FILE",
    "CRM_API_TOKEN",
    "CRM_API_TOKEN_QUERY_PARAMETER",
    "FUNNEL_ALERT_WEBHOOK_URL",
)


def job_environment(settings: Mapping[str, str | Path]) -> dict[str, str]:
    """This process's environment without the project's settings, then `settings`, and the
    project's own mappings folder."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_INHERITED_PREFIXES_DROPPED)}
    env.update(dict.fromkeys(_BLANK, ""))
    env["FUNNEL_MAPPINGS_DIR"] = str(PROJECT_ROOT / "mappings")
    env.update({name: str(value) for name, value in settings.items()})
    return env


def libpq_url(url: str) -> str:
    """A warehouse URL as psycopg2 takes it (SQLAlchemy's `postgresql+driver://` prefix dropped)."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def drop_postgres_schema(url: str, schema: str) -> None:
    with closing(psycopg2.connect(libpq_url(url))) as conn, conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.commit()


def fresh_dagster_home(folder: Path) -> Path:
    """A DAGSTER_HOME of its own, with the project's instance settings (run history in SQLite files there)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", folder / "dagster.yaml")
    return folder


def drop_reports(reports: Iterable[Path], folder: Path) -> Path:
    """Copy the Zoom reports into a drop folder as the ops person would have, an hour ago (the
    project leaves a file alone until it has been unchanged for 30 seconds)."""
    folder.mkdir(parents=True, exist_ok=True)
    an_hour_ago = time.time() - 3600
    for report in reports:
        copy = Path(shutil.copy2(report, folder / report.name))
        os.utime(copy, (an_hour_ago, an_hour_ago))
    return folder


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def _high_water_mark(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), in bytes; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreePeak:
    """The largest resident set of any process in the tree under `pid`, polled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in _process_tree(self.pid):
                self.peak = max(self.peak, _high_water_mark(pid))
            self._stop.wait(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def peak_until_exit(process: subprocess.Popen) -> int:
    """Wait for `process` to end; the largest resident set any process of its tree had meanwhile, in bytes."""
    sampler = TreePeak(process.pid)
    # not wait4's ru_maxrss: Linux carries a parent's peak into the children it forks, so once this process
    # had generated large inputs every run would have reported the generator's peak
    process.wait()
    return sampler.stop()


@dataclass
class Step:
    key: str
    seconds: float
    status: str
    rows: int | None = None
    # of `seconds`, the time its outputs took to be written (the IO manager's handle_output)
    writing: float = 0.0


@dataclass
class JobRun:
    job: str
    run_id: str
    seconds: float
    peak_bytes: int
    steps: list[Step] = field(default_factory=list)


class JobFailed(RuntimeError):
    pass


def run_job(job: str, env: Mapping[str, str], log_path: Path) -> JobRun:
    """Run `job` as a user would from the project root, its output to `log_path`; the run's
    DAGSTER_HOME (in `env`) is read back for its steps. Raises JobFailed, with the log's tail,
    when the run did not succeed."""
    command = [str(DAGSTER), "job", "execute", "-m", "funnel_assets.definitions", "-j", job]
    with open(log_path, "ab") as log:
        started = time.perf_counter()
        # from the run's own folder: the dagster command reads a .env in its working folder over `env`
        process = subprocess.Popen(command, cwd=log_path.parent, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        peak = peak_until_exit(process)
        seconds = time.perf_counter() - started

    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=job), limit=1)
        if process.returncode != 0 or not runs or runs[0].status != dg.DagsterRunStatus.SUCCESS:
            state = runs[0].status.value if runs else "no run recorded"
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
            raise JobFailed(f"{' '.join(command)} exited {process.returncode} ({state}); log {log_path}:\n{tail}")
        run_id = runs[0].run_id
        rows: dict[str, int] = {}
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
            count = (
                entry.asset_materialization.metadata.get("dagster/row_count") if entry.asset_materialization else None
            )
            if count is not None and entry.step_key:
                rows[entry.step_key] = rows.get(entry.step_key, 0) + int(count.value)
        writing = _writing_seconds(instance, run_id)
        steps = [
            Step(
                stat.step_key,
                (stat.end_time or stat.start_time or 0) - (stat.start_time or 0),
                stat.status.value if stat.status else "?",
                rows.get(stat.step_key),
                writing.get(stat.step_key, 0.0),
            )
            for stat in instance.get_run_step_stats(run_id)
        ]
    finally:
        instance.dispose()
    return JobRun(job, run_id, seconds, peak, sorted(steps, key=lambda s: s.seconds, reverse=True))


def _writing_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Per step, the seconds between each output being returned (STEP_OUTPUT) and written (HANDLED_OUTPUT)."""
    returned: dict[tuple[str, str], float] = {}
    writing: dict[str, float] = {}
    kinds = {dg.DagsterEventType.STEP_OUTPUT, dg.DagsterEventType.HANDLED_OUTPUT}
    for entry in instance.all_logs(run_id, of_type=kinds):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_OUTPUT:
            returned[(entry.step_key, event.step_output_data.output_name)] = entry.timestamp
        else:
            started = returned.get((entry.step_key, event.event_specific_data.output_name))
            if started is not None:
                writing[entry.step_key] = writing.get(entry.step_key, 0.0) + entry.timestamp - started
    return writing


def print_steps(run: JobRun, *, indent: str = "  ", min_seconds: float = 0.0) -> None:
    """The run's steps, slowest first: wall seconds, of which writing the tables, rows written, rows per second."""
    print(f"{indent}{'step':56} {'seconds':>8} {'writing':>8} {'rows':>11} {'rows/s':>11}")
    hidden = [s for s in run.steps if s.seconds < min_seconds and not s.rows]
    for step in run.steps:
        if step in hidden:
            continue
        rows = f"{step.rows:,}" if step.rows is not None else ""
        rate = f"{step.rows / step.seconds:,.0f}" if step.rows and step.seconds > 0 else ""
        flag = "" if step.status == "SUCCESS" else f"  {step.status}"
        print(f"{indent}{step.key:56} {step.seconds:8.2f} {step.writing:8.2f} {rows:>11} {rate:>11}{flag}")
    if hidden:
        total, writing = sum(s.seconds for s in hidden), sum(s.writing for s in hidden)
        print(f"{indent}{f'{len(hidden)} more steps, each under {min_seconds:.2f} s':56} {total:8.2f} {writing:8.2f}")
    total, writing = sum(s.seconds for s in run.steps), sum(s.writing for s in run.steps)
    print(f"{indent}{'sum of steps':56} {total:8.2f} {writing:8.2f}")
    print(f"{indent}{'  of which computing (the steps less their writing)':56} {total - writing:8.2f}")
    print(f"{indent}{'outside the steps (process start, imports, run set-up)':56} {run.seconds - total:8.2f}")


def megabytes(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"
