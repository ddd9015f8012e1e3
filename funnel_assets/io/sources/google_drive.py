"""Reading a Google Drive folder, and writing a note on a file in it (the Drive API v3 over HTTP).

Used when the Zoom drop folder is a Drive folder shared with the service account
(`io/drop_folders/drive.py`). Five calls, nothing else: `files.get` on the folder, `files.list` on it
(paged), `files.get` with `alt=media` to copy a file's bytes, `files.export` to copy a Google
Sheets document's first sheet as CSV (Google Meet's attendance report is one), and `files.update`
to set a file's description.

The folder is looked up before it is listed: `files.list` with `'<id>' in parents` is a search,
and Drive answers it 200 with no files for a folder the account cannot see or an ID that names
nothing, so a listing alone would say "no new files" forever. `files.get` answers 404 for those,
tells a file from a folder, and says through `capabilities.canEdit` whether the account may
write notes there (shared as Editor). A listing Drive marks `incompleteSearch` is not trusted.

Scopes. A token carries exactly the scopes its request asked for, and each token here asks for
the least its calls need:

- looking at the folder and copying files (a Google Sheet too: `files.export` takes the same
  scope): `drive.readonly`, which can read and can never change, move or delete anything. The
  sensor, which only looks, never holds more.
- writing why a file was not loaded into that file's description: `drive.metadata`, which edits a
  file's details and never its content, and cannot delete a file. `drive.readonly` cannot write a
  description (Google answers 403), and the full `drive` scope could overwrite or permanently
  delete everything shared with the account, which a note does not need.

Errors are Drive's documented ones (developers.google.com/drive/api/guides/handle-errors): 404
"File not found: <id>." for a folder or file the account cannot see (not shared with it, or
deleted); 403 `insufficientFilePermissions` for a write by an account that is only a Viewer;
403 `exportSizeLimitExceeded` for a Google document whose export would pass 10 MB;
403 `userRateLimitExceeded` / `rateLimitExceeded`, 429 and 5xx for load (retried, with
back-off, a bounded number of times); 403 with reason ACCESS_TOKEN_SCOPE_INSUFFICIENT for a
token whose scopes do not cover the call (the program's mistake: never retried). The access
token travels only in the Authorization header, never in a message or a log line.

Shared drives: every call says `supportsAllDrives=true` and the listing
`includeItemsFromAllDrives=true` with `corpora=allDrives`, or Drive leaves a shared drive's files out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import google.auth.exceptions
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.service_account import Credentials

from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.google_sheets import (
    account_refusal,
    lacks_scope,
    scope_refusal,
    service_account_credentials,
)
from funnel_assets.io.sources.http import HttpLimits, TransientError, bounded_retry, retry_after_seconds

DRIVE_API = "https://www.googleapis.com/drive/v3"
READ_SCOPES = ("https://www.googleapis.com/auth/drive.readonly",)
NOTE_SCOPES = ("https://www.googleapis.com/auth/drive.metadata",)
SHORTCUT = "application/vnd.google-apps.shortcut"
FOLDER = "application/vnd.google-apps.folder"
FOLDER_FIELDS = "id,mimeType,trashed,capabilities(canEdit)"
GOOGLE_SHEET = "application/vnd.google-apps.spreadsheet"
CSV = "text/csv"  # a Google Sheet exports its first sheet only, as CSV
# what the listing asks for; Drive leaves out a field a file does not have (a Google document has no md5Checksum)
LIST_FIELDS = "nextPageToken,incompleteSearch,files(id,name,mimeType,md5Checksum,size,modifiedTime,description)"
PAGE_SIZE = 1000
RATE_LIMIT_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded"})
DRIVE_HOSTS = frozenset({"drive.google.com"})
_ID = r"[A-Za-z0-9_-]{10,}"
_FOLDER_PATH = re.compile(rf"^/drive/(?:u/\d+/)?(?:mobile/)?folders/(?P<id>{_ID})/?$")
_FILE_PATH = re.compile(rf"^/file/d/{_ID}")


# ---- addresses -------------------------------------------------------------------------------------


def is_drive_address(location: str) -> bool:
    """An address on drive.google.com (a folder's or not): never a local path."""
    try:
        return (urlsplit(location.strip()).hostname or "").lower() in DRIVE_HOSTS
    except ValueError:
        return False


def drive_folder_id(address: str) -> str:
    """The folder ID in a folder's address as the browser shows it or as "Copy link" gives it:
    https://drive.google.com/drive/folders/<id>, with or without ?usp=sharing, or .../drive/u/0/folders/<id>."""
    parts = urlsplit(address.strip())
    match = _FOLDER_PATH.match(parts.path)
    if match:
        return match.group("id")
    if parts.path == "/open" and re.fullmatch(_ID, (parse_qs(parts.query).get("id") or [""])[0]):
        return parse_qs(parts.query)["id"][0]  # the older https://drive.google.com/open?id=<id> form
    what = "a single file's address" if _FILE_PATH.match(parts.path) else "not a Google Drive folder's address"
    raise SourceError(
        f"FUNNEL_ZOOM_DROP_DIR is {what} ({address.strip()}). Open the drop folder itself in Google Drive and copy "
        "the address from the browser's address bar: it looks like https://drive.google.com/drive/folders/<folder id>."
    )


# ---- what Drive lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DriveFile:
    """One entry of the folder as Drive lists it."""

    id: str
    name: str
    mime_type: str
    md5: str | None  # Drive's md5Checksum: only a file with complete binary content has one
    size: int | None
    modified_time: str | None  # RFC 3339, as Drive writes it
    description: str = ""

    @classmethod
    def from_api(cls, item: dict) -> DriveFile:
        size = item.get("size")
        return cls(
            id=item["id"],
            name=item.get("name", ""),
            mime_type=item.get("mimeType", ""),
            md5=item.get("md5Checksum") or None,
            size=int(size) if size not in (None, "") else None,
            modified_time=item.get("modifiedTime"),
            description=item.get("description") or "",
        )

    @property
    def modified(self) -> datetime | None:
        if not self.modified_time:
            return None
        return datetime.fromisoformat(self.modified_time.replace("Z", "+00:00"))

    @property
    def look(self) -> tuple[str | None, int | None, str | None]:
        """What two looks compare: content checksum, size and modification time."""
        return (self.md5, self.size, self.modified_time)

    @property
    def version(self) -> str:
        """Which version of the file this is: its content's checksum; a Google document has none, and Drive's
        `version` counts every change to its details too (a note written), so its modification time."""
        return self.md5 or document_version(self.mime_type, self.modified_time)


def document_version(mime_type: str, modified_time: str | None) -> str:
    """A Google document's version as the record of files taken keeps it: its type and when it was last modified."""
    return f"{mime_type}@{modified_time or ''}"


@dataclass(frozen=True)
class DriveFolder:
    """The drop folder as Drive shows it to the service account."""

    id: str
    can_edit: bool  # shared with the account as Editor: it may write notes on the files in it


@dataclass(frozen=True)
class Listing:
    """One look at the folder: its files, and whether Drive said the search behind it was incomplete."""

    files: list[DriveFile]
    incomplete: bool


# ---- calling Drive ----------------------------------------------------------------------------------


class DriveCallError(SourceError):
    """Drive refused a call; `status` and `reasons` let the caller say what it means for that call."""

    def __init__(self, message: str, *, status: int, reasons: frozenset[str]):
        super().__init__(message)
        self.status, self.reasons = status, reasons


def _credentials(service_account_file: str | None, scopes: tuple[str, ...]) -> tuple[Credentials, str]:
    if not service_account_file:
        raise SourceError(
            "FUNNEL_ZOOM_DROP_DIR is a Google Drive folder, which is read with a Google service account: set "
            "GOOGLE_SERVICE_ACCOUNT_FILE to the service account's JSON key (and share the folder with it as Editor)."
        )
    return service_account_credentials(service_account_file, scopes)


def _error_of(response: requests.Response) -> tuple[str, frozenset[str], bool]:
    """Google's message, the reasons Drive gives, and whether the token's scopes are what is lacking."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return f"HTTP {response.status_code}", frozenset(), False
    if not isinstance(error, dict):
        return str(error), frozenset(), False
    reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
    return str(error.get("message", "")), frozenset(r for r in reasons if r), lacks_scope(error)


class DriveApi:
    """One service account's Drive calls, each with a timeout and a bounded retry on load and network errors."""

    def __init__(
        self,
        service_account_file: str | None,
        scopes: tuple[str, ...],
        settings: HttpLimits,
        *,
        api_url: str = DRIVE_API,
        label: str = "Google Drive",
    ):
        credentials, self.account = _credentials(service_account_file, scopes)
        self.scopes = scopes
        self.session = AuthorizedSession(credentials)
        self.settings, self.api_url, self.label = settings, api_url.rstrip("/"), label

    def _call(self, method: str, path: str, *, params: dict, body: dict | None = None, stream: bool = False):
        """The answer to one call (2xx); Drive's refusals as DriveCallError, load and network problems retried."""
        url = f"{self.api_url}/{path}"
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)

        def attempt() -> requests.Response:
            try:
                response = self.session.request(method, url, params=params, json=body, timeout=timeout, stream=stream)
            except (requests.exceptions.RequestException, google.auth.exceptions.TransportError) as exc:
                raise TransientError(f"network problem ({exc.__class__.__name__})") from None
            except Exception as exc:  # google-auth's token exchange refused
                if exc.__class__.__module__.startswith("google.auth"):
                    raise SourceError(account_refusal(self.label, self.account, exc)) from None
                raise
            if response.ok:
                return response
            status = response.status_code
            message, reasons, scope_lacking = _error_of(response)
            response.close()
            if status == 429 or status >= 500 or (status == 403 and reasons & RATE_LIMIT_REASONS):
                raise TransientError(f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After")))
            if status == 403 and scope_lacking:
                raise SourceError(scope_refusal(self.label, self.account, self.scopes, message, "the folder"))
            answer = f"{self.label}: Google Drive answered HTTP {status} ({message})."
            raise DriveCallError(answer, status=status, reasons=reasons)

        try:
            return bounded_retry(self.settings, self.label)(attempt)
        except TransientError as exc:
            raise SourceError(
                f"{self.label}: Google Drive still failed after {self.settings.max_attempts} attempts (last: "
                f"{exc.reason}). Google may be rate-limiting or down; the files stay in Drive for the next run.",
                retryable=True,
            ) from None

    def folder(self, folder_id: str) -> DriveFolder:
        """The folder, checked to be one the account can see, a folder, and not in the bin."""
        try:
            item = self._call(
                "GET", f"files/{folder_id}", params={"fields": FOLDER_FIELDS, "supportsAllDrives": "true"}
            ).json()
        except DriveCallError as exc:
            if exc.status == 404:
                raise SourceError(
                    f"{self.label}: Google Drive cannot find the folder {folder_id}, or it is not shared with the "
                    f"service account. Open the folder in Google Drive, click Share, and add {self.account} as "
                    "Editor (Editor lets it write why a file was not loaded; it never deletes files). If it is "
                    "shared already, check FUNNEL_ZOOM_DROP_DIR for a typo."
                ) from None
            if exc.status == 403 and "accessNotConfigured" in exc.reasons:
                raise SourceError(
                    f"{self.label}: the Google Drive API is not enabled for the service account's Google Cloud "
                    "project. In Google Cloud, open APIs & Services > Library > Google Drive API, click Enable, "
                    "and wait a few minutes."
                ) from None
            raise
        if item.get("mimeType") != FOLDER:
            raise SourceError(
                f"{self.label}: {folder_id} in FUNNEL_ZOOM_DROP_DIR is a file, not a folder. Open the drop folder "
                "itself in Google Drive and copy the address from the browser's address bar."
            )
        if item.get("trashed"):
            raise SourceError(
                f"{self.label}: the folder {folder_id} is in Google Drive's bin (Trash). Restore it, or set "
                "FUNNEL_ZOOM_DROP_DIR to the folder the reports are dropped into now."
            )
        return DriveFolder(folder_id, bool((item.get("capabilities") or {}).get("canEdit")))

    def list_folder(self, folder_id: str) -> Listing:
        """Every file directly in the folder and not in the bin, page after page, once the folder is checked."""
        self.folder(folder_id)
        params = {
            "q": f"'{folder_id}' in parents and trashed = false",
            "fields": LIST_FIELDS,
            "pageSize": str(PAGE_SIZE),
            "supportsAllDrives": "true",
            "includeItemsFromAllDrives": "true",
            "corpora": "allDrives",
        }
        files: list[DriveFile] = []
        incomplete = False
        while True:
            page = self._call("GET", "files", params=params).json()
            files += [DriveFile.from_api(item) for item in page.get("files") or []]
            incomplete = incomplete or bool(page.get("incompleteSearch"))
            token = page.get("nextPageToken")
            if not token:
                return Listing(files, incomplete)
            params = {**params, "pageToken": token}

    def download(self, file: DriveFile) -> bytes | None:
        """The file's bytes, refused beyond the size limit; None if it was deleted since it was listed or the copy was
        cut short (either way it is looked at again on the next run, if it is still there)."""
        return self._bytes(file, f"files/{file.id}", {"alt": "media", "supportsAllDrives": "true"})

    def export_csv(self, file: DriveFile) -> bytes | None:
        """A Google Sheets document's first sheet as CSV (Drive exports the first sheet only), as `download`. Drive
        refuses an export above 10 MB (403 exportSizeLimitExceeded): a DriveCallError the caller words."""
        return self._bytes(file, f"files/{file.id}/export", {"mimeType": CSV})

    def _bytes(self, file: DriveFile, path: str, params: dict) -> bytes | None:
        try:
            response = self._call("GET", path, params=params, stream=True)
        except DriveCallError as exc:
            if exc.status == 404:
                return None
            raise
        with response:
            content = bytearray()
            try:
                for chunk in response.iter_content(1 << 20):
                    content += chunk
                    if len(content) > self.settings.max_bytes:
                        raise SourceError(
                            f"{self.label}: {file.name} is larger than the {self.settings.max_bytes} bytes allowed for "
                            "one file, so it was not copied. An event report is far smaller: check what was dropped."
                        )
            except requests.exceptions.RequestException:
                return None  # cut short: the checksum would not match anyway; taken on the next run
        return bytes(content)

    def set_description(self, file_id: str, text: str) -> bool:
        """Replace the file's description; False if the file is gone. Needs Editor access to the file."""
        try:
            self._call(
                "PATCH",
                f"files/{file_id}",
                params={"supportsAllDrives": "true", "fields": "id"},
                body={"description": text},
            )
        except DriveCallError as exc:
            if exc.status == 404:
                return False
            if exc.status == 403:
                raise SourceError(
                    f"{self.label}: Google Drive did not let {self.account} write a note on a file it could not load "
                    f"(HTTP 403: {', '.join(sorted(exc.reasons)) or 'forbidden'}). Share the folder with "
                    f"{self.account} as Editor; the note is written on the next run."
                ) from None
            raise
        return True
