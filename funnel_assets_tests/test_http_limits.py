"""The limits a source's server cannot talk its way around, over real sockets.

A deadline per attempt (a trickling server never trips the read timeout), a size cap, a
Retry-After that cannot break the retry, a Content-Type that must be CSV, and a token that
goes only, encrypted, to the host it was configured for. The scripted server (support/
http_server.py) answers canned responses on 127.0.0.1; `LiveServer` below answers with
functions (a body a byte at a time, no Content-Length) on any loopback address, so a
redirect can lead to another host: 127.0.0.2 is a different host to the client.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import dagster as dg
import pytest

from funnel_assets.defs.failures import readable_failures
from funnel_assets.defs.landing_runs import landing_run
from funnel_assets.io.crm import CrmApi
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import MAX_RETRY_AFTER_SECONDS, HttpLimits, download, retry_after_seconds
from funnel_assets_tests.support.http_server import Scripted
from funnel_assets_tests.support.resources import landing_dir

CSV = b"sources,assignOn,leadMobile,employee\r\nACCA_Webinar_Meta,2025-09-30T19:00:00Z,+91 98765-43210,Asha\r\n"
TOKEN = "s3cr3t-crm-token-value"
FAST = HttpLimits(connect_timeout=2, read_timeout=2, max_attempts=3, backoff_seconds=0.01, max_wait_seconds=0.05)


@dataclass
class Seen:
    path: str
    query: str
    headers: dict[str, str]


class LiveServer:
    """A real HTTP server on a loopback address; each path is answered by a function of the request handler."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.seen.append(Seen(parts.path, parts.query, dict(self.headers.items())))
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up first
                    server.routes.get(parts.path, not_found)(self)

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def not_found(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(404)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def trickle(body: bytes, every: float) -> Callable[[BaseHTTPRequestHandler], None]:
    """The whole Content-Length announced, then one byte every `every` seconds."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for i in range(len(body)):
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
            time.sleep(every)

    return answer


def unannounced(body: bytes, headers: dict[str, str] | None = None) -> Callable[[BaseHTTPRequestHandler], None]:
    """A body with no Content-Length: it ends when the server closes the connection."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        for name, value in {"Content-Type": "text/csv", **(headers or {})}.items():
            handler.send_header(name, value)
        handler.send_header("Connection", "close")
        handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(body)

    return answer


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def other_host() -> Iterator[LiveServer]:
    """A server on 127.0.0.2: another host to the client, though on this machine."""
    server = LiveServer("127.0.0.2")
    server.routes["/dump"] = unannounced(CSV)
    yield server
    server.stop()


def settings(**kwargs) -> HttpLimits:
    values = {
        "connect_timeout": 2,
        "read_timeout": 2,
        "max_attempts": 3,
        "backoff_seconds": 0.01,
        "max_wait_seconds": 0.05,
    }
    return HttpLimits(**{**values, **kwargs})


# ---- (a) one deadline per download ---------------------------------------------------------------


def test_a_server_trickling_a_byte_at_a_time_is_stopped_by_the_deadline(live_server, tmp_path):
    live_server.routes["/dump"] = trickle(CSV, every=0.2)  # never slower than the read timeout, ~17 s in all
    started = time.monotonic()
    with pytest.raises(SourceError, match="still not downloaded after 1 second of trying") as raised:
        download(
            live_server.url("/dump"), tmp_path / "x.csv", settings(max_seconds_per_download=1.0), label="CRM sales"
        )
    assert time.monotonic() - started < 4
    assert "CRM sales" in str(raised.value) and not raised.value.retryable, "a step retry would find the time spent"
    assert len(live_server.seen) == 1, "not retried: each retry would hold the run as long again"
    assert list(tmp_path.iterdir()) == []


def cut_after(body: bytes, every: float, cut_at: int) -> Callable[[BaseHTTPRequestHandler], None]:
    """The whole Content-Length announced, a trickle of `cut_at` bytes, then the connection closed."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.close_connection = True
        handler.end_headers()
        for i in range(cut_at):
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
            time.sleep(every)

    return answer


def test_the_deadline_covers_every_try_of_a_download_not_each_one(live_server, tmp_path):
    """Each try trickles for 1.2 s and is cut short (a transient fault, retried): with a deadline per try
    the 2 s limit became 3 x 1.2 s and more; the download stops at 2 s."""
    live_server.routes["/dump"] = cut_after(CSV, every=0.2, cut_at=6)
    started = time.monotonic()
    with pytest.raises(SourceError, match="still not downloaded after 2 seconds of trying"):
        download(
            live_server.url("/dump"), tmp_path / "x.csv", settings(max_seconds_per_download=2.0), label="CRM sales"
        )
    assert time.monotonic() - started < 2.8
    assert len(live_server.seen) == 2


def test_a_read_timeout_longer_than_the_time_left_is_cut_to_it(http_server, tmp_path):
    """A server that answers nothing waits out the read timeout only within the download's deadline."""
    http_server.add("/dump", Scripted(body=CSV, delay=5))
    started = time.monotonic()
    with pytest.raises(SourceError, match="still not downloaded after 1 second"):
        download(
            http_server.url("/dump"),
            tmp_path / "x.csv",
            settings(read_timeout=30, max_seconds_per_download=1.0),
            label="CRM",
        )
    assert time.monotonic() - started < 2


# ---- (b) a size cap --------------------------------------------------------------------------------


def test_an_announced_size_over_the_cap_fails_before_reading(http_server, tmp_path):
    http_server.add("/dump", CSV * 100)
    with pytest.raises(SourceError, match=r"announced 9\.7 KB, more than the 1000 bytes allowed") as raised:
        download(http_server.url("/dump"), tmp_path / "x.csv", settings(max_bytes=1000), label="CRM sales")
    assert "CRM sales" in str(raised.value)
    assert len(http_server.requests("/dump")) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_unannounced_body_over_the_cap_is_stopped_as_it_streams(live_server, tmp_path):
    live_server.routes["/dump"] = unannounced(CSV * 100)
    with pytest.raises(SourceError, match="sent more data, more than the 1000 bytes allowed"):
        download(live_server.url("/dump"), tmp_path / "x.csv", settings(max_bytes=1000), label="CRM sales")
    assert list(tmp_path.iterdir()) == []


def test_a_body_within_the_cap_lands_whole(live_server, tmp_path):
    live_server.routes["/dump"] = unannounced(CSV * 100)
    path = download(live_server.url("/dump"), tmp_path / "x.csv", settings(max_bytes=len(CSV) * 100), label="CRM")
    assert path.read_bytes() == CSV * 100


def test_a_compressed_body_lands_decompressed(live_server, tmp_path):
    live_server.routes["/dump"] = unannounced(gzip.compress(CSV * 100), {"Content-Encoding": "gzip"})
    path = download(live_server.url("/dump"), tmp_path / "x.csv", FAST, label="CRM")
    assert path.read_bytes() == CSV * 100


# ---- (c) a Retry-After that cannot break the retry -----------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "soon",
        "",
        "   ",
        "\u00b2",
        "9" * 400,
        "-5",
        "1e9",
        "Wed, 21 Oct 99999 07:28:00 GMT",
        "Wed, 21 Oct 2015 25:61:00 GMT",
    ],
    ids=["word", "empty", "blank", "superscript-two", "huge", "negative", "exponent", "year-99999", "hour-25"],
)
def test_retry_after_never_raises_and_is_finite(value):
    seconds = retry_after_seconds(value)
    assert seconds is None or (math.isfinite(seconds) and 0 <= seconds <= MAX_RETRY_AFTER_SECONDS)


