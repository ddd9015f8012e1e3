"""The tabular source reader over real HTTP, against a server on 127.0.0.1 that the tests script."""

from __future__ import annotations

import logging

import pytest

from funnel_assets.io.crm import CrmApi
from funnel_assets.io.sources.csv_reading import read_csv_text
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import HttpLimits, download, retry_after_seconds
from funnel_assets.io.sources.landing import land_table
from funnel_assets.io.sources.redact import redact_url
from funnel_assets.io.sources.resources import TabularSource
from funnel_assets_tests.support.http_server import Scripted
from funnel_assets_tests.support.resources import landing_dir

CSV = "sources,assignOn,leadMobile,employee\r\nACCA_Webinar_Meta,2025-09-30T19:00:00Z,+91 98765-43210,Asha\r\n"
TOKEN = "s3cr3t-crm-token-value"
FAST = HttpLimits(connect_timeout=2, read_timeout=2, max_attempts=3, backoff_seconds=0.01, max_wait_seconds=2)


def fetch(http_server, path: str, tmp_path, **kwargs):
    dest = tmp_path / "landing" / "dump.csv"
    land_table(http_server.url(path), dest, label="CRM test dump", http=FAST, **kwargs)
    return read_csv_text(dest, label="CRM test dump").frame


def test_200_lands_the_body_and_reads_every_cell_as_text(http_server, tmp_path):
    http_server.add("/dump", CSV)
    frame = fetch(http_server, "/dump", tmp_path)
    assert frame.columns == ["sources", "assignOn", "leadMobile", "employee"]
    assert frame["leadMobile"][0] == "+91 98765-43210"
    assert len(http_server.requests("/dump")) == 1


def test_landed_file_is_reused_by_the_same_run(http_server, tmp_path):
    http_server.add("/dump", CSV)
    dest = tmp_path / "dump.csv"
    land_table(http_server.url("/dump"), dest, label="x", http=FAST)
    land_table(http_server.url("/dump"), dest, label="x", http=FAST)
    assert len(http_server.requests("/dump")) == 1


