"""Reading a CSV file (a landed source, io/sources/landing.py; a mapping; a dropped report) with every cell as text.

The domain functions cast; reading forgives what spreadsheet programs do to a CSV: a BOM,
CRLF, Windows-1252 accents, UTF-16 (Excel's "Unicode Text" save), semicolons or tabs
instead of commas, trailing commas, blank rows.

The table is read by Polars straight from the file when it is UTF-8 (Polars reads UTF-8 only); a file in another
encoding, or holding a control character, is first turned into UTF-8 bytes here.

A value holding a NUL or another control character (a byte no spreadsheet types) is never cut
short where the character stands, as a CSV parser written in C would: the value is set aside,
its cell left empty and its row kept, and `CsvTable.set_aside` says how many per column, for the
step's reconciliation. No value is ever quoted in a message.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import polars as pl

from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import looks_like_html
from funnel_assets.lib.text import CONTROL_BYTES, CONTROL_TEXT

SNIFF_BYTES = 64 * 1024
# the file is looked through in pieces this size before it is parsed
SCAN_CHUNK_BYTES = 8 << 20
DELIMITERS = ",;\t"
# stands in for a control character while the file is parsed: a private-use character no source writes
_SET_ASIDE = "\ue000"
_SET_ASIDE_UTF8 = _SET_ASIDE.encode("utf-8")
# what a spreadsheet program leaves on a line it saved blank
_BLANK = " \t\r"


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read by `read_csv_text`: every cell text ('' for blank), and per column how many values
    were left empty because they held a NUL or another control character (their rows are kept)."""

    frame: pl.DataFrame
    set_aside: Mapping[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        """The rows read (blank rows not counted)."""
        return self.frame.height


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


# an old Mac program's line end
_LONE_CR = re.compile(rb"\r(?!\n)")
_LONE_CR_TEXT = re.compile("\r(?!\n)")
# every control character CONTROL_BYTES matches, for bytes.translate: a regular expression looks at each byte in
# Python's engine (4 s for a 60 MB export of names in Indian scripts), translate at memory speed
_CONTROL_BYTE_SET = bytes(b for b in range(256) if CONTROL_BYTES.fullmatch(bytes([b])))


def _scan(path: Path) -> tuple[bool, bool]:
    """Whether the file needs rewriting before Polars reads it (a control character, or a line ended by CR alone:
    Polars ends lines at LF only), and whether it holds an odd number of quotes."""
    control, carriage_returns, line_ends, quotes = False, 0, 0, 0
    ends_with_cr = False
    with path.open("rb") as handle:
        while chunk := handle.read(SCAN_CHUNK_BYTES):
            control = control or len(chunk.translate(None, _CONTROL_BYTE_SET)) != len(chunk)
            carriage_returns += chunk.count(b"\r")
            # a CR LF may fall across two chunks
            line_ends += chunk.count(b"\r\n") + (ends_with_cr and chunk.startswith(b"\n"))
            ends_with_cr = chunk.endswith(b"\r")
            quotes += chunk.count(b'"')
    return control or carriage_returns != line_ends, quotes % 2 == 1


def _utf8_source(path: Path, encoding: str) -> tuple[Path | bytes, bool]:
    """What Polars should read: the file itself when it is UTF-8 with no control character, else its content as
    UTF-8 with every control character replaced by a stand-in, so no value is cut short where one stands.
    And whether it holds an odd number of quotes (a quoted value not closed, or a quote in an unquoted one)."""
    if encoding == "utf-8-sig":
        rewrite, odd_quotes = _scan(path)
        if not rewrite:
            return path, odd_quotes
    content = path.read_bytes()
    if encoding != "utf-8-sig":
        content = content.decode(encoding).encode("utf-8")
    # a control character is one byte below 0x80 in UTF-8, never part of a longer character: replaced as bytes
    content = _LONE_CR.sub(b"\n", content.removeprefix(codecs.BOM_UTF8))
    return CONTROL_BYTES.sub(_SET_ASIDE_UTF8, content), content.count(b'"') % 2 == 1


def _leading_blank_lines(sample: str) -> int:
    """Blank lines before the header, which the header is read past."""
    count = 0
    for line in sample.lstrip("\ufeff").split("\n"):
        if line.strip(_BLANK):
            break
        count += 1
    return count


def _records(source: Path | bytes) -> Callable[[], Iterator[tuple[int, list[str]]]]:
    """The file's records as Python's CSV reader splits them, with the line each ends on: only for checking
    a file Polars refused, row by row."""

    def text() -> TextIO:
        if isinstance(source, Path):
            return source.open(encoding="utf-8-sig", errors="replace", newline="")
        return io.TextIOWrapper(io.BytesIO(source), encoding="utf-8", errors="replace", newline="")

    def records(delimiter: str, *, strict: bool = False) -> Iterator[tuple[int, list[str]]]:
        with text() as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=strict)
            for row in reader:
                yield reader.line_num, row

    return records


