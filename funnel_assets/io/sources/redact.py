"""Keeping secrets out of messages: tokens, passwords and signed query strings."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlencode

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

MASK = "***"

# Query parameters that say which part of a sheet or export to read, never a secret.
HARMLESS_QUERY_PARAMETERS = frozenset({"format", "gid", "output", "sheet", "single", "range", "tqx"})


def redact_url(url: str) -> str:
    """The URL without user, password or the value of any query parameter that could be a secret.

    Read by the HTTP client's own parser, so the host shown is the one the client connects to.
    """
    try:
        parts = parse_url(url.strip())
    except LocationParseError:
        return "(an address that could not be read)"
    host = parts.host or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = [
        (name, value if name.lower() in HARMLESS_QUERY_PARAMETERS else MASK)
        for name, value in parse_qsl(parts.query or "", keep_blank_values=True)
    ]
    shown = f"{parts.scheme}://{host}{parts.path or ''}"
    return f"{shown}?{urlencode(query, safe='*')}" if query else shown


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """The text with every secret (as written, and URL-encoded) replaced by ***."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            text = text.replace(form, MASK)
    return text
