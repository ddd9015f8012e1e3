"""The warehouse round-trips every column type and replaces tables atomically, on both databases."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import polars as pl
import pytest

from funnel_assets.io.warehouse import Warehouse, WarehouseError, normalise_url
from funnel_assets.io.warehouse.backend import Described
from funnel_assets.io.warehouse.warehouse import FIRST_BATCH_ROWS, WRITE_BATCH_ROWS
from funnel_assets.settings import Settings


def typed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Ånanya Rāo", "श्रेया", None, 'O\'Brien, "Jr"\nsecond line', "\\."],
            "assignments": pd.array([1, None, 3, 4, 2**40], dtype="Int64"),
            "cost": [1234.5, None, 0.1, 1e12, -2.25],
            "attended": pd.array([True, False, None, True, False], dtype="boolean"),
            "assigned_on": pd.to_datetime(
                [
                    "2025-09-30T19:00:00Z",
                    None,
                    "2025-01-01T00:00:00Z",
                    "2025-03-01T10:00:00.123456Z",
                    "2024-02-29T23:59:59Z",
                ],
                utc=True,
                format="ISO8601",
            ).tz_convert("Asia/Kolkata"),
            "local_time": pd.to_datetime(
                ["2025-09-30 19:00", None, "2025-01-01 00:00", "2025-01-02 08:30", "2025-01-03 23:59"]
            ),
            "event_date": [dt.date(2025, 1, 1), None, dt.date(2025, 2, 1), dt.date(2025, 3, 1), dt.date(2024, 2, 29)],
        }
    )


def test_round_trip_keeps_values_and_types(warehouse: Warehouse):
    frame = typed_frame()
    assert warehouse.write_table("round_trip", frame) == 5
    back = warehouse.read_table("round_trip")

    assert list(back.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(back, frame, check_dtype=True)
    # a UTC instant lands as Asia/Kolkata wall time: 19:00Z is 00:30 the next day in India
    assert back.loc[0, "assigned_on"].isoformat() == "2025-10-01T00:30:00+05:30"


def test_blank_text_is_stored_as_null(warehouse: Warehouse):
    warehouse.write_table("blanks", pd.DataFrame({"email": ["a@b.in", "", None]}))
    assert warehouse.read_table("blanks")["email"].tolist() == ["a@b.in", None, None]


def test_replace_swaps_the_whole_table_and_its_columns(warehouse: Warehouse):
    warehouse.write_table("swapped", pd.DataFrame({"a": [1, 2, 3]}))
    warehouse.write_table("swapped", pd.DataFrame({"b": ["x"], "c": [True]}))
    back = warehouse.read_table("swapped")
    assert list(back.columns) == ["b", "c"]
    assert back["b"].tolist() == ["x"]


def test_an_empty_frame_writes_an_empty_table_with_its_columns(warehouse: Warehouse):
    warehouse.write_table(
        "empty", pd.DataFrame({"source": pd.Series([], dtype=object), "rows": pd.Series([], dtype="Int64")})
    )
    assert warehouse.table_exists("empty")
    assert warehouse.row_count("empty") == 0
    assert warehouse.column_kinds("empty") == {"source": "text", "rows": "integer"}


def test_batches_stream_into_one_table(warehouse: Warehouse):
    batches = (pd.DataFrame({"n": pd.array(range(i, i + 1000), dtype="Int64")}) for i in range(0, 5000, 1000))
    assert warehouse.write_table("batched", batches) == 5000
    assert warehouse.read_table("batched")["n"].tolist() == list(range(5000))


def test_a_write_failing_midway_leaves_the_previous_table(warehouse: Warehouse):
    warehouse.write_table("leads", pd.DataFrame({"phone": ["9876543210", "9123456789"]}))

    def batches_then_failure():
        yield pd.DataFrame({"phone": ["1111111111"] * 1000})
        raise ConnectionError("the source went away mid-download")

    with pytest.raises(ConnectionError):
        warehouse.write_table("leads", batches_then_failure())

    assert warehouse.read_table("leads")["phone"].tolist() == ["9876543210", "9123456789"]
    assert _staging_tables(warehouse) == []


def test_a_value_of_the_wrong_type_in_a_later_batch_fails_cleanly(warehouse: Warehouse):
    warehouse.write_table("numbers", pd.DataFrame({"cost": [1.0]}))
    batches = iter([pd.DataFrame({"cost": [2.0, 3.0]}), pd.DataFrame({"cost": ["not a number"]})])
    with pytest.raises(WarehouseError, match="column 'cost'"):
        warehouse.write_table("numbers", batches)
    assert warehouse.read_table("numbers")["cost"].tolist() == [1.0]
    assert _staging_tables(warehouse) == []


def test_a_first_write_that_fails_leaves_no_table(warehouse: Warehouse):
    def failing():
        yield pd.DataFrame({"x": [1]})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        warehouse.write_table("never_written", failing())
    assert not warehouse.table_exists("never_written")


@pytest.mark.parametrize("name", ["Leads", "leads; DROP TABLE x", "", "1leads"])
def test_table_names_must_be_snake_case(sqlite_warehouse: Warehouse, name: str):
    with pytest.raises(WarehouseError, match="not a valid table name"):
        sqlite_warehouse.write_table(name, pd.DataFrame({"a": [1]}))


def test_injection_looking_column_names_and_values_land_unharmed(warehouse: Warehouse):
    frame = pd.DataFrame({'name"); DROP TABLE x; --': ["Robert'); DROP TABLE students;--"]})
    warehouse.write_table("odd_names", frame)
    pd.testing.assert_frame_equal(warehouse.read_table("odd_names"), frame)


@pytest.mark.parametrize(
    ("pasted", "driver"),
    [
        ("postgresql://ops@db.internal/funnel", "postgresql+psycopg2"),
        ("postgres://ops:secret@db.internal:5432/funnel", "postgresql+psycopg2"),
        ("postgresql+psycopg2://ops@db.internal/funnel", "postgresql+psycopg2"),
        ("sqlite:///data/warehouse.sqlite", "sqlite"),
    ],
)
def test_plain_postgres_urls_use_the_installed_psycopg2(pasted: str, driver: str):
    assert normalise_url(pasted).drivername == driver


def test_display_url_hides_the_password():
    warehouse = Warehouse(url="postgresql://ops:s3cret-pass@db.internal/funnel")
    assert "s3cret-pass" not in warehouse.display_url
    assert "db.internal" in warehouse.display_url


def test_postgres_tables_live_in_their_schema(postgres_warehouse: Warehouse):
    postgres_warehouse.write_table("in_schema", pd.DataFrame({"a": [1]}))
    with postgres_warehouse.engine().connect() as conn:
        schema = conn.exec_driver_sql(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'in_schema' AND table_schema = %s",
            (postgres_warehouse.schema_name,),
        ).scalar_one()
    assert schema == postgres_warehouse.schema_name


def test_default_warehouse_is_an_sqlite_file_in_the_data_folder(isolated_data_dir):
    warehouse = Warehouse(url=Settings.from_env().warehouse_url)
    assert warehouse.dialect == "sqlite"
    warehouse.write_table("hello", pd.DataFrame({"a": [1]}))
    assert (isolated_data_dir / "warehouse.sqlite").exists()


def _staging_tables(warehouse: Warehouse) -> list[str]:
    with warehouse.engine().connect() as conn:
        if warehouse.dialect == "postgresql":
            rows = conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name LIKE '\\_stage\\_%%'",
                (warehouse.schema_name,),
            ).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE name LIKE '\\_stage\\_%' ESCAPE '\\'"
            ).all()
    return [r[0] for r in rows]


def test_every_write_is_mirrored_as_a_csv_export_only_when_it_succeeds(tmp_path, warehouse: Warehouse):
    exporting = Warehouse(url=warehouse.url, schema_name=warehouse.schema_name, export_dir=str(tmp_path / "exports"))
    frame = pd.DataFrame(
        {
            "name": ["Asha", 'Ravi "R", Jr', ""],
            "at": pd.to_datetime(["2025-10-01 09:30", "2025-10-02 10:00", None]).tz_localize("Asia/Kolkata"),
            "seats": pd.array([2, None, 1], dtype="Int64"),
            "paid": pd.array([True, None, False], dtype="boolean"),
            "amount": [1000.0, 2.5, None],
        }
    )
    exporting.write_table("people", frame)
    exported = (tmp_path / "exports" / "people.csv").read_text()
    # text quoted, blanks empty, times ISO with their offset, numbers in their shortest form
    assert exported.splitlines() == [
        "name,at,seats,paid,amount",
        '"Asha","2025-10-01T09:30:00+05:30",2,true,1000',
        '"Ravi ""R"", Jr","2025-10-02T10:00:00+05:30",,,2.5',
        ",,1,false,",
    ]

    def failing_batches():
        yield frame
        raise RuntimeError("the source broke mid-way")

    with pytest.raises(RuntimeError):
        exporting.write_table("people", failing_batches())
    assert (tmp_path / "exports" / "people.csv").read_text() == exported
    assert list((tmp_path / "exports").iterdir()) == [tmp_path / "exports" / "people.csv"]
    # the export is written on a thread of its own, which ends with the write, landed or not
    assert not [thread.name for thread in threading.enumerate() if thread.name.startswith("export-")]


def test_a_table_of_many_batches_is_exported_whole_and_in_order(tmp_path, warehouse: Warehouse):
    exporting = Warehouse(url=warehouse.url, schema_name=warehouse.schema_name, export_dir=str(tmp_path / "exports"))
    rows = FIRST_BATCH_ROWS + 2 * WRITE_BATCH_ROWS + 7
    exporting.write_table("numbered", pl.DataFrame({"n": range(rows)}))
    lines = (tmp_path / "exports" / "numbered.csv").read_text().splitlines()
    assert lines == ["n", *map(str, range(rows))]
    assert exporting.read_table("numbered", polars=True)["n"].to_list() == list(range(rows))


def test_reading_only_some_columns(warehouse: Warehouse):
    warehouse.write_table("wide", pd.DataFrame({"a": [1], "b": ["x"], "c": [True]}))
    assert warehouse.read_table("wide", columns=["c", "a"]).to_dict("records") == [{"c": True, "a": 1}]
    with pytest.raises(WarehouseError, match="no column"):
        warehouse.read_table("wide", columns=["zzz"])


def test_a_sqlite_table_another_program_wrote_is_still_read(sqlite_warehouse: Warehouse):
    with sqlite_warehouse.engine().begin() as conn:
        conn.exec_driver_sql('CREATE TABLE "handmade" (note TEXT, at TIMESTAMPTZ, n BIGINT)')
        # a number in a text column, a time without its offset (read as UTC)
        conn.exec_driver_sql("INSERT INTO handmade VALUES (42, '2025-10-01 04:00:00', 7), ('ok', NULL, NULL)")
    frame = sqlite_warehouse.read_table("handmade")
    assert frame["note"].tolist() == ["42", "ok"]
    assert frame["at"].iloc[0] == pd.Timestamp("2025-10-01 09:30", tz="Asia/Kolkata") and pd.isna(frame["at"].iloc[1])
    assert frame["n"].dtype == "Int64" and frame["n"].iloc[0] == 7 and pd.isna(frame["n"].iloc[1])


def test_text_with_line_breaks_reads_back_from_a_large_table(warehouse: Warehouse):
    # larger than the CSV parser's 1 MB block, so a block boundary falls inside some quoted value
    remarks = [f'called twice, no answer {i}\nthen WhatsApp "later"\r\nok' for i in range(60_000)]
    warehouse.write_table("remarks", pd.DataFrame({"n": range(60_000), "remark": remarks}))
    back = warehouse.read_table("remarks")
    assert back["remark"].tolist() == remarks and back["n"].tolist() == list(range(60_000))


def test_an_empty_table_reads_back_with_its_types(warehouse: Warehouse):
    frame = pd.DataFrame(
        {
            "name": pd.Series(["a"], dtype=object),
            "n": pd.array([1], dtype="Int64"),
            "x": [1.5],
            "ok": pd.array([True], dtype="boolean"),
            "at": pd.to_datetime(["2025-10-01 09:30"]).tz_localize("Asia/Kolkata"),
        }
    ).iloc[:0]
    warehouse.write_table("empty_typed", frame)
    back = warehouse.read_table("empty_typed")
    assert len(back) == 0
    assert (str(back["n"].dtype), str(back["x"].dtype), str(back["ok"].dtype)) == ("Int64", "float64", "boolean")
    assert str(back["at"].dtype) == "datetime64[ns, Asia/Kolkata]"


def test_a_declared_column_is_written_as_its_kind_when_its_values_fit(warehouse: Warehouse):
    frame = pd.DataFrame(
        {
            "unfilled": [None, None, None],  # no value at all: whatever its dtype, it takes the declared kind
            "counted": [1.0, None, 3.0],  # whole numbers with a gap, as pandas holds them: whole numbers
            "share": pd.array([1, 2, None], dtype="Int64"),  # whole numbers as decimals
            "amount": [10, 20, 30],  # whole numbers as money
        }
    )
    kinds = {"unfilled": "integer", "counted": "integer", "share": "float", "amount": "money"}
    warehouse.write_table("fitted", frame, Described(kinds=kinds))
    assert warehouse.column_kinds("fitted") == kinds
    back = warehouse.read_table("fitted")
    assert str(back["unfilled"].dtype) == "Int64" and back["unfilled"].isna().all()
    assert back["counted"].tolist() == [1, pd.NA, 3] and back["amount"].tolist() == [10.0, 20.0, 30.0]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in kinds})
    warehouse.write_table("fitted", empty, Described(kinds=kinds))
    assert warehouse.column_kinds("fitted") == kinds, "an empty table has its declared types too"


@pytest.mark.parametrize(
    "values, kind, held",
    [
        (["1", "2"], "integer", r"holds text \(pandas dtype object\)"),
        ([1.5, 2.0], "integer", r"holds float \(decimal numbers\) \(pandas dtype float64\), not all of them whole"),
        ([1, 2], "text", r"holds integer \(whole numbers\)"),
        ([True, False], "integer", r"holds boolean"),
        (["10.50"], "money", r"holds text"),
        ([dt.date(2025, 11, 1)], "timestamptz", r"holds date"),
        (pd.to_datetime(["2025-11-01 09:30"]), "timestamptz", r"holds timestamp without a time zone"),
        (pd.to_datetime(["2025-11-01"]), "date", r"holds timestamp without a time zone"),
    ],
)
def test_a_declared_column_whose_values_do_not_fit_is_refused_and_the_table_stays(
    warehouse: Warehouse, values, kind, held
):
    warehouse.write_table("kept", pd.DataFrame({"other": ["x"], "value": [None]}), Described(kinds={"value": kind}))
    before = warehouse.read_table("kept")
    frame = pd.DataFrame({"other": ["y"] * len(values), "value": values})
    with pytest.raises(WarehouseError, match=rf"Table 'kept', column 'value' is declared .*{held}.*previous rows"):
        warehouse.write_table("kept", frame, Described(kinds={"value": kind}))
    pd.testing.assert_frame_equal(warehouse.read_table("kept"), before)
