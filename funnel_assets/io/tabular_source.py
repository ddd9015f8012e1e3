"""The sheets the team keeps elsewhere: a Google Sheet, a CSV URL or a local CSV file.

Every source is landed first, as a CSV file under FUNNEL_DATA_DIR/landing/<day>/<run>/,
then parsed from that file: a retried step of the same run reads its landing file
instead of downloading again, and each day's raw data stays on disk for audit.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster._check import CheckError
from pydantic import Field, field_validator

from funnel_assets.io.landing import DEFAULT_KEEP_DAYS, first_try_started, landing_path
from funnel_assets.io.sources.google_sheets import SHEETS_API, is_google_sheet, parse_sheet_reference
from funnel_assets.io.sources.http import HttpSettings, client_url, is_this_machine
from funnel_assets.io.sources.redact import redact_url
from funnel_assets.io.sources.tabular import is_url, land_table, read_csv_text
from funnel_assets.settings import Settings


class HttpOptions(dg.ConfigurableResource):
    """How a source is downloaded (timeouts, retries) and where each run's download is landed."""

    landing_dir: str = Field(
        default_factory=lambda: str(Settings.from_env().data_dir / "landing"),
        description="Each run's downloads, by day and run (FUNNEL_DATA_DIR/landing).",
    )
    landing_keep_days: int = Field(
        default=DEFAULT_KEEP_DAYS,
        description="Days each day's downloads are kept (FUNNEL_LANDING_KEEP_DAYS; 0 keeps all).",
    )
    connect_timeout_seconds: float = Field(
        default=HttpSettings.connect_timeout, description="Seconds to wait for a connection."
    )
    read_timeout_seconds: float = Field(
        default=HttpSettings.read_timeout, description="Seconds to wait for the next bytes of an answer."
    )
    max_attempts: int = Field(
        default=HttpSettings.max_attempts, description="Tries per download before giving up (429, 5xx, timeouts)."
    )
    backoff_seconds: float = Field(
        default=HttpSettings.backoff_seconds, description="First wait between tries; doubles each time."
    )
    max_seconds_per_download: float = Field(
        default=HttpSettings.max_seconds_per_download,
        description="Longest one download may take, however it trickles: every try and step retry included.",
    )
    max_bytes: int = Field(default=HttpSettings.max_bytes, description="Largest download accepted.")
    google_sheets_api_url: str = Field(default=SHEETS_API, description="The Google Sheets API's address.")

    @field_validator("google_sheets_api_url")
    @classmethod
    def _sheets_api_over_https(cls, url: str) -> str:
        """The service account's access token goes there: Google's https address, or a stand-in on this machine."""
        parsed = client_url(url, "google_sheets_api_url")
        if parsed.scheme != "https" and not is_this_machine(parsed.host or ""):
            raise ValueError(
                "google_sheets_api_url must be an https:// address (or one on this machine): an access token goes there"
            )
        return url

    def download_settings(self, location: str, dest: Path) -> HttpSettings:
        """The settings for downloading `location` into `dest`: its deadline counts from this run's first
        try, so a retried step does not start the clock again."""
        run_id = self._current_run_id()
        remote = is_url(location) or is_google_sheet(location.strip())
        if run_id is None or not remote or dest.is_file():
            return self.http_settings()
        return replace(self.http_settings(), started_at=first_try_started(dest, run_id))

    def _current_run_id(self) -> str | None:
        """The run this resource was set up for (None outside a run: a test calling it directly)."""
        try:
            context = self.get_resource_context()
        except CheckError:
            return None
        return context.run.run_id if context.run else None

    def http_settings(self) -> HttpSettings:
        return HttpSettings(
            connect_timeout=self.connect_timeout_seconds,
            read_timeout=self.read_timeout_seconds,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            max_seconds_per_download=self.max_seconds_per_download,
            max_bytes=self.max_bytes,
        )


def describe_location(location: str) -> str:
    """A name for a source safe to show anywhere: no token, no password."""
    if location.startswith(("http://", "https://")) and not is_google_sheet(location):
        return redact_url(location)
    if is_google_sheet(location):
        key, _ = parse_sheet_reference(location)
        return f"Google Sheet {key}"
    return Path(location).name


class TabularSource(HttpOptions):
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
        dest = landing_path(self.landing_dir, run_id, f"{name}.csv", self.landing_keep_days)
        return land_table(
            self.location,
            dest,
            label=self.label,
            http=self.download_settings(self.location, dest),
            worksheet=self.worksheet or None,
            service_account_file=self.google_service_account_file or None,
            sheets_api_url=self.google_sheets_api_url,
        )

    def read(self, run_id: str, name: str) -> pd.DataFrame:
        """Every cell as text, landed once per run."""
        return read_csv_text(self.land(run_id, name), label=self.label)


class LeadSheet(TabularSource):
    """The campaign lead sheet, and which of its columns is a lead's source for funnel mapping."""

    source_field: str = Field(
        default="utm_campaign",
        description="Which lead column is the lead's source: utm_campaign, utm_source or utm_medium (FUNNEL_LEADS_SOURCE_FIELD).",
    )
