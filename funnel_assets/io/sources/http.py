"""Downloading a source over HTTP(S): streamed to disk, bounded retries, readable errors.

A CRM dump or a published sheet can be large and the network flaky. The body is
streamed into `<dest>.part` and renamed into place only when complete, so a download
cut short never leaves a file that looks finished. Rate limits (429), server errors
(5xx), dropped connections, timeouts and bodies cut short are retried with exponential
back-off (a server's Retry-After is honoured, within a cap); 401/403/404 are not worth
retrying and fail at once with a message that says what to check. Tokens and passwords
never reach a message or a log line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.redact import redact_text, redact_url

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


@dataclass(frozen=True)
class HttpSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_wait_seconds: float = 120.0


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


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


def looks_like_html(first_bytes: bytes) -> bool:
    return first_bytes.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(HTML_MARKERS)


def bounded_retry(settings: HttpSettings, label: str) -> Retrying:
    """Up to `max_attempts` tries on TransientError, exponential back-off or the server's Retry-After, capped."""
    exponential = wait_exponential(multiplier=settings.backoff_seconds, max=settings.max_wait_seconds)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            return min(error.retry_after, settings.max_wait_seconds)
        return exponential(state)

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


def download(
    url: str,
    dest: Path,
    settings: HttpSettings,
    *,
    label: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
) -> Path:
    """Stream `url` into `dest` (complete or not at all); the number of bytes is on disk, not in memory."""
    secrets = [s for s in secrets if s]
    _secret_filter.secrets.update(secrets)
    shown_url = redact_text(redact_url(url), secrets)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")

    def attempt() -> None:
        try:
            with requests.get(
                url,
                headers=dict(headers or {}),
                params=dict(params or {}),
                stream=True,
                timeout=(settings.connect_timeout, settings.read_timeout),
            ) as response:
                if response.status_code in RETRYABLE_STATUSES:
                    raise TransientError(
                        f"HTTP {response.status_code}", retry_after_seconds(response.headers.get("Retry-After"))
                    )
                if response.status_code >= 400:
                    raise _status_error(response.status_code, label, shown_url)
                expected = response.headers.get("Content-Length")
                written = 0
                with partial.open("wb") as out:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        if written == 0 and looks_like_html(chunk[:512]):
                            raise SourceError(
                                f"{label}: {shown_url} sent a web page instead of CSV data. This is usually a "
                                "login or error page: check the address and the token, and open the address in "
                                "a browser to see what it says."
                            )
                        out.write(chunk)
                        written += len(chunk)
                if expected is not None and expected.isdigit() and written < int(expected):
                    raise TransientError(f"the answer was cut short ({written} of {expected} bytes)")
        except requests.exceptions.Timeout:
            raise TransientError("no answer within the time limit") from None
        except requests.exceptions.ChunkedEncodingError:
            raise TransientError("the answer was cut short") from None
        except requests.exceptions.ConnectionError:
            raise TransientError("the connection failed or was dropped") from None
        except requests.exceptions.RequestException as exc:
            raise SourceError(f"{label}: {shown_url} could not be requested ({exc.__class__.__name__}).") from None

    try:
        bounded_retry(settings, label)(attempt)
    except TransientError as exc:
        partial.unlink(missing_ok=True)
        raise SourceError(
            f"{label}: {shown_url} still failed after {settings.max_attempts} attempts (last: {exc.reason}). "
            "The server may be down or overloaded; the step can be re-run later, and yesterday's tables are untouched.",
            retryable=True,
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, dest)
    return dest
