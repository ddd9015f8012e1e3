"""A stand-in for Google's OAuth token endpoint, the Sheets API v4 and the Drive API v3: a real HTTP server
on 127.0.0.1.

Google cannot be reached from the tests, and a mock that answers whatever it is told cannot
see a client asking for the wrong thing (the export once asked for the read-only scope and
every mocked test passed). This server behaves as Google documents instead:

- `POST /token` takes a service account's signed JWT assertion
  (grant_type `urn:ietf:params:oauth:grant-type:jwt-bearer`), verifies its RS256 signature
  with the public key of the account's `private_key_id`, its audience
  (`https://oauth2.googleapis.com/token`) and its lifetime (an hour at most), and grants an
  access token carrying exactly the scopes of the assertion's `scope` claim
  (https://developers.google.com/identity/protocols/oauth2/service-account#httprest).
- every API request is routed by Google's own description of the API, the discovery documents
  `sheets.v4.json` and `drive.v3.json` shipped with google-api-python-client: a request's HTTP
  method and path name the method (its discovery id, e.g. `sheets.spreadsheets.values.get`), and a
  token whose scopes share none of those the document lists for it is refused 403 "Request had
  insufficient authentication scopes." (reason ACCESS_TOKEN_SCOPE_INSUFFICIENT). No scope list is
  written here: the stand-in cannot agree with the code where Google does not. Downloading
  (`files.get` with `alt=media`, recorded as MEDIA) takes files.get's scopes less the metadata-only
  ones. A method the document has and the stand-in does not answer gets 501, never a guess.
- the Sheets methods (`spreadsheets.get`, `values.get` of a whole tab, `values.batchGetByDataFilter`,
  `spreadsheets.batchUpdate`, `values.batchUpdate`) answer 401 UNAUTHENTICATED for a missing or
  unknown token, 403 "The caller does not have permission" when the sheet is not shared with the
  account (Viewer to read, Editor to write), 404 for an unknown spreadsheet, 400 INVALID_ARGUMENT
  for a bad request, all in Google's error shape. A tab has a sheetId (fixed) and an index (its
  place, changed when someone drags it: `move_tab`). A batchUpdate is atomic and a tab has a grid
  (1000 rows x 26 columns unless sized): writing past it is refused, as Google does.
- the Drive methods (`files.list`, `files.get`, its download, `files.export`, `files.update` of a file's details),
  in Drive v3's error shape (https://developers.google.com/drive/api/guides/handle-errors): 401 for
  a missing or unknown token; 404 "File not found: <id>." from `files.get` for a file or folder the
  account cannot see (not shared with it, directly or through a folder above it; a shared drive's
  file without `supportsAllDrives=true`); but `files.list` with `'<id>' in parents` is a search, and
  for a folder the account cannot see, or an ID that names nothing, it answers 200 with no files, as
  Drive does. 403 `insufficientFilePermissions` for an update by a Viewer; 403 `fileNotDownloadable`
  for downloading a Google document; 400 for a query other than `'<folder>' in parents and trashed =
  false`. A file carries the caller's `capabilities` (`canEdit` false for a Viewer) and is `trashed`
  when it or a folder above it is in the bin. A listing is paged (`drive_page_size` caps a page),
  says `incompleteSearch` when told to (`drive_incomplete_search`), leaves out a shared drive's files
  without `includeItemsFromAllDrives=true`, and honours `fields`. A file being uploaded is listed
  with size 0 and no md5Checksum, and downloads as what has arrived so far; a Google Sheets document
  has no md5Checksum and cannot be downloaded. `files.export` to `text/csv` gives a Google Sheet's
  first sheet only, as displayed, as Drive does (rows padded to the widest, CRLF between rows);
  403 `fileNotExportable` for a file that is not a Docs Editors file, 400 for a Google document
  with no CSV export, 403 `exportSizeLimitExceeded` above 10 MB. A Google Sheet in Drive and the
  spreadsheet the Sheets API reads are one thing (same ID, same cells, Drive's sharing): a write
  through the Sheets API moves its modifiedTime, as an edit does. Changing a file's details moves
  its modifiedTime too (Drive: "some fields might change automatically, such as modifiedDate").

Cells are kept as Google keeps them, as `userEnteredValue`s (`{"stringValue": ...}`,
`{"numberValue": ...}`, `{"boolValue": ...}`, `{"formulaValue": ...}`); a read returns them as
displayed text (formulas are not evaluated: a read shows the formula's text). Tests read
what landed with `values()` and `cells()`, and `grants` and `calls` record every token
granted and every API call answered.

Use: `standin.service_account_file(dir)` writes a service-account JSON whose `token_uri`
is this server; pass `standin.sheets_api` as the Sheets API base URL and `standin.drive_api` as
the Drive API's. Drive files are made with `add_drive_folder`, `add_drive_file`, `add_google_sheet`
and changed with `upload`; `drive_file(id)` shows one as Drive keeps it (its description...).
"""

from __future__ import annotations

import copy
import csv
import functools
import hashlib
import io
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import googleapiclient
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# google-auth always signs for this audience, whatever the token_uri (Google: "this value is always ...")
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
SPREADSHEETS_READONLY = "https://www.googleapis.com/auth/spreadsheets.readonly"
DRIVE = "https://www.googleapis.com/auth/drive"
DRIVE_READONLY = "https://www.googleapis.com/auth/drive.readonly"
DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"
DRIVE_METADATA = "https://www.googleapis.com/auth/drive.metadata"
DRIVE_METADATA_READONLY = "https://www.googleapis.com/auth/drive.metadata.readonly"
DRIVE_APPDATA = "https://www.googleapis.com/auth/drive.appdata"
# Which scopes each method accepts is Google's own description of its APIs, the discovery documents
# (https://developers.google.com/discovery), as shipped by google-api-python-client: never a list written
# here, which would only repeat what the code under test assumes.
DISCOVERY_DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
SERVICES = {"sheets": "sheets.v4.json", "drive": "drive.v3.json"}
# files.get with alt=media downloads the content, under the same method id; the metadata scopes are
# "View metadata for files" only (https://developers.google.com/drive/api/guides/api-specific-auth)
MEDIA = "drive.files.get(alt=media)"
METADATA_ONLY = frozenset({DRIVE_METADATA, DRIVE_METADATA_READONLY})
# the scopes that reach every file shared with the account; the others reach only files the app made or opened
# (drive.file), its app-data folder, photos or Meet recordings
DRIVE_EVERY_FILE = frozenset({DRIVE, DRIVE_READONLY, DRIVE_METADATA, DRIVE_METADATA_READONLY})
DRIVE_FOLDER = "application/vnd.google-apps.folder"
GOOGLE_SHEETS_DOCUMENT = "application/vnd.google-apps.spreadsheet"
GOOGLE_APPS = "application/vnd.google-apps."
# a file the account has not created: with drive.file alone it is invisible (that scope covers the app's own files)
OPS_PERSON = "ops@finedu.in"
EXPORT_LIMIT_BYTES = 10 * 1024**2  # "the exported content is limited to 10 MB" (files.export)
_PARENT_QUERY = re.compile(r"^\s*'(?P<id>[^'\\]+)'\s+in\s+parents\s+and\s+trashed\s*=\s*false\s*$")
DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
MAX_WORKBOOK_CELLS = 10_000_000
TOKEN_SECONDS = 3599
ACCOUNT = "funnel-reader@funnel-project.iam.gserviceaccount.com"


