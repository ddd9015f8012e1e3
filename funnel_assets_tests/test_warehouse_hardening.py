"""The warehouse against what the world does to it: formulas in the exports, a BI session that holds
a table, column names longer than PostgreSQL keeps."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pandas as pd
import psycopg2
import pytest
import sqlalchemy as sa

from funnel_assets.io.sheets_export import SheetsExport, tab_rows
from funnel_assets.io.warehouse import Warehouse, WarehouseError, normalise_url
from funnel_assets.io.warehouse.names import warehouse_column_names
from funnel_assets_tests.support.google_standin import ACCOUNT

HYPERLINK = '=HYPERLINK("http://evil.example","Click")'


# ---- A. no exported cell is a live formula ------------------------------------------------------


def leads_with_formulas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [HYPERLINK, "Asha", "+91 caller", None, "a=b"],
            "city": ["@SUM(1+1)", "-Pune", "\tTab", "\rReturn", ""],
            "cost": [-5.0, 2.5, None, 0.0, -0.5],
            "seats": pd.array([-3, 1, None, 2, 0], dtype="Int64"),
        }
    )


def test_csv_export_escapes_formulas_and_the_warehouse_keeps_them_verbatim(tmp_path, warehouse: Warehouse):
    exporting = Warehouse(url=warehouse.url, schema_name=warehouse.schema_name, export_dir=str(tmp_path / "exports"))
    frame = leads_with_formulas()
    exporting.write_table("leads", frame)

    exported = (tmp_path / "exports" / "leads.csv").read_bytes().decode()
    # text starting =, +, -, @, tab or carriage return gets an apostrophe; numbers stay numbers
    assert exported == (
        "name,city,cost,seats\n"
        '"\'=HYPERLINK(""http://evil.example"",""Click"")","\'@SUM(1+1)",-5,-3\n'
        '"Asha","\'-Pune",2.5,1\n'
        '"\'+91 caller","\'\tTab",,\n'
        ',"\'\rReturn",0,2\n'
        '"a=b",,-0.5,0\n'
    )
    # the warehouse itself (what BI tools and the next steps read) keeps every value as written
    back = exporting.read_table("leads")
    assert back["name"].tolist() == [HYPERLINK, "Asha", "+91 caller", None, "a=b"]
    assert back["city"].tolist() == ["@SUM(1+1)", "-Pune", "\tTab", "\rReturn", None]
    assert back["cost"].tolist()[:2] == [-5.0, 2.5] and back["seats"].tolist()[0] == -3


def test_sheet_export_sends_text_as_string_values_that_show_as_they_are(google_standin, tmp_path):
    """A string value is never evaluated by Sheets, so the CSV exports' apostrophe is not added: it would show."""
    key = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
    google_standin.add_spreadsheet(key, {"funnel_metrics_monthly": [["old"]]}, writers=(ACCOUNT,))
    export = SheetsExport(
        spreadsheet=key,
        google_service_account_file=google_standin.service_account_file(tmp_path),
        google_sheets_api_url=google_standin.sheets_api,
    )
    metrics = pd.DataFrame(
        {
            "month": [dt.date(2025, 10, 1), dt.date(2025, 11, 1)],
            "funnel": [HYPERLINK, "ACCA Webinar"],
            "city": ["@SUM(1+1)", None],
            "phone": ["+91 98765 43210", "-"],
            "leads": [3, -2],
            "spend": [29770.160000000003, 0.1 + 0.2],  # money: rounded to paise, as in the warehouse
            "roas": [-1.5, float("nan")],
        }
    )
    export.write({"funnel_metrics_monthly": metrics})
    assert google_standin.cells(key, "funnel_metrics_monthly") == [
        [{"stringValue": c} for c in ("month", "funnel", "city", "phone", "leads", "spend", "roas")],
        [
            {"stringValue": "2025-10-01"},
            {"stringValue": HYPERLINK},
            {"stringValue": "@SUM(1+1)"},
            {"stringValue": "+91 98765 43210"},
            {"numberValue": 3},
            {"numberValue": 29770.16},
            {"numberValue": -1.5},
        ],
        [
            {"stringValue": "2025-11-01"},
            {"stringValue": "ACCA Webinar"},
            {},
            {"stringValue": "-"},
            {"numberValue": -2},
            {"numberValue": 0.3},
        ],
    ]
    # what a person sees in the sheet: the values as the warehouse keeps them, no apostrophe, no formula
    shown = google_standin.values(key, "funnel_metrics_monthly")
    assert shown[1][:4] == ["2025-10-01", HYPERLINK, "@SUM(1+1)", "+91 98765 43210"]


