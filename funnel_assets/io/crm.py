"""The in-house CRM's CSV endpoints: full dumps of assigned leads and of sales."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
from pydantic import Field

from funnel_assets.io.landing import landing_path
from funnel_assets.io.sources.tabular import land_table, read_csv_text
from funnel_assets.io.tabular_source import HttpOptions, describe_location
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import is_this_machine
from funnel_assets.settings import CRM_API_TOKEN, Settings, secret



class CrmApi(HttpOptions):
    """The in-house CRM's CSV endpoints (full dumps), or local CSV files for the demo.

    The token is CRM_API_TOKEN, read from the environment each time a dump is fetched. It goes
    only to the host of the configured URL, encrypted: an http:// URL to another machine is
    refused before any request, and a redirect to another host is not followed (see
    `download`).
    """

    assigned_leads_url: str = Field(description="Assigned-leads dump (CRM_ASSIGNED_LEADS_URL).")
    sales_url: str = Field(description="Sales dump (CRM_SALES_URL).")
    token_query_parameter: str | None = Field(
        default=None,
        description="Send the token as this query parameter instead of an 'Authorization: Bearer' header.",
    )

    @property
    def token(self) -> str | None:
        # read from the environment when it is sent, never from configuration a run could override
        return secret(CRM_API_TOKEN)

    def _endpoint(self, dump: str) -> str:
        return {"assigned_leads": self.assigned_leads_url, "sales": self.sales_url}[dump]

    def _check_token_host(self, url: str) -> None:
        """The token goes only to the CRM the environment names (CRM_ASSIGNED_LEADS_URL, CRM_SALES_URL), or
        to this machine: a URL changed in a run's configuration never receives it."""
        host = urlsplit(url).hostname
        settings = Settings.from_env()
        allowed = {urlsplit(u).hostname for u in (settings.crm_assigned_leads_url, settings.crm_sales_url)} - {None}
        if host is not None and host not in allowed and not is_this_machine(host):
            raise SourceError(
                f"CRM {url.split('?')[0].rsplit('/', 1)[-1] or 'dump'}: the CRM token is sent only to the host of "
                f"CRM_ASSIGNED_LEADS_URL / CRM_SALES_URL as set on the server, not to {host}. Set the address there.",
                retryable=False,
            )

    def land(self, run_id: str, dump: str) -> Path:
        """Stream one full dump (`assigned_leads` or `sales`) into this run's landing file."""
        url = self._endpoint(dump)
        token = self.token
        if token:
            self._check_token_host(url)
        headers, params = {}, {}
        if token and self.token_query_parameter:
            params[self.token_query_parameter] = token
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        return land_table(
            url,
            landing_path(self.landing_dir, run_id, f"crm_{dump}.csv", self.landing_keep_days),
            label=f"CRM {dump.replace('_', ' ')} ({describe_location(url)})",
            http=self.http_settings(),
            headers=headers,
            params=params,
            secrets=[token] if token else [],
        )

    def read(self, run_id: str, dump: str) -> pd.DataFrame:
        """One full dump (`assigned_leads` or `sales`), every cell as text, landed once per run."""
        path = self.land(run_id, dump)
        return read_csv_text(path, label=f"CRM {dump.replace('_', ' ')} dump")