def _check_row_widths(records: Iterator[tuple[int, list[str]]], label: str) -> None:
    """Refuse a row longer than the header unless all it has past the header is blank (trailing commas).

    As the files were always read: the first data row may be longer than the header (its extra cells, and
    those of later rows up to its width, must be blank); a later row longer than both is a broken file."""
    width = widest = None
    for number, (line, row) in enumerate(records, start=1):
        if not row:
            continue
        if width is None:
            width = len(row)
            continue
        if widest is None:
            widest = max(width, len(row))
        if len(row) > widest:
            raise SourceError(
                f"{label}: a row does not fit the header (expected {widest} fields in line {line}, saw {len(row)}). "
                "The file may be cut short or edited by hand; download or export it again."
            )
        if any(cell.strip() for cell in row[width:]):
            raise SourceError(
                f"{label}: line {number} has more values than the header has columns. The file may "
                "have been edited by hand or have a missing header; export it again."
            )


def _column_names(header: list[str | None]) -> list[str]:
    """The header's names as the files were always read: a blank name is `Unnamed: <position>`, a repeated
    one numbered `X.1` (given names first), then trimmed, and two that trimming made equal numbered `X (2)`."""
    named = [name or f"Unnamed: {i}" for i, name in enumerate(header)]
    unnamed = [i for i, name in enumerate(header) if not name]
    counts: dict[str, int] = {}
    for i in [i for i in range(len(named)) if i not in set(unnamed)] + unnamed:
        column = original = named[i]
        seen = counts.get(column, 0)
        while seen > 0:
            counts[original] = seen + 1
            column = f"{original}.{seen}"
            seen = seen + 1 if column in named else counts.get(column, 0)
        named[i] = column
        counts[column] = seen + 1
    names: list[str] = []
    for column in (c.replace(_SET_ASIDE, "").strip() for c in named):
        # two headers that differ only in spaces (or that were numbered above) stay two columns
        unique, n = column, 1
        while unique in names:
            n += 1
            unique = f"{column} ({n})"
        names.append(unique)
    return names


def _parse(source: Path | bytes, delimiter: str, skip: int, *, ragged: bool) -> pl.DataFrame:
    return pl.read_csv(
        source,
        has_header=False,
        separator=delimiter,
        infer_schema=False,
        empty_string_is_null=False,
        skip_lines=skip,
        truncate_ragged_lines=ragged,
        glob=False,
    )


