"""Reading a Google Sheet (every cell as text, one or two API requests per worksheet), and writing tabs.

A private sheet is read with gspread and a service account through the Values API's
`values.get`, which returns the whole tab as displayed (FORMATTED_VALUE), so a date stays
`14/09/2025 18:03` and is cast by the product, not guessed by a library. A tab named in the
settings is read in that one request; a tab named by the address's `#gid=`, or the first tab,
needs one more before it (`spreadsheets.get`, the tab list) to learn its name. "The first tab"
is the leftmost, by its `index`: tab ID 0 is the tab created first, wherever it was moved since.
The Sheets API allows 60 reads a minute per user; a daily pull needs fewer than ten. gspread
sets no timeout and its optional back-off client retries without bound, so this module sets
both: a timeout on every request and a bounded retry on 429 and 5xx.

Scopes are Google's, as its discovery document for the Sheets API lists them per method:
reading asks for `spreadsheets.readonly`, which `spreadsheets.get` and `values.get` accept (the
`...ByDataFilter` methods do not: they want a scope that can write), and writing asks for the
full `spreadsheets` scope. A token carries exactly the scopes its request asked for, and Google
refuses a call its scopes do not cover (HTTP 403, "insufficient authentication scopes"),
whatever the sharing. The API's address is a parameter (Google's by default) so tests can point
it, and the service account's `token_uri`, at a local stand-in that behaves as Google documents.

Without a service account, a sheet shared "anyone with the link" is read through its CSV export
URL instead (see `export_url`), which names a tab by its gid only.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from pathlib import Path
from urllib.parse import quote

import gspread
import requests
from google.oauth2.service_account import Credentials

from funnel_assets.io import files
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import (
    HttpLimits,
    TransientError,
    bounded_retry,
    client_url,
    is_this_machine,
    retry_after_seconds,
)

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
READ_ONLY_SCOPES = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
WRITE_SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
_SHEET_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/d/(?P<key>[A-Za-z0-9_-]{20,})(?P<rest>/[^?#]*)?")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]{30,}$")
_GID = re.compile(r"[#&?]gid=(\d+)")


def checked_sheets_api_url(url: str) -> str:
    """`url`, if the service account's access token may go there: Google's https address, or a stand-in on this
    machine (tests). A resource's `google_sheets_api_url` is checked with it when the resource is built."""
    parsed = client_url(url, "google_sheets_api_url")
    if parsed.scheme != "https" and not is_this_machine(parsed.host or ""):
        raise ValueError(
            "google_sheets_api_url must be an https:// address (or one on this machine): an access token goes there"
        )
    return url


def is_google_sheet(location: str) -> bool:
    """A sheet key, or a sheet's edit/view URL (export and publish URLs are plain CSV URLs)."""
    location = location.strip()
    if _BARE_KEY.match(location):
        return True
    match = _SHEET_URL.match(location)
    if not match or match.group("key") == "e":
        return False
    rest = match.group("rest") or ""
    return not rest.startswith(("/export", "/pub", "/gviz"))


def parse_sheet_reference(location: str) -> tuple[str, int | None]:
    """(sheet key, gid of the tab named in the URL, if any)."""
    location = location.strip()
    if _BARE_KEY.match(location):
        return location, None
    match = _SHEET_URL.match(location)
    if not match:
        raise SourceError(f"{location!r} is neither a Google Sheet key nor a Google Sheet address.")
    gid = _GID.search(location)
    return match.group("key"), int(gid.group(1)) if gid else None


def export_url(key: str, gid: int | None, worksheet: str | None) -> str:
    """The CSV export address of a sheet shared by link (no service account needed).

    Google's export takes a tab by its gid only. A tab by name would go through the `gviz` query
    address, whose query language gives each column one type and blanks the cells of the less
    common one (a phone column of numbers with a few written as text loses those): refused.
    """
    if worksheet:
        raise SourceError(
            f"Google Sheet {key}: the tab {worksheet!r} is asked for by name (the source's worksheet setting), but no "
            "service account is set. "
            "Without one, Google only exports a tab named by its number, and its other way of reading a tab by name "
            "blanks cells in columns that mix numbers and text. Either share the sheet with the service account "
            "and set GOOGLE_SERVICE_ACCOUNT_FILE, or leave the tab name empty and use the tab's own address (open "
            "the tab in the browser and copy the address, which ends in #gid=<number>)."
        )
    return f"https://docs.google.com/spreadsheets/d/{key}/export?format=csv&gid={gid or 0}"


