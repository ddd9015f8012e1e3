"""`make production-check`: docker-compose.yml's services run as local processes, against the local
PostgreSQL, and what production promises is proved against them, step by step.

There is no Docker engine here, so the check reads docker-compose.yml and the Dockerfile itself
(`tools/production/deployment.py`) and runs each service's command with the environment that
service gets there: the image's ENV, then compose's `environment`, every `${VAR:-default}`
resolved from a generated .env. The only changes: service names used as hosts become 127.0.0.1,
listening ports become free local ports (workspace.yaml likewise), container paths become folders
of the check's own (each service has its own file system, as a container has: only the mounts are
shared). The database init script (the folder compose mounts at /docker-entrypoint-initdb.d) is
applied to the local server with database and role names of the check's own, dropped afterwards.

Then, against the running processes:
  1. the webserver shows the code server's asset graph, jobs, schedule and sensors;
  2. a Zoom report dropped into the drop folder starts `zoom_ingest` through the daemon's sensor,
     the run is queued, runs, and its rows land in event_participants;
  3. the daily schedule starts `daily_refresh` through the daemon, and a run launched meanwhile
     waits in the queue (one run at a time); daily_refresh succeeds;
  4. as the BI role, every output table reads and anything else is refused; the README's query runs;
  5. the CRM refuses the token: the queued run fails, the alert reaches the webhook with the failed
     steps and their first error line, and no secret is in it or in Dagster's database;
  6. the daemon and webserver restart and still show the run history and the schedule's state,
     read from PostgreSQL;
and at the end (whatever happened) every process is stopped, ports and databases released.

Usage: python -m tools.production_check [--keep]   (FUNNEL_TEST_POSTGRES_URL picks the server)
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import psycopg2
import yaml

from tools.production.dagster_api import DagsterUI, Run
from tools.production.database import BI_ROLE, PREFIX, SERVER_DATABASES, Admin, Server, apply_init_scripts
from tools.production.deployment import (
    ROOT,
    WORKSPACE_OPTIONS,
    ContainerFiles,
    Image,
    local_commands,
    local_environment,
    local_workspace,
    option_value,
    read_compose,
    read_dockerfile,
    service_mounts,
)
from tools.production.processes import Service, free_port, kill_leftovers, port_answers, port_is_free
from tools.production.standins import StandIns, StandInServer

POSTGRES_URL = os.environ.get("FUNNEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ZOOM_REPORTS = ("82612693542_registration_2025-08-19.csv", "82612693542_attendee_2025-08-19.csv")
SCHEDULE, ZOOM_SENSOR, FAILURE_SENSOR = "daily_refresh_schedule", "zoom_drop_sensor", "alert_on_run_failure"
DONE = {"SUCCESS", "FAILURE", "CANCELED"}
# the order services start and stop in: the code first, the daemon (which launches runs) last
START_ORDER = ("user_code", "webserver", "daemon")


class CheckFailed(AssertionError):
    pass


def require(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Report:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.step_number = 0

    def _stamp(self) -> str:
        return f"[{time.monotonic() - self.started:6.1f}s]"

    def step(self, title: str) -> None:
        self.step_number += 1
        print(f"\n{self._stamp()} {self.step_number}. {title}", flush=True)

    def proved(self, text: str) -> None:
        print(f"{self._stamp()}    ok   {text}", flush=True)

    def note(self, text: str) -> None:
        print(f"{self._stamp()}    ..   {text}", flush=True)

    def failed(self, text: str) -> None:
        print(f"{self._stamp()}    FAIL {text}", flush=True)


def wait_for(
    what: str,
    probe: Callable[[], object],
    timeout: float,
    interval: float = 1.0,
    alive: Callable[[], None] | None = None,
):
    """Call `probe` until it returns something true; its value. `alive` raises if a service died meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if alive:
            alive()
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class ProductionCheck:
    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.report = Report()
        self.tmp = Path(tempfile.mkdtemp(prefix="funnel-production-check-"))
        self.server = Server.from_url(POSTGRES_URL)
        self.admin: Admin | None = None
        self.services: dict[str, Service] = {}
        self.stand_in_server: StandInServer | None = None
        self.databases: list[str] = []
        self.roles: list[str] = []
        self.public_connect_before: dict[str, bool] = {}
        self.ports: dict[str, int] = {}
        self.cleaned = False
        self.runs_seen: dict[str, Run] = {}

    # ------------------------------------------------------------------ set-up

    def generate_env(self) -> None:
        """The .env a person would write (every value the compose file substitutes), with names of this check."""
        suffix = uuid.uuid4().hex[:8]
        token = secrets.token_hex(8)
        self.ports = {"user_code": free_port(), "webserver": free_port(), "stand_ins": free_port()}
        stand_in = f"http://127.0.0.1:{self.ports['stand_ins']}"
        self.webhook_path = f"/hooks/T0{token}/B0{secrets.token_hex(6)}"
        self.dotenv = {
            "POSTGRES_PASSWORD": f"superuser-{secrets.token_hex(8)}",
            "FUNNEL_LOADER_USER": f"{PREFIX}loader_{suffix}",
            # a password as people choose them: @, : and / would break a URL pasted together
            "FUNNEL_LOADER_PASSWORD": f"l0ad@r:{secrets.token_hex(6)}/pw",
            "FUNNEL_BI_PASSWORD": f"bi-{secrets.token_hex(8)}",
            "FUNNEL_WAREHOUSE_DB": f"{PREFIX}warehouse_{suffix}",
            "DAGSTER_PG_DB": f"{PREFIX}dagster_{suffix}",
            "FUNNEL_ZOOM_DROP_HOST_DIR": str(self.tmp / "host" / "zoom_drop"),
            "FUNNEL_LEADS_SOURCE": f"{stand_in}/sheets/leads.csv",
            "FUNNEL_SPEND_SOURCE": f"{stand_in}/sheets/spend.csv",
            "CRM_ASSIGNED_LEADS_URL": f"{stand_in}/crm/assigned_leads.csv",
            "CRM_SALES_URL": f"{stand_in}/crm/sales.csv",
            "CRM_API_TOKEN": f"crm-secret-{token}",
            # fires within a minute, so that the check sees the daemon start it
            "FUNNEL_DAILY_REFRESH_CRON": "* * * * *",
            "FUNNEL_ALERT_WEBHOOK_URL": f"{stand_in}{self.webhook_path}",
            "FUNNEL_UI_URL": f"http://127.0.0.1:{self.ports['webserver']}",
        }
        self.secrets = {
            name: self.dotenv[name]
            for name in ("POSTGRES_PASSWORD", "FUNNEL_LOADER_PASSWORD", "FUNNEL_BI_PASSWORD", "CRM_API_TOKEN")
        }
        self.secrets["the webhook's secret path"] = self.webhook_path
        (self.tmp / ".env").write_text("".join(f"{k}={v}\n" for k, v in self.dotenv.items()))
        self.compose = read_compose(self.dotenv)
        self.image: Image = read_dockerfile()

    def start_stand_ins(self) -> None:
        sample = ROOT / "sample_data"
        self.stand_ins = StandIns(
            sheets={"/sheets/leads.csv": sample / "leads.csv", "/sheets/spend.csv": sample / "spend.csv"},
            crm={
                "/crm/assigned_leads.csv": sample / "crm" / "assigned_leads.csv",
                "/crm/sales.csv": sample / "crm" / "sales.csv",
            },
            crm_token=self.dotenv["CRM_API_TOKEN"],
            webhook_path=self.webhook_path,
        )
        self.stand_in_server = StandInServer(self.stand_ins, self.ports["stand_ins"])
        self.stand_in_server.start()

    def prepare_database(self) -> None:
        r = self.report
        r.step("The database: the init script docker-compose mounts for the postgres service")
        require(self.server.port == 5432, "deploy/dagster.yaml connects to port 5432: the server must listen there")
        self.admin = Admin(self.server)
        self.admin.lock(180, r.note)
        r.proved(f"the server's production-check lock is held (PostgreSQL at {self.server.host}:{self.server.port})")
        for dropped in self.admin.clear_leftovers(180, r.note):
            r.note(f"dropped a leftover of an earlier check: {dropped}")
        self.public_connect_before = self.admin.public_may_connect()
        postgres = self.compose["services"]["postgres"]
        init = next(m for m in service_mounts(postgres) if m.target == "/docker-entrypoint-initdb.d")
        env = {k: str(v) for k, v in (postgres.get("environment") or {}).items()}
        self.databases = [self.dotenv["FUNNEL_WAREHOUSE_DB"], self.dotenv["DAGSTER_PG_DB"]]
        self.roles = [BI_ROLE, self.dotenv["FUNNEL_LOADER_USER"]]
        applied = apply_init_scripts(self.server, ROOT / init.source, env, self.tmp / "logs" / "init.log")
        r.proved(f"{', '.join(applied)} applied by psql as the superuser, with the postgres service's environment")
        found = {
            d for (d,) in self.admin.query("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (self.databases,))
        }
        require(found == set(self.databases), f"the init script did not create {set(self.databases) - found}")
        roles = {x for (x,) in self.admin.query("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (self.roles,))}
        require(roles == set(self.roles), f"the init script did not create {set(self.roles) - roles}")
        r.proved(f"databases {', '.join(self.databases)} and roles {', '.join(self.roles)} exist")

    def prepare_services(self) -> None:
        r = self.report
        r.step("The services: docker-compose.yml's commands, as local processes")
        commands = local_commands(self.compose, self.ports)
        require(
            set(commands) == set(START_ORDER), f"the image's services are {sorted(commands)}, expected {START_ORDER}"
        )
        venv_bin = Path(sys.executable).parent
        for name in START_ORDER:
            service = self.compose["services"][name]
            root = self.tmp / "containers" / name
            mounts = {}
            for mount in service_mounts(service):
                if mount.named_volume:
                    source = self.tmp / "volumes" / mount.source
                    source.mkdir(parents=True, exist_ok=True)
                else:
                    host = (ROOT / mount.source).resolve() if not mount.source.startswith("/") else Path(mount.source)
                    source = host
                    if host.is_relative_to(ROOT):
                        # the check never writes the working tree: a folder of the project is mounted as a copy
                        source = self.tmp / "host" / host.relative_to(ROOT)
                        if host.is_dir():
                            shutil.copytree(host, source, dirs_exist_ok=True)
                    source.mkdir(parents=True, exist_ok=True)
                mounts[mount.target] = source
            files = ContainerFiles(root, mounts)
            files.install_image_files(self.image)
            base = {
                "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
                "HOME": str(files.host_path(self.image.home())),
                "LANG": "C.UTF-8",
                "TZ": "UTC",  # a container's clock zone
            }
            env = local_environment(name, self.compose, self.image, files, base)
            home = Path(env["DAGSTER_HOME"])
            require((home / "dagster.yaml").is_file(), f"{name}: the image has no dagster.yaml in DAGSTER_HOME")
            argv = commands[name]
            workspace_arg = option_value(argv, WORKSPACE_OPTIONS)
            if workspace_arg:
                workspace = files.host_path(self.image.absolute(workspace_arg))
                require(workspace.is_file(), f"{name}: -w {workspace_arg} is not in the image's WORKDIR")
                local = local_workspace(yaml.safe_load(workspace.read_text()), self.compose, self.ports)
                workspace.write_text(yaml.safe_dump(local, sort_keys=False))
            cwd = files.host_path(self.image.workdir)
            self.services[name] = Service(name, argv, env, cwd, self.tmp / "logs" / f"{name}.log")
            if name == "user_code":
                self.drop_dir = Path(env["FUNNEL_ZOOM_DROP_DIR"])
                self.code_env = env
            shown = " ".join(argv)
            r.proved(f"{name}: `{shown}` with {len(env) - len(base)} variables from the image and compose")
        require(
            self.drop_dir == Path(self.dotenv["FUNNEL_ZOOM_DROP_HOST_DIR"]),
            "the code server's FUNNEL_ZOOM_DROP_DIR is not the folder compose mounts from FUNNEL_ZOOM_DROP_HOST_DIR",
        )
        r.proved(f"the code server's FUNNEL_ZOOM_DROP_DIR is the mounted host folder ({self.drop_dir})")
        leaked = sorted(
            k for k in self.services["webserver"].env if k.startswith(("FUNNEL_", "CRM_")) and k not in self.image.env
        )
        require(not leaked, f"the webserver gets {leaked}")
        r.proved(
            "the webserver and the daemon get Dagster's storage variables only (no CRM token, no webhook, no warehouse)"
        )

    def alive(self) -> None:
        for service in self.services.values():
            if service.process is not None and not service.running:
                raise CheckFailed(f"{service.name} exited (code {service.process.returncode}):\n{service.tail()}")

    def start_code_and_webserver(self) -> None:
        r = self.report
        self.services["user_code"].start()
        wait_for("the code server's port", lambda: port_answers(self.ports["user_code"]), 90, 0.5, self.alive)
        r.proved(f"user_code listens on 127.0.0.1:{self.ports['user_code']}")
        self.services["webserver"].start()
        self.ui = DagsterUI(self.ports["webserver"])
        self.wait_for_webserver()
        r.proved(f"webserver answers GraphQL on {self.ui.url}; code location {self.ui.location} loaded from user_code")

    def wait_for_webserver(self) -> None:
        def loaded():
            try:
                return self.ui.loaded_repository()
            except OSError:
                return None
            except Exception as exc:  # the webserver answers, and the location failed to load
                if "failed to load" in str(exc):
                    raise CheckFailed(str(exc)) from None
                return None

        wait_for("the webserver and the code location", loaded, 120, 1, self.alive)

    # ------------------------------------------------------------------ the proofs

    def runs(self) -> dict[str, Run]:
        runs = {run.run_id: run for run in self.ui.runs()}
        self.runs_seen.update(runs)
        return runs

    def run_of(self, job: str, tag: str | None = None, value: str | None = None, exclude=()) -> Run | None:
        for run in self.runs().values():
            if run.job == job and run.run_id not in exclude and (tag is None or run.tags.get(tag) == value):
                return run
        return None

    def wait_for_run(self, run_id: str, timeout: float, statuses=DONE) -> Run:
        run = wait_for(
            f"run {run_id[:8]} to reach {'/'.join(sorted(statuses))}",
            lambda: (lambda rr: rr if rr and rr.status in statuses else None)(self.runs().get(run_id)),
            timeout,
            1,
            self.alive,
        )
        return run

    def run_failure_detail(self, run_id: str) -> list[tuple[str, str]]:
        data = self.ui.query(
            """query($runId: ID!) { logsForRun(runId: $runId, limit: 5000) { __typename ... on EventConnection {
                 events { __typename ... on ExecutionStepFailureEvent { stepKey error { message } }
                          ... on RunFailureEvent { message } } } } }""",
            {"runId": run_id},
        )["logsForRun"]
        return [
            (e["stepKey"], (e.get("error") or {}).get("message", ""))
            for e in data.get("events", [])
            if e["__typename"] == "ExecutionStepFailureEvent"
        ]

    def require_success(self, run: Run, what: str) -> None:
        if run.status != "SUCCESS":
            detail = "; ".join(
                f"{step}: {message.strip().splitlines()[0] if message.strip() else ''}"
                for step, message in self.run_failure_detail(run.run_id)
            )
            raise CheckFailed(f"{what} ended {run.status}: {detail or 'see the logs'}")

    def dagster_db(self):
        return self.server.connect(
            self.dotenv["DAGSTER_PG_DB"], self.dotenv["FUNNEL_LOADER_USER"], self.dotenv["FUNNEL_LOADER_PASSWORD"]
        )

    def warehouse_db(self, user: str | None = None, password: str | None = None, database: str | None = None):
        return self.server.connect(
            database or self.dotenv["FUNNEL_WAREHOUSE_DB"],
            user or self.dotenv["FUNNEL_LOADER_USER"],
            password or self.dotenv["FUNNEL_LOADER_PASSWORD"],
        )

    def run_event_types(self, run_id: str) -> list[str]:
        with self.dagster_db() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT dagster_event_type FROM event_logs "
                "WHERE run_id = %s AND dagster_event_type IS NOT NULL ORDER BY id",
                (run_id,),
            )
            types = [t for (t,) in cur.fetchall()]
        conn.close()
        return types

    def succeeded_steps(self, run_id: str) -> set[str]:
        with self.dagster_db() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT step_key FROM event_logs WHERE run_id = %s AND dagster_event_type = 'STEP_SUCCESS'", (run_id,)
            )
            steps = {s for (s,) in cur.fetchall()}
        conn.close()
        return steps

    def check_asset_graph(self) -> None:
        r = self.report
        r.step("The webserver shows the code server's definitions")
        from funnel_assets.catalogue import TABLES

        nodes = self.ui.asset_nodes()
        keys = {"/".join(node["assetKey"]["path"]) for node in nodes}
        missing = {table.name for table in TABLES} - keys
        require(not missing, f"the asset graph lacks {sorted(missing)}")
        edges = sum(len(node["dependencyKeys"]) for node in nodes)
        groups = sorted({node["groupName"] for node in nodes})
        r.proved(
            f"asset graph: {len(nodes)} assets, {edges} dependencies, groups {', '.join(groups)}; "
            "every catalogued table is an asset"
        )
        contents = self.ui.repository_contents()
        jobs = {job["name"] for job in contents["jobs"]}
        require({"part1_marketing", "part2_sales", "daily_refresh", "zoom_ingest"} <= jobs, f"jobs: {sorted(jobs)}")
        schedule = next(s for s in contents["schedules"] if s["name"] == SCHEDULE)
        require(
            schedule["cronSchedule"] == self.dotenv["FUNNEL_DAILY_REFRESH_CRON"],
            f"the schedule's cron is {schedule['cronSchedule']}",
        )
        sensors = {s["name"] for s in contents["sensors"]}
        require({ZOOM_SENSOR, FAILURE_SENSOR} <= sensors, f"sensors: {sorted(sensors)}")
        r.proved(
            f"jobs {', '.join(sorted(jobs))}; "
            f"{SCHEDULE} at `{schedule['cronSchedule']}` {schedule['executionTimezone']} "
            f"(FUNNEL_DAILY_REFRESH_CRON reached the code server); sensors {', '.join(sorted(sensors))}"
        )

    def check_zoom_sensor(self) -> None:
        r = self.report
        r.step("A Zoom report dropped into the folder: the sensor, through the daemon, the queue, event_participants")
        # the sensor's run comes first: the schedule (on by default) is stopped as a person would in the UI,
        # and started again once the sensor has asked for its run (else daily_refresh would load the files first)
        require(self.ui.stop_schedule(SCHEDULE) == "STOPPED", "the schedule did not stop")
        r.note(f"{SCHEDULE} stopped for now (UI mutation stopRunningSchedule), so that the sensor's run comes first")
        old = time.time() - 3600
        for name in ZOOM_REPORTS:
            target = self.drop_dir / name
            shutil.copyfile(ROOT / "sample_data" / "zoom" / name, target)
            os.utime(target, (old, old))
        r.proved(f"dropped {', '.join(ZOOM_REPORTS)} into {self.drop_dir}")
        self.services["daemon"].start()
        r.note("dagster-daemon started; the sensor looks every 60 s and wants two looks at an unchanged file")
        run = wait_for(
            f"{ZOOM_SENSOR} to start zoom_ingest",
            lambda: self.run_of("zoom_ingest", "dagster/sensor_name", ZOOM_SENSOR),
            150,
            2,
            self.alive,
        )
        ticks = sorted(self.ui.sensor(ZOOM_SENSOR)["sensorState"]["ticks"], key=lambda tick: tick["timestamp"])
        looks = "; ".join(
            f"+{tick['timestamp'] - ticks[0]['timestamp']:.0f} s {tick['status'].lower()}"
            + (f" ({tick['skipReason'].split(' in /')[0]})" if tick["skipReason"] else "")
            + (f" run {tick['runIds'][0][:8]}" if tick["runIds"] else "")
            for tick in ticks
        )
        r.proved(f"{ZOOM_SENSOR} requested run {run.run_id[:8]} of zoom_ingest (ticks: {looks})")
        require(self.ui.start_schedule(SCHEDULE) == "RUNNING", "the schedule did not start")
        r.note(f"{SCHEDULE} started again (UI mutation startSchedule): it fires at the next minute")
        run = self.wait_for_run(run.run_id, 120)
        self.require_success(run, "zoom_ingest")
        events = self.run_event_types(run.run_id)
        require(
            events.index("PIPELINE_ENQUEUED") < events.index("PIPELINE_STARTING")
            if "PIPELINE_ENQUEUED" in events
            else False,
            f"the run did not go through the queue: {sorted(set(events))}",
        )
        r.proved("zoom_ingest was enqueued, then launched by the daemon's run queue into user_code, and succeeded")
        with self.warehouse_db() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM funnel.event_participants WHERE source_file LIKE %s", ("%82612693542%",))
            rows = cur.fetchone()[0]
            cur.execute("SELECT file_name, status FROM funnel.ingested_files")
            ingested = dict(cur.fetchall())
        conn.close()
        require(rows > 0, "event_participants has no row from the dropped reports")
        for name in ZOOM_REPORTS:
            require(ingested.get(name) == "loaded", f"ingested_files says {name}: {ingested.get(name)}")
        processed = sorted(p.name for p in (self.drop_dir / "processed").iterdir())
        require(
            len(processed) == len(ZOOM_REPORTS) and not list(self.drop_dir.glob("*.csv")), f"drop folder: {processed}"
        )
        r.proved(
            f"{rows} rows in {self.dotenv['FUNNEL_WAREHOUSE_DB']}.funnel.event_participants from the reports; "
            "ingested_files says loaded; the files moved to processed/"
        )
        self.zoom_run = run

    def check_schedule_and_queue(self) -> None:
        r = self.report
        r.step("The daily schedule, through the daemon; a second run waits in the queue")
        from funnel_assets.definitions import defs

        crm_steps = sorted(a.node_def.name for a in defs.assets if "crm" in a.required_resource_keys)
        daily = wait_for(
            f"{SCHEDULE} to start daily_refresh",
            lambda: self.run_of("daily_refresh", "dagster/schedule_name", SCHEDULE),
            130,
            1,
            self.alive,
        )
        r.proved(f"{SCHEDULE} started run {daily.run_id[:8]} of daily_refresh")
        # stopped once the daemon has finished that tick: the daemon writes the schedule's state back when a
        # tick ends, and a stop that lands in between is overwritten (Dagster's race, not the project's)
        wait_for(
            f"{SCHEDULE}'s tick to complete",
            lambda: any(
                daily.run_id in tick["runIds"] and tick["status"] == "SUCCESS"
                for tick in self.ui.schedule(SCHEDULE)["scheduleState"]["ticks"]
            ),
            30,
            0.5,
            self.alive,
        )
        require(self.ui.stop_schedule(SCHEDULE) == "STOPPED", "the schedule did not stop")
        r.note(
            f"{SCHEDULE} stopped once its tick completed (one tick is enough; its state is checked after the restart)"
        )
        daily = self.wait_for_run(daily.run_id, 60, {"STARTED", *DONE})
        require(daily.status == "STARTED", f"daily_refresh is {daily.status} already")
        second = self.ui.launch_run("part2_sales")
        snapshot = self.runs()
        require(snapshot[second.run_id].status == "QUEUED", f"part2_sales is {snapshot[second.run_id].status}")
        require(snapshot[daily.run_id].status == "STARTED", f"daily_refresh is {snapshot[daily.run_id].status}")
        r.proved(
            "part2_sales launched (UI mutation launchRun) while daily_refresh is STARTED: "
            f"it is QUEUED ({second.run_id[:8]})"
        )
        wait_for(
            f"daily_refresh's CRM steps ({', '.join(crm_steps)})",
            lambda: set(crm_steps) <= self.succeeded_steps(daily.run_id),
            120,
            1,
            self.alive,
        )
        queued = self.runs()[second.run_id].status
        require(queued == "QUEUED", f"part2_sales is {queued} while daily_refresh runs")
        # from now on the CRM refuses the token: daily_refresh has its dumps, part2_sales has not started
        self.stand_ins.refuse_crm()
        r.proved("daily_refresh has the CRM dumps and part2_sales is still QUEUED: the CRM now refuses the token")
        daily = self.wait_for_run(daily.run_id, 180)
        self.require_success(daily, "daily_refresh")
        r.proved(f"daily_refresh succeeded ({daily.end - daily.start:.0f} s in its run process)")
        self.daily_run, self.second_run = daily, second

    def check_bi_role(self) -> None:
        r = self.report
        r.step(f"The BI role `{BI_ROLE}`: reads the output tables, nothing else")
        from funnel_assets.catalogue import TABLES

        bi = self.warehouse_db(BI_ROLE, self.dotenv["FUNNEL_BI_PASSWORD"])
        bi.autocommit = True
        counts = {}
        with bi.cursor() as cur:
            for table in TABLES:
                cur.execute(f'SELECT count(*) FROM funnel."{table.name}"')
                counts[table.name] = cur.fetchone()[0]
        require(counts["funnel_people"] > 0 and counts["funnel_stages_monthly"] > 0, f"empty tables: {counts}")
        r.proved(f"all {len(TABLES)} output tables readable in schema funnel ({sum(counts.values())} rows)")
        refused = {
            "insert": "INSERT INTO funnel.funnel_people (phone) VALUES ('9000000000')",
            "update": "UPDATE funnel.sales SET net_amount = 0",
            "delete": "DELETE FROM funnel.marketing_leads",
            "truncate": "TRUNCATE funnel.marketing_spend",
            "drop a table": "DROP TABLE funnel.funnel_people",
            "alter a table": "ALTER TABLE funnel.funnel_people ADD COLUMN x int",
            "create a table in funnel": "CREATE TABLE funnel.mine (a int)",
            "create a table in public": "CREATE TABLE public.mine (a int)",
            "create a temporary table": "CREATE TEMP TABLE mine (a int)",
            "create a schema": "CREATE SCHEMA mine",
        }
        for what, statement in refused.items():
            with bi.cursor() as cur:
                try:
                    cur.execute(statement)
                except psycopg2.errors.InsufficientPrivilege:
                    continue
                raise CheckFailed(f"{BI_ROLE} may {what}: {statement}")
        r.proved(f"refused: {', '.join(refused)}")
        with bi.cursor() as cur:
            cur.execute("SHOW statement_timeout")
            timeout = cur.fetchone()[0]
        require(timeout == "2min", f"statement_timeout is {timeout}")
        r.proved("a BI session's statement_timeout is 2min (set on the role by the init script)")
        for query in readme_bi_queries():
            with bi.cursor() as cur:
                cur.execute(query)
                rows = cur.fetchall()
                columns = [c.name for c in cur.description]
            table = re.search(r"FROM\s+(funnel\.\w+)", query, re.I)
            require(rows or "funnel_stages_monthly" not in query, "the README's funnel chart query returned no rows")
            r.proved(
                f"the README's query on {table.group(1) if table else '?'} ran as {BI_ROLE}: "
                f"{len(rows)} rows of ({', '.join(columns)})"
            )
        bi.close()
        for database in (self.dotenv["DAGSTER_PG_DB"], *SERVER_DATABASES):
            try:
                self.warehouse_db(BI_ROLE, self.dotenv["FUNNEL_BI_PASSWORD"], database).close()
            except psycopg2.OperationalError as exc:
                require("permission denied" in str(exc), f"connecting to {database}: {exc}")
                continue
            raise CheckFailed(f"{BI_ROLE} connects to database {database}")
        r.proved(
            f"connecting to Dagster's database ({self.dotenv['DAGSTER_PG_DB']}) and to `postgres` and `template1`: "
            "permission denied"
        )

    def check_failure_alert(self) -> None:
        r = self.report
        r.step("The CRM refuses the token: the queued run fails and the alert reaches the webhook")
        failed = self.wait_for_run(self.second_run.run_id, 180)
        require(failed.status == "FAILURE", f"part2_sales ended {failed.status}, expected FAILURE")
        require(failed.start >= self.daily_run.end, "part2_sales started before daily_refresh ended")
        steps = self.run_failure_detail(failed.run_id)
        require(steps, "no failed step recorded")
        r.proved(f"part2_sales left the queue after daily_refresh ended and failed in {', '.join(s for s, _ in steps)}")
        refused = [p for p, status in self.stand_ins.crm_requests if status == 401]
        r.proved(f"the CRM answered 401 to {len(refused)} request(s); a refused token is not retried")
        alert = wait_for(
            "the run-failure alert at the webhook",
            lambda: next((t for t in self.stand_ins.alert_texts() if "part2_sales" in t and "failed" in t), None),
            90,
            1,
            self.alive,
        )
        r.proved(f"the webhook received: {alert}")
        for other in self.stand_ins.alert_texts():
            if other != alert:
                r.note(f"the webhook also received: {other[:300]}")
        for step, message in steps:
            first = next((line.strip() for line in message.splitlines() if line.strip()), "")
            # the alert gives the message in words, without Python's exception class in front
            first = re.sub(r"^[\w.]+(?:Error|Failure|Exception):\s*", "", first)
            require(step in alert, f"the alert does not name the failed step {step}")
            require(first[:300] in alert, f"the alert lacks {step}'s first error line: {first[:200]}")
        require("dagster._core" not in alert, "the alert shows Python's exception class instead of the message")
        link = f"{self.dotenv['FUNNEL_UI_URL']}/runs/{failed.run_id}"
        require(link in alert, f"the alert lacks the link {link}")
        r.proved("it names each failed step with its error's first line, and links to the run in the UI")
        for name, value in self.secrets.items():
            for text in self.stand_ins.alert_texts():
                require(value not in text, f"an alert carries {name}")
        with self.dagster_db() as conn, conn.cursor() as cur:
            for name, value in self.secrets.items():
                cur.execute("SELECT count(*) FROM event_logs WHERE event LIKE %s", (f"%{value}%",))
                require(cur.fetchone()[0] == 0, f"Dagster's event log carries {name}")
                cur.execute("SELECT count(*) FROM runs WHERE run_body LIKE %s", (f"%{value}%",))
                require(cur.fetchone()[0] == 0, f"Dagster's run records carry {name}")
        conn.close()
        r.proved(
            f"no secret ({', '.join(self.secrets)}) in any alert ({len(self.stand_ins.alert_texts())} received) "
            "nor in Dagster's event log and run records"
        )
        retries = [run for run in self.runs().values() if run.tags.get("dagster/parent_run_id") == failed.run_id]
        require(not retries, "a failed step was retried as a whole run (retry_on_asset_or_op_failure is false)")
        r.proved("the failed run was not retried as a whole (run_retries: retry_on_asset_or_op_failure false)")

    def check_one_at_a_time(self) -> None:
        r = self.report
        runs = sorted((run for run in self.runs().values() if run.start), key=lambda run: run.start)
        for earlier, later in zip(runs, runs[1:], strict=False):
            require(
                earlier.end and later.start >= earlier.end,
                f"{earlier.job} ({earlier.run_id[:8]}) and {later.job} ({later.run_id[:8]}) ran at the same time",
            )
        timeline = "; ".join(
            f"{run.job} {run.status.lower()} {run.start - runs[0].start:.0f}-{run.end - runs[0].start:.0f} s"
            for run in runs
        )
        r.proved(f"one run at a time throughout: {timeline}")

    def history_snapshot(self) -> dict:
        schedule = self.ui.schedule(SCHEDULE)["scheduleState"]
        sensor = self.ui.sensor(ZOOM_SENSOR)["sensorState"]
        return {
            "runs": {run_id: (run.job, run.status) for run_id, run in self.runs().items()},
            "schedule": schedule["status"],
            "schedule ticks": sorted((t["timestamp"], t["status"], tuple(t["runIds"])) for t in schedule["ticks"]),
            "sensor": sensor["status"],
            "sensor ticks with runs": sorted(
                (t["timestamp"], tuple(t["runIds"])) for t in sensor["ticks"] if t["runIds"]
            ),
        }

    def check_restart(self) -> None:
        r = self.report
        r.step("Restarting the daemon and the webserver keeps the history and the schedule's state")
        before = self.history_snapshot()
        require(before["schedule"] == "STOPPED" and before["schedule ticks"], f"schedule before: {before['schedule']}")
        for name in ("daemon", "webserver"):
            self.services[name].stop()
        require(port_is_free(self.ports["webserver"]), "the webserver's port is still taken")
        r.proved("daemon and webserver stopped (SIGTERM to their process groups); the UI's port is free")
        self.services["webserver"].start()
        self.services["daemon"].start()
        self.wait_for_webserver()
        r.proved("both started again with the same commands")
        after = self.history_snapshot()
        for key in before:
            if key == "schedule ticks":
                require(set(before[key]) <= set(after[key]), f"schedule ticks lost: {before[key]} -> {after[key]}")
            elif key == "sensor ticks with runs":
                require(set(before[key]) <= set(after[key]), "sensor ticks lost")
            else:
                require(before[key] == after[key], f"{key} differs after the restart: {before[key]} -> {after[key]}")
        with self.dagster_db() as conn, conn.cursor() as cur:
            cur.execute("SELECT run_id, pipeline_name, status FROM runs")
            stored = {run_id: (job, status) for run_id, job, status in cur.fetchall()}
        conn.close()
        require(stored == after["runs"], f"the UI's runs differ from PostgreSQL's: {after['runs']} vs {stored}")
        r.proved(
            f"the UI shows the same {len(after['runs'])} runs with the same statuses, as stored in "
            f"{self.dotenv['DAGSTER_PG_DB']}.runs: " + ", ".join(f"{j} {s}" for j, s in after["runs"].values())
        )
        r.proved(
            f"{SCHEDULE} is still STOPPED (the code's default is RUNNING), "
            f"its {len(after['schedule ticks'])} tick(s) kept; "
            f"{ZOOM_SENSOR} is {after['sensor']} with its run-starting tick kept"
        )
        nodes = self.ui.query(
            "{ assetNodes(loadMaterializations: true) { assetKey { path } assetMaterializations(limit: 1) { runId } } }"
        )["assetNodes"]
        materialized = {
            "/".join(n["assetKey"]["path"]): n["assetMaterializations"][0]["runId"]
            for n in nodes
            if n["assetMaterializations"]
        }
        require(
            materialized.get("event_participants") in after["runs"],
            "event_participants' last materialization is unknown",
        )
        r.proved(
            f"{len(materialized)} assets show their last materialization (event_participants: run "
            f"{materialized['event_participants'][:8]}), read from the event log in PostgreSQL"
        )

        def daemons_healthy():
            statuses = [d for d in self.ui.daemons() if d["required"]]
            return statuses if statuses and all(d["healthy"] for d in statuses) else None

        statuses = wait_for("the restarted daemon's heartbeats", daemons_healthy, 90, 2, self.alive)
        r.proved(f"daemon healthy after the restart: {', '.join(sorted(d['daemonType'] for d in statuses))}")

    # ------------------------------------------------------------------ the whole check, and tearing down

    def run(self) -> None:
        self.generate_env()
        self.start_stand_ins()
        self.prepare_database()
        self.prepare_services()
        self.start_code_and_webserver()
        self.check_asset_graph()
        self.check_zoom_sensor()
        self.check_schedule_and_queue()
        self.check_bi_role()
        self.check_failure_alert()
        self.check_one_at_a_time()
        self.check_restart()

    def cleanup(self) -> bool:
        """Everything stopped and dropped, whatever happened before; True when all of it is confirmed."""
        if self.cleaned:
            return True
        self.cleaned = True
        r, clean = self.report, True
        r.step("Tearing down")
        groups = []
        for name in reversed(START_ORDER):
            service = self.services.get(name)
            if service is None:
                continue
            with suppress(Exception):
                service.stop()
            groups += service.groups
        left = kill_leftovers(groups, self.tmp)
        if left:
            clean = False
            r.failed(f"processes were left running and have been killed: {left}")
        elif groups:
            r.proved(
                "every service stopped (SIGTERM, then SIGKILL after 15 s): "
                f"no process left of {len(groups)} process groups"
            )
        if self.stand_in_server:
            with suppress(Exception):
                self.stand_in_server.stop()
        taken = [f"{name} {port}" for name, port in self.ports.items() if not port_is_free(port)]
        if taken:
            clean = False
            r.failed(f"ports still taken: {taken}")
        elif self.ports:
            r.proved(f"ports released: {', '.join(f'{n} {p}' for n, p in self.ports.items())}")
        if self.admin is not None:
            try:
                for database in self.databases:
                    self.admin.drop_database(database)
                for role in self.roles:
                    self.admin.drop_role(role)
                left_db = self.admin.query("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (self.databases,))
                left_roles = self.admin.query("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (self.roles,))
                restored = self.admin.restore_public_connect(self.public_connect_before)
                if left_db or left_roles or not restored:
                    clean = False
                    r.failed(f"left in PostgreSQL: {left_db} {left_roles}; CONNECT for PUBLIC restored: {restored}")
                else:
                    r.proved(
                        f"dropped {', '.join(self.databases)} and roles {', '.join(self.roles)}; "
                        f"CONNECT for PUBLIC as before ({self.public_connect_before})"
                    )
            except Exception as exc:
                clean = False
                r.failed(f"dropping the check's databases and roles: {exc}")
            finally:
                self.admin.close()
        if self.keep:
            r.note(f"kept {self.tmp} (logs in {self.tmp / 'logs'})")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return clean


def readme_bi_queries() -> list[str]:
    """Each statement of the SQL in the README's "Connecting a BI tool" section: the queries people are given."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Connecting a BI tool", 1)[1].split("\n##", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    statements = [s.strip() for block in blocks for s in re.split(r";\s*(?:\n|$)", block)]
    queries = [
        s for s in statements if any(line.strip() and not line.strip().startswith("--") for line in s.splitlines())
    ]
    if not any("funnel_stages_monthly" in q for q in queries):
        raise CheckFailed("the README's 'Connecting a BI tool' section gives no ```sql query for the funnel chart")
    return queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, .env) afterwards")
    args = parser.parse_args(argv)
    check = ProductionCheck(keep=args.keep)
    atexit.register(check.cleanup)

    def stop(signum, frame):
        check.report.failed(f"interrupted by signal {signal.Signals(signum).name}")
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    started, ok = time.monotonic(), False
    print(f"Production check: docker-compose.yml's services as local processes (work folder {check.tmp})")
    try:
        check.run()
        ok = True
    except Exception as exc:
        check.report.failed(str(exc))
        for service in check.services.values():
            if service.log.exists():
                print(f"\n---- last lines of {service.name}'s output ({service.log})\n{service.tail(40)}")
    finally:
        clean = check.cleanup()
    elapsed = time.monotonic() - started
    if ok and clean:
        print(f"\nProduction check passed in {elapsed:.0f} s.")
        return 0
    print(f"\nProduction check FAILED after {elapsed:.0f} s.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