def _read_by_python(
    records: Callable[..., Iterator[tuple[int, list[str]]]], delimiter: str, label: str
) -> pl.DataFrame:
    """A file with a stray quote, read by Python's CSV reader, row by row (only such files are): a quote inside an
    unquoted value (`5'11"`) is text, as it always was, but a quoted value still open at the end is a file cut short.
    """
    try:
        for _ in records(delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise SourceError(
                f"{label}: a row does not fit the header (a quoted value is still open at the end of the file). "
                "The file may be cut short or edited by hand; download or export it again."
            ) from None
    _check_row_widths(records(delimiter), label)
    rows = [row for _, row in records(delimiter) if row]
    if not rows:
        return pl.DataFrame()
    width = len(rows[0])
    return pl.DataFrame(
        [row[:width] + [""] * (width - len(row)) for row in rows],
        schema=[f"column_{i}" for i in range(width)],
        schema_overrides=dict.fromkeys((f"column_{i}" for i in range(width)), pl.String),
        orient="row",
    )


def _refused_encoding(label: str, encoding: str) -> SourceError:
    return SourceError(
        f"{label}: the file is not text in an encoding it could be read as ({encoding}; UTF-8, UTF-16 and "
        "Windows text are read). Save or export it again as CSV (UTF-8)."
    )


def read_csv_text(path: Path, *, label: str) -> CsvTable:
    """Every cell as text ('' for blank). Rows of nothing but blanks are skipped; a broken file raises SourceError.

    A value holding a control character is left empty and counted (`CsvTable.set_aside`)."""
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
    skip = _leading_blank_lines(_LONE_CR_TEXT.sub("\n", sample_text))
    try:
        source, odd_quotes = _utf8_source(path, encoding)
    except UnicodeDecodeError:
        raise _refused_encoding(label, encoding) from None
    records = _records(source)
    try:
        if odd_quotes:
            # Polars would read a quote left open to the end of the file, as if the file were whole
            table = _read_by_python(records, delimiter, label)
        else:
            try:
                table = _parse(source, delimiter, skip, ragged=False)
            except pl.exceptions.ComputeError as exc:
                if "more fields than defined" not in str(exc):
                    raise
                # some row is longer than the header: fine if only trailing commas
                _check_row_widths(records(delimiter), label)
                table = _parse(source, delimiter, skip, ragged=True)
    except pl.exceptions.NoDataError:
        raise SourceError(f"{label}: the file has no header row.") from None
    except pl.exceptions.ComputeError as exc:
        # Polars' messages quote the cells they stop at: never passed on
        if "invalid utf-8" in str(exc):
            raise _refused_encoding(label, encoding) from None
        table = _read_by_python(records, delimiter, label)
    if table.height == 0:
        raise SourceError(f"{label}: the file has no header row.")

    frame = table.slice(1).rename(dict(zip(table.columns, _column_names(list(table.row(0))), strict=True)))
    if frame.width:
        # a row of nothing but empty or blank cells (trailing commas, a blank line, a line of spaces) is no row
        cells = [pl.col(c).str.strip_chars(_BLANK) for c in frame.columns]
        blank = frame.select(pl.all_horizontal(cell.eq("") for cell in cells)).to_series()
        if blank.any():
            # filtering copies every column: only when there is a row to drop
            frame = frame.filter(~blank)
    unnamed = [c for c in frame.columns if c == "" or c.startswith("Unnamed: ")]
    if unnamed:
        blank = frame.select(pl.col(c).eq("").all() for c in unnamed).row(0)
        frame = frame.drop(c for c, empty in zip(unnamed, blank, strict=True) if empty)
    set_aside: dict[str, int] = {}
    if isinstance(source, bytes) and _SET_ASIDE_UTF8 in source and frame.width:
        held = frame.select(pl.col(c).str.contains(_SET_ASIDE, literal=True).sum() for c in frame.columns).row(0)
        set_aside = {c: int(n) for c, n in zip(frame.columns, held, strict=True) if n}
        if set_aside:
            frame = frame.with_columns(
                pl.when(pl.col(c).str.contains(_SET_ASIDE, literal=True)).then(pl.lit("")).otherwise(pl.col(c)).alias(c)
                for c in set_aside
            )
    return CsvTable(frame, set_aside)
