"""CSV as the warehouse writes it: the batches PostgreSQL's COPY loads, and the CSV exports, whose text
(and header) is made safe to open in a spreadsheet program. The warehouse itself keeps every value verbatim."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# A text cell a spreadsheet program would take for a formula (or, with a tab or carriage
# return first, shift into one): it starts with one of these.
_FORMULA_START = r"^([=+\-@\t\r])"


def formula_safe(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text that a spreadsheet program shows as text: a value beginning with `=`, `+`, `-`, `@`,
    a tab or a carriage return gets a leading apostrophe, so no exported cell is a live formula
    (a lead named `=HYPERLINK(...)` stays a name). For the exports only: the warehouse keeps
    every value verbatim."""
    return pc.replace_substring_regex(text, _FORMULA_START, r"'\1")


def formula_risk(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """True where formula_safe would change the value (false for missing values)."""
    return pc.fill_null(pc.match_substring_regex(text, _FORMULA_START), False)


def export_table(table: pa.Table, kinds: dict[str, str]) -> pa.Table:
    """A batch as the CSV export writes it: text columns formula_safe, every other column as
    it is (a negative number stays a number). The same table when no value needs it."""
    for position, (column, kind) in enumerate(kinds.items()):
        if kind == "text" and pc.any(formula_risk(table.column(position))).as_py():
            table = table.set_column(position, column, formula_safe(table.column(position)))
    return table


def csv_bytes(table: pa.Table) -> bytes:
    """CSV without a header; every string quoted, so a blank (null) is an unquoted empty field and
    no value (say a line reading \\.) can be mistaken for COPY syntax."""
    out = pa.BufferOutputStream()
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue().to_pybytes()


def csv_header(columns: list[str]) -> bytes:
    """The export's header line; a name is a cell too, so it is formula_safe like the text."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(formula_safe(pa.array(columns, type=pa.string())).to_pylist())
    return line.getvalue().encode("utf-8")