def test_retry_after_caps_a_huge_delay_and_reads_decimals():
    assert retry_after_seconds("9" * 400) == MAX_RETRY_AFTER_SECONDS
    assert retry_after_seconds("Fri, 31 Dec 9999 23:59:59 GMT") == MAX_RETRY_AFTER_SECONDS
    assert retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds(" 7 ") == 7.0


@pytest.mark.parametrize(
    "value", ["soon", "", "\u00b2", "99999999999999999999"], ids=["word", "empty", "superscript-two", "huge"]
)
def test_a_malformed_retry_after_falls_back_to_the_back_off(http_server, tmp_path, value):
    # "²" is a digit to str.isdigit() but not to float(): it used to escape as a ValueError
    http_server.add("/dump", Scripted(status=429, headers={"Retry-After": value}), CSV)
    started = time.monotonic()
    path = download(http_server.url("/dump"), tmp_path / "x.csv", FAST, label="CRM")
    assert path.read_bytes() == CSV
    assert len(http_server.requests("/dump")) == 2
    assert time.monotonic() - started < 2, "a huge Retry-After is capped by max_wait_seconds"


# ---- (d) an answer that is clearly not CSV --------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type, body, said",
    [
        ("application/json; charset=utf-8", b'{"leads": []}', "answered with application/json instead of CSV"),
        ("text/html; charset=utf-8", b"Please log in to continue", "sent a web page"),
        ("application/xml", b"<leads/>", "answered with application/xml"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04", "spreadsheetml.sheet"),
        ("image/png", b"\x89PNG", "answered with image/png"),
    ],
)
def test_an_answer_that_says_it_is_not_csv_is_refused_and_named(http_server, tmp_path, content_type, body, said):
    http_server.add("/dump", Scripted(body=body, headers={"Content-Type": content_type}))
    with pytest.raises(SourceError, match=said) as raised:
        download(http_server.url("/dump"), tmp_path / "x.csv", FAST, label="CRM sales")
    assert "CRM sales" in str(raised.value)
    assert len(http_server.requests("/dump")) == 1, "not retried"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content_type",
    [
        "text/csv; charset=utf-8",
        "text/plain",
        "application/octet-stream",
        "application/vnd.ms-excel",
        "application/csv",
        None,
    ],
)
def test_csv_under_the_types_servers_really_use_is_accepted(http_server, tmp_path, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    http_server.add("/dump", Scripted(body=CSV, headers=headers))
    assert download(http_server.url("/dump"), tmp_path / "x.csv", FAST, label="CRM").read_bytes() == CSV


def test_a_web_page_under_a_csv_type_is_still_caught_by_its_first_bytes(live_server, tmp_path):
    page = b"\n\n   <!DOCTYPE html><html><body>Sign in</body></html>"
    live_server.routes["/dump"] = trickle(page, every=0)
    with pytest.raises(SourceError, match="web page"):
        download(live_server.url("/dump"), tmp_path / "x.csv", FAST, label="CRM")


# ---- (e) a token never over plain http to another machine --------------------------------------------


def crm(url: str, **kwargs) -> CrmApi:
    return CrmApi(
        assigned_leads_url=url, sales_url=url, max_attempts=1, backoff_seconds=0.01, landing_dir=landing_dir(), **kwargs
    )


@pytest.mark.parametrize("query_parameter", [None, "api_key"])
def test_a_token_is_never_sent_over_plain_http_to_another_machine(http_server, monkeypatch, query_parameter):
    """The scripted server stands as the network's proxy: before the fix it received the token in clear."""
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, http_server.url(""))
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    http_server.add("/api/leads.csv", CSV)
    url = "http://crm.example.com/api/leads.csv"
    with pytest.raises(SourceError, match="Use the https:// address") as raised:
        # the server names it so: only the plain http stands in the way
        remote = crm(url, token_query_parameter=query_parameter, token_urls={"assigned_leads": url})
        remote.read("run-1", "assigned_leads")
    assert "crm.example.com" in str(raised.value) and TOKEN not in str(raised.value)
    assert http_server.requests("/api/leads.csv") == [], "nothing left the machine"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2"])
