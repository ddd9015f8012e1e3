"""Golden outputs: every table `daily_refresh` writes, pinned as it is today, on the sample data and on a small
set of awkward inputs (support/edge_inputs.py), on SQLite and on PostgreSQL against the same files.

A rewrite of the rules (pandas to Polars, say) must leave these files unchanged. When a change of output is
intended, regenerate them and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest funnel_assets_tests/test_golden_outputs.py

Each table is written canonically: columns in catalogue order (a source's extra columns after them, by name),
values as text in one stable way, rows sorted by all columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import os
from collections import Counter
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from funnel_assets import catalogue
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets_tests.support.definitions import sample_definitions
from funnel_assets_tests.support.edge_inputs import write_edge_inputs

GOLDEN_DIR = Path(__file__).parent / "golden"
REGENERATE = "UPDATE_GOLDEN=1 .venv/bin/pytest funnel_assets_tests/test_golden_outputs.py"
UPDATING = os.environ.get("UPDATE_GOLDEN", "").strip() not in ("", "0")

# Fixed, so that "D-1" and every window counted back from it do not move with the calendar.
AS_OF = "2026-12-01"
AS_OF_ASSETS = ("funnel_metrics_monthly", "funnel_cohorts", "sales_performance_monthly")

# SQL NULL, kept apart from an empty text.
NULL = "\\N"

# Columns whose values legitimately differ from run to run (found by running twice and diffing): left out.
RUN_VARYING_COLUMNS: dict[str, dict[str, str]] = {
    "ingested_files": {"ingested_at": "the moment this run read the report"},
    "reconciliation": {
        "run_id": "the Dagster run's id",
        "loaded_at": "the moment this run loaded the source",
    },
}

FIRST_DIFFERENCES = 5  # differing rows shown per table


def as_text(value: object) -> str:
    """One value as text, the same whichever backend it was read from."""
    if value is None or value is pd.NA or value is pd.NaT:
        return NULL
    if isinstance(value, float) and math.isnan(value):
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | decimal.Decimal):
        return repr(float(value))
    if isinstance(value, pd.Timestamp | dt.datetime):
        moment = pd.Timestamp(value)
        if moment.tzinfo is None:
            return moment.isoformat()
        return moment.tz_convert(TIMEZONE).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # a numpy scalar
        return as_text(value.item())
    return str(value)


def money_as_text(value: object) -> str:
    """An amount to the paisa. PostgreSQL stores money as NUMERIC(14,2), rounded; SQLite keeps the float it was
    given (3715.9500000000003): both are written as the amount PostgreSQL holds."""
    text = as_text(value)
    if text == NULL:
        return NULL
    return str(decimal.Decimal(repr(float(text))).quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP))


def canonical_rows(table: catalogue.Table, frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """The table's header and rows as text: catalogue order, run-varying columns left out, rows sorted."""
    left_out = RUN_VARYING_COLUMNS.get(table.name, {})
    missing = set(left_out) - set(frame.columns)
    assert not missing, f"RUN_VARYING_COLUMNS names columns {table.name} no longer has: {sorted(missing)}"
    declared = [c for c in table.column_names if c in frame.columns]
    extra = sorted(c for c in frame.columns if c not in table.column_names)
    header = [c for c in (*declared, *extra) if c not in left_out]
    money = {c.name for c in table.columns if c.type == catalogue.MONEY}
    writers = [money_as_text if c in money else as_text for c in header]
    rows = sorted(
        [write(v) for write, v in zip(writers, row, strict=True)]
        for row in frame[header].itertuples(index=False, name=None)
    )
    return header, rows


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def from_csv(text: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def read_outputs(warehouse: Warehouse) -> dict[str, str]:
    """Every output table of the catalogue, canonical, as CSV text."""
    return {t.name: to_csv(*canonical_rows(t, warehouse.read_table(t.name))) for t in catalogue.TABLES}


def table_difference(table: catalogue.Table, expected: str, actual: str) -> str:
    """A short account of how one table differs from its golden file; empty when it does not. A golden row
    and a new row in the same place of the sorted differences are shown as one row whose cells changed."""
    if expected == actual:
        return ""
    old_header, old_rows = from_csv(expected)
    new_header, new_rows = from_csv(actual)
    lines = [f"{table.name}: {len(old_rows)} golden rows, {len(new_rows)} now"]
    if old_header != new_header:
        lines.append(f"  columns golden: {old_header}")
        lines.append(f"  columns now:    {new_header}")
        return "\n".join(lines)
    old_count, new_count = Counter(map(tuple, old_rows)), Counter(map(tuple, new_rows))
    gone, came = sorted((old_count - new_count).elements()), sorted((new_count - old_count).elements())
    lines[0] += f" ({len(gone)} golden rows gone, {len(came)} new)"
    keys = [old_header.index(c) for c in table.key if c in old_header]

    def cells(row: tuple[str, ...], indexes: list[int]) -> str:
        return ", ".join(f"{old_header[i]}={row[i]}" for i in indexes)

    for old, new in list(zip(gone, came, strict=False))[:FIRST_DIFFERENCES]:
        changed = [i for i in range(len(old_header)) if old[i] != new[i]]
        changes = ", ".join(f"{old_header[i]}: {old[i]} -> {new[i]}" for i in changed)
        lines.append(f"  ~ {cells(old, [i for i in keys if i not in changed]) or '(no key)'}: {changes}")
    paired = min(len(gone), len(came))
    for label, rows in (("- golden", gone[paired:]), ("+ now   ", came[paired:])):
        for row in rows[:FIRST_DIFFERENCES]:
            lines.append(f"  {label} {cells(row, list(range(len(old_header))))}")
    return "\n".join(lines)


def run_daily_refresh(tmp_path: Path, warehouse: Warehouse, **environ: str) -> None:
    run_config = {
        "ops": {asset: {"config": {"as_of": AS_OF}} for asset in AS_OF_ASSETS},
        # a failure shows the differences, not pages of step events
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    result = (
        sample_definitions(tmp_path, warehouse, **environ)
        .resolve_job_def("daily_refresh")
        .execute_in_process(run_config=run_config, instance=dg.DagsterInstance.ephemeral())
    )
    assert result.success


def edge_environment(tmp_path: Path) -> dict[str, str]:
    inputs = write_edge_inputs(tmp_path / "edge_inputs")
    return {
        "FUNNEL_LEADS_SOURCE": str(inputs.leads),
        "FUNNEL_SPEND_SOURCE": str(inputs.spend),
        "CRM_ASSIGNED_LEADS_URL": str(inputs.assigned_leads),
        "CRM_SALES_URL": str(inputs.sales),
    }


INPUT_SETS = {
    "sample": lambda tmp_path: {},
    "edge": edge_environment,
}


@pytest.mark.parametrize("input_set", sorted(INPUT_SETS))
def test_every_output_table_is_as_golden(input_set, tmp_path, warehouse):
    run_daily_refresh(tmp_path, warehouse, **INPUT_SETS[input_set](tmp_path))
    outputs = read_outputs(warehouse)
    folder = GOLDEN_DIR / input_set
    if UPDATING:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in set(folder.glob("*.csv")) - {folder / f"{name}.csv" for name in outputs}:
            stale.unlink()
        for name, text in outputs.items():
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        return
    differences = []
    for name, text in outputs.items():
        path = folder / f"{name}.csv"
        expected = path.read_text(encoding="utf-8") if path.exists() else ""
        if not path.exists():
            differences.append(f"{name}: no golden file {path.relative_to(GOLDEN_DIR.parent)}")
        else:
            differences.append(table_difference(catalogue.table(name), expected, text))
    differences = [d for d in differences if d]
    assert not differences, (
        f"The outputs on the {input_set} inputs differ from the golden files ({len(differences)} table(s)):\n"
        + "\n".join(differences)
        + f"\nIf the change is intended, regenerate them and review the diff:\n    {REGENERATE}"
    )


def test_the_canonical_text_tells_null_from_empty_and_is_the_same_on_both_backends():
    assert as_text(None) == as_text(pd.NA) == as_text(float("nan")) == NULL != as_text("")
    assert money_as_text(3715.9500000000003) == money_as_text(decimal.Decimal("3715.95")) == "3715.95"
    moment = pd.Timestamp("2025-09-30T19:00:00Z")
    assert as_text(moment) == as_text(moment.to_pydatetime()) == "2025-10-01T00:30:00+05:30"
    assert as_text(pd.array([True], dtype="boolean")[0]) == "true" and as_text(pd.array([3], dtype="Int64")[0]) == "3"