class GoogleError(Exception):
    """An answer in Google's error shape: {"error": {"code", "message", "status"?, "errors"?, "details"?}}
    (Drive v3 adds the older "errors" list, with a reason per error, and leaves out "status" on most)."""

    def __init__(
        self, code: int, status: str | None, message: str, details: list | None = None, headers=None, errors=None
    ):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message
        self.details = details
        self.headers = headers or {}
        self.errors = errors

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.errors:
            error["errors"] = self.errors
        if self.status:
            error["status"] = self.status
        if self.details:
            error["details"] = self.details
        return {"error": error}


class OAuthError(Exception):
    """The token endpoint's error shape (RFC 6749): {"error", "error_description"}, HTTP 400."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


def _error_info(reason: str, method: str | None = None, *, service: str = "sheets") -> list:
    metadata = {"service": f"{service}.googleapis.com"}
    if method:
        metadata["method"] = method
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"}
    return [{**info, "metadata": metadata}]


def _scope_refusal(method_id: str, service: str, accepted: frozenset[str]) -> GoogleError:
    """Google's 403 for a token whose scopes do not cover the method (Drive adds its older "errors" list)."""
    errors = None
    if service == "drive":
        errors = [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}]
    challenge = 'Bearer realm="https://accounts.google.com/", error="insufficient_scope", '
    return GoogleError(
        403,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
        _error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", method_id, service=service),
        {"WWW-Authenticate": challenge + f'scope="{" ".join(sorted(accepted))}"'},
        errors=errors,
    )


def _invalid(message: str) -> GoogleError:
    return GoogleError(400, "INVALID_ARGUMENT", message)


def _drive_error(
    code: int, message: str, reason: str, *, domain: str = "global", location: str | None = None
) -> GoogleError:
    """Drive v3's shape: the message, and an "errors" entry naming the reason (and the parameter at fault)."""
    entry = {"message": message, "domain": domain, "reason": reason}
    if location:
        entry.update(location=location, locationType="parameter")
    return GoogleError(code, None, message, errors=[entry])


def _file_not_found(file_id: str) -> GoogleError:
    return _drive_error(404, f"File not found: {file_id}.", "notFound", location="fileId")


# ---- Google's description of its methods -------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """One method of a discovery document: its id, HTTP method, path on this server and accepted scopes."""

    id: str
    service: str
    http_method: str
    path: str  # servicePath + flatPath, e.g. /drive/v3/files/{fileId}
    scopes: frozenset[str]

    @functools.cached_property
    def pattern(self) -> re.Pattern:
        parts = re.split(r"(\{[^}]+\})", self.path)
        return re.compile(
            "".join(f"(?P<{p[1:-1].lstrip('+')}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
        )

    @property
    def literal_length(self) -> int:
        """How much of the path is fixed text: the more specific of two matching paths wins."""
        return len(re.sub(r"\{[^}]+\}", "", self.path))


@functools.cache
def discovery(service: str) -> dict[str, Method]:
    """Every method of a service's discovery document, by id (e.g. "sheets.spreadsheets.values.get")."""
    document = json.loads((DISCOVERY_DOCUMENTS / SERVICES[service]).read_text(encoding="utf-8"))
    methods: dict[str, Method] = {}

    def walk(resource: dict) -> None:
        for method in (resource.get("methods") or {}).values():
            path = "/" + document["servicePath"] + method.get("flatPath", method["path"])
            scopes = frozenset(method.get("scopes") or ())
            methods[method["id"]] = Method(method["id"], service, method["httpMethod"], path, scopes)
        for sub in (resource.get("resources") or {}).values():
            walk(sub)

    walk(document)
    return methods


def document_scopes(service: str) -> frozenset[str]:
    """Every scope the service's discovery document names."""
    document = json.loads((DISCOVERY_DOCUMENTS / SERVICES[service]).read_text(encoding="utf-8"))
    return frozenset(document["auth"]["oauth2"]["scopes"])


def accepted_scopes(method_id: str) -> frozenset[str]:
    """The scopes Google accepts for a method (the download: files.get's, less the metadata-only ones)."""
    if method_id == MEDIA:
        return discovery("drive")["drive.files.get"].scopes - METADATA_ONLY
    return discovery(method_id.split(".")[0])[method_id].scopes


@functools.cache
def _routes() -> tuple[Method, ...]:
    every = [m for service in SERVICES for m in discovery(service).values()]
    return tuple(sorted(every, key=lambda m: -m.literal_length))


@functools.cache
def _private_key(account: str) -> rsa.RSAPrivateKey:
    """One key per account for the whole test session: generating RSA keys is the slow part."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# ---- field masks (`fields=sheets.properties(sheetId,title)`) ---------------------------------


def parse_field_mask(text: str) -> dict:
    """A field mask as a tree: {"sheets": {"properties": {"sheetId": {}, "title": {}}}}; {} keeps all below."""

    def parse(i: int) -> tuple[dict, int]:
        tree: dict = {}
        while i < len(text) and text[i] != ")":
            j = i
            while j < len(text) and text[j] not in ",()":
                j += 1
            node = tree
            for name in text[i:j].strip().split("."):
                node = node.setdefault(name, {})
            i = j
            if i < len(text) and text[i] == "(":
                sub, i = parse(i + 1)
                node.update(sub)
                i += 1
            if i < len(text) and text[i] == ",":
                i += 1
        return tree, i

    return parse(0)[0]


def masked(value, tree: dict):
    """Only the fields the mask names, as Google answers a `fields=` request."""
    if not tree:
        return value
    if isinstance(value, list):
        return [masked(v, tree) for v in value]
    if isinstance(value, dict):
        return {k: masked(value[k], sub) for k, sub in tree.items() if k in value}
    return value


# ---- cells -------------------------------------------------------------------------------------


def entered(value: object) -> dict:
    """A plain value as a cell's userEnteredValue ({} for an empty cell)."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    return {"stringValue": str(value)}


def displayed(cell: dict) -> str:
    """A cell as FORMATTED_VALUE shows it (numbers in the automatic format)."""
    if "stringValue" in cell:
        return cell["stringValue"]
    if "boolValue" in cell:
        return "TRUE" if cell["boolValue"] else "FALSE"
    if "numberValue" in cell:
        number = cell["numberValue"]
        return str(int(number)) if float(number).is_integer() else f"{number:.10g}"
    if "formulaValue" in cell:
        return cell["formulaValue"]
    return ""


def _trimmed(rows: list[list]) -> list[list]:
    """As the Values API answers: trailing empty cells of a row and trailing empty rows left out."""
    out = []
    for row in rows:
        while row and row[-1] in ({}, ""):
            row = row[:-1]
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


@dataclass
class Tab:
    sheet_id: int
    title: str
    cells: list[list[dict]] = field(default_factory=list)
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS

    def properties(self, index: int) -> dict:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.column_count},
        }

    def write(self, top: int, left: int, rows: list[list[dict]], *, clear_to_end: bool, where: str) -> None:
        """Cells from (top, left); past the grid is refused as Google refuses it."""
        if top + len(rows) > self.row_count:
            raise _invalid(
                f"{where}: Attempting to write row: {self.row_count}, beyond the last requested row of: "
                f"{self.row_count - 1}"
            )
        for row in rows:
            if left + len(row) > self.column_count:
                raise _invalid(
                    f"{where}: Attempting to write column: {self.column_count}, beyond the last requested column of: "
                    f"{self.column_count - 1}"
                )
        if clear_to_end:
            self.cells = [row[:left] for row in self.cells[:top]]
        for r, row in enumerate(rows):
            while len(self.cells) <= top + r:
                self.cells.append([])
            target = self.cells[top + r]
            while len(target) < left + len(row):
                target.append({})
            target[left : left + len(row)] = row

    def resize(self, rows: int, columns: int) -> None:
        """Shrinking a grid deletes what lies beyond it, as in the Sheets UI."""
        self.row_count, self.column_count = rows, columns
        self.cells = [row[:columns] for row in self.cells[:rows]]