def test_401_is_a_clear_error_that_never_shows_the_token(http_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    http_server.add("/dump", Scripted(status=401, body=b"bad token"))
    with pytest.raises(SourceError) as raised:
        fetch(http_server, "/dump", tmp_path, params={"api_key": TOKEN}, secrets=[TOKEN])
    message = str(raised.value)
    assert "401" in message and "CRM_API_TOKEN" in message and "CRM test dump" in message
    assert TOKEN not in message and TOKEN not in repr(raised.value)
    assert raised.value.__cause__ is None, "the requests exception (whose text holds the URL) is not chained"
    assert TOKEN not in caplog.text
    assert len(http_server.requests("/dump")) == 1, "a 401 is not retried"
    assert not (tmp_path / "landing" / "dump.csv").exists()


def test_bearer_token_is_sent_in_the_header_and_the_query_parameter_is_configurable(http_server, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    http_server.add("/assigned", CSV).add("/sales", CSV)
    header_crm = CrmApi(
        assigned_leads_url=http_server.url("/assigned"), sales_url=http_server.url("/sales"), landing_dir=landing_dir()
    )
    header_crm.read("run-a", "assigned_leads")
    query_crm = CrmApi(
        assigned_leads_url=http_server.url("/assigned"),
        sales_url=http_server.url("/sales"),
        token_query_parameter="api_key",
        landing_dir=landing_dir(),
    )
    query_crm.read("run-b", "sales")
    assert http_server.requests("/assigned")[0].headers["Authorization"] == f"Bearer {TOKEN}"
    sales_request = http_server.requests("/sales")[0]
    assert sales_request.query == f"api_key={TOKEN}"
    assert "Authorization" not in sales_request.headers


@pytest.mark.parametrize("status, hint", [(403, "not allowed"), (404, "typo")])
def test_403_and_404_say_what_to_check(http_server, tmp_path, status, hint):
    http_server.add("/dump", Scripted(status=status))
    with pytest.raises(SourceError, match=hint):
        fetch(http_server, "/dump", tmp_path)
    assert len(http_server.requests("/dump")) == 1


def test_429_then_200_honours_retry_after(http_server, tmp_path):
    http_server.add("/dump", Scripted(status=429, headers={"Retry-After": "1"}), CSV)
    frame = fetch(http_server, "/dump", tmp_path)
    assert len(frame) == 1
    assert len(http_server.requests("/dump")) == 2


def test_500_then_200_retries(http_server, tmp_path):
    http_server.add("/dump", Scripted(status=500), Scripted(status=502), CSV)
    assert len(fetch(http_server, "/dump", tmp_path)) == 1
    assert len(http_server.requests("/dump")) == 3


def test_5xx_after_every_attempt_fails_with_attempt_count_and_leaves_no_file(http_server, tmp_path):
    http_server.add("/dump", Scripted(status=503))
    with pytest.raises(SourceError, match="3 attempts"):
        fetch(http_server, "/dump", tmp_path)
    assert len(http_server.requests("/dump")) == 3
    assert list((tmp_path / "landing").glob("*")) == []


def test_read_timeout_is_retried_then_reported(http_server, tmp_path):
    http_server.add("/slow", Scripted(body=CSV.encode(), delay=1.0))
    settings = HttpLimits(connect_timeout=1, read_timeout=0.3, max_attempts=2, backoff_seconds=0.01)
    with pytest.raises(SourceError, match="time limit"):
        download(http_server.url("/slow"), tmp_path / "x.csv", settings, label="slow CRM")
    assert len(http_server.requests("/slow")) == 2


def test_timeout_then_answer_succeeds(http_server, tmp_path):
    http_server.add("/slow", Scripted(body=CSV.encode(), delay=1.0), CSV)
    settings = HttpLimits(connect_timeout=1, read_timeout=0.3, max_attempts=3, backoff_seconds=0.01)
    path = download(http_server.url("/slow"), tmp_path / "x.csv", settings, label="slow CRM")
    assert path.read_bytes() == CSV.encode()


def test_body_cut_short_is_retried_and_never_lands_partially(http_server, tmp_path):
    body = (CSV * 2000).encode()
    http_server.add("/dump", Scripted(body=body, truncate_at=len(body) // 3))
    with pytest.raises(SourceError, match="cut short"):
        download(http_server.url("/dump"), tmp_path / "x.csv", FAST, label="CRM")
    assert len(http_server.requests("/dump")) == FAST.max_attempts
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.csv.part").exists()


def test_body_cut_short_then_complete(http_server, tmp_path):
    body = (CSV * 2000).encode()
    http_server.add("/dump", Scripted(body=body, truncate_at=100), Scripted(body=body))
    path = download(http_server.url("/dump"), tmp_path / "x.csv", FAST, label="CRM")
    assert path.read_bytes() == body


def test_html_instead_of_csv_is_named_as_such(http_server, tmp_path):
    http_server.add("/dump", Scripted(body=b"<!DOCTYPE html><html><body>Please log in</body></html>"))
    with pytest.raises(SourceError, match="web page"):
        fetch(http_server, "/dump", tmp_path)
    assert len(http_server.requests("/dump")) == 1


def test_tabular_source_over_http_lands_once_per_run(http_server):
    http_server.add("/leads.csv", "Name,Phone number\nAsha,9876543210\n")
    source = TabularSource(location=http_server.url("/leads.csv"), landing_dir=landing_dir())
    first = source.read("run-1", "marketing_leads")
    again = source.read("run-1", "marketing_leads")
    source.read("run-2", "marketing_leads")
    assert first.frame.equals(again.frame) and first.set_aside == again.set_aside
    assert len(http_server.requests("/leads.csv")) == 2, "a new run downloads afresh, a retried step does not"


def test_redact_url_hides_credentials_and_secret_query_values():
    shown = redact_url("https://user:pw@crm.example.com:8443/api/leads?token=abc&format=csv")
    assert shown == "https://crm.example.com:8443/api/leads?token=***&format=csv"


def test_retry_after_reads_seconds_and_dates():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None


def test_the_token_never_goes_to_a_host_the_server_settings_do_not_name(http_server, tmp_path, monkeypatch):
    """A CRM resource pointed elsewhere than the server's settings name (token_urls, which defs/resources.py
    fills from CRM_ASSIGNED_LEADS_URL / CRM_SALES_URL): the token does not follow it."""
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    addresses = {
        "assigned_leads_url": "https://collector.evil.example/grab",
        "sales_url": "https://crm.example.in/s.csv",
    }
    landing = str(tmp_path / "landing")
    as_the_server_names_it = {"assigned_leads": "https://crm.example.in/api/assigned.csv"}
    redirected = CrmApi(**addresses, token_urls=as_the_server_names_it, landing_dir=landing)
    with pytest.raises(SourceError, match="sent only to the host of CRM_ASSIGNED_LEADS_URL") as refused:
        redirected.read("run-x", "assigned_leads")
    assert TOKEN not in str(refused.value)
    # the host the server names does get it; this machine only when the server names no CRM address
    CrmApi._check_token_host(redirected, "https://crm.example.in/other.csv")
    with pytest.raises(SourceError, match="sent only to the host"):
        CrmApi._check_token_host(redirected, http_server.url("/assigned"))
    named_none = CrmApi(**addresses, landing_dir=landing)
    CrmApi._check_token_host(named_none, http_server.url("/assigned"))
    with pytest.raises(SourceError, match="sent only to the host"):
        CrmApi._check_token_host(named_none, "https://crm.example.in/other.csv")


def test_the_crm_built_from_the_settings_sends_the_token_to_the_hosts_they_name(monkeypatch):
    """defs/resources.py hands the CRM resource the addresses the settings name as where its token may go."""
    from funnel_assets.defs.resources import configured_resources
    from funnel_assets.settings import Settings

    monkeypatch.setenv("CRM_ASSIGNED_LEADS_URL", "https://crm.example.in/api/assigned.csv")
    monkeypatch.setenv("CRM_SALES_URL", "https://sales.example.in:8443/api/sales.csv")
    crm = configured_resources(Settings.from_env())["crm"]
    CrmApi._check_token_host(crm, "https://crm.example.in/other.csv")
    CrmApi._check_token_host(crm, "https://sales.example.in:8443/other.csv")
    with pytest.raises(SourceError, match="sent only to the host"):
        CrmApi._check_token_host(crm, "https://sales.example.in/other.csv")  # another port
