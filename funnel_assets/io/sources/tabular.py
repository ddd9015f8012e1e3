"""The one way a table comes in: landed as a CSV file, then read with every cell as text.

A source is a local CSV path, an http(s) CSV URL, or a Google Sheet (key or URL).
Landing first means a retried step re-reads its file instead of downloading again, and
every day's raw input stays on disk for audit. Reading keeps every cell as text (the
domain functions cast), and forgives what spreadsheet programs do to a CSV: a BOM,
CRLF, Windows-1252 accents, semicolons or tabs instead of commas, trailing commas,
blank rows.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from funnel_assets.io import files
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.google_sheets import (
    SHEETS_API,
    export_url,
    fetch_sheet_values,
    is_google_sheet,
    parse_sheet_reference,
    write_values_csv,
)
from funnel_assets.io.sources.http import HttpSettings, download, looks_like_html

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"


def is_url(location: str) -> bool:
    return location.strip().lower().startswith(("http://", "https://"))


def land_table(
    location: str,
    dest: Path,
    *,
    label: str,
    http: HttpSettings,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
    worksheet: str | None = None,
    service_account_file: str | None = None,
    sheets_api_url: str = SHEETS_API,
) -> Path:
    """Bring the source into `dest` as CSV, unless this run already landed it there.

    `sheets_api_url` is the Sheets API's address (Google's; tests point it at a local stand-in).
    """
    if dest.is_file() and not dest.is_symlink():  # a link planted there is never read: the write below refuses it
        return dest
    location = location.strip()
    if is_google_sheet(location):
        key, gid = parse_sheet_reference(location)
        if service_account_file:
            values = fetch_sheet_values(
                key,
                gid=gid,
                worksheet=worksheet,
                service_account_file=service_account_file,
                settings=http,
                label=label,
                api_url=sheets_api_url,
            )
            return write_values_csv(values, dest)
        return download(export_url(key, gid, worksheet), dest, http, label=label)
    if is_url(location):
        return download(location, dest, http, label=label, headers=headers, params=params, secrets=secrets)

    path = Path(location).expanduser()
    if not path.is_file():
        raise SourceError(
            f"{label}: the file {path} does not exist. Check the path in the configuration, "
            "or whether the file was moved or renamed."
        )
    return files.copy_file(path, dest)


def _sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def _encoding(sample: bytes) -> str:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the sample's end is still UTF-8
        if exc.start < len(sample) - 4:
            return "cp1252"
    return "utf-8-sig"


def _refuse_values_past_the_header(path: Path, encoding: str, delimiter: str, width: int, label: str) -> None:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for line_number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            if any(cell.strip() for cell in row[width:]):
                raise SourceError(
                    f"{label}: line {line_number} has more values than the header has columns. The file may "
                    "have been edited by hand or have a missing header; export it again."
                )


def read_csv_text(path: Path, *, label: str) -> pd.DataFrame:
    """Every cell as text ('' for blank). Rows of nothing but blanks are skipped; a broken file raises SourceError."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{label}: the file {path} does not exist.")
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip(b"\xef\xbb\xbf \t\r\n,;"):
        raise SourceError(f"{label}: the file is empty (no header row, no data). Check the export or the download.")
    if looks_like_html(sample[:512]):
        raise SourceError(
            f"{label}: the file is a web page, not CSV data. It is probably a login or error page saved "
            "instead of the export; download the CSV again."
        )
    encoding = _encoding(sample)
    delimiter = _sniff_delimiter(sample.decode(encoding, errors="replace"))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a trailing comma on data rows is not a first-column index
            frame = pd.read_csv(
                path,
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                # no value means missing here (blank stays ''): not looking for any is 15% faster
                na_filter=False,
                encoding=encoding,
                index_col=False,
                skip_blank_lines=True,
                engine="c",
            )
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            # pandas dropped one value past the header on some row: fine if only trailing commas
            _refuse_values_past_the_header(path, encoding, delimiter, len(frame.columns), label)
    except pd.errors.EmptyDataError:
        raise SourceError(f"{label}: the file has no header row.") from None
    except pd.errors.ParserError as exc:
        raise SourceError(
            f"{label}: a row does not fit the header ({exc}). The file may be cut short or edited by hand; "
            "download or export it again."
        ) from None
    except UnicodeDecodeError:
        raise SourceError(f"{label}: the file is not text in a known encoding (UTF-8 or Windows).") from None

    names: list[str] = []
    for column in (str(c).strip() for c in frame.columns):
        # two headers that differ only in spaces (or that pandas had numbered) stay two columns
        unique, n = column, 1
        while unique in names:
            n += 1
            unique = f"{column} ({n})"
        names.append(unique)
    frame.columns = names
    unnamed_blank = [
        c for c in frame.columns if (c == "" or c.startswith("Unnamed: ")) and frame[c].eq("").all()
    ]
    frame = frame.drop(columns=unnamed_blank)
    if frame.shape[1]:
        blank_rows = frame.eq("").all(axis=1)
        if blank_rows.any():
            frame = frame[~blank_rows].reset_index(drop=True)
    return frame
