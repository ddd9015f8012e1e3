"""Downloading a source over HTTP(S): streamed to disk, bounded retries, readable errors.

A CRM dump or a published sheet can be large and the network flaky. The body is
streamed into `<dest>.part` and renamed into place only when complete, so a download
cut short never leaves a file that looks finished. Rate limits (429), server errors
(5xx), dropped connections, timeouts and bodies cut short are retried with exponential
back-off (a server's Retry-After is honoured, within a cap); 401/403/404 are not worth
retrying and fail at once with a message that says what to check. Tokens and passwords
never reach a message or a log line.

Limits a server cannot talk its way around: each download has one total deadline, across
all its tries and the step's retries (the read timeout only bounds each wait for bytes, so a
server trickling a byte a second would otherwise hold a run for ever, and a fresh deadline
per try multiplied it by every retry) and a size cap (checked on Content-Length before reading,
and on the bytes as they arrive); an answer that is clearly not CSV (JSON, a web page, an
image...) is refused by its Content-Type before a byte lands. A token goes only to the host
it was configured for, encrypted: never over plain http except to this machine, and never
along a redirect to another host (a query-parameter token would be carried along, and a
token in a header leaves the configured host's trust either way).

Every address, redirect targets included, is read with the HTTP client's own parser
(urllib3's `parse_url`, which decides where requests connects): another parser can read
`http://a.example\\@b.example/` as b.example while the client connects to a.example, so an
address with a backslash or a user name/password in it is refused outright.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO
from urllib.parse import urljoin

import requests
import urllib3
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

from funnel_assets.io import files
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.redact import redact_text, redact_url

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
SNIFF_BYTES = 512
MAX_REDIRECTS = 5
# a server asking for a longer pause than this is not honoured beyond it (the retry caps it lower still)
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0
# Content-Types a CSV download may carry: text/* (text/csv, text/plain...) except a web page
# and the few text types that are plainly something else; the registered and legacy CSV
# types; application/vnd.ms-excel, which IIS and Windows give .csv files; and the generic
# binary types storage services and file servers default to. No Content-Type at all is let
# through too. Whatever the type says, the first bytes are still sniffed for a web page.
CSV_CONTENT_TYPES = frozenset(
    {"application/csv", "application/x-csv", "application/vnd.ms-excel"}
    | {"application/octet-stream", "binary/octet-stream"}
)
WEB_PAGE_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
NOT_CSV_TEXT_TYPES = frozenset({"text/xml", "text/javascript", "text/css", "text/calendar", "text/markdown"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


@dataclass(frozen=True)
class HttpLimits:
    """How long and how hard one HTTP exchange may go on: timeouts, tries, back-off, one deadline, a size cap.

    The plain value the download and API functions take. A resource holds these limits as its configured
    fields (`HttpClientResource`, io/sources/resources.py) and builds one through `http_limits()`. Not to be
    confused with the project's `Settings` (settings.py): nothing here is read from the environment.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_wait_seconds: float = 120.0
    # one download, from its first request (`started_at`, when an earlier try of the same step
    # began it) to the last byte, every try and pause between tries included (checked before each
    # try, when the headers are in and as each piece arrives): read_timeout bounds each wait for
    # bytes, never a trickle
    max_seconds_per_download: float = 15 * 60.0
    # time.time() of the download's first try, when a retried step carries it on; None: now
    started_at: float | None = None
    # a full CRM dump is tens of MB; a runaway or hostile answer must not fill the disk
    max_bytes: int = 2 * 1024**3


class TransientError(Exception):
    """One failed attempt that another attempt may fix (rate limit, server error, network)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _SecretFilter(logging.Filter):
    """urllib3 logs request lines, query string included, at DEBUG: mask the secrets in them."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            masked = redact_text(message, self.secrets)
            if masked != message:
                record.msg, record.args = masked, ()
        return True


_secret_filter = _SecretFilter()
logging.getLogger("urllib3.connectionpool").addFilter(_secret_filter)