def test_sheet_cells_are_the_values_themselves_where_the_csv_export_escapes_them(tmp_path, sqlite_warehouse):
    frame = pd.DataFrame({"note": ["-to call", "7", None, "\rx", "ok"], "delta": [-1, 2, 3, 4, 5]})
    assert tab_rows(frame)[1:] == [["-to call", -1], ["7", 2], [None, 3], ["\rx", 4], ["ok", 5]]
    assert tab_rows(pd.DataFrame({"=sum": ["a"]}))[0] == ["=sum"]
    exporting = Warehouse(url=sqlite_warehouse.url, export_dir=str(tmp_path / "exports"))
    exporting.write_table("notes", frame)
    assert (tmp_path / "exports" / "notes.csv").read_text().splitlines()[:2] == ["note,delta", '"\'-to call",-1']


# ---- B. a table swap does not wait without end behind a BI session ---------------------------------


def _hold_table(url: str, table: str, application_name: str, idle_limit: str = "10s"):
    """A BI-like session that reads the table inside a transaction and goes idle, keeping its lock.

    It ends itself after `idle_limit` idle, so a swap that waits for it cannot hang the test."""
    session = psycopg2.connect(url, application_name=application_name)
    with session.cursor() as cur:
        cur.execute("SET idle_in_transaction_session_timeout = %s", (idle_limit,))
        cur.execute(f"SELECT COUNT(*) FROM {table}")  # psycopg2 began a transaction: ACCESS SHARE held
    return session


@pytest.fixture
def blocked_schema(postgres_url):
    schema = f"test_{uuid.uuid4().hex[:12]}"
    yield schema
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.close()


@pytest.mark.timeout(60)
def test_a_swap_behind_an_idle_bi_transaction_gives_up_naming_the_session(postgres_url, blocked_schema):
    # a password in the URL (the test server trusts any) must not reach the message
    with_password = postgres_url.replace("postgres@", "postgres:not-a-real-secret@")
    warehouse = Warehouse(url=with_password, schema_name=blocked_schema, swap_lock_timeout_seconds=0.2, swap_attempts=2)
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000001"]}))
    bi = _hold_table(postgres_url, f"{blocked_schema}.funnel_people", "Metabase test")
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseError) as failure:
            warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000002"]}))
        waited = time.monotonic() - started
        message = str(failure.value)
        assert waited < 5, f"the swap waited {waited:.1f} s"
        assert "'Metabase test'" in message and "idle in transaction" in message and " since " in message
        assert "funnel_people" in message and "after 2 tries, each waiting 0.2 s" in message
        assert "not-a-real-secret" not in message
        # the BI session is not queued behind a waiting swap: it reads yesterday's table
        with bi.cursor() as cur:
            cur.execute(f"SELECT phone FROM {blocked_schema}.funnel_people")
            assert cur.fetchall() == [("9000000001",)]
    finally:
        bi.close()
    assert warehouse.read_table("funnel_people")["phone"].tolist() == ["9000000001"]
    with warehouse.engine().connect() as conn:
        tables = (
            conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (blocked_schema,)
            )
            .scalars()
            .all()
        )
    assert tables == ["funnel_people"], "no staging table left behind"
    warehouse.dispose()


@pytest.mark.timeout(60)
def test_a_bi_tool_named_as_docs_bi_md_says_is_named_and_one_without_a_name_is_told_how(postgres_url, blocked_schema):
    warehouse = Warehouse(url=postgres_url, schema_name=blocked_schema, swap_lock_timeout_seconds=0.2, swap_attempts=1)
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000001"]}))
    # Superset's SQLAlchemy URI with the application name docs/bi.md adds to it
    superset = sa.create_engine(normalise_url(f"{postgres_url}?application_name=Superset"))
    named = superset.connect()
    named.exec_driver_sql("SET idle_in_transaction_session_timeout = '10s'")
    named.exec_driver_sql(f"SELECT COUNT(*) FROM {blocked_schema}.funnel_people")  # its transaction stays open
    unnamed = _hold_table(postgres_url, f"{blocked_schema}.funnel_people", "")
    try:
        with pytest.raises(WarehouseError) as failure:
            warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000002"]}))
        message = str(failure.value)
        assert "'Superset' (role " in message
        assert "a session with no application name (docs/bi.md: how a BI tool sets one)" in message
    finally:
        named.close()
        superset.dispose()
        unnamed.close()
    warehouse.dispose()


