"""The warehouse IO manager with Polars frames: a Polars frame passes the same checks and lands as the same values as
the pandas frame holding the same data, and each step gets the kind of frame its input annotation asks for."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal as assert_polars_equal

from funnel_assets import catalogue
from funnel_assets.defs.table_assets import column_schema
from funnel_assets.io.warehouse import Warehouse, WarehouseError
from funnel_assets.io.warehouse.column_kinds import KIND_WORDS, POLARS_TYPES, money_rounded
from funnel_assets.io.warehouse.frame_conversion import (
    DECLARED_KINDS,
    frame_kinds,
    pandas_from_polars,
    polars_from_pandas,
)
from funnel_assets.io.warehouse.io_manager import PANDAS_DTYPES, described, empty_table
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets_tests.support.resources import io_manager_for

# Values of each catalogue type, the awkward ones included: NULL against blank text, COPY's end marker, quotes,
# line breaks and control characters, amounts that round half a paisa, NaN as missing, times with and without
# microseconds and before 1970.
VALUES = {
    catalogue.TEXT: [
        "9876543210",
        None,
        "",
        "\\.",
        'O\'Brien, "Jr"\nsecond\r\nline\x01\tend',
        '=HYPERLINK("x")',
        "श्रेया Ånanya",
    ],
    catalogue.INTEGER: [3, None, 0, -7, 2**40, 1, 42],
    catalogue.FLOAT: [0.25, None, 0.1 + 0.2, 1e12, -2.5e-7, float("nan"), 1 / 3],
    catalogue.MONEY: [1234.5, None, 0.005, 2.675, -99.999, 1e11 + 0.125, 0.1 + 0.2],
    catalogue.BOOLEAN: [True, None, False, True, False, None, True],
    catalogue.DATE: [
        dt.date(2025, 11, 1),
        None,
        dt.date(2024, 2, 29),
        dt.date(1999, 12, 31),
        dt.date(2025, 1, 1),
        dt.date(2030, 6, 30),
        dt.date(1970, 1, 1),
    ],
    catalogue.TIMESTAMP: [
        dt.datetime(2025, 11, 1, 9, 30),
        None,
        dt.datetime(2025, 3, 1, 10, 0, 0, 123456),
        dt.datetime(2024, 2, 29, 23, 59, 59),
        dt.datetime(1960, 1, 1),
        dt.datetime(2025, 10, 1, 0, 30),
        dt.datetime(1970, 1, 1, 5, 30),
    ],
}
ROWS = len(VALUES[catalogue.TEXT])


def pandas_column(kind: str, values: list) -> pd.Series | pd.api.extensions.ExtensionArray | list:
    """The values as a pandas step holds them (as read back from the warehouse)."""
    if kind == catalogue.INTEGER:
        return pd.array(values, dtype="Int64")
    if kind in (catalogue.FLOAT, catalogue.MONEY):
        return pd.Series(values, dtype="float64")
    if kind == catalogue.BOOLEAN:
        return pd.array(values, dtype="boolean")
    if kind == catalogue.TIMESTAMP:
        return pd.Series(pd.to_datetime(values)).dt.tz_localize(TIMEZONE)
    return values


def polars_column(name: str, kind: str, values: list) -> pl.Series:
    """The values as a Polars step holds them (ENGINE.md's column types)."""
    if kind == catalogue.TIMESTAMP:
        return pl.Series(name, values, dtype=pl.Datetime("us")).dt.replace_time_zone(TIMEZONE)
    return pl.Series(name, values, dtype=POLARS_TYPES[DECLARED_KINDS[kind]], nan_to_null=False)


def frames(table: catalogue.Table, rows: int = ROWS, emptied: str | None = None) -> tuple[pd.DataFrame, pl.DataFrame]:
    """The same data for `table` as a pandas and as a Polars frame (an open table also gets two columns its
    source added); `emptied` names a column left without a value."""

    def values(column: catalogue.Column) -> list:
        if column.name == emptied:
            return [None] * rows
        return [VALUES[column.type][i % ROWS] for i in range(rows)]

    pandas = pd.DataFrame({c.name: pandas_column(c.type, values(c)) for c in table.columns})
    polars = pl.DataFrame([polars_column(c.name, c.type, values(c)) for c in table.columns])
    if table.open_columns:
        extra = {"ad_group": ["Ad group 1", None, "", "x"] * rows, "clicks_raw": [1, None, 3, 4] * rows}
        pandas = pandas.assign(ad_group=extra["ad_group"][:rows], clicks_raw=pd.array(extra["clicks_raw"][:rows]))
        polars = polars.with_columns(
            pl.Series("ad_group", extra["ad_group"][:rows]), pl.Series("clicks_raw", extra["clicks_raw"][:rows])
        )
    return pandas, polars


def stored_rows(warehouse: Warehouse, table: str) -> list[tuple]:
    """The rows as the database holds them (Decimal amounts, text of SQLite's times): no reading of ours between."""
    name = f'"{warehouse.schema_name}"."{table}"' if warehouse.dialect == "postgresql" else f'"{table}"'
    with warehouse.engine().connect() as conn:
        return sorted(conn.exec_driver_sql(f"SELECT * FROM {name}").all(), key=repr)


def landed(warehouse: Warehouse, manager, table: catalogue.Table, frame, exports) -> dict:
    with dg.build_output_context(asset_key=dg.AssetKey(table.name)) as context:
        manager.handle_output(context, frame)
        metadata = context.get_logged_metadata()
    return {
        "rows": stored_rows(warehouse, table.name),
        "read back": warehouse.read_table(table.name),
        "export": (exports / f"{table.name}.csv").read_bytes(),
        "row count": metadata["dagster/row_count"],
        "schema": metadata["dagster/column_schema"].schema,
        "preview": metadata["preview"].value,
    }


@pytest.mark.parametrize("table", [pytest.param(t, id=t.name) for t in catalogue.TABLES])
def test_every_table_lands_the_same_from_a_polars_frame_as_from_the_pandas_one(tmp_path, warehouse, table):
    manager = io_manager_for(warehouse, export_dir=tmp_path / "exports")
    pandas, polars = frames(table)
    from_pandas = landed(warehouse, manager, table, pandas, tmp_path / "exports")
    from_polars = landed(warehouse, manager, table, polars, tmp_path / "exports")
    assert from_polars["rows"] == from_pandas["rows"], "the same values in the database"
    pd.testing.assert_frame_equal(from_polars["read back"], from_pandas["read back"])
    assert from_polars["export"] == from_pandas["export"], "the same CSV export, byte for byte"
    assert from_polars["row count"] == from_pandas["row count"]
    assert from_polars["schema"] == from_pandas["schema"]
    if not table.open_columns:
        assert from_polars["schema"] == column_schema(table)
    assert from_polars["preview"] == from_pandas["preview"]


@pytest.mark.parametrize("table", [pytest.param(t, id=t.name) for t in catalogue.TABLES])
def test_without_an_export_a_polars_frame_lands_the_same_as_the_pandas_one(warehouse, table):
    """The path without an export: Polars' own CSV into COPY on PostgreSQL, Arrow rows into SQLite."""
    pandas, polars = frames(table)
    declaration = described(table.name, polars.columns)
    warehouse.write_table(table.name, pandas, declaration)
    rows, read_back = stored_rows(warehouse, table.name), warehouse.read_table(table.name)
    warehouse.write_table(table.name, polars, declaration)
    assert stored_rows(warehouse, table.name) == rows
    pd.testing.assert_frame_equal(warehouse.read_table(table.name), read_back)
    # read back as Polars: what the pandas read-back makes as Polars
    as_polars = polars_from_pandas(read_back, frame_kinds(table.name, polars), table.name)
    assert_polars_equal(warehouse.read_table(table.name, polars=True), as_polars)


# a column of another kind than declared, as a Polars step might wrongly hand it over, and how the refusal names it
WRONG = {
    catalogue.TEXT: (pl.Series([9876543210, 9123456780]), "integer (whole numbers) (polars dtype Int64)"),
    catalogue.INTEGER: (pl.Series([1.5, 2.0]), "float (decimal numbers) (polars dtype Float64), not all of them whole"),
    catalogue.FLOAT: (pl.Series(["0.25", "0.5"]), "text (polars dtype String)"),
    catalogue.MONEY: (pl.Series(["1,234.50", "10"]), "text"),
    catalogue.BOOLEAN: (pl.Series(["yes", "no"]), "text"),
    catalogue.DATE: (pl.Series([dt.datetime(2025, 11, 1), None]), "timestamp without a time zone"),
    catalogue.TIMESTAMP: (pl.Series([dt.datetime(2025, 11, 1, 9, 30), None]), "timestamp without a time zone"),
}


@pytest.mark.parametrize("table", [pytest.param(t, id=t.name) for t in catalogue.TABLES])
def test_a_polars_column_of_another_kind_is_refused_naming_it_and_nothing_is_replaced(sqlite_warehouse, table):
    manager = io_manager_for(sqlite_warehouse)
    _, polars = frames(table, rows=2)
    with dg.build_output_context(asset_key=dg.AssetKey(table.name)) as context:
        manager.handle_output(context, polars)
    before = stored_rows(sqlite_warehouse, table.name)
    for column in table.columns:
        values, held = WRONG[column.type]
        with (
            dg.build_output_context(asset_key=dg.AssetKey(table.name)) as context,
            pytest.raises(WarehouseError) as refused,
        ):
            manager.handle_output(context, polars.with_columns(values.alias(column.name)))
        kind = DECLARED_KINDS[column.type]
        assert f"Table '{table.name}', column '{column.name}' is declared {KIND_WORDS[kind]}" in str(refused.value)
        assert f"holds {held}" in str(refused.value)
    assert stored_rows(sqlite_warehouse, table.name) == before


def test_an_amount_beyond_what_money_holds_in_a_polars_frame_is_refused_naming_the_column(warehouse):
    table = catalogue.table("spend_by_funnel")
    _, polars = frames(table, rows=2)
    manager = io_manager_for(warehouse)
    with dg.build_output_context(asset_key=dg.AssetKey(table.name)) as context:
        manager.handle_output(context, polars)
    beyond = polars.with_columns(pl.Series("cost", [1e12, float("inf")]))
    with (
        dg.build_output_context(asset_key=dg.AssetKey(table.name)) as context,
        pytest.raises(WarehouseError, match=r"column 'cost': 2 amount\(s\) are infinite or not below"),
    ):
        manager.handle_output(context, beyond)
    assert warehouse.row_count(table.name) == 2


def test_money_rounds_to_the_paisa_as_pandas_rounds_it():
    amounts = [0.005, 0.015, 2.675, 1.005, -99.999, 1e11 + 0.125, 0.1 + 0.2, None, 1234.5678]
    polars = money_rounded(pl.Series("cost", amounts, dtype=pl.Float64))
    pandas = money_rounded(pd.Series(amounts, dtype="float64"))
    assert polars.to_list()[:7] == pandas.tolist()[:7] and polars[7] is None
    assert polars.to_list()[-1] == pandas.tolist()[-1] == 1234.57


# ---- through Dagster ----------------------------------------------------------------------------------------------

READER_TABLES = [pytest.param("event_participants", id="event_participants"), pytest.param("sales", id="sales")]


def readers(table: catalogue.Table, source, seen: dict):
    """An asset landing `table` from `source()`, and three steps taking it: annotated pandas, Polars, and not at all."""

    @dg.asset(name=table.name)
    def landing():
        return source()

    @dg.asset(ins={"frame": dg.AssetIn(table.name)})
    def pandas_step(frame: pd.DataFrame) -> None:
        seen["pandas"] = frame

    @dg.asset(ins={"frame": dg.AssetIn(table.name)})
    def polars_step(frame: pl.DataFrame) -> None:
        seen["polars"] = frame

    @dg.asset(ins={"frame": dg.AssetIn(table.name)})
    def unannotated_step(frame) -> None:
        seen["unannotated"] = frame

    return [landing, pandas_step, polars_step, unannotated_step]


def assert_pandas_as_read_back(frame: pd.DataFrame, read_back: pd.DataFrame, table: catalogue.Table) -> None:
    assert isinstance(frame, pd.DataFrame)
    for column in table.columns:
        assert frame[column.name].dtype == PANDAS_DTYPES[column.type], column.name
    pd.testing.assert_frame_equal(frame, read_back)


def assert_polars_typed(frame: pl.DataFrame, table: catalogue.Table) -> None:
    assert isinstance(frame, pl.DataFrame)
    assert {c.name: frame.schema[c.name] for c in table.columns} == {
        c.name: POLARS_TYPES[DECLARED_KINDS[c.type]] for c in table.columns
    }


@pytest.mark.parametrize("name", READER_TABLES)
def test_a_polars_table_reaches_pandas_and_polars_steps_in_the_run_and_is_read_back_in_a_later_one(
    warehouse, monkeypatch, name
):
    table = catalogue.table(name)
    _, polars = frames(table)
    # no blank text: the warehouse stores it as NULL, and held in memory it stays blank (as with pandas)
    polars = polars.with_columns(pl.col(pl.String).replace("", None))
    seen: dict = {}
    assets = readers(table, lambda: polars, seen)
    manager = io_manager_for(warehouse)
    reading = Warehouse.read_table

    def no_reading(self, table, columns=None, *, polars=False):
        raise AssertionError(f"{table} was read back from the warehouse within the run")

    monkeypatch.setattr(Warehouse, "read_table", no_reading)
    assert dg.materialize(assets, resources={"io_manager": manager}).success
    assert manager._held == {}, "every frame is let go once its last reader has it"
    monkeypatch.setattr(Warehouse, "read_table", reading)
    in_run = dict(seen)
    read_back = warehouse.read_table(table.name)

    assert_pandas_as_read_back(in_run["pandas"], read_back, table)
    assert_pandas_as_read_back(in_run["unannotated"], read_back, table)
    assert_polars_typed(in_run["polars"], table)
    assert_polars_equal(in_run["polars"], warehouse.read_table(table.name, polars=True))
    for column in [c.name for c in table.columns if c.type == catalogue.MONEY]:  # to the paisa, as stored
        assert in_run["polars"][column].to_list() == money_rounded(polars[column]).to_list() != polars[column].to_list()

    seen.clear()
    later = dg.materialize(assets, selection=assets[1:], resources={"io_manager": io_manager_for(warehouse)})
    assert later.success
    pd.testing.assert_frame_equal(seen["pandas"], in_run["pandas"])
    pd.testing.assert_frame_equal(seen["unannotated"], in_run["unannotated"])
    assert_polars_equal(seen["polars"], in_run["polars"])


def test_a_pandas_table_reaches_a_polars_step_with_the_engine_types_in_the_run_and_later(sqlite_warehouse):
    table = catalogue.table("event_participants")
    pandas, _ = frames(table)
    seen: dict = {}
    assets = readers(table, lambda: pandas, seen)
    assert dg.materialize(assets, resources={"io_manager": io_manager_for(sqlite_warehouse)}).success
    in_run = seen["polars"]
    assert_polars_typed(in_run, table)
    assert seen["pandas"] is not pandas, "a reader that changes its frame does not change the next reader's"
    seen.clear()
    assert dg.materialize(assets, selection=assets[1:], resources={"io_manager": io_manager_for(sqlite_warehouse)})
    # held, blank text is blank; read back, it is NULL: otherwise the same
    assert_polars_equal(in_run.with_columns(pl.col(pl.String).replace("", None)), seen["polars"])


def test_a_table_never_written_reads_as_empty_polars_with_the_engine_types(tmp_path):
    manager = io_manager_for(Warehouse(url=f"sqlite:///{tmp_path / 'w.sqlite'}"))
    frame = manager.read_last_good("event_participants", polars=True)
    assert frame.is_empty()
    assert_polars_typed(frame, catalogue.table("event_participants"))


@pytest.mark.parametrize("table", [pytest.param(t, id=t.name) for t in catalogue.TABLES])
def test_conversions_between_the_two_kinds_keep_the_declared_types(table):
    kinds = {c.name: DECLARED_KINDS[c.type] for c in table.columns}
    empty = empty_table(table.name)
    assert_polars_typed(polars_from_pandas(empty, kinds, table.name), table)
    pd.testing.assert_frame_equal(pandas_from_polars(polars_from_pandas(empty, kinds, table.name), kinds), empty)
    pandas, polars = frames(table)
    pandas, polars = pandas[list(kinds)], polars.select(list(kinds))
    pd.testing.assert_frame_equal(pandas_from_polars(polars, kinds), pandas)
    assert_polars_equal(
        polars_from_pandas(pandas, kinds, table.name), polars.with_columns(pl.col(pl.Float64).fill_nan(None))
    )


def guarded_run(
    table: catalogue.Table, frame: pl.DataFrame, warehouse: Warehouse, instance
) -> dg.ExecuteInProcessResult:
    @dg.asset(name=table.name)
    def landing() -> pl.DataFrame:
        return frame

    return dg.materialize(
        [landing], resources={"io_manager": io_manager_for(warehouse)}, instance=instance, raise_on_error=False
    )


def test_the_guards_refuse_a_polars_frame_that_shrinks_or_whose_key_column_empties(warehouse):
    table = catalogue.table("sales")
    full = frames(table, rows=40)[1]
    with dg.instance_for_test() as instance:
        assert guarded_run(table, full, warehouse, instance).success
        before = stored_rows(warehouse, table.name)

        shrunk = guarded_run(table, full.head(5), warehouse, instance)
        assert not shrunk.success
        refusal = shrunk.failure_data_for_node(table.name).error.message
        assert "5 rows" in refusal and f"{table.guard.setting}=0" in refusal

        key = table.guard.key_columns[0].column
        emptied = guarded_run(table, frames(table, rows=40, emptied=key)[1], warehouse, instance)
        assert not emptied.success
        assert f"`{key}`" in emptied.failure_data_for_node(table.name).error.message
        assert stored_rows(warehouse, table.name) == before, "the table is kept as it was"