def service_account_credentials(service_account_file: str, scopes: tuple[str, ...]) -> tuple[Credentials, str]:
    """The key file's credentials for exactly `scopes`, and the account's e-mail (for "share it with ...")."""
    path = Path(service_account_file).expanduser()
    if not path.is_file():
        raise SourceError(
            f"The Google service-account file {path} does not exist. Set GOOGLE_SERVICE_ACCOUNT_FILE to the "
            "JSON key downloaded from Google Cloud."
        )
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        credentials = Credentials.from_service_account_info(info, scopes=scopes)
    except (ValueError, KeyError) as exc:
        raise SourceError(
            f"The Google service-account file {path.name} is not a valid service-account JSON key "
            f"({exc.__class__.__name__}). Download a new JSON key for the service account."
        ) from None
    return credentials, info.get("client_email", "the service account")


def _client(service_account_file: str, settings: HttpLimits, scopes: tuple[str, ...]) -> tuple[gspread.Client, str]:
    """A gspread client whose token carries exactly `scopes` (google-auth asks the key file's `token_uri` for it)."""
    credentials, account = service_account_credentials(service_account_file, scopes)
    client = gspread.Client(auth=credentials)
    client.set_timeout((settings.connect_timeout, settings.read_timeout))
    return client, account


def lacks_scope(error: dict) -> bool:
    """Google's 403 (any Google API's error body) for a token whose scopes do not cover the method: not a
    sharing problem."""
    details = error.get("details") or []
    reasons = {d.get("reason") for d in details if isinstance(d, dict)}
    message = str(error.get("message", "")).lower()
    return "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons or "insufficient authentication scopes" in message


def scope_refusal(label: str, account: str, granted: tuple[str, ...], message: str, shared: str) -> str:
    """Why a call the token's scopes do not cover failed, for `shared` (the sheet, the folder)."""
    return (
        f"{label}: Google refused the call because the access token of {account} was granted only "
        f"{', '.join(granted) or 'no scope'}, which does not cover it (HTTP 403: {message}). Sharing {shared} will "
        "not help: the program asked Google for too narrow a permission. Report this as a bug."
    )


def account_refusal(label: str, account: str, error: Exception) -> str:
    """Why google-auth's token exchange failed, in words."""
    return (
        f"{label}: Google did not accept the service account {account} ({error.__class__.__name__}). "
        "The key may have been deleted or disabled; download a new JSON key."
    )


def _sheets_call(
    client: gspread.Client,
    method: str,
    url: str,
    body: dict | None,
    *,
    params: dict | None = None,
    settings: HttpLimits,
    label: str,
    account: str,
    refusals: dict[int, str],
) -> dict:
    """One Sheets API request with a timeout and a bounded retry on 429/5xx and network errors.

    `refusals` holds the message for each status worth explaining; `{message}` is Google's own text.
    """

    def attempt() -> dict:
        try:
            return client.http_client.request(method, url, params=params, json=body).json()
        except gspread.exceptions.APIError as exc:
            status = exc.response.status_code
            if status == 429 or status >= 500:
                raise TransientError(
                    f"HTTP {status}", retry_after_seconds(exc.response.headers.get("Retry-After"))
                ) from None
            message = exc.error.get("message", "")
            if status == 403 and lacks_scope(exc.error):
                granted = tuple(getattr(client.http_client.auth, "scopes", None) or ())
                raise SourceError(scope_refusal(label, account, granted, message, "the sheet")) from None
            explained = refusals.get(status, f"Google answered HTTP {status} ({{message}}).")
            raise SourceError(f"{label}: {explained.format(message=message)}") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"network problem ({exc.__class__.__name__})") from None
        except Exception as exc:  # google-auth's token exchange
            if exc.__class__.__module__.startswith("google.auth"):
                raise SourceError(account_refusal(label, account, exc)) from None
            raise

    try:
        return bounded_retry(settings, label)(attempt)
    except TransientError as exc:
        raise SourceError(
            f"{label}: Google Sheets still failed after {settings.max_attempts} attempts (last: {exc.reason}). "
            "Google may be rate-limiting or down; re-run the step later.",
            retryable=True,
        ) from None


def a1_tab(title: str) -> str:
    """A tab's whole grid in A1 notation: its name quoted, a quote in it doubled."""
    return "'" + title.replace("'", "''") + "'"