@dataclass
class Spreadsheet:
    key: str
    title: str
    tabs: list[Tab]
    readers: set[str] = field(default_factory=set)
    writers: set[str] = field(default_factory=set)

    def tab_by_id(self, sheet_id: int) -> Tab | None:
        return next((t for t in self.tabs if t.sheet_id == sheet_id), None)

    def tab_by_title(self, title: str) -> Tab | None:
        return next((t for t in self.tabs if t.title == title), None)

    def cell_count(self) -> int:
        return sum(t.row_count * t.column_count for t in self.tabs)


@dataclass
class Grant:
    account: str
    token: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class Call:
    method: str
    target: str  # the spreadsheet key, or the Drive file or folder ID
    body: dict | None
    status: int
    scopes: frozenset[str] = frozenset()
    query: dict = field(default_factory=dict)  # the query string's parameters (one value each)


@dataclass
class DriveItem:
    """A file or folder as Drive keeps it. Sharing (`readers`, `writers`) reaches everything below a folder."""

    id: str
    name: str
    mime_type: str
    parent: str | None
    content: bytes | None = None
    complete: bool = True  # False while an upload is under way
    description: str = ""
    modified: float = field(default_factory=time.time)
    trashed: bool = False
    shared_drive: str | None = None
    readers: set[str] = field(default_factory=set)
    writers: set[str] = field(default_factory=set)
    created_by: str = OPS_PERSON

    @property
    def google_document(self) -> bool:
        return self.mime_type.startswith(GOOGLE_APPS)

    def resource(self) -> dict:
        """The file as Drive answers it, every field; a field a file does not have is left out, as Drive does."""
        item = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": [self.parent] if self.parent else [],
            "trashed": self.trashed,
            "modifiedTime": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.modified))
            + f".{int(self.modified * 1000) % 1000:03d}Z",
        }
        if self.description:
            item["description"] = self.description
        if self.shared_drive:
            item["driveId"] = self.shared_drive
        if self.google_document:
            if self.mime_type != DRIVE_FOLDER:
                item["size"] = "1024"  # first-party editor files have a size, never a checksum
        elif self.complete:
            item["md5Checksum"] = hashlib.md5(self.content or b"").hexdigest()
            item["size"] = str(len(self.content or b""))
        else:
            item["size"] = "0"  # listed before its content is complete
        return item


@dataclass
class _ServiceAccount:
    email: str
    key_id: str
    public_key: rsa.RSAPublicKey
    enabled: bool = True


# 'Tab name'!A1:B2, Tab!A1 or a tab alone: the tab, and the top-left cell if given
_A1_TAB = re.compile(
    r"^(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!]+))(?:!(?P<cell>[A-Za-z]+[0-9]+)(?::[A-Za-z]*[0-9]*)?)?$"
)


