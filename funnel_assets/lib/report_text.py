"""A dropped event report's bytes made text and rows of cells, one way for every platform's parser (Zoom,
Teams, Meet, form responses, the event template), and the plain-word ledger notes those parsers share.

- Text: UTF-16 when the file starts with its byte-order mark (Teams, Excel's "Unicode Text"); else UTF-8
  (with a BOM or not) when every byte of it is; else Windows' cp1252.
- Cells: trimmed, a row's trailing blank cells dropped; a header written twice in one row is numbered
  (`Name`, `Name (2)`), as `columns.resolve_columns` recognises a repeat.
- A value holding a control character (`text.CONTROL_TEXT`, the one rule for every reader) is emptied, its
  row kept, and counted for the ledger: never cut short where it stands (PostgreSQL cannot store a NUL).
- What the parsers write back is text in one form: times `YYYY-MM-DD HH:MM:SS` (Asia/Kolkata wall time),
  minutes as Zoom writes `Time in Session (minutes)` (`62`, `0.92`).
"""

from __future__ import annotations

import codecs
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_assets.lib.text import CONTROL_BYTES, CONTROL_TEXT

# the encoding is checked this many bytes at a time
DECODE_PIECE_BYTES = 1 << 22


def text_encoding(content: bytes) -> str:
    """UTF-8 (a BOM or not) when every byte of it is, else Windows' cp1252; checked a piece at a time,
    so a large file is never held twice."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(view), DECODE_PIECE_BYTES):
            decoder.decode(view[start : start + DECODE_PIECE_BYTES])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def decoded(content: bytes) -> str:
    """The file's text: UTF-16 with its mark (Teams, Excel's "Unicode Text"), else UTF-8 (a BOM or not),
    else cp1252; a byte that is no character becomes U+FFFD."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", errors="replace")
    return content.decode(text_encoding(content), errors="replace")


def trimmed_row(row: list[str]) -> list[str]:
    """Each cell trimmed, the blank cells at the row's end dropped (a row of blanks becomes [])."""
    cells = list(map(str.strip, row))  # every line of every report passes here
    while cells and not cells[-1]:
        cells.pop()
    return cells


def unique_headers(names: list[str]) -> list[str]:
    """A header row with each repeat numbered: `Name, Email, Name` -> `Name, Email, Name (2)`."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


class SetAside:
    """Empties each value of a row that holds a control character, and counts them for the ledger note.

    Given the file's bytes or text: a file holding no control character at all (nearly every one) has
    its rows passed on untouched, unexamined."""

    def __init__(self, content: bytes | str) -> None:
        pattern = CONTROL_BYTES if isinstance(content, bytes) else CONTROL_TEXT
        self.needed = bool(pattern.search(content))
        self.count = 0

    def row(self, cells: list[str]) -> list[str]:
        if not self.needed:
            return cells
        held = [bool(CONTROL_TEXT.search(cell)) for cell in cells]
        self.count += sum(held)
        return ["" if bad else cell for cell, bad in zip(cells, held, strict=True)]


def set_aside_note(values: int, again: str) -> str:
    """For the ledger: how many values were emptied ('' when none); `again` says what to do, as a sentence."""
    if not values:
        return ""
    return (
        f"{values} value(s) held an invisible control character (such as a NUL byte) and were left empty, their "
        f"rows kept. If a name or email is missing for someone, {again}"
    )


def unchecked_count_note(why: str, again: str) -> str:
    """For the ledger: the file loaded, but no count in it could vouch that it is complete, and `why` not."""
    return (
        f"Loaded, but its row count could not be checked: {why}, so a file cut short at the end of a line would "
        f"look complete. If people seem to be missing, {again}"
    )


def summary_count(summary: dict[str, str], *names: str) -> int | None:
    """A count the report's summary prints (`1,204` is 1204), under the first of these names that has one;
    None when none has (a count missing or blank promises nothing)."""
    for name in names:
        digits = re.sub(r"\D", "", str(summary.get(name, "")))
        if digits:
            return int(digits)
    return None


def timestamps_text(stamps: pd.Series) -> pd.Series:
    """Timestamps as `YYYY-MM-DD HH:MM:SS` text, their wall time (Asia/Kolkata for a zoned one), '' where
    missing; formatted by Arrow, whole seconds."""
    # whole seconds: Arrow writes the fraction of a finer unit
    seconds = pa.array(stamps.dt.tz_localize(None).to_numpy().astype("datetime64[s]"), from_pandas=True)
    text = pc.fill_null(pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S"), "")
    return pd.Series(text.to_numpy(zero_copy_only=False), index=stamps.index, dtype=object)


def minutes_text(minutes: pd.Series) -> np.ndarray:
    """`62.0` -> `62`, `0.91666` -> `0.92`, '' where missing: minutes as Zoom writes `Time in Session (minutes)`."""
    rounded = pc.round(pa.array(minutes.to_numpy(dtype=float), from_pandas=True), 2)
    return np.asarray(pc.fill_null(pc.cast(rounded, pa.string()), "").to_numpy(zero_copy_only=False), dtype=object)
