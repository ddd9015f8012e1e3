"""Resources for the sources the team keeps elsewhere: sheets, CSV URLs and the CRM API.

Every source is landed first, as a CSV file under FUNNEL_DATA_DIR/landing/<day>/<run>/,
then parsed from that file: a retried step of the same run reads its landing file
instead of downloading again, and each day's raw data stays on disk for audit.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.settings import landing_path
from funnel_assets.sources.google_sheets import is_google_sheet, parse_sheet_reference
from funnel_assets.sources.http import HttpSettings
from funnel_assets.sources.redact import redact_url
from funnel_assets.sources.tabular import land_table, read_csv_text


class _HttpOptions(dg.ConfigurableResource):
    connect_timeout_seconds: float = Field(default=10.0, description="Seconds to wait for a connection.")
    read_timeout_seconds: float = Field(default=120.0, description="Seconds to wait for the next bytes of an answer.")
    max_attempts: int = Field(default=5, description="Tries per download before giving up (429, 5xx, timeouts).")
    backoff_seconds: float = Field(default=2.0, description="First wait between tries; doubles each time.")

    def http_settings(self) -> HttpSettings:
        return HttpSettings(
            connect_timeout=self.connect_timeout_seconds,
            read_timeout=self.read_timeout_seconds,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
        )


def describe_location(location: str) -> str:
    """A name for a source safe to show anywhere: no token, no password."""
    if location.startswith(("http://", "https://")) and not is_google_sheet(location):
        return redact_url(location)
    if is_google_sheet(location):
        key, _ = parse_sheet_reference(location)
        return f"Google Sheet {key}"
    return Path(location).name


class TabularSource(_HttpOptions):
    """A table the team keeps elsewhere: a Google Sheet (key or URL), a CSV URL, or a local CSV file."""

    location: str = Field(description="Google Sheet key/URL, http(s) CSV URL, or local CSV path.")
    worksheet: str | None = Field(default=None, description="Worksheet (tab) name; the first tab when empty.")
    google_service_account_file: str | None = Field(
        default=None, description="Service-account JSON for private sheets (GOOGLE_SERVICE_ACCOUNT_FILE)."
    )

    @property
    def label(self) -> str:
        return describe_location(self.location)

    def land(self, run_id: str, name: str) -> Path:
        return land_table(
            self.location,
            landing_path(run_id, f"{name}.csv"),
            label=self.label,
            http=self.http_settings(),
            worksheet=self.worksheet or None,
            service_account_file=self.google_service_account_file or None,
        )

    def read(self, run_id: str, name: str) -> pd.DataFrame:
        """Every cell as text, landed once per run."""
        return read_csv_text(self.land(run_id, name), label=self.label)


class CrmApi(_HttpOptions):
    """The in-house CRM's CSV endpoints (full dumps), or local CSV files for the demo."""

    assigned_leads_url: str = Field(description="Assigned-leads dump (CRM_ASSIGNED_LEADS_URL).")
    sales_url: str = Field(description="Sales dump (CRM_SALES_URL).")
    token: str | None = Field(default=None, description="API token (CRM_API_TOKEN); never logged.")
    token_query_parameter: str | None = Field(
        default=None,
        description="Send the token as this query parameter instead of an 'Authorization: Bearer' header.",
    )
    min_rows_ratio: float = Field(
        default=0.5,
        description=(
            "A full dump with fewer rows than this share of the last one loaded fails instead of replacing it "
            "(CRM_MIN_ROWS_RATIO; 0 turns the guard off)."
        ),
    )

    def _endpoint(self, dump: str) -> str:
        return {"assigned_leads": self.assigned_leads_url, "sales": self.sales_url}[dump]

    def land(self, dump: str, run_id: str) -> Path:
        """Stream one full dump (`assigned_leads` or `sales`) into this run's landing file."""
        url = self._endpoint(dump)
        headers, params = {}, {}
        if self.token and self.token_query_parameter:
            params[self.token_query_parameter] = self.token
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return land_table(
            url,
            landing_path(run_id, f"crm_{dump}.csv"),
            label=f"CRM {dump.replace('_', ' ')} ({describe_location(url)})",
            http=self.http_settings(),
            headers=headers,
            params=params,
            secrets=[self.token] if self.token else [],
        )

    def read(self, dump: str, run_id: str) -> pd.DataFrame:
        path = self.land(dump, run_id)
        return read_csv_text(path, label=f"CRM {dump.replace('_', ' ')} dump")