def test_a_token_may_go_over_plain_http_to_this_machine(host, monkeypatch, tmp_path):
    server = LiveServer(host if host != "localhost" else "127.0.0.1")
    try:
        server.routes["/dump"] = unannounced(CSV)
        url = server.url("/dump").replace("127.0.0.1", host)
        monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
        assert len(crm(url, token_urls={"sales": url}).read("run-1", "sales")) == 1  # as the server names it
        assert server.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    finally:
        server.stop()


# ---- 3. the token goes only to the configured host ------------------------------------------------------


def redirect_to(location: str) -> Scripted:
    return Scripted(status=302, headers={"Location": location})


@pytest.mark.parametrize("query_parameter", [None, "api_key"])
def test_a_redirect_to_another_host_is_not_followed_with_the_token(
    http_server, other_host, monkeypatch, query_parameter
):
    """The CRM echoes its query string into the Location, as redirecting servers often do."""
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    echoed = f"?api_key={TOKEN}" if query_parameter else ""
    http_server.add("/dump", redirect_to(other_host.url(f"/dump{echoed}")))
    with pytest.raises(SourceError, match=r"redirected to another host \(127\.0\.0\.2:\d+\)") as raised:
        crm(http_server.url("/dump"), token_query_parameter=query_parameter).read("run-1", "sales")
    assert TOKEN not in str(raised.value)
    assert other_host.seen == [], "the other host received nothing, token or not"
    assert len(http_server.requests("/dump")) == 1


