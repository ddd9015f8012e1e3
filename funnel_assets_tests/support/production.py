"""The production databases on the real PostgreSQL server (a pytest plugin: `production_databases`)."""

from __future__ import annotations

import uuid

import pytest

from funnel_assets.settings import PROJECT_ROOT
from tools.production.database import BI_ROLE, Admin, Server, apply_init_scripts

INIT_SCRIPTS = PROJECT_ROOT / "deploy" / "postgres-init"


@pytest.fixture
def production_databases(postgres_url, tmp_path):
    """The init script applied to the real server as the postgres image applies it, with names of this
    test's own; the production check's lock held meanwhile, since both create the shared role funnel_bi."""
    suffix = uuid.uuid4().hex[:8]
    names = {
        "FUNNEL_LOADER_USER": f"loader_{suffix}",
        # a password as people choose them: @, : and / would split a URL pasted together
        "FUNNEL_LOADER_PASSWORD": "l0ad@er:pw/1",
        "FUNNEL_BI_PASSWORD": "bi-pw",
        "FUNNEL_WAREHOUSE_DB": f"warehouse_{suffix}",
        "DAGSTER_PG_DB": f"dagster_{suffix}",
    }
    server = Server.from_url(postgres_url)
    admin = Admin(server)
    admin.lock(timeout_seconds=600, say=print)
    public_connect = admin.public_may_connect()
    try:
        apply_init_scripts(server, INIT_SCRIPTS, names, tmp_path / "init.log")
        yield names, server
    finally:
        for database in (names["FUNNEL_WAREHOUSE_DB"], names["DAGSTER_PG_DB"]):
            admin.drop_database(database)
        admin.drop_role(names["FUNNEL_LOADER_USER"])
        admin.drop_role(BI_ROLE)
        admin.restore_public_connect(public_connect)  # the test server's defaults again
        admin.close()