@pytest.mark.timeout(60)
def test_a_swap_retries_until_a_short_bi_transaction_ends(postgres_url, blocked_schema):
    warehouse = Warehouse(url=postgres_url, schema_name=blocked_schema, swap_lock_timeout_seconds=0.2, swap_attempts=5)
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000001"]}))
    bi = _hold_table(postgres_url, f"{blocked_schema}.funnel_people", "Metabase test")
    ending = threading.Timer(0.5, bi.rollback)
    ending.start()
    try:
        assert warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000002"]})) == 1
    finally:
        ending.join()
        bi.close()
    assert warehouse.read_table("funnel_people")["phone"].tolist() == ["9000000002"]
    warehouse.dispose()


@pytest.mark.timeout(120)
def test_in_production_the_loader_names_the_bi_session_and_the_bi_role_is_time_limited(production_databases):
    names, server = production_databases
    loader = names["FUNNEL_LOADER_USER"]
    warehouse = Warehouse(
        url=f"postgresql://{loader}@{server.host}:{server.port}/{names['FUNNEL_WAREHOUSE_DB']}",
        swap_lock_timeout_seconds=0.2,
        swap_attempts=2,
    )
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000001"]}))
    bi = psycopg2.connect(
        host=server.host,
        port=server.port,
        user="funnel_bi",
        dbname=names["FUNNEL_WAREHOUSE_DB"],
        application_name="Metabase",
    )
    try:
        with bi.cursor() as cur:
            cur.execute(
                "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')"
            )
            statement_timeout, idle_timeout = cur.fetchone()
            assert statement_timeout not in ("0", "0ms") and idle_timeout not in ("0", "0ms")
            cur.execute("SELECT COUNT(*) FROM funnel.funnel_people")
        # the loader (not a superuser) sees another role's session well enough to name it
        with pytest.raises(
            WarehouseError, match=r"'Metabase' \(role funnel_bi, process \d+\), idle in transaction .* since "
        ):
            warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000002"]}))
    finally:
        bi.close()
        warehouse.dispose()


def _lock_exclusively(url: str, table: str, application_name: str):
    """A session that took the table for itself (LOCK TABLE ... ACCESS EXCLUSIVE) and went idle, ending
    itself after 10 s idle so that a count waiting for it without end cannot hang the test."""
    session = psycopg2.connect(url, application_name=application_name)
    with session.cursor() as cur:
        cur.execute("SET idle_in_transaction_session_timeout = '10s'")
        cur.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return session


@pytest.mark.timeout(60)
def test_the_guards_row_count_waits_for_an_exclusive_lock_only_as_long_as_a_swap_would(postgres_url, blocked_schema):
    """Before a load, the shrink guard counts the table's rows: behind a session holding it exclusively
    that count waited without limit (75 s seen); now it gives up as the swap does, naming the session."""
    warehouse = Warehouse(url=postgres_url, schema_name=blocked_schema, swap_lock_timeout_seconds=0.2, swap_attempts=2)
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000001", "9000000002"]}))
    holder = _lock_exclusively(postgres_url, f"{blocked_schema}.funnel_people", "Maintenance script")
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseError) as failure:
            warehouse.row_count("funnel_people")
        assert time.monotonic() - started < 5
        message = str(failure.value)
        assert (
            "could not be counted" in message and "'Maintenance script'" in message and "idle in transaction" in message
        )
    finally:
        holder.close()
    assert warehouse.row_count("funnel_people") == 2
    warehouse.dispose()


def _waiting_lock_on(url: str, table: str, timeout: float = 20) -> None:
    """Returns once some session waits for a lock on `table` (the swap, queued behind the BI session)."""
    watcher = psycopg2.connect(url)
    watcher.autocommit = True
    deadline = time.monotonic() + timeout
    try:
        with watcher.cursor() as cur:
            while time.monotonic() < deadline:
                cur.execute("SELECT 1 FROM pg_locks WHERE NOT granted AND relation = to_regclass(%s)", (table,))
                if cur.fetchone():
                    return
                time.sleep(0.02)
    finally:
        watcher.close()
    raise AssertionError(f"nothing waited for {table}")


