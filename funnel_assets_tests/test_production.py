"""Production, tested as far as this machine allows (no Docker engine): the compose file's references,
the production dagster.yaml and the database init script against the real PostgreSQL, and alerts
against a webhook served on 127.0.0.1."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg2
import pytest
import yaml

from funnel_assets import catalogue
from funnel_assets.defs.ops.alerts import run_failure_alert, send_alert
from funnel_assets.io.crm import CrmApi
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.warehouse import Warehouse, WarehouseIOManager
from funnel_assets.io.warehouse.io_manager import UNDECLARED_MEANING, empty_table
from funnel_assets.settings import Settings
from funnel_assets_tests.support.assets import CRM_ASSIGNMENTS
from funnel_assets_tests.support.cli import dagster_cli
from funnel_assets_tests.support.http_server import Scripted, ScriptedServer
from funnel_assets_tests.support.resources import landing_dir
from tools.production.database import BI_ROLE, Server
from tools.production.deployment import compose_variables

ROOT = Path(__file__).resolve().parent.parent


def test_each_container_gets_only_what_it_needs_and_never_the_superuser_password():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        assert "env_file" not in service, f"{name} would get every variable of .env"
        if name == "postgres":
            continue
        environment = service.get("environment", {})
        assert "POSTGRES_PASSWORD" not in environment and "POSTGRES_PASSWORD" not in str(environment), name
        for value in map(str, environment.values()):
            assert "://" not in value, f"{name} pastes a URL together: a password with @ would break it"
    assert "CRM_API_TOKEN" not in compose["services"]["webserver"]["environment"]
    assert "CRM_API_TOKEN" in compose["services"]["user_code"]["environment"]
    mounts = compose["services"]["user_code"]["volumes"]
    assert any(m.startswith("./secrets:") and m.endswith(":ro") for m in mounts), "the key is mounted read-only"
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".env", "data/", "secrets/"} <= set(ignored), "the build context never carries secrets or data"


def test_compose_file_parses_and_everything_it_names_exists():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "user_code", "webserver", "daemon"} <= set(services)
    build = services["user_code"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    for name, service in services.items():
        for volume in service.get("volumes", []):
            host = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", volume.split(":")[0])
            if host.startswith("."):
                # data/ is created on first start; everything else ships with the project
                assert host.startswith("./data") or (ROOT / host).exists(), (
                    f"{name} mounts {host}, which does not exist"
                )
        for published in service.get("ports", []):
            assert published.startswith("127.0.0.1:"), f"{name} publishes {published} beyond this machine"
    example = (ROOT / ".env.example").read_text()
    for variable in compose_variables():
        assert variable in example, f"{variable} is used by docker-compose.yml but not explained in .env.example"
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()


def connect(server: Server, names: dict, database_key: str, user: str):
    return server.connect(dbname=names[database_key], user=user)


def test_the_bi_role_reads_the_output_tables_and_nothing_else(production_databases):
    names, server = production_databases
    loader = names["FUNNEL_LOADER_USER"]
    warehouse = Warehouse(url=f"postgresql://{loader}@{server.host}:{server.port}/{names['FUNNEL_WAREHOUSE_DB']}")
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000001"]}))
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000002"]}))  # swapped in anew
    warehouse.engine().dispose()

    bi = connect(server, names, "FUNNEL_WAREHOUSE_DB", "funnel_bi")
    with bi.cursor() as cur:
        cur.execute("SELECT phone FROM funnel.funnel_people")
        assert cur.fetchall() == [("9000000002",)]
    for statement in (
        "INSERT INTO funnel.funnel_people VALUES ('9000000003')",
        "DROP TABLE funnel.funnel_people",
        "CREATE TABLE funnel.mine (a int)",
        "CREATE TABLE public.mine (a int)",
    ):
        with bi.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(statement)
        bi.rollback()
    bi.close()
    with pytest.raises(psycopg2.OperationalError, match="permission denied"):
        connect(server, names, "DAGSTER_PG_DB", "funnel_bi")
    # nor the server's own databases, which every role may connect to by PostgreSQL's default
    for database in ("postgres", "template1"):
        with pytest.raises(psycopg2.OperationalError, match="permission denied"):
            server.connect(dbname=database, user="funnel_bi")


def test_the_bi_role_sees_every_catalogue_meaning_as_a_comment_and_money_as_numeric(production_databases):
    """Every table of the catalogue written through the IO manager as the loader, then read back as `funnel_bi`
    would in Superset or Metabase: the table's description and grain, each column's meaning, money's SQL type."""
    names, server = production_databases
    loader = names["FUNNEL_LOADER_USER"]
    url = f"postgresql://{loader}@{server.host}:{server.port}/{names['FUNNEL_WAREHOUSE_DB']}"
    io_manager = WarehouseIOManager(url=url, schema_name="funnel")
    extra = "parent_mobile"  # an open table carries its source's other columns too
    for table in catalogue.TABLES:
        frame = empty_table(table.name)
        if table.open_columns:
            frame[extra] = pd.Series(dtype=object)
        io_manager.handle_output(dg.build_output_context(asset_key=dg.AssetKey(table.name)), frame)
    io_manager.warehouse.dispose()

    bi = connect(server, names, "FUNNEL_WAREHOUSE_DB", BI_ROLE)
    with bi.cursor() as cur:
        cur.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class'), a.attname, col_description(c.oid, a.attnum), "
            "format_type(a.atttypid, a.atttypmod) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname = 'funnel' AND c.relkind = 'r'"
        )
        seen = {(table, column): (described, comment, sql_type) for table, described, column, comment, sql_type in cur}
    bi.close()
    # money is exact, rates and shares are double (the other types follow the frame's dtypes)
    sql_types = {catalogue.MONEY: "numeric(14,2)", catalogue.FLOAT: "double precision"}
    for table in catalogue.TABLES:
        for column in table.columns:
            table_comment, comment, sql_type = seen[(table.name, column.name)]
            assert table_comment == f"{table.description} Grain: {table.grain}."
            assert comment == column.meaning, f"{table.name}.{column.name}"
            assert sql_type == sql_types.get(column.type, sql_type), f"{table.name}.{column.name}"
        if table.open_columns:
            assert seen[(table.name, extra)][1] == UNDECLARED_MEANING
    assert {t for t, _ in seen} == {t.name for t in catalogue.TABLES}, "no staging table is left behind"