class GoogleStandin:
    """Google's token endpoint and Sheets API v4 on 127.0.0.1 (see the module docstring)."""

    def __init__(self) -> None:
        self.grants: list[Grant] = []
        self.calls: list[Call] = []
        self._accounts: dict[str, _ServiceAccount] = {}
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._drive: dict[str, DriveItem] = {}
        # the most files one page of a listing holds, whatever pageSize asks (Drive's own limit is 1000)
        self.drive_page_size = 1000
        # Drive's listing says `incompleteSearch: true` when it could not search every place it looks in
        self.drive_incomplete_search = False
        self._failures: dict[str, deque[tuple[int, dict]]] = {}
        self._lock = threading.RLock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                standin._handle(self, b"")

            def do_POST(self) -> None:
                standin._handle(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def do_PATCH(self) -> None:
                standin._handle(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # ---- lifecycle and addresses ----------------------------------------------------------------

    def start(self) -> GoogleStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    @property
    def sheets_api(self) -> str:
        """The stand-in for https://sheets.googleapis.com/v4/spreadsheets."""
        return f"{self.base_url}/v4/spreadsheets"

    @property
    def drive_api(self) -> str:
        """The stand-in for https://www.googleapis.com/drive/v3."""
        return f"{self.base_url}/drive/v3"

    # ---- set-up by the tests ----------------------------------------------------------------------

    def service_account_file(self, directory: Path, account: str = ACCOUNT) -> str:
        """A service-account JSON key (as Google Cloud downloads it) whose token_uri is this server."""
        key = _private_key(account)
        key_id = secrets.token_hex(20)
        with self._lock:
            self._accounts[account] = _ServiceAccount(account, key_id, key.public_key())
        info = {
            "type": "service_account",
            "project_id": account.split("@")[1].split(".")[0],
            "private_key_id": key_id,
            "private_key": key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
            "client_email": account,
            "client_id": "1234567890",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "universe_domain": "googleapis.com",
        }
        path = Path(directory) / f"service-account-{account.split('@')[0]}.json"
        path.write_text(json.dumps(info), encoding="utf-8")
        return str(path)

    def disable_key(self, account: str = ACCOUNT) -> None:
        """As if the key was deleted in Google Cloud: its assertions no longer verify."""
        with self._lock:
            self._accounts[account].enabled = False

    def add_spreadsheet(
        self,
        key: str,
        tabs: dict[str, list[list[object]]],
        *,
        sheet_ids: dict[str, int] | None = None,
        readers: tuple[str, ...] = (),
        writers: tuple[str, ...] = (),
    ) -> Spreadsheet:
        """A spreadsheet with these tabs (plain values), shared with these accounts (Viewer, Editor)."""
        made = []
        for index, (title, rows) in enumerate(tabs.items()):
            width = max((len(r) for r in rows), default=0)
            tab = Tab(
                sheet_id=(sheet_ids or {}).get(title, index),
                title=title,
                row_count=max(DEFAULT_ROWS, len(rows)),
                column_count=max(DEFAULT_COLUMNS, width),
            )
            tab.cells = [[entered(v) for v in row] for row in rows]
            made.append(tab)
        spreadsheet = Spreadsheet(key, f"Spreadsheet {key[:6]}", made, set(readers), set(writers))
        with self._lock:
            self._spreadsheets[key] = spreadsheet
        return spreadsheet

    def move_tab(self, key: str, title: str, index: int) -> None:
        """As when someone drags a tab to another place: its sheetId stays, its index changes."""
        with self._lock:
            tabs = self._spreadsheets[key].tabs
            tab = next(t for t in tabs if t.title == title)
            tabs.remove(tab)
            tabs.insert(index, tab)

    def spreadsheet(self, key: str) -> Spreadsheet:
        with self._lock:
            return self._spreadsheets[key]

    def fail(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        """The next `times` calls of a method (its discovery id, e.g. "sheets.spreadsheets.batchUpdate",
        "drive.files.list", or MEDIA for a download) answer this error,
        as under load; `reason` gives Drive's (e.g. 403 "userRateLimitExceeded", Drive's rate limit)."""
        shapes = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE"}
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            for _ in range(times):
                shape = {"status": shapes.get(status, "UNKNOWN"), "headers": headers or {}, "reason": reason}
                queue.append((status, shape))

    def revoke_tokens(self) -> None:
        """Every access token granted so far stops working (as when it expires early)."""
        with self._lock:
            for grant in self.grants:
                grant.expires_at = 0.0

    def values(self, key: str, title: str) -> list[list[str]]:
        """A tab as FORMATTED_VALUE reads it: displayed text, trailing blanks left out."""
        tab = self.spreadsheet(key).tab_by_title(title)
        return _trimmed([[displayed(c) for c in row] for row in tab.cells])

    def cells(self, key: str, title: str) -> list[list[dict]]:
        """A tab's userEnteredValues as stored, trailing empty cells left out."""
        tab = self.spreadsheet(key).tab_by_title(title)
        return _trimmed([list(row) for row in tab.cells])

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    # ---- Drive: set-up and inspection by the tests -------------------------------------------------

    @staticmethod
    def _new_drive_id() -> str:
        return "1" + secrets.token_urlsafe(24)[:32]

    def add_drive_folder(
        self,
        name: str = "Zoom reports",
        *,
        readers: tuple[str, ...] = (),
        writers: tuple[str, ...] = (),
        shared_drive: bool = False,
    ) -> str:
        """A folder (in a shared drive, if asked), shared with these accounts as Viewer and Editor; its ID."""
        folder = DriveItem(self._new_drive_id(), name, DRIVE_FOLDER, None, readers=set(readers), writers=set(writers))
        if shared_drive:
            folder.shared_drive = "0A" + secrets.token_urlsafe(12)
        with self._lock:
            self._drive[folder.id] = folder
        return folder.id

    def add_drive_file(
        self,
        folder: str,
        name: str,
        content: bytes | str | None,
        *,
        mime_type: str = "text/csv",
        uploading: bool = False,
        modified_seconds_ago: float = 0.0,
        description: str = "",
    ) -> str:
        """A file in the folder as the ops person leaves it (`uploading`: its content not complete yet); its ID."""
        with self._lock:
            parent = self._drive[folder]
            item = DriveItem(
                self._new_drive_id(),
                name,
                mime_type,
                folder,
                content=content.encode() if isinstance(content, str) else content,
                complete=not uploading,
                description=description,
                modified=time.time() - modified_seconds_ago,
                shared_drive=parent.shared_drive,
            )
            self._drive[item.id] = item
        return item.id

    def add_google_sheet(
        self,
        folder: str,
        name: str,
        rows: list[list[object]] = (),
        *,
        modified_seconds_ago: float = 0.0,
        more_tabs: dict[str, list[list[object]]] | None = None,
    ) -> str:
        """A Google Sheets document in the folder (Meet's attendance sheet, a report opened in Sheets): its first tab
        holds `rows` (plain values, as typed), `more_tabs` the others; its ID, also its spreadsheet key."""
        sheet = GOOGLE_SHEETS_DOCUMENT
        file_id = self.add_drive_file(folder, name, None, mime_type=sheet, modified_seconds_ago=modified_seconds_ago)
        spreadsheet = self.add_spreadsheet(file_id, {"Sheet1": list(rows), **(more_tabs or {})})
        spreadsheet.title = name
        return file_id

    def edit_sheet(self, file_id: str, rows: list[list[object]], *, modified_seconds_ago: float = 0.0) -> None:
        """As someone editing the Sheet in the browser: its first tab now holds these rows."""
        with self._lock:
            tab = self._spreadsheets[file_id].tabs[0]
            tab.cells = [[entered(v) for v in row] for row in rows]
            self._drive[file_id].modified = time.time() - modified_seconds_ago

    def upload(
        self, file_id: str, content: bytes | str, *, finished: bool = True, modified_seconds_ago: float = 0.0
    ) -> None:
        """New content for a file, same ID: an upload going on or finishing, or a new version uploaded over it."""
        with self._lock:
            item = self._drive[file_id]
            item.content = content.encode() if isinstance(content, str) else content
            item.complete = finished
            item.modified = time.time() - modified_seconds_ago

    def trash(self, file_id: str) -> None:
        """Moved to the bin: a folder's contents go with it."""
        with self._lock:
            self._drive[file_id].trashed = True

    def drive_file(self, file_id: str) -> DriveItem:
        with self._lock:
            return self._drive[file_id]

    # ---- Drive: serving ---------------------------------------------------------------------------

    def _drive_can(self, account: str, item: DriveItem, *, write: bool) -> bool:
        """Shared with the account, directly or through a folder above it (Editor to write)."""
        node: DriveItem | None = item
        while node is not None:
            if account in node.writers or (not write and account in node.readers):
                return True
            node = self._drive.get(node.parent) if node.parent else None
        return False

    def _in_bin(self, item: DriveItem) -> bool:
        """Trashing a folder trashes everything in it (Drive: `trashed` true, `explicitlyTrashed` false)."""
        node: DriveItem | None = item
        while node is not None:
            if node.trashed:
                return True
            node = self._drive.get(node.parent) if node.parent else None
        return False

    def _drive_sees(self, grant: Grant, item: DriveItem, query: dict) -> bool:
        if item.shared_drive and query.get("supportsAllDrives") != "true":
            return False  # Drive answers as if a shared drive's file did not exist
        if not grant.scopes & DRIVE_EVERY_FILE and item.created_by != grant.account:
            return False  # drive.file and the like cover only the files the app created or was given
        return self._drive_can(grant.account, item, write=False)

    def _drive_visible(self, grant: Grant, file_id: str, query: dict) -> DriveItem:
        item = self._drive.get(file_id)
        if item is None or not self._drive_sees(grant, item, query):
            raise _file_not_found(file_id)
        return item

    def _drive_resource(self, grant: Grant, item: DriveItem) -> dict:
        """The file as this account sees it: `capabilities` are the caller's (a Viewer cannot edit)."""
        resource = item.resource()
        resource["trashed"] = self._in_bin(item)
        can_read, can_edit = (
            self._drive_can(grant.account, item, write=False),
            self._drive_can(grant.account, item, write=True),
        )
        resource["capabilities"] = {
            "canEdit": can_edit,
            "canRename": can_edit,
            "canDownload": can_read,
            "canListChildren": can_read and item.mime_type == DRIVE_FOLDER,
            "canAddChildren": can_edit and item.mime_type == DRIVE_FOLDER,
            "canTrash": can_edit,
        }
        return resource

    def _drive_list(self, grant: Grant, params: dict, body, query: dict) -> dict:
        """A folder the account cannot see lists as empty (HTTP 200): `q` is a search, not a look-up of the folder."""
        match = _PARENT_QUERY.match(query.get("q", ""))
        if not match:
            raise _drive_error(400, "Invalid Value", "invalid", location="q")
        parent = match.group("id")
        every_drive = query.get("includeItemsFromAllDrives") == "true"
        children = [
            item
            for item in self._drive.values()
            if item.parent == parent
            and not self._in_bin(item)
            and (every_drive or not item.shared_drive)
            and self._drive_sees(grant, item, query)
        ]
        try:
            size = min(int(query.get("pageSize", "100")), 1000, self.drive_page_size)
            start = int(query.get("pageToken", "page-0").removeprefix("page-"))
        except ValueError:
            raise _drive_error(400, "Invalid Value", "invalid", location="pageToken") from None
        answer = {
            "kind": "drive#fileList",
            "incompleteSearch": self.drive_incomplete_search,
            "files": [self._drive_resource(grant, item) for item in children[start : start + size]],
        }
        if start + size < len(children):
            answer["nextPageToken"] = f"page-{start + size}"
        if "fields" not in query:
            return masked(answer, parse_field_mask("kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"))
        return self._drive_fields(answer, query)

    def _drive_get(self, grant: Grant, params: dict, body, query: dict) -> dict:
        item = self._drive_visible(grant, params["fileId"], query)
        return self._drive_fields(self._drive_resource(grant, item), query)

    def _drive_download(self, grant: Grant, params: dict, body, query: dict) -> tuple[bytes, str]:
        item = self._drive_visible(grant, params["fileId"], query)
        if item.google_document:
            raise _drive_error(
                403,
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                "fileNotDownloadable",
                location="alt",
            )
        return item.content or b"", item.mime_type

    def _drive_export(self, grant: Grant, params: dict, body, query: dict) -> tuple[bytes, str]:
        """A Google Sheet's first sheet as CSV, formatted values as displayed (Drive exports the first sheet only)."""
        item = self._drive_visible(grant, params["fileId"], query)
        wanted = query.get("mimeType")
        if not wanted:
            raise _drive_error(400, "Required parameter: mimeType", "required", location="mimeType")
        if not item.google_document:
            raise _drive_error(403, "Export only supports Docs Editors files.", "fileNotExportable")
        if item.mime_type != GOOGLE_SHEETS_DOCUMENT or wanted != "text/csv":
            raise _drive_error(400, "The requested conversion is not supported.", "badRequest", location="convertTo")
        tab = self._spreadsheets[item.id].tabs[0]
        values = _trimmed([[displayed(c) for c in row] for row in tab.cells])
        width = max((len(row) for row in values), default=0)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(row + [""] * (width - len(row)) for row in values)
        content = out.getvalue().removesuffix("\r\n").encode("utf-8")
        if len(content) > EXPORT_LIMIT_BYTES:
            raise _drive_error(403, "This file is too large to be exported.", "exportSizeLimitExceeded")
        return content, "text/csv"

    @staticmethod
    def _drive_fields(resource: dict, query: dict) -> dict:
        if "fields" not in query:
            return masked(resource, parse_field_mask("kind,id,name,mimeType"))
        return masked(resource, parse_field_mask(query["fields"]))

    def _drive_update(self, grant: Grant, params: dict, body, query: dict) -> dict:
        """A file's details (name, description), by an account that can edit it; its content is not touched."""
        item = self._drive_visible(grant, params["fileId"], query)
        body = body or {}
        if not self._drive_can(grant.account, item, write=True):
            raise _drive_error(
                403, f"The user does not have sufficient permissions for file {item.id}.", "insufficientFilePermissions"
            )
        if set(body) - {"name", "description"}:
            raise _drive_error(
                403, "The resource body includes fields which are not directly writable.", "fieldNotWritable"
            )
        item.name = body.get("name", item.name)
        item.description = body.get("description", item.description)
        item.modified = time.time()
        if item.id in self._spreadsheets:
            self._spreadsheets[item.id].title = item.name
        return self._drive_fields(self._drive_resource(grant, item), query)

    # ---- serving ------------------------------------------------------------------------------------

    def handlers(self) -> dict[str, Callable]:
        """Every method this stand-in answers, by its discovery id; each is reached only through `_call`, which
        first applies the scopes the discovery document lists for it."""
        return {
            "sheets.spreadsheets.get": self._sheets_get,
            "sheets.spreadsheets.values.get": self._values_get,
            "sheets.spreadsheets.values.batchGetByDataFilter": self._batch_get,
            "sheets.spreadsheets.batchUpdate": self._batch_update,
            "sheets.spreadsheets.values.batchUpdate": self._values_batch_update,
            "drive.files.list": self._drive_list,
            "drive.files.get": self._drive_get,
            MEDIA: self._drive_download,
            "drive.files.export": self._drive_export,
            "drive.files.update": self._drive_update,
        }

    def _handle(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        try:
            if parts.path == "/token" and handler.command == "POST":
                self._reply(handler, 200, self._token(raw))
                return
            route = self._route(handler.command, parts.path, query)
            if route is None:
                page = b"<!DOCTYPE html><html><body>404. That's an error.</body></html>"
                self._reply(handler, 404, page, "text/html")
                return
            method_id, params = route
            answer = self._call(handler, method_id, params, json.loads(raw or b"null"), query)
            if isinstance(answer, tuple):
                self._reply(handler, 200, *answer)
            else:
                self._reply(handler, 200, answer)
        except OAuthError as exc:
            self._reply(handler, 400, {"error": exc.error, "error_description": exc.description})
        except GoogleError as exc:
            self._reply(handler, exc.code, exc.body(), headers=exc.headers)
        except json.JSONDecodeError:
            self._reply(handler, 400, GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.").body())

    @staticmethod
    def _route(command: str, raw_path: str, query: dict) -> tuple[str, dict] | None:
        """The discovery method a request is for, and its path parameters (decoded: a tab name may hold a '/')."""
        for method in _routes():
            match = method.pattern.fullmatch(raw_path) if method.http_method == command else None
            if match:
                params = {name: unquote(value) for name, value in match.groupdict().items()}
                media = method.id == "drive.files.get" and query.get("alt") == ["media"]
                return (MEDIA if media else method.id), params
        return None

    def _call(self, handler, method_id: str, params: dict, body, query: dict):
        """One API call: the token, then the scopes the discovery document lists, then the method itself."""
        service = method_id.split(".")[0]
        one = {name: values[0] for name, values in query.items()}
        target = params.get("spreadsheetId") or params.get("fileId") or ""
        if method_id == "drive.files.list":
            match = _PARENT_QUERY.match(one.get("q", ""))
            target = match.group("id") if match else ""
        grant, status = None, 200
        try:
            grant = self._grant_for(handler)
            accepted = accepted_scopes(method_id)
            if not grant.scopes & accepted:
                raise _scope_refusal(method_id, service, accepted)
            handle = self.handlers().get(method_id)
            if handle is None:
                raise GoogleError(501, "UNIMPLEMENTED", f"The stand-in does not answer {method_id} yet.")
            self._injected_failure(method_id)
            with self._lock:
                return handle(grant, params, body, one)
        except GoogleError as exc:
            status = exc.code
            raise
        finally:
            with self._lock:
                self.calls.append(Call(method_id, target, body, status, grant.scopes if grant else frozenset(), one))

    @staticmethod
    def _reply(handler, status: int, body, content_type: str = "application/json; charset=UTF-8", headers=None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    # ---- OAuth -------------------------------------------------------------------------------------

    def _token(self, raw: bytes) -> dict:
        """The JWT-bearer grant: verify the assertion, grant exactly the scopes it asks for."""
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if form.get("grant_type") != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
        assertion = form.get("assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "Invalid JWT: Not a valid JWT.") from None
        with self._lock:
            account = self._accounts.get(issuer)
        if account is None or not account.enabled or header.get("kid") != account.key_id:
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        try:
            claims = jwt.decode(
                assertion,
                account.public_key,
                algorithms=["RS256"],
                audience=TOKEN_AUDIENCE,
                options={"require": ["iss", "aud", "iat", "exp"]},
                leeway=30,
            )
        except jwt.InvalidSignatureError:
            raise OAuthError("invalid_grant", "Invalid JWT Signature.") from None
        except jwt.InvalidAudienceError:
            raise OAuthError("invalid_grant", "Invalid JWT: Failed audience check.") from None
        except jwt.PyJWTError:
            raise OAuthError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                "Check your iat and exp values in the JWT claim.",
            ) from None
        if claims["exp"] - claims["iat"] > 3600:
            raise OAuthError("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes).")
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes:
            raise OAuthError("invalid_scope", "Empty or missing scope not allowed.")
        grant = Grant(account.email, f"ya29.standin-{secrets.token_urlsafe(24)}", scopes, time.time() + TOKEN_SECONDS)
        with self._lock:
            self.grants.append(grant)
        return {"access_token": grant.token, "expires_in": TOKEN_SECONDS, "token_type": "Bearer"}

    def _grant_for(self, handler: BaseHTTPRequestHandler) -> Grant:
        authorization = handler.headers.get("Authorization", "")
        challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'}
        if not authorization.startswith("Bearer "):
            raise GoogleError(
                401,
                "UNAUTHENTICATED",
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
                "other valid authentication credential.",
                _error_info("CREDENTIALS_MISSING"),
                challenge,
            )
        token = authorization[len("Bearer ") :].strip()
        with self._lock:
            grant = next((g for g in self.grants if g.token == token), None)
        if grant is None or grant.expires_at <= time.time():
            raise GoogleError(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
                "valid authentication credential.",
                _error_info("ACCESS_TOKEN_TYPE_UNSUPPORTED"),
                challenge,
            )
        return grant

    # ---- Sheets --------------------------------------------------------------------------------------

    def _sheet(self, grant: Grant, key: str, *, write: bool = False) -> Spreadsheet:
        """The spreadsheet, if shared with the account (Viewer to read, Editor to write)."""
        spreadsheet = self._spreadsheets.get(key)
        if spreadsheet is None:
            raise GoogleError(404, "NOT_FOUND", "Requested entity was not found.")
        allowed = spreadsheet.writers if write else spreadsheet.readers | spreadsheet.writers
        in_drive = self._drive.get(key)  # a Sheet kept in a Drive folder is shared as the folder is
        if grant.account not in allowed and not (in_drive and self._drive_can(grant.account, in_drive, write=write)):
            raise GoogleError(403, "PERMISSION_DENIED", "The caller does not have permission")
        return spreadsheet

    def _sheets_get(self, grant: Grant, params: dict, body, query: dict) -> dict:
        return self._get(self._sheet(grant, params["spreadsheetId"]), query)

    def _values_get(self, grant: Grant, params: dict, body, query: dict) -> dict:
        """One range as displayed; the stand-in reads whole tabs ('Tab' or Tab), as this project asks."""
        spreadsheet = self._sheet(grant, params["spreadsheetId"])
        if query.get("valueRenderOption", "FORMATTED_VALUE") != "FORMATTED_VALUE":
            raise _invalid("The stand-in answers valueRenderOption FORMATTED_VALUE only.")
        if query.get("majorDimension", "ROWS") != "ROWS":
            raise _invalid("The stand-in answers majorDimension ROWS only.")
        tab, top, left = self._tab_of_a1(spreadsheet, params["range"])
        if "!" in params["range"]:
            raise _invalid("The stand-in reads whole tabs only: give the tab's name as the range.")
        return self._value_range(tab)

    @staticmethod
    def _value_range(tab: Tab) -> dict:
        values = _trimmed([[displayed(c) for c in row] for row in tab.cells])
        width = max((len(r) for r in values), default=1)
        value_range = {
            "range": f"'{tab.title}'!A1:{_column_letters(max(width, 1) - 1)}{max(len(values), 1)}",
            "majorDimension": "ROWS",
        }
        if values:
            value_range["values"] = values
        return value_range

    def _batch_get(self, grant: Grant, params: dict, body, query: dict) -> dict:
        spreadsheet, body = self._sheet(grant, params["spreadsheetId"]), body or {}
        if body.get("valueRenderOption", "FORMATTED_VALUE") != "FORMATTED_VALUE":
            raise _invalid("The stand-in answers valueRenderOption FORMATTED_VALUE only.")
        value_ranges = []
        for data_filter in body.get("dataFilters") or []:
            if "a1Range" in data_filter:
                tab, _, _ = self._tab_of_a1(spreadsheet, data_filter["a1Range"])
            elif "gridRange" in data_filter:
                tab = spreadsheet.tab_by_id(int(data_filter["gridRange"].get("sheetId", 0)))
                if tab is None:
                    continue  # a filter matching nothing adds no range
            else:
                raise _invalid("Invalid dataFilter: the stand-in takes a1Range or gridRange.")
            value_ranges.append({"valueRange": self._value_range(tab), "dataFilters": [data_filter]})
        answer = {"spreadsheetId": spreadsheet.key}
        if value_ranges:
            answer["valueRanges"] = value_ranges
        return answer

    def _batch_update(self, grant: Grant, params: dict, body, query: dict) -> dict:
        answer = self._batch_update_of(self._sheet(grant, params["spreadsheetId"], write=True), body or {})
        self._edited(params["spreadsheetId"])
        return answer

    def _values_batch_update(self, grant: Grant, params: dict, body, query: dict) -> dict:
        answer = self._values_batch_update_of(self._sheet(grant, params["spreadsheetId"], write=True), body or {})
        self._edited(params["spreadsheetId"])
        return answer

    def _edited(self, key: str) -> None:
        """An edit through the Sheets API is an edit of the Drive file: its modifiedTime moves."""
        if key in self._drive:
            self._drive[key].modified = time.time()

    def _injected_failure(self, method: str) -> None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return
            status, shape = queue.popleft()
        if shape.get("reason"):  # Drive's: a reason in the "errors" list (its rate limits answer 403 as well as 429)
            messages = {
                "accessNotConfigured": "Google Drive API has not been used in project 1234567890 before or it is "
                "disabled. Enable it by visiting https://console.developers.google.com/apis/api/drive.googleapis.com/"
                "overview?project=1234567890 then retry.",
                "rateLimitExceeded": "Rate Limit Exceeded",
            }
            error = _drive_error(
                status,
                messages.get(shape["reason"], "User rate limit exceeded."),
                shape["reason"],
                domain="usageLimits",
            )
            error.headers = shape["headers"]
            raise error
        message = (
            "The service is currently unavailable."
            if status >= 500
            else "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user'."
        )
        raise GoogleError(status, shape["status"], message, headers=shape["headers"])

    @staticmethod
    def _get(spreadsheet: Spreadsheet, query: dict) -> dict:
        resource = {
            "spreadsheetId": spreadsheet.key,
            "properties": {"title": spreadsheet.title, "locale": "en_US", "timeZone": "Asia/Kolkata"},
            "sheets": [{"properties": tab.properties(i)} for i, tab in enumerate(spreadsheet.tabs)],
        }
        fields = query.get("fields", "")
        return masked(resource, parse_field_mask(fields)) if fields else resource

    @staticmethod
    def _tab_of_a1(spreadsheet: Spreadsheet, a1: str) -> tuple[Tab, int, int]:
        match = _A1_TAB.match(a1.strip())
        tab = None
        if match:
            title = match.group("quoted").replace("''", "'") if match.group("quoted") else match.group("plain")
            tab = spreadsheet.tab_by_title(title)
        if tab is None:
            raise _invalid(f"Unable to parse range: {a1}")
        cell = match.group("cell")
        if not cell:
            return tab, 0, 0
        letters = re.match(r"[A-Za-z]+", cell).group(0)
        return tab, int(cell[len(letters) :]) - 1, _column_index(letters)

    def _batch_update_of(self, spreadsheet: Spreadsheet, body: dict) -> dict:
        """All the requests or none (Google applies a batchUpdate atomically)."""
        draft = copy.deepcopy(spreadsheet)
        replies = []
        for i, request in enumerate(body.get("requests") or []):
            if len(request) != 1:
                raise _invalid(f"Invalid requests[{i}]: exactly one kind of request is allowed.")
            ((kind, spec),) = request.items()
            where = f"Invalid requests[{i}].{kind}"
            apply = {
                "addSheet": self._add_sheet,
                "updateCells": self._update_cells,
                "updateSheetProperties": self._update_sheet_properties,
                "appendDimension": self._append_dimension,
            }.get(kind)
            if apply is None:
                raise _invalid(f'Invalid JSON payload received. The stand-in does not know "{kind}".')
            replies.append(apply(draft, spec, where))
            if draft.cell_count() > MAX_WORKBOOK_CELLS:
                raise _invalid(
                    f"{where}: This action would increase the number of cells in the workbook above the limit of "
                    f"{MAX_WORKBOOK_CELLS} cells."
                )
        spreadsheet.tabs = draft.tabs
        return {"spreadsheetId": spreadsheet.key, "replies": replies}

    @staticmethod
    def _add_sheet(draft: Spreadsheet, spec: dict, where: str) -> dict:
        properties = spec.get("properties") or {}
        title = properties.get("title") or f"Sheet{len(draft.tabs) + 1}"
        if draft.tab_by_title(title):
            raise _invalid(f'{where}: A sheet with the name "{title}" already exists. Please enter another name.')
        sheet_id = properties.get("sheetId", secrets.randbelow(2**31))
        if draft.tab_by_id(sheet_id):
            raise _invalid(f"{where}: Sheet with id {sheet_id} already exists.")
        grid = properties.get("gridProperties") or {}
        rows, columns = grid.get("rowCount", DEFAULT_ROWS), grid.get("columnCount", DEFAULT_COLUMNS)
        tab = Tab(sheet_id, title, row_count=rows, column_count=columns)
        draft.tabs.append(tab)
        return {"addSheet": {"properties": tab.properties(len(draft.tabs) - 1)}}

    @staticmethod
    def _update_cells(draft: Spreadsheet, spec: dict, where: str) -> dict:
        if spec.get("fields") not in ("userEnteredValue", "*"):
            raise _invalid(f"{where}: the stand-in writes fields userEnteredValue only.")
        grid_range = spec.get("range") or {}
        tab = draft.tab_by_id(int(grid_range.get("sheetId", 0)))
        if tab is None:
            raise _invalid(f"{where}: No grid with id: {grid_range.get('sheetId', 0)}")
        rows = [[cell.get("userEnteredValue", {}) for cell in row.get("values", [])] for row in spec.get("rows", [])]
        # a range with only a sheetId is the whole sheet: what the rows do not cover is cleared
        whole = not any(k in grid_range for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"))
        top, left = grid_range.get("startRowIndex", 0), grid_range.get("startColumnIndex", 0)
        tab.write(top, left, rows, clear_to_end=whole, where=where)
        return {}

    @staticmethod
    def _update_sheet_properties(draft: Spreadsheet, spec: dict, where: str) -> dict:
        properties, fields = spec.get("properties") or {}, spec.get("fields")
        if not fields:
            raise _invalid(f"{where}: 'fields' is required.")
        tab = draft.tab_by_id(int(properties.get("sheetId", 0)))
        if tab is None:
            raise _invalid(f"{where}: No grid with id: {properties.get('sheetId', 0)}")
        mask = parse_field_mask(fields)
        if "gridProperties" in mask:
            wanted = mask["gridProperties"] or {"rowCount": {}, "columnCount": {}}
            grid = properties.get("gridProperties") or {}
            rows = grid.get("rowCount", DEFAULT_ROWS) if "rowCount" in wanted else tab.row_count
            columns = grid.get("columnCount", DEFAULT_COLUMNS) if "columnCount" in wanted else tab.column_count
        else:
            rows, columns = tab.row_count, tab.column_count
        tab.resize(rows, columns)
        if "title" in mask:
            tab.title = properties.get("title", tab.title)
        return {}

    @staticmethod
    def _append_dimension(draft: Spreadsheet, spec: dict, where: str) -> dict:
        tab = draft.tab_by_id(int(spec.get("sheetId", 0)))
        if tab is None:
            raise _invalid(f"{where}: No grid with id: {spec.get('sheetId', 0)}")
        length = int(spec.get("length", 0))
        if spec.get("dimension") == "ROWS":
            tab.row_count += length
        elif spec.get("dimension") == "COLUMNS":
            tab.column_count += length
        else:
            raise _invalid(f"{where}: dimension must be ROWS or COLUMNS.")
        return {}

    def _values_batch_update_of(self, spreadsheet: Spreadsheet, body: dict) -> dict:
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise _invalid("'valueInputOption' is required but not specified")
        draft = copy.deepcopy(spreadsheet)
        responses = []
        for data in body.get("data") or []:
            tab, top, left = self._tab_of_a1(draft, data.get("range", ""))
            rows = [[_typed(v, option) for v in row] for row in data.get("values") or []]
            for r, row in enumerate(rows):
                if top + r >= tab.row_count or left + len(row) > tab.column_count:
                    raise _invalid(
                        f"Range ('{tab.title}'!{_column_letters(left + len(row) - 1)}{top + r + 1}) "
                        "exceeds grid limits. "
                        f"Max rows: {tab.row_count}, max columns: {tab.column_count}"
                    )
            for r, row in enumerate(rows):
                # a null value leaves its cell as it was (Google: "Null values will be skipped")
                for c, cell in enumerate(row):
                    if cell is not None:
                        tab.write(top + r, left + c, [[cell]], clear_to_end=False, where="values")
            width = max((len(r) for r in rows), default=0)
            responses.append(
                {
                    "spreadsheetId": spreadsheet.key,
                    "updatedRange": f"'{tab.title}'!{_column_letters(left)}{top + 1}:"
                    f"{_column_letters(left + max(width, 1) - 1)}{top + max(len(rows), 1)}",
                    "updatedRows": len(rows),
                    "updatedColumns": width,
                    "updatedCells": sum(len(r) for r in rows),
                }
            )
        spreadsheet.tabs = draft.tabs
        return {
            "spreadsheetId": spreadsheet.key,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": max((r["updatedColumns"] for r in responses), default=0),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].split("!")[0] for r in responses}),
            "responses": responses,
        }


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _typed(value, option: str) -> dict | None:
    """A Values API value as a userEnteredValue: RAW keeps text as text; USER_ENTERED parses it as typed in the UI."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    text = str(value)
    if option == "USER_ENTERED":
        if text.startswith("="):
            return {"formulaValue": text}
        if _NUMBER.match(text):
            return {"numberValue": float(text)}
        if text.upper() in ("TRUE", "FALSE"):
            return {"boolValue": text.upper() == "TRUE"}
    return {"stringValue": text} if text else {}


@pytest.fixture
def google_standin() -> Iterator[GoogleStandin]:
    standin = GoogleStandin().start()
    yield standin
    standin.stop()