def fetch_sheet_values(
    key: str,
    *,
    gid: int | None,
    worksheet: str | None,
    service_account_file: str,
    settings: HttpLimits,
    label: str,
    api_url: str = SHEETS_API,
) -> list[list[str]]:
    """Every row of one tab as displayed, with a read-only token (plus Google's token exchange)."""
    client, account = _client(service_account_file, settings, READ_ONLY_SCOPES)
    tab = worksheet or (f"gid {gid}" if gid is not None else "the first tab")
    refusals = {
        403: f"Google refused access (HTTP 403). Share the sheet with {account} (Viewer is enough) and check "
        "that the Sheets API is enabled for its project.",
        404: "Google found no sheet with this key (HTTP 404). "
        "Check FUNNEL_LEADS_SOURCE / FUNNEL_SPEND_SOURCE for a typo.",
        400: f"Google could not read the tab {tab!r} (HTTP 400: {{message}}). Check the worksheet name or the #gid= "
        "in the address.",
    }

    def call(url: str, params: dict) -> dict:
        return _sheets_call(
            client, "get", url, None, params=params, settings=settings, label=label, account=account, refusals=refusals
        )

    title = worksheet or _tab_title(
        call(f"{api_url}/{key}", {"fields": "sheets.properties(sheetId,title,index)"}), gid, label
    )
    response = call(
        f"{api_url}/{key}/values/{quote(a1_tab(title), safe='')}",
        {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"},
    )
    return response.get("values") or []


def _tab_title(listed: dict, gid: int | None, label: str) -> str:
    """The title of the tab with this gid, or of the leftmost tab (lowest `index`) when none is named."""
    tabs = [sheet.get("properties") or {} for sheet in listed.get("sheets") or []]
    if gid is not None:
        tabs = [tab for tab in tabs if tab.get("sheetId", 0) == gid]
        if not tabs:
            raise SourceError(
                f"{label}: the sheet has no tab with the number {gid} (the #gid= in the address). The tab may have "
                "been deleted: open the right tab in the browser and copy its address again."
            )
    if not tabs:
        raise SourceError(f"{label}: Google listed no tab in this sheet.")
    return min(tabs, key=lambda tab: tab.get("index", 0))["title"]


def write_values_csv(values: list[list[str]], dest: Path) -> Path:
    """The sheet's rows as a CSV landing file, short rows padded (the API drops trailing blanks)."""
    width = max((len(row) for row in values), default=0)
    with files.writing(dest, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerows([list(row) + [""] * (width - len(row)) for row in values])
    return dest


def _cell(value: object) -> dict:
    if value is None or (isinstance(value, float) and value != value):
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def tab_id(title: str) -> int:
    """A stable sheet id for a tab this project creates (any non-negative 31-bit number will do)."""
    return zlib.crc32(title.encode()) & 0x7FFFFFFF


def _sized(title: str, current: tuple[int, int, int] | None, height: int, width: int) -> tuple[int, list[dict]]:
    """The tab's sheet id, and the requests that make it exist and hold `height` x `width` cells.

    Google refuses to write past a tab's grid (a new tab has 1000 rows and 26 columns), and
    a daily table outgrows 1000 rows within months: a new tab is created at the table's
    size, an existing one is grown (never shrunk: updateCells already clears what is left).
    """
    if current is None:
        sheet_id = tab_id(title)
        grid = {"rowCount": height, "columnCount": width}
        return sheet_id, [{"addSheet": {"properties": {"sheetId": sheet_id, "title": title, "gridProperties": grid}}}]
    sheet_id, rows, columns = current
    if rows >= height and columns >= width:
        return sheet_id, []
    grid = {"rowCount": max(rows, height), "columnCount": max(columns, width)}
    return sheet_id, [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": grid},
                "fields": "gridProperties(rowCount,columnCount)",
            }
        }
    ]


def write_tabs(
    key: str,
    tabs: dict[str, list[list[object]]],
    *,
    service_account_file: str,
    settings: HttpLimits,
    label: str,
    api_url: str = SHEETS_API,
) -> dict[str, int]:
    """Replace each tab's contents with its rows, one batchUpdate request per tab (plus one to list the tabs).

    The token asks for the full Sheets scope: a read-only one is refused on every write.
    A missing tab is created (and a small one grown) in the same request; everything beyond
    the new rows is cleared, so a shorter table leaves no stale rows behind. Returns the
    cells written per tab.
    """
    client, account = _client(service_account_file, settings, WRITE_SCOPES)

    def call(method: str, url: str, body: dict | None = None) -> dict:
        refusals = {403: f"Google refused to write (HTTP 403). Share the sheet with {account} as Editor."}
        return _sheets_call(
            client, method, url, body, settings=settings, label=label, account=account, refusals=refusals
        )

    fields = "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))"
    listed = call("get", f"{api_url}/{key}?fields={fields}")
    existing = {}
    for sheet in listed.get("sheets", []):
        properties = sheet["properties"]
        grid = properties.get("gridProperties", {})
        existing[properties["title"]] = (properties["sheetId"], grid.get("rowCount", 0), grid.get("columnCount", 0))
    written = {}
    for title, rows in tabs.items():
        height, width = max(len(rows), 1), max(max((len(row) for row in rows), default=0), 1)
        sheet_id, requests_ = _sized(title, existing.get(title), height, width)
        requests_.append(
            {
                "updateCells": {
                    "range": {"sheetId": sheet_id},
                    "fields": "userEnteredValue",
                    "rows": [{"values": [_cell(v) for v in row]} for row in rows],
                }
            }
        )
        call("post", f"{api_url}/{key}:batchUpdate", {"requests": requests_})
        written[title] = sum(len(row) for row in rows)
    return written