def test_the_production_dagster_yaml_keeps_run_history_in_postgresql(production_databases, tmp_path):
    names, server = production_databases
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    # the variables docker-compose.yml gives the code server: every URL built from its parts
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": server.host,
        "DAGSTER_PG_USER": names["FUNNEL_LOADER_USER"],
        "DAGSTER_PG_PASSWORD": names["FUNNEL_LOADER_PASSWORD"],
        "DAGSTER_PG_DB": names["DAGSTER_PG_DB"],
        "FUNNEL_WAREHOUSE_HOST": server.host,
        "FUNNEL_WAREHOUSE_PORT": str(server.port),
        "FUNNEL_WAREHOUSE_USER": names["FUNNEL_LOADER_USER"],
        "FUNNEL_WAREHOUSE_PASSWORD": names["FUNNEL_LOADER_PASSWORD"],
        "FUNNEL_WAREHOUSE_DB": names["FUNNEL_WAREHOUSE_DB"],
        "FUNNEL_DATA_DIR": str(tmp_path / "data"),
    }
    dagster_cli("job", "execute", "-m", "funnel_assets.definitions", "-j", "part2_sales", env=env, cwd=tmp_path)
    history = connect(server, names, "DAGSTER_PG_DB", names["FUNNEL_LOADER_USER"])
    with history.cursor() as cur:
        cur.execute("SELECT pipeline_name, status FROM runs")
        assert cur.fetchall() == [("part2_sales", "SUCCESS")]
        cur.execute("SELECT COUNT(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'")
        assert cur.fetchone()[0] >= 3
    history.close()


