"""Free text as sources write it, cleaned for every row at once.

Arrow's string kernels do the trimming and whitespace work in C++: on half a million
lead rows that is a fraction of a second, where pandas' per-value string methods take
seconds per column.
"""

from __future__ import annotations

import re
from typing import overload

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

# Python's whitespace (str.isspace) but the plain space, spelled out for RE2, whose \s is ASCII
# only: spreadsheets are fond of the no-break space
_ODD_SPACE = r"\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_UNTIDY = f"[ {_ODD_SPACE}]{{2}}|[{_ODD_SPACE}]"
_WHITESPACE_RUN = f"[ {_ODD_SPACE}]+"
# the same characters for a regex class (Rust's regex understands \x{..} too) and, spelled out, for strip_chars:
# Polars' own idea of whitespace (Unicode White_Space) lacks \x1c-\x1f, which Python and Arrow count
WHITESPACE_CLASS = f"[ {_ODD_SPACE}]"
PYTHON_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # U+3000 is the last


# C0 control characters but tab, line feed and carriage return (which CSV itself uses), and DEL: a value
# holding one is set aside by every reader, never cut short where it stands (PostgreSQL cannot even store a NUL)
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def arrow_strings(values: pd.Series) -> pa.Array:
    """The values as Arrow strings, null where missing; values that are not text become their text."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values.astype(str).where(values.notna(), None), type=pa.string(), from_pandas=True)


def blank_as_null(text: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def to_object(text: pa.Array, index: pd.Index) -> pd.Series:
    """An Arrow string array as a pandas object column, None where missing."""
    return pd.Series(text.to_numpy(zero_copy_only=False), index=index, dtype=object)


def trimmed_strings(values: pd.Series) -> pa.Array:
    """Each value with surrounding whitespace removed, as Arrow strings; blank becomes null."""
    return blank_as_null(pc.utf8_trim_whitespace(arrow_strings(values)))


def named_as(result: pl.Expr, values: pl.Expr) -> pl.Expr:
    """`result` under the name `values` has, so that `with_columns(rule(pl.col(c)))` replaces column c."""
    name = values.meta.output_name(raise_if_undetermined=False)
    return result if name is None else result.alias(name)


def null_if_blank(text: pl.Expr) -> pl.Expr:
    """The text, null where it is empty."""
    return pl.when(text != "").then(text)


@overload
def trimmed(values: pd.Series) -> pd.Series: ...
@overload
def trimmed(values: pl.Expr) -> pl.Expr: ...
def trimmed(values):
    """Each value with surrounding whitespace removed; blank becomes None (null for a Polars expression)."""
    if isinstance(values, pl.Expr):
        return null_if_blank(values.cast(pl.String).str.strip_chars(PYTHON_WHITESPACE))
    return to_object(trimmed_strings(values), values.index)


@overload
def clean_text(values: pd.Series) -> pd.Series: ...
@overload
def clean_text(values: pl.Expr) -> pl.Expr: ...
def clean_text(values):
    """Each value trimmed, with inner runs of whitespace made one space; blank becomes None (null for a
    Polars expression)."""
    if isinstance(values, pl.Expr):
        text = values.cast(pl.String).str.strip_chars(PYTHON_WHITESPACE)
        return null_if_blank(text.str.replace_all(_WHITESPACE_RUN, " "))
    text = pc.utf8_trim_whitespace(arrow_strings(values))
    # most values need no inner clean-up: only those with a run of spaces or an odd space are rewritten
    untidy = pc.fill_null(pc.match_substring_regex(text, _UNTIDY), False)
    if pc.any(untidy).as_py():
        text = pc.if_else(untidy, pc.replace_substring_regex(text, _WHITESPACE_RUN, " "), text)
    return to_object(blank_as_null(text), values.index)


def text_rank(values: pd.Series) -> np.ndarray:
    """Each value's dense rank in code-point order (the order Python sorts text in), missing last:
    a number to sort by where pandas would sort the strings themselves, slowly."""
    return pc.rank(arrow_strings(values), sort_keys="ascending", tiebreaker="dense").to_numpy()
