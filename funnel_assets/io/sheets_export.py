"""Optional: the aggregate tables copied into one Google Sheet for people who live in Sheets.

Text goes as a string value (`userEnteredValue.stringValue`), which Sheets keeps as text and never
evaluates: a lead named `=HYPERLINK(...)` or a phone `+91...` shows as it is. So the CSV exports'
leading apostrophe is not added here (it would show in the cell). Money is rounded to the paisa, as
the warehouse keeps it.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from funnel_assets import catalogue
from funnel_assets.io.sources.google_sheets import (
    SHEETS_API,
    checked_sheets_api_url,
    parse_sheet_reference,
    write_tabs,
)
from funnel_assets.io.sources.resources import HttpClientResource

# a spreadsheet holds at most 10 million cells; the per-person tables never go there
MAX_CELLS = 2_000_000


def _plain(value: object) -> object:
    """A value as Sheets takes it: numbers and text as they are, dates and times as ISO text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def tab_rows(frame: pd.DataFrame) -> list[list[object]]:
    """One tab's cells: the header, then each row, as Sheets takes them (None for an empty cell)."""
    header = [str(c) for c in frame.columns]
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return [header, *[[_plain(v) for v in row] for row in values]]


def _money_rounded(title: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table's money columns (catalogue: MONEY) rounded to paise: a sum in the sheet shows no float noise."""
    names = {t.name for t in catalogue.TABLES}
    money = [c.name for c in catalogue.table(title).columns if c.type == catalogue.MONEY] if title in names else []
    money = [c for c in money if c in frame.columns]
    return frame.assign(**{c: pd.to_numeric(frame[c]).round(2) for c in money}) if money else frame


class SheetsExport(HttpClientResource):
    """A Google Sheet that receives the monthly metrics, funnel stages and daily spend (off when empty)."""

    spreadsheet: str = Field(
        default="", description="Sheet key or URL (FUNNEL_EXPORT_SHEET); empty turns the export off."
    )
    google_service_account_file: str | None = Field(
        default=None, description="Service-account JSON with Editor access to the sheet (GOOGLE_SERVICE_ACCOUNT_FILE)."
    )
    google_sheets_api_url: str = Field(default=SHEETS_API, description="The Google Sheets API's address.")

    @field_validator("google_sheets_api_url")
    @classmethod
    def _sheets_api_over_https(cls, url: str) -> str:
        """The service account's access token goes there: Google's https address, or a stand-in on this machine."""
        return checked_sheets_api_url(url)

    @property
    def enabled(self) -> bool:
        return bool(self.spreadsheet.strip())

    def write(self, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
        key, _ = parse_sheet_reference(self.spreadsheet)
        tabs = {}
        for title, frame in tables.items():
            if frame.size > MAX_CELLS:
                raise ValueError(
                    f"{title} has {frame.size:,} cells, too many for a Google Sheet tab; use the CSV export."
                )
            tabs[title] = tab_rows(_money_rounded(title, frame))
        return write_tabs(
            key,
            tabs,
            service_account_file=self.google_service_account_file or "",
            settings=self.http_limits(),
            api_url=self.google_sheets_api_url,
            label=f"Google Sheet export ({key})",
        )