@pytest.mark.timeout(60)
def test_a_swap_that_gives_up_names_only_the_session_that_blocked_it_not_a_query_queued_behind_it(
    postgres_url, blocked_schema
):
    """A dashboard query that arrived while the swap waited queued behind it, got the table once the swap
    gave up, and was running when the message was written: it was named as the blocker before."""
    warehouse = Warehouse(url=postgres_url, schema_name=blocked_schema, swap_lock_timeout_seconds=1.5, swap_attempts=1)
    table = f"{blocked_schema}.funnel_people"
    warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000001"]}))
    bi = _hold_table(postgres_url, table, "Metabase test")
    innocent = psycopg2.connect(postgres_url, application_name="Innocent dashboard")
    innocent.autocommit = True
    outcome: dict[str, BaseException] = {}

    def load() -> None:
        try:
            warehouse.write_table("funnel_people", pd.DataFrame({"phone": ["9000000002"]}))
        except BaseException as exc:
            outcome["error"] = exc

    def dashboard() -> None:
        with innocent.cursor() as cur:
            cur.execute(f"SELECT pg_sleep(4), COUNT(*) FROM {table}")

    loading = threading.Thread(target=load)
    querying = threading.Thread(target=dashboard)
    try:
        loading.start()
        _waiting_lock_on(postgres_url, table)
        querying.start()
        loading.join()
    finally:
        querying.join()
        innocent.close()
        bi.close()
        warehouse.dispose()
    message = str(outcome["error"])
    assert isinstance(outcome["error"], WarehouseError)
    assert "'Metabase test'" in message
    assert "Innocent dashboard" not in message


# ---- C. column names longer than PostgreSQL keeps ------------------------------------------------


def test_long_column_names_are_cut_to_63_bytes_and_kept_distinct(tmp_path, warehouse: Warehouse):
    shared = "utm_campaign_" + "x" * 57  # 70 characters in common
    first, second = shared + "a" * 10, shared + "b" * 10
    hindi = "q" + "प्रश्न_" * 12  # byte 63 falls inside a three-byte character, which is left out whole
    frame = pd.DataFrame({first: ["one"], second: ["two"], hindi: ["three"], "phone": ["9000000001"]})
    exporting = Warehouse(url=warehouse.url, schema_name=warehouse.schema_name, export_dir=str(tmp_path / "exports"))
    exporting.write_table("wide_sheet", frame)

    expected = [shared[:63], shared[:61] + "_2", "q" + "प्रश्न_" * 3 + "प", "phone"]
    assert len(expected[2].encode()) == 61  # the next character would end at byte 64
    back = exporting.read_table("wide_sheet")
    assert list(back.columns) == expected
    assert back.iloc[0].tolist() == ["one", "two", "three", "9000000001"]
    assert all(len(name.encode()) <= 63 for name in back.columns)
    assert (tmp_path / "exports" / "wide_sheet.csv").read_text().splitlines()[0] == ",".join(expected)


def test_fitted_column_names_never_take_a_name_the_frame_has():
    long = "c" * 80
    names = warehouse_column_names(["c" * 61 + "_2", long + "a", long + "b", "é" * 35 + "x", "é" * 35 + "y"])
    assert names == ["c" * 61 + "_2", "c" * 63, "c" * 61 + "_3", "é" * 31, "é" * 30 + "_2"]
    assert all(len(name.encode()) <= 63 for name in names)


@pytest.mark.timeout(60)
def test_the_guards_count_waits_behind_an_exclusive_lock_no_longer_than_a_swap(postgres_url, blocked_schema):
    warehouse = Warehouse(url=postgres_url, schema_name=blocked_schema, swap_lock_timeout_seconds=0.2)
    warehouse.write_table("crm_assigned_leads", pd.DataFrame({"phone": ["9000000001", None]}))
    holder = psycopg2.connect(postgres_url)
    try:
        with holder.cursor() as cur:
            cur.execute(f"LOCK TABLE {blocked_schema}.crm_assigned_leads IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(WarehouseError, match="crm_assigned_leads' could not be counted within 0.2 s"):
            warehouse.usable_counts("crm_assigned_leads", ["phone"])
        assert time.monotonic() - started < 5
    finally:
        holder.close()
    assert warehouse.usable_counts("crm_assigned_leads", ["phone"]) == (2, {"phone": 1})
    warehouse.dispose()