def test_a_failed_run_alerts_the_webhook_with_its_first_line_and_no_secret(tmp_path, http_server, monkeypatch, caplog):
    token = "crm-token-never-in-alerts"
    http_server.add("/hooks/abc-secret-path", Scripted(status=500), Scripted(status=200, body=b"ok"))
    http_server.add("/crm", Scripted(status=401))
    webhook = http_server.url("/hooks/abc-secret-path")
    monkeypatch.setenv("FUNNEL_ALERT_WEBHOOK_URL", webhook)
    monkeypatch.setenv("FUNNEL_UI_URL", "https://funnel.example.in")
    monkeypatch.setenv("CRM_API_TOKEN", token)
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "funnel_mapping.csv").write_text("source,funnel\n")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        CRM_ASSIGNMENTS,
        resources={
            "crm": CrmApi(
                assigned_leads_url=http_server.url("/crm"), sales_url=http_server.url("/crm"), landing_dir=landing_dir()
            ),
            "mappings": Mappings(directory=str(tmp_path / "mappings")),
            "io_manager": WarehouseIOManager(url=f"sqlite:///{tmp_path / 'w.sqlite'}"),
        },
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    run_failure_alert(Settings.from_env().ui_url)(context)

    posts = http_server.requests("/hooks/abc-secret-path")
    assert len(posts) == 2, "a webhook hiccup is retried"
    text = posts[-1].body.decode()
    assert (
        "crm_assigned_leads" in text
        and "HTTP 401" in text
        and f"https://funnel.example.in/runs/{result.run_id}" in text
    )
    assert "dagster._core" not in text and "Failure:" not in text, "the message in words, not Python's class name"
    assert token not in text
    assert "abc-secret-path" not in caplog.text


def test_without_a_webhook_the_alert_is_logged(monkeypatch, caplog):
    monkeypatch.delenv("FUNNEL_ALERT_WEBHOOK_URL", raising=False)
    assert send_alert("Funnel run failed: daily_refresh", logging.getLogger("test")) is False
    assert "ALERT: Funnel run failed" in caplog.text


def test_a_webhook_that_refuses_the_alert_is_not_tried_again_and_its_address_stays_out_of_the_log(
    http_server, monkeypatch, caplog
):
    http_server.add("/hooks/gone-secret-path", Scripted(status=404))
    monkeypatch.setenv("FUNNEL_ALERT_WEBHOOK_URL", http_server.url("/hooks/gone-secret-path"))
    assert send_alert("Funnel run failed: daily_refresh", logging.getLogger("test")) is False
    assert len(http_server.requests("/hooks/gone-secret-path")) == 1, "a deleted webhook stays deleted"
    assert "did not accept the alert: HTTP 404" in caplog.text
    assert "gone-secret-path" not in caplog.text


def test_a_webhook_address_read_two_ways_or_a_redirecting_webhook_sends_the_alert_nowhere_else(
    http_server, monkeypatch, caplog
):
    """The alert's text goes only where the client's own parser says FUNNEL_ALERT_WEBHOOK_URL leads."""
    other = ScriptedServer().start()
    try:
        other.add("/grab", Scripted(status=200, body=b"ok"))
        http_server.add("/hooks/moved-secret-path", Scripted(status=302, headers={"Location": other.url("/grab")}))
        monkeypatch.setenv("FUNNEL_ALERT_WEBHOOK_URL", http_server.url("/hooks/moved-secret-path"))
        assert send_alert("Funnel run failed: daily_refresh", logging.getLogger("test")) is False
        assert "a redirect, which is not followed" in caplog.text and "moved-secret-path" not in caplog.text

        # urlsplit reads the host after the backslash; the client connects to the one before it
        two_ways = (
            other.url("/grab").removesuffix("/grab") + "\\@" + http_server.url("/hooks/x").removeprefix("http://")
        )
        monkeypatch.setenv("FUNNEL_ALERT_WEBHOOK_URL", two_ways)
        assert send_alert("Funnel run failed: daily_refresh", logging.getLogger("test")) is False
        assert "FUNNEL_ALERT_WEBHOOK_URL: the address has a backslash" in caplog.text
        landed_at = "/%5C@" + http_server.url("/hooks/x").removeprefix("http://")
        assert other.requests("/grab") == [] and other.requests(landed_at) == []
    finally:
        other.stop()
