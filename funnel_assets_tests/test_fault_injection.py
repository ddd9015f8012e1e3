"""Faults injected where production meets them; after each, the warehouse holds the previous good
table or the new complete one, never a mix, and a re-run converges to an undisturbed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import polars as pl
import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources.csv_reading import read_csv_text
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.warehouse import Warehouse
from tools.samples.generate import assigned_leads_frame, people_pool, sales_frame


def frame(rows: int, tag: str) -> pd.DataFrame:
    return pd.DataFrame({"n": np.arange(rows), "tag": tag})


def test_postgres_terminating_the_loader_mid_write_keeps_the_previous_table(
    postgres_warehouse: Warehouse, postgres_url
):
    postgres_warehouse.write_table("assignments", frame(10, "yesterday"))

    def batches():
        yield frame(200_000, "today")
        # the loader prepares one batch ahead: by the third, the first has been sent with COPY
        yield frame(200_000, "today")
        # another session kills the loader's connection between two COPY batches
        admin = psycopg2.connect(postgres_url)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND query LIKE %s",
                ("%COPY%_stage_assignments_%",),
            )
            assert cur.rowcount == 1
        admin.close()
        yield frame(200_000, "today")

    with pytest.raises(psycopg2.OperationalError):
        postgres_warehouse.write_table("assignments", batches())
    kept = postgres_warehouse.read_table("assignments")
    assert len(kept) == 10 and set(kept["tag"]) == {"yesterday"}

    postgres_warehouse.write_table("assignments", frame(600_000, "today"))  # the re-run
    assert postgres_warehouse.row_count("assignments") == 600_000


def test_two_writers_at_once_leave_one_complete_table(warehouse: Warehouse):
    warehouse.write_table("sales", frame(5, "yesterday"))
    errors: list[BaseException] = []

    def write(tag: str) -> None:
        try:
            warehouse.write_table("sales", frame(20_000, tag))
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(tag,)) for tag in ("run-a", "run-b")]
    for thread in threads:
        thread.start()
    seen = set()
    while any(t.is_alive() for t in threads):
        table = warehouse.read_table("sales")
        seen.add((len(table), frozenset(table["tag"])))
        time.sleep(0.02)
    for thread in threads:
        thread.join()
    assert not errors
    final = warehouse.read_table("sales")
    assert len(final) == 20_000 and final["tag"].nunique() == 1
    assert seen <= {(5, frozenset({"yesterday"})), (20_000, frozenset({"run-a"})), (20_000, frozenset({"run-b"}))}


def write_crm_dumps(folder, assigned: int, sales: int) -> dict[str, str]:
    rng = np.random.default_rng(3)
    people = people_pool(rng, 20_000)
    (folder / "crm").mkdir(parents=True)
    assigned_leads_frame(rng, people, assigned, pd.Timestamp("2025-11-20").date()).to_csv(
        folder / "crm" / "assigned.csv", index=False
    )
    sales_frame(rng, people, sales, pd.Timestamp("2025-11-20").date()).to_csv(folder / "crm" / "sales.csv", index=False)
    return {
        "CRM_ASSIGNED_LEADS_URL": str(folder / "crm" / "assigned.csv"),
        "CRM_SALES_URL": str(folder / "crm" / "sales.csv"),
    }


def part2_process(tmp_path, env: dict[str, str], name: str) -> subprocess.Popen:
    (tmp_path / name).mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "dagster", "job", "execute", "-m", "funnel_assets.definitions", "-j", "part2_sales"],
        cwd=tmp_path / name,  # not the project root, whose .env (if any) the dagster command would read over `env`
        env={
            **os.environ,
            **env,
            "DAGSTER_HOME": str(tmp_path / name),
            "FUNNEL_DATA_DIR": str(tmp_path / name / "data"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_run_killed_midway_leaves_whole_tables_and_a_rerun_converges(tmp_path):
    env = write_crm_dumps(tmp_path, assigned=150_000, sales=15_000)
    warehouse_file = tmp_path / "warehouse.sqlite"
    env["FUNNEL_WAREHOUSE_URL"] = f"sqlite:///{warehouse_file}"
    warehouse = Warehouse(url=env["FUNNEL_WAREHOUSE_URL"])

    process = part2_process(tmp_path, env, "killed")
    # mid-run: once the first dump has landed, while the dumps are read and written
    landing = tmp_path / "killed" / "data" / "landing"
    deadline = time.monotonic() + 120
    while not any(landing.rglob("*.csv")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed midway: nothing was tested"
    process.send_signal(signal.SIGKILL)
    process.wait()
    expected = {"crm_assigned_leads": 150_000, "sales": 15_000}
    for table, rows in expected.items():
        if warehouse.table_exists(table):
            assert warehouse.row_count(table) == rows, f"{table} is half-written"

    assert part2_process(tmp_path, env, "rerun").wait() == 0
    undisturbed = Warehouse(url=f"sqlite:///{tmp_path / 'undisturbed.sqlite'}")
    assert part2_process(tmp_path, {**env, "FUNNEL_WAREHOUSE_URL": undisturbed.url}, "undisturbed").wait() == 0
    for table in ("crm_assigned_leads", "assigned_leads_monthly", "sales", "sales_to_map"):
        pd.testing.assert_frame_equal(warehouse.read_table(table), undisturbed.read_table(table))


def test_a_mapping_saved_by_a_spreadsheet_program_still_maps(tmp_path):
    (tmp_path / "funnel_mapping.csv").write_bytes(
        (
            "\ufeffSource;Funnel;Deprecated\r\nACCA_Webinar_Meta;ACCA Webinar;\r\n;;\r\n"
            " ACCA_FinProClub ;ACCA Webinar;yes\r\n"
        ).encode("utf-8")
    )
    mapping = Mappings(directory=str(tmp_path)).funnel_mapping()
    assert mapping[["source", "funnel", "deprecated"]].values.tolist() == [
        ["ACCA_Webinar_Meta", "ACCA Webinar", False],
        ["ACCA_FinProClub", "ACCA Webinar", True],
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.binary(max_size=3000)
    | st.text(alphabet=st.sampled_from(list('a,;\t"\r\n\x00é₹ 1')), max_size=400).map(str.encode)
)
def test_the_csv_reader_returns_a_table_or_says_what_is_wrong(tmp_path, content):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    try:
        table = read_csv_text(path, label="lead sheet")
    except SourceError as error:
        assert "lead sheet" in str(error)
    else:
        assert all(table.frame[c].dtype == pl.String and table.frame[c].null_count() == 0 for c in table.frame.columns)
