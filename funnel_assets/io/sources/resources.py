"""The Dagster resources sources are read through, and the bases every resource that calls out over HTTP shares.

- `HttpClientResource`: the HTTP client's limits (timeouts, tries, deadline, size) as resource fields.
- `LandedSource`: an HTTP client that lands each run's download under the landing folder
  (io/sources/landing.py), so a retried step of the same run reads its file instead of downloading again.
- `TabularSource`, `LeadSheet`: the sheets the team keeps elsewhere (a Google Sheet, a CSV URL or a local
  CSV file). The CRM's dumps are `CrmApi` (io/crm.py); the Sheet export is `SheetsExport` (io/sheets_export.py).

Every value that comes from the settings (the landing folder, the addresses) is passed in where the
resources are built (defs/resources.py); only a resource built by hand, outside the definitions,
falls back to the settings' landing folder.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import dagster as dg
from dagster._check import CheckError
from pydantic import Field, field_validator

from funnel_assets.io.sources.csv_reading import CsvTable, read_csv_text
from funnel_assets.io.sources.google_sheets import SHEETS_API, checked_sheets_api_url, is_google_sheet
from funnel_assets.io.sources.http import HttpLimits, is_url
from funnel_assets.io.sources.landing import (
    DEFAULT_KEEP_DAYS,
    describe_location,
    first_try_started,
    land_table,
    landing_path,
)
from funnel_assets.settings import data_subfolder


class HttpClientResource(dg.ConfigurableResource):
    """Base of every resource that calls out over HTTP: the client's limits, as fields.

    `http_limits()` hands them to the download and API functions as an `HttpLimits` (io/sources/http.py),
    the plain value those functions take.
    """

    connect_timeout_seconds: float = Field(
        default=HttpLimits.connect_timeout, description="Seconds to wait for a connection."
    )
    read_timeout_seconds: float = Field(
        default=HttpLimits.read_timeout, description="Seconds to wait for the next bytes of an answer."
    )
    max_attempts: int = Field(
        default=HttpLimits.max_attempts, description="Tries per download before giving up (429, 5xx, timeouts)."
    )
    backoff_seconds: float = Field(
        default=HttpLimits.backoff_seconds, description="First wait between tries; doubles each time."
    )
    max_seconds_per_download: float = Field(
        default=HttpLimits.max_seconds_per_download,
        description="Longest one download may take, however it trickles: every try and step retry included.",
    )
    max_bytes: int = Field(default=HttpLimits.max_bytes, description="Largest download accepted.")

    def http_limits(self) -> HttpLimits:
        return HttpLimits(
            connect_timeout=self.connect_timeout_seconds,
            read_timeout=self.read_timeout_seconds,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            max_seconds_per_download=self.max_seconds_per_download,
            max_bytes=self.max_bytes,
        )


class LandedSource(HttpClientResource):
    """A source downloaded once per run into the landing folder: FUNNEL_DATA_DIR/landing/<day>/<run>/."""

    # defs/resources.py passes the settings' folder; a resource built by hand (a script, a notebook) lands
    # where the settings would put it rather than failing for want of a folder
    landing_dir: str = Field(
        default_factory=lambda: data_subfolder("landing"),
        description="Each run's downloads, by day and run (FUNNEL_DATA_DIR/landing).",
    )
    landing_keep_days: int = Field(
        default=DEFAULT_KEEP_DAYS,
        description="Days each day's downloads are kept (FUNNEL_LANDING_KEEP_DAYS; 0 keeps all).",
    )

    def download_limits(self, location: str, dest: Path) -> HttpLimits:
        """The limits for downloading `location` into `dest`: its deadline counts from this run's first
        try, so a retried step does not start the clock again."""
        run_id = self._current_run_id()
        remote = is_url(location) or is_google_sheet(location.strip())
        if run_id is None or not remote or dest.is_file():
            return self.http_limits()
        return replace(self.http_limits(), started_at=first_try_started(dest, run_id))

    def _current_run_id(self) -> str | None:
        """The run this resource was set up for (None outside a run: a test calling it directly)."""
        try:
            context = self.get_resource_context()
        except CheckError:
            return None
        return context.run.run_id if context.run else None


class TabularSource(LandedSource):
    """A table the team keeps elsewhere: a Google Sheet (key or URL), a CSV URL, or a local CSV file."""

    location: str = Field(description="Google Sheet key/URL, http(s) CSV URL, or local CSV path.")
    worksheet: str | None = Field(default=None, description="Worksheet (tab) name; the first tab when empty.")
    google_service_account_file: str | None = Field(
        default=None, description="Service-account JSON for private sheets (GOOGLE_SERVICE_ACCOUNT_FILE)."
    )
    google_sheets_api_url: str = Field(default=SHEETS_API, description="The Google Sheets API's address.")

    @field_validator("google_sheets_api_url")
    @classmethod
    def _sheets_api_over_https(cls, url: str) -> str:
        """The service account's access token goes there: Google's https address, or a stand-in on this machine."""
        return checked_sheets_api_url(url)

    @property
    def label(self) -> str:
        return describe_location(self.location)

    def land(self, run_id: str, name: str) -> Path:
        dest = landing_path(self.landing_dir, run_id, f"{name}.csv", self.landing_keep_days)
        return land_table(
            self.location,
            dest,
            label=self.label,
            http=self.download_limits(self.location, dest),
            worksheet=self.worksheet or None,
            service_account_file=self.google_service_account_file or None,
            sheets_api_url=self.google_sheets_api_url,
        )

    def read(self, run_id: str, name: str) -> CsvTable:
        """Every cell as text, landed once per run (`.frame`; `.set_aside` for the step's reconciliation)."""
        return read_csv_text(self.land(run_id, name), label=self.label)


class LeadSheet(TabularSource):
    """The campaign lead sheet, and which of its columns is a lead's source for funnel mapping."""

    source_field: str = Field(
        default="utm_campaign",
        description=(
            "Which lead column is the lead's source: utm_campaign, utm_source or utm_medium "
            "(FUNNEL_LEADS_SOURCE_FIELD)."
        ),
    )
