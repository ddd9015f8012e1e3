"""Every declared table as a Polars frame: its columns in order, typed as the warehouse hands them back."""

from __future__ import annotations

import polars as pl
import pytest

from funnel_assets import catalogue
from funnel_assets.io.warehouse import column_kinds
from funnel_assets.io.warehouse.frame_conversion import DECLARED_KINDS
from funnel_assets.lib.tables import POLARS_TYPES, declared_frame


def test_a_rules_types_are_those_a_polars_step_reads_back_from_the_warehouse():
    for declared_type, kind in DECLARED_KINDS.items():
        assert POLARS_TYPES[declared_type] == column_kinds.POLARS_TYPES[kind], declared_type


@pytest.mark.parametrize("table", catalogue.TABLES, ids=lambda t: t.name)
def test_every_table_has_an_empty_declared_frame(table):
    frame = declared_frame(table.name)
    assert frame.columns == list(table.column_names) and frame.height == 0
    assert [frame.schema[c.name] for c in table.columns] == [POLARS_TYPES[c.type] for c in table.columns]


def test_rows_are_typed_as_declared_and_a_wrong_value_is_refused():
    row = dict.fromkeys(catalogue.table("reconciliation").column_names) | {"rows_read": 3, "source": "sheet"}
    frame = declared_frame("reconciliation", [row])
    assert frame.row(0, named=True)["rows_read"] == 3 and frame.schema["rows_read"] == pl.Int64
    with pytest.raises((TypeError, pl.exceptions.PolarsError)):
        declared_frame("reconciliation", [row | {"rows_read": "three"}])
