"""The in-house CRM's CSV endpoints: full dumps of assigned leads and of sales."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from funnel_assets.io.sources.csv_reading import CsvTable, read_csv_text
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import client_url, endpoint, is_this_machine, is_url
from funnel_assets.io.sources.landing import describe_location, land_table, landing_path
from funnel_assets.io.sources.resources import LandedSource
from funnel_assets.settings import CRM_API_TOKEN, secret

# the setting that names each dump's address on the server
DUMP_SETTINGS = {"assigned_leads": "CRM_ASSIGNED_LEADS_URL", "sales": "CRM_SALES_URL"}


class CrmApi(LandedSource):
    """The in-house CRM's CSV endpoints (full dumps), or local CSV files for the demo.

    The token is CRM_API_TOKEN, read from the environment each time a dump is fetched. It goes
    only to the host and port of CRM_ASSIGNED_LEADS_URL / CRM_SALES_URL as the HTTP client reads
    them, encrypted: an http:// URL to another machine is refused before any request, and a
    redirect to another host is not followed (see `download`).
    """

    assigned_leads_url: str = Field(description="Assigned-leads dump (CRM_ASSIGNED_LEADS_URL).")
    sales_url: str = Field(description="Sales dump (CRM_SALES_URL).")
    token_query_parameter: str | None = Field(
        default=None,
        description="Send the token as this query parameter instead of an 'Authorization: Bearer' header.",
    )
    # kept apart from the two addresses above, which say where a dump is fetched from: this says where the
    # token may go, and defs/resources.py fills it from the server's settings
    token_urls: dict[str, str] = Field(
        default_factory=dict,
        description="The CRM addresses as the server's settings name them, by dump (assigned_leads: "
        "CRM_ASSIGNED_LEADS_URL, sales: CRM_SALES_URL): the token goes only to their hosts and ports. "
        "None of them a web address: only to this machine.",
    )

    @field_validator("token_urls")
    @classmethod
    def _named_by_dump(cls, urls: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(urls) - set(DUMP_SETTINGS))
        if unknown:
            raise ValueError(f"token_urls is keyed by dump ({', '.join(DUMP_SETTINGS)}), not {', '.join(unknown)}")
        return urls

    @property
    def token(self) -> str | None:
        # read from the environment when it is sent, never from configuration a run could override
        return secret(CRM_API_TOKEN)

    def _endpoint(self, dump: str) -> str:
        return {"assigned_leads": self.assigned_leads_url, "sales": self.sales_url}[dump]

    def _check_token_host(self, url: str, setting: str = "the CRM address") -> None:
        """The token goes only to where CRM_ASSIGNED_LEADS_URL / CRM_SALES_URL (as set on the server: `token_urls`)
        lead, compared on the host and port the HTTP client connects to. When neither names a web address
        (the demo's local files, tests), only this machine may receive it."""
        target = endpoint(client_url(url, setting))
        allowed = {
            endpoint(client_url(url, DUMP_SETTINGS[dump])) for dump, url in self.token_urls.items() if is_url(url)
        }
        if target in allowed or (not allowed and is_this_machine(target[0])):
            return
        raise SourceError(
            f"CRM ({setting}): the CRM token is sent only to the host of CRM_ASSIGNED_LEADS_URL / CRM_SALES_URL "
            f"as set on the server, not to {target[0]} (port {target[1]}). Set the address there.",
            retryable=False,
        )

    def land(self, run_id: str, dump: str) -> Path:
        """Stream one full dump (`assigned_leads` or `sales`) into this run's landing file."""
        url = self._endpoint(dump)
        token = self.token
        if is_url(url):
            client_url(url, DUMP_SETTINGS[dump])
            if token:
                self._check_token_host(url, DUMP_SETTINGS[dump])
        headers, params = {}, {}
        if token and self.token_query_parameter:
            params[self.token_query_parameter] = token
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        dest = landing_path(self.landing_dir, run_id, f"crm_{dump}.csv", self.landing_keep_days)
        return land_table(
            url,
            dest,
            label=f"CRM {dump.replace('_', ' ')} ({DUMP_SETTINGS[dump]}: {describe_location(url)})",
            http=self.download_limits(url, dest),
            headers=headers,
            params=params,
            secrets=[token] if token else [],
        )

    def read(self, run_id: str, dump: str) -> CsvTable:
        """One full dump (`assigned_leads` or `sales`), every cell as text, landed once per run (`.frame`;
        `.set_aside` for the step's reconciliation)."""
        path = self.land(run_id, dump)
        return read_csv_text(path, label=f"CRM {dump.replace('_', ' ')} dump")
