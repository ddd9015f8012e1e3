"""Shared fixtures: a warehouse on SQLite and on the real PostgreSQL, and an isolated data folder.

PostgreSQL tests use FUNNEL_TEST_POSTGRES_URL (default: the CI server on 127.0.0.1:5432,
database `test`), each in a schema of its own that is dropped afterwards. When the server
cannot be reached they skip, saying so, except under CI=true, where they fail: CI must
never pass without having exercised PostgreSQL.

The fixtures of funnel_assets_tests/support (the scripted HTTP server, the Google stand-in, the
production databases) come in through `pytest_plugins`; a test imports helpers from support/,
never from another test module or from here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from funnel_assets.io.warehouse import Warehouse, normalise_url
from funnel_assets.settings import SECRETS

pytest_plugins = [
    "funnel_assets_tests.support.google_standin",
    "funnel_assets_tests.support.http_server",
    "funnel_assets_tests.support.production",
]

POSTGRES_URL = os.environ.get("FUNNEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_unreachable_reason() -> str | None:
    try:
        engine = sa.create_engine(normalise_url(POSTGRES_URL), connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        where = normalise_url(POSTGRES_URL).render_as_string(hide_password=True)
        return f"PostgreSQL at {where} is unreachable: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    reason = _postgres_unreachable_reason()
    if reason:
        if ON_CI:
            pytest.fail(f"{reason}. On CI the PostgreSQL tests must run (start it with pg_ctlcluster).")
        pytest.skip(f"{reason}; set FUNNEL_TEST_POSTGRES_URL or start PostgreSQL to run these tests.")
    return POSTGRES_URL


@pytest.fixture
def postgres_warehouse(postgres_url: str) -> Iterator[Warehouse]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    warehouse = Warehouse(url=postgres_url, schema_name=schema)
    yield warehouse
    with warehouse.engine().begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    warehouse.dispose()


@pytest.fixture
def sqlite_warehouse(tmp_path) -> Iterator[Warehouse]:
    warehouse = Warehouse(url=f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    yield warehouse
    warehouse.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request) -> Warehouse:
    """The same test on the embedded SQLite warehouse and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_warehouse")


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Landing files and the default warehouse go to a temporary folder, never the project's data/;
    no secret of the machine running the tests reaches them."""
    data = tmp_path / "data"
    monkeypatch.setenv("FUNNEL_DATA_DIR", str(data))
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    return data