def test_a_redirect_on_the_same_host_is_followed_with_the_token(http_server, monkeypatch):
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    http_server.add("/old", redirect_to("/dump")).add("/dump", CSV)
    assert len(crm(http_server.url("/old")).read("run-1", "sales")) == 1
    assert http_server.requests("/dump")[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_endless_redirects_on_the_same_host_stop(http_server, monkeypatch):
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    http_server.add("/loop", redirect_to("/loop"))
    with pytest.raises(SourceError, match="redirected more than 5 times"):
        crm(http_server.url("/loop")).read("run-1", "sales")


def test_a_download_without_credentials_still_follows_redirects_anywhere(http_server, other_host, tmp_path):
    """A sheet shared by link answers its export address with a redirect to googleusercontent.com."""
    http_server.add("/export", redirect_to(other_host.url("/dump")))
    assert download(http_server.url("/export"), tmp_path / "x.csv", FAST, label="leads").read_bytes() == CSV
    assert len(other_host.seen) == 1


# ---- 4. one parser: the host checked is the host the client connects to ---------------------------------


def read_two_ways(server: LiveServer, configured: str) -> str:
    """An address another parser (urlsplit) reads as `configured`'s host, while the HTTP client
    connects to `server` (the backslash ends the host for the client, not for urlsplit)."""
    other = server.url("").removeprefix("http://")
    return f"http://{other}\\@{configured.removeprefix('http://')}"


def test_an_address_read_two_ways_never_receives_the_token(http_server, other_host, monkeypatch):
    """Before the fix, the check read 127.0.0.1 while requests connected to 127.0.0.2 with the token."""
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    configured = http_server.url("/dump")
    http_server.add("/dump", CSV)
    with pytest.raises(SourceError, match=r"CRM_SALES_URL.*backslash") as raised:
        crm(read_two_ways(other_host, configured), token_urls={"sales": configured}).read("run-1", "sales")
    assert TOKEN not in str(raised.value)
    assert other_host.seen == [], "the other host received nothing"


def test_an_address_read_two_ways_is_refused_even_from_the_environment(http_server, other_host, monkeypatch):
    """The resources are built from the environment only: its address passes the same parser."""
    from funnel_assets.defs.resources import configured_resources
    from funnel_assets.settings import Settings

    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    monkeypatch.setenv("CRM_ASSIGNED_LEADS_URL", read_two_ways(other_host, http_server.url("/dump")))
    with pytest.raises(SourceError, match=r"CRM_ASSIGNED_LEADS_URL.*backslash"):
        configured_resources(Settings.from_env())["crm"].read("run-1", "assigned_leads")
    assert other_host.seen == []


def test_a_redirect_read_two_ways_is_not_followed(http_server, other_host, monkeypatch):
    """The CRM's Location reads as its own host to urlsplit, and as another host to the client."""
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    http_server.add("/dump", redirect_to(read_two_ways(other_host, http_server.url("/dump"))))
    with pytest.raises(SourceError, match="backslash") as raised:
        crm(http_server.url("/dump")).read("run-1", "sales")
    assert TOKEN not in str(raised.value)
    assert other_host.seen == [], "the other host received nothing"


def test_a_redirect_without_credentials_read_two_ways_is_not_followed_either(http_server, other_host, tmp_path):
    http_server.add("/export", redirect_to(read_two_ways(other_host, http_server.url("/dump"))))
    with pytest.raises(SourceError, match="backslash"):
        download(http_server.url("/export"), tmp_path / "x.csv", FAST, label="leads")
    assert other_host.seen == []


def test_an_address_with_a_user_name_and_password_is_refused_naming_the_setting(http_server, monkeypatch):
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    http_server.add("/dump", CSV)
    url = http_server.url("/dump").replace("http://", "http://crm-user:pa55word-in-url@")
    with pytest.raises(SourceError, match="CRM_SALES_URL.*user name or password") as raised:
        crm(url).read("run-1", "sales")
    assert "pa55word-in-url" not in str(raised.value) and TOKEN not in str(raised.value)
    assert http_server.requests("/dump") == []


def test_the_token_goes_only_to_the_configured_port_not_to_another_service_on_the_same_machine(
    http_server, live_server, monkeypatch
):
    """The server names the CRM on one port; another local service (another port) is another endpoint."""
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    live_server.routes["/dump"] = unannounced(CSV)
    with pytest.raises(SourceError, match="sent only to the host of CRM_ASSIGNED_LEADS_URL / CRM_SALES_URL"):
        crm(live_server.url("/dump"), token_urls={"sales": http_server.url("/dump")}).read("run-1", "sales")
    assert live_server.seen == []


def test_a_redirect_to_another_port_of_the_same_host_is_not_followed_with_the_token(
    http_server, live_server, monkeypatch
):
    monkeypatch.setenv("CRM_API_TOKEN", TOKEN)
    live_server.routes["/dump"] = unannounced(CSV)
    http_server.add("/dump", redirect_to(live_server.url("/dump")))
    with pytest.raises(SourceError, match="redirected to another host"):
        crm(http_server.url("/dump")).read("run-1", "sales")
    assert live_server.seen == []


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=2, delay=0))
def trickled_sales(context, crm: CrmApi) -> None:
    """The CRM assets' shape (defs/sales/assets.py), with a step retry that does not wait."""
    with readable_failures():
        crm.read(landing_run(context), "sales")


def test_a_retried_step_keeps_its_download_deadline(live_server):
    """Each try trickles 1.2 s and is cut short; the step's retry goes on from the first try's clock, so
    the 2 s deadline stops the second try. With a deadline per step attempt, all three ran (3.6 s)."""
    live_server.routes["/dump"] = cut_after(CSV, every=0.2, cut_at=6)
    crm = CrmApi(
        assigned_leads_url=live_server.url("/dump"),
        sales_url=live_server.url("/dump"),
        max_attempts=1,
        max_seconds_per_download=2.0,
        landing_dir=landing_dir(),
    )
    result = dg.materialize([trickled_sales], resources={"crm": crm}, raise_on_error=False)
    assert not result.success
    retried = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retried) == 1, "the step was retried once, then stopped by the deadline"
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data.description
    assert "still not downloaded after 2 seconds of trying" in failure
    assert len(live_server.seen) == 2