_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (a number of seconds or an HTTP date), within 0 and a day; None if unreadable.

    The header is the server's to get wrong: `soon`, an empty value, a date in year 99999 or
    a number too large for a float must never fail a download, so anything unreadable means
    "no advice" (the back-off applies) and any advice is capped (the retry caps it lower still).
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        if _SECONDS.fullmatch(value):
            seconds = float(value)
        else:
            moment = parsedate_to_datetime(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            seconds = (moment - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def is_url(location: str) -> bool:
    """An http(s) address, as opposed to a local path or a Google Sheet key."""
    return location.strip().lower().startswith(("http://", "https://"))


def looks_like_html(first_bytes: bytes) -> bool:
    return first_bytes.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(HTML_MARKERS)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


def is_this_machine(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: traffic that never leaves the machine."""
    host = host.lower().rstrip(".").strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


DEFAULT_PORTS = {"http": 80, "https": 443}


def client_url(url: str, where: str) -> Url:
    """`url` as the HTTP client reads it, or SourceError naming `where` (a setting or a source), never the URL.

    A backslash or a user name/password is refused: parsers disagree on such an address's host,
    and a check that reads one host while the client connects to another checks nothing.
    """
    if "\\" in url:
        raise SourceError(
            f"{where}: the address has a backslash (\\) in it, which web addresses never need and which "
            "programs read differently. Write it with forward slashes only.",
            retryable=False,
        )
    try:
        parsed = parse_url(url.strip())
    except LocationParseError:
        raise SourceError(
            f"{where}: the address could not be read as a web address. Check it for a typo.", retryable=False
        ) from None
    if parsed.auth is not None:
        raise SourceError(
            f"{where}: the address has a user name or password in it (a part before @). Remove it: a CRM token "
            "belongs in CRM_API_TOKEN, and a password never in an address.",
            retryable=False,
        )
    if parsed.scheme not in DEFAULT_PORTS or not parsed.host:
        raise SourceError(
            f"{where}: the address must start with https:// (or http:// to this machine) and name a host.",
            retryable=False,
        )
    return parsed


def endpoint(parsed: Url) -> tuple[str, int]:
    """Where the client connects: host and port (the scheme's default when none is written)."""
    return (parsed.host or "").lower().rstrip("."), parsed.port or DEFAULT_PORTS[parsed.scheme or "http"]


def _shown_host(parsed: Url) -> str:
    host, port = endpoint(parsed)
    return host if parsed.port is None else f"{host}:{port}"


def _carries_credentials(headers: Mapping[str, str], secrets: list[str]) -> bool:
    """A token, as a header or a query parameter (both listed in `secrets`). A URL cannot carry a password:
    `client_url` refuses one."""
    return bool(secrets or any(h.lower() == "authorization" for h in headers))


def _refuse_plain_http(parsed: Url, label: str, shown_url: str) -> None:
    """A token over plain http can be read by anyone on the way; only this machine's own traffic is exempt."""
    if parsed.scheme == "http" and not is_this_machine(parsed.host or ""):
        raise SourceError(
            f"{label}: {shown_url} is a plain http:// address, and the token (or password) would travel unencrypted "
            f"to {parsed.host}. Use the https:// address of the same endpoint (plain http is allowed only to "
            "this machine: localhost, 127.0.0.1, ::1)."
        )


def _same_host_redirect(before: Url, after: Url) -> bool:
    """A redirect that keeps the token with the host and port it was configured for, and never downgrades to http."""
    if endpoint(before) != endpoint(after):
        return False
    return not (before.scheme == "https" and after.scheme != "https")


def bounded_retry(settings: HttpLimits, label: str, deadline: float | None = None) -> Retrying:
    """Up to `max_attempts` tries on TransientError, exponential back-off or the server's Retry-After, capped
    (and never past `deadline`, a time.monotonic() value, when one is given)."""
    exponential = wait_exponential(multiplier=settings.backoff_seconds, max=settings.max_wait_seconds)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            pause = min(error.retry_after, settings.max_wait_seconds)
        else:
            pause = exponential(state)
        return pause if deadline is None else max(0.0, min(pause, deadline - time.monotonic()))

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s: attempt %d of %d failed (%s); trying again in %.1f s",
            label,
            state.attempt_number,
            settings.max_attempts,
            getattr(error, "reason", error.__class__.__name__),
            state.upcoming_sleep,
        )

    return Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(settings.max_attempts),
        wait=wait,
        before_sleep=before_sleep,
        reraise=True,
    )


def _status_error(status: int, label: str, shown_url: str) -> SourceError:
    if status == 401:
        what = "refused the credentials (HTTP 401). Check that the token is set and still valid (CRM_API_TOKEN)."
    elif status == 403:
        what = "refused access (HTTP 403). The token or account is valid but not allowed to read this; ask for access."
    elif status == 404:
        what = "was not found (HTTP 404). Check the address for a typo or a moved endpoint."
    else:
        what = f"answered HTTP {status}, which retrying will not fix. Check the address and the parameters."
    return SourceError(f"{label}: {shown_url} {what}")


def _web_page(label: str, shown_url: str) -> SourceError:
    return SourceError(
        f"{label}: {shown_url} sent a web page instead of CSV data. This is usually a login or error page: check "
        "the address and the token, and open the address in a browser to see what it says."
    )


def _refuse_content_type(response: requests.Response, label: str, shown_url: str) -> None:
    """An answer that says it is not CSV fails before a byte lands; no Content-Type gets the benefit of the doubt."""
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()[:100]
    if media in WEB_PAGE_CONTENT_TYPES:
        raise _web_page(label, shown_url)
    if not media or media in CSV_CONTENT_TYPES or (media.startswith("text/") and media not in NOT_CSV_TEXT_TYPES):
        return
    raise SourceError(
        f"{label}: {shown_url} answered with {media} instead of CSV data. The address may lead to another form of "
        "the same data (an API's JSON, a workbook, a viewer page): use the address of the CSV export."
    )


def _too_large(label: str, shown_url: str, settings: HttpLimits, what: str) -> SourceError:
    return SourceError(
        f"{label}: {shown_url} {what}, more than the {_size(settings.max_bytes)} allowed for one download, so it was "
        "stopped. A normal dump is far smaller: check the address and its parameters (a missing date filter?), "
        "or raise the download size limit if the data really is this large."
    )


def _too_slow(label: str, shown_url: str, settings: HttpLimits, written: int) -> SourceError:
    """Not retried, within the step or by a step retry: the deadline covers every try of the download."""
    return SourceError(
        f"{label}: {shown_url} was still not downloaded after {_duration(settings.max_seconds_per_download)} "
        f"of trying ({_size(written)} received on the last try), so the download was stopped. The server or the "
        "network is far too slow right now; run the job again later, and yesterday's tables are untouched.",
        retryable=False,
    )


def _refuse_redirect(origin: Url, target: Url, label: str, shown_url: str) -> None:
    """The token was configured for one host: a redirect elsewhere (or down to plain http) is not followed."""
    if _same_host_redirect(origin, target):
        return
    where = "to plain http" if endpoint(origin) == endpoint(target) else f"to another host ({_shown_host(target)})"
    raise SourceError(
        f"{label}: {shown_url} redirected {where}, and the token goes only to {_shown_host(origin)}: the redirect was "
        "not followed and nothing was sent there. If that is the endpoint's new address, configure it (https://) "
        "instead."
    )


def _get(
    url: str,
    *,
    headers: dict,
    params: dict,
    settings: HttpLimits,
    deadline: float,
    guarded: bool,
    label: str,
    shown_url: str,
):
    """The answer, body not yet read. Redirects are followed here, hop by hop, each target read by the client's
    parser first; with credentials, only on the same host and port.

    requests drops an Authorization header on a redirect to another host, but a token in the
    query string is carried along whenever the server echoes it in the Location, so redirects
    are never left to requests.
    """
    # no wait for a connection or for bytes may outlast the download's deadline
    remaining = max(0.001, deadline - time.monotonic())
    timeout = (min(settings.connect_timeout, remaining), min(settings.read_timeout, remaining))
    response = requests.get(url, headers=headers, params=params, stream=True, timeout=timeout, allow_redirects=False)
    hops = 0
    while response.is_redirect:
        response.close()
        if hops == MAX_REDIRECTS:
            raise SourceError(f"{label}: {shown_url} redirected more than {MAX_REDIRECTS} times. Check the address.")
        hops += 1
        where = f"{label} (a redirect from {shown_url})"
        origin = client_url(response.url, where)
        target = client_url(urljoin(response.url, response.headers["Location"]), where)
        if guarded:
            _refuse_redirect(origin, target, label, shown_url)
        response = requests.get(target.url, headers=headers, stream=True, timeout=timeout, allow_redirects=False)
    return response


def _refuse_failed_answer(response: requests.Response, settings: HttpLimits, label: str, shown_url: str) -> None:
    """What the status line and headers already say: retry later, give up, or not CSV, or too large to take."""
    if response.status_code in RETRYABLE_STATUSES:
        raise TransientError(f"HTTP {response.status_code}", retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code >= 400:
        raise _status_error(response.status_code, label, shown_url)
    _refuse_content_type(response, label, shown_url)
    declared = _content_length(response)
    if declared is not None and declared > settings.max_bytes:
        raise _too_large(label, shown_url, settings, f"announced {_size(declared)}")


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if re.fullmatch(r"[0-9]{1,20}", value) else None


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives, in whatever pieces come (read1), with urllib3's errors as requests' own.

    iter_content waits to fill each chunk, so against a server trickling a byte a second the
    caller would never see the clock; read1 hands over what the socket has and returns.
    """
    while True:
        try:
            chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            raise requests.exceptions.ReadTimeout() from None
        except urllib3.exceptions.SSLError:
            raise requests.exceptions.SSLError() from None
        except urllib3.exceptions.ProtocolError:
            raise requests.exceptions.ChunkedEncodingError() from None
        except urllib3.exceptions.DecodeError:
            raise requests.exceptions.ContentDecodingError() from None
        if not chunk:
            return
        yield chunk


def _save(response, out: IO[bytes], *, deadline: float, settings: HttpLimits, label: str, shown_url: str) -> int:
    """The body into `out`, the limits checked as the bytes arrive. Returns the bytes written (decompressed)."""
    written, head = 0, b""
    for chunk in _arriving(response):
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
            if looks_like_html(head):
                raise _web_page(label, shown_url)
        written += len(chunk)
        if written > settings.max_bytes:
            raise _too_large(label, shown_url, settings, "sent more data")
        out.write(chunk)
        if time.monotonic() > deadline:
            raise _too_slow(label, shown_url, settings, written)
    return written


def download(
    url: str,
    dest: Path,
    settings: HttpLimits,
    *,
    label: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
) -> Path:
    """Stream the CSV at `url` into `dest` (complete or not at all); the bytes are on disk, never all in memory.

    `secrets` are the token values sent (as a header or a query parameter): they are masked in
    every message and log line, and their presence makes the request one with credentials,
    which is refused over plain http to another machine and never follows a redirect to
    another host.
    """
    secrets = [s for s in secrets if s]
    _secret_filter.secrets.update(secrets)
    headers, params = dict(headers or {}), dict(params or {})
    parsed = client_url(url, label)
    shown_url = redact_text(redact_url(url), secrets)
    guarded = _carries_credentials(headers, secrets)
    if guarded:
        _refuse_plain_http(parsed, label, shown_url)
    started = settings.started_at if settings.started_at is not None else time.time()
    deadline = time.monotonic() + settings.max_seconds_per_download - max(0.0, time.time() - started)

    def attempt() -> None:
        if time.monotonic() > deadline:
            raise _too_slow(label, shown_url, settings, 0)
        try:
            opened = _get(
                parsed.url,
                headers=headers,
                params=params,
                settings=settings,
                deadline=deadline,
                guarded=guarded,
                label=label,
                shown_url=shown_url,
            )
            with opened as response:
                _refuse_failed_answer(response, settings, label, shown_url)
                if time.monotonic() > deadline:
                    raise _too_slow(label, shown_url, settings, 0)
                # the landing file appears whole once the answer is complete, or not at all (never through a link)
                with files.writing(dest) as out:
                    _save(response, out, deadline=deadline, settings=settings, label=label, shown_url=shown_url)
                    # Content-Length counts the bytes on the wire (compressed, if the server compressed them)
                    expected, received = _content_length(response), response.raw.tell()
                    if expected is not None and received < expected:
                        raise TransientError(f"the answer was cut short ({received} of {expected} bytes)")
        except requests.exceptions.Timeout:
            if time.monotonic() > deadline:
                raise _too_slow(label, shown_url, settings, 0) from None
            raise TransientError("no answer within the time limit") from None
        except requests.exceptions.ChunkedEncodingError:
            raise TransientError("the answer was cut short") from None
        except requests.exceptions.ConnectionError:
            raise TransientError("the connection failed or was dropped") from None
        except requests.exceptions.RequestException as exc:
            raise SourceError(f"{label}: {shown_url} could not be requested ({exc.__class__.__name__}).") from None

    try:
        bounded_retry(settings, label, deadline)(attempt)
    except TransientError as exc:
        raise SourceError(
            f"{label}: {shown_url} still failed after {settings.max_attempts} attempts (last: {exc.reason}). "
            "The server may be down or overloaded; the step can be re-run later, and yesterday's tables are untouched.",
            retryable=True,
        ) from None
    return dest
