"""Reading a CSV file (a landed source, io/sources/landing.py; a mapping; a dropped report) with every cell as text.

The domain functions cast; reading forgives what spreadsheet programs do to a CSV: a BOM,
CRLF, Windows-1252 accents, UTF-16 (Excel's "Unicode Text" save), semicolons or tabs
instead of commas, trailing commas, blank rows.

A value holding a NUL or another control character (a byte no spreadsheet types) is never cut
short where the character stands, as a CSV parser written in C would: the value is set aside,
its cell left empty and its row kept, and `set_aside_values` says how many per column, for the
step's reconciliation. No value is ever quoted in a message.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import pandas as pd

from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import looks_like_html
from funnel_assets.lib.text import CONTROL_BYTES, CONTROL_TEXT

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"
# stands in for a control character while the file is parsed: a private-use character no source writes
_SET_ASIDE = "\ue000"
SET_ASIDE_VALUES = "set_aside_values"


def _sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def _encoding(sample: bytes) -> str:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # UTF-16 without its mark: every other byte of ASCII text is a NUL
    if len(sample) >= 8 and sample[1::2].count(0) > 0.4 * (len(sample) // 2) and not sample[0::2].count(0):
        return "utf-16-le"
    if len(sample) >= 8 and sample[0::2].count(0) > 0.4 * (len(sample) // 2) and not sample[1::2].count(0):
        return "utf-16-be"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the sample's end is still UTF-8
        if exc.start < len(sample) - 4:
            return "cp1252"
    return "utf-8-sig"


def _refuse_values_past_the_header(text: Callable[[], TextIO], delimiter: str, width: int, label: str) -> None:
    with text() as handle:
        for line_number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            if any(cell.strip() for cell in row[width:]):
                raise SourceError(
                    f"{label}: line {line_number} has more values than the header has columns. The file may "
                    "have been edited by hand or have a missing header; export it again."
                )


def _holds_control_characters(path: Path) -> bool:
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            if CONTROL_BYTES.search(chunk):
                return True
    return False


def _parsable_text(path: Path, encoding: str) -> tuple[Path | None, str | None]:
    """What pandas should read: the file itself, or (UTF-16, or a control character anywhere) its text
    with every control character replaced by a stand-in, so no value is cut short where one stands."""
    if not encoding.startswith("utf-16") and not _holds_control_characters(path):
        return path, None
    text = path.read_bytes().decode(encoding)
    return None, CONTROL_TEXT.sub(_SET_ASIDE, text).lstrip("\ufeff")


def _set_aside(frame: pd.DataFrame) -> dict[str, int]:
    """Empty every cell that held a control character; how many per column."""
    counts: dict[str, int] = {}
    for column in frame.columns:
        held = frame[column].str.contains(_SET_ASIDE, regex=False)
        if held.any():
            frame.loc[held, column] = ""
            counts[column] = int(held.sum())
    return counts


def set_aside_values(frame: pd.DataFrame) -> dict[str, int]:
    """Per column of a table read by `read_csv_text`, how many values were left empty because they held a
    NUL or another control character (their rows are kept)."""
    return dict(frame.attrs.get(SET_ASIDE_VALUES, {}))


def read_csv_text(path: Path, *, label: str) -> pd.DataFrame:
    """Every cell as text ('' for blank). Rows of nothing but blanks are skipped; a broken file raises SourceError.

    A value holding a control character is left empty (see `set_aside_values`)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{label}: the file {path} does not exist.")
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    encoding = _encoding(sample)
    sample_text = sample.decode(encoding, errors="replace")
    if not sample_text.strip("\ufeff \t\r\n,;\x00"):
        raise SourceError(f"{label}: the file is empty (no header row, no data). Check the export or the download.")
    if looks_like_html(sample_text[:512].encode("utf-8", errors="replace")):
        raise SourceError(
            f"{label}: the file is a web page, not CSV data. It is probably a login or error page saved "
            "instead of the export; download the CSV again."
        )
    delimiter = _sniff_delimiter(CONTROL_TEXT.sub(_SET_ASIDE, sample_text))
    try:
        file, text = _parsable_text(path, encoding)

        def reopen() -> TextIO:
            return (
                io.StringIO(text, newline="")
                if text is not None
                else path.open(encoding=encoding, errors="replace", newline="")
            )

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a trailing comma on data rows is not a first-column index
            frame = pd.read_csv(
                file if file is not None else io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                # no value means missing here (blank stays ''): not looking for any is 15% faster
                na_filter=False,
                encoding=encoding if file is not None else None,
                index_col=False,
                skip_blank_lines=True,
                engine="c",
            )
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            # pandas dropped one value past the header on some row: fine if only trailing commas
            _refuse_values_past_the_header(reopen, delimiter, len(frame.columns), label)
    except pd.errors.EmptyDataError:
        raise SourceError(f"{label}: the file has no header row.") from None
    except pd.errors.ParserError as exc:
        raise SourceError(
            f"{label}: a row does not fit the header ({exc}). The file may be cut short or edited by hand; "
            "download or export it again."
        ) from None
    except UnicodeDecodeError:
        raise SourceError(
            f"{label}: the file is not text in an encoding it could be read as ({encoding}; UTF-8, UTF-16 and "
            "Windows text are read). Save or export it again as CSV (UTF-8)."
        ) from None

    names: list[str] = []
    for column in (str(c).replace(_SET_ASIDE, "").strip() for c in frame.columns):
        # two headers that differ only in spaces (or that pandas had numbered) stay two columns
        unique, n = column, 1
        while unique in names:
            n += 1
            unique = f"{column} ({n})"
        names.append(unique)
    frame.columns = names
    unnamed_blank = [c for c in frame.columns if (c == "" or c.startswith("Unnamed: ")) and frame[c].eq("").all()]
    frame = frame.drop(columns=unnamed_blank)
    if frame.shape[1]:
        blank_rows = frame.eq("").all(axis=1)
        if blank_rows.any():
            frame = frame[~blank_rows].reset_index(drop=True)
    set_aside = _set_aside(frame) if text is not None and _SET_ASIDE in text else {}
    frame.attrs[SET_ASIDE_VALUES] = set_aside
    return frame
