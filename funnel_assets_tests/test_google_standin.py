"""The Google stand-in's rules are Google's: each method it answers accepts exactly the scopes Google's discovery
document lists for it, and every method the project calls is one of those.

The expected scopes are read here from the discovery documents themselves (shipped with
google-api-python-client), not from the stand-in's tables, and each is tried over HTTP with a
token google-auth obtains for that one scope, as the project's own clients do.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import googleapiclient
import pandas as pd
import pytest
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.service_account import Credentials

from funnel_assets.io.drop_folders import DriveDropFolder
from funnel_assets.io.sheets_export import SheetsExport
from funnel_assets.io.sources import google_drive
from funnel_assets.io.sources.google_sheets import fetch_sheet_values
from funnel_assets.io.sources.http import HttpLimits
from funnel_assets.lib.zoom_ingest import REJECTED, Verdict, content_hash
from funnel_assets_tests.support.google_standin import (
    ACCOUNT,
    MEDIA,
    GoogleStandin,
)

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
# Drive's scopes page: the metadata scopes "view metadata for files", never their content
METADATA_ONLY = {
    "https://www.googleapis.com/auth/drive.metadata",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
}
# a request each method accepts when its scopes allow it; a method added to the stand-in needs one here
BODIES = {
    "sheets.spreadsheets.values.batchGetByDataFilter": {"dataFilters": [{"a1Range": "Leads"}]},
    "sheets.spreadsheets.batchUpdate": {"requests": []},
    "sheets.spreadsheets.values.batchUpdate": {"valueInputOption": "RAW", "data": []},
    "drive.files.update": {"description": "checked"},
}


def document(service: str) -> dict:
    return json.loads((DOCUMENTS / {"sheets": "sheets.v4.json", "drive": "drive.v3.json"}[service]).read_text())


def described(method_id: str) -> tuple[dict, dict]:
    """(the discovery document, the method's entry), found by walking the document's resources."""
    doc = document(method_id.split(".")[0])

    def walk(resource: dict):
        for method in (resource.get("methods") or {}).values():
            if method["id"] == method_id:
                return method
        for sub in (resource.get("resources") or {}).values():
            if found := walk(sub):
                return found
        return None

    return doc, walk(doc)


def expected_scopes(method_id: str) -> set[str]:
    if method_id == MEDIA:
        return set(described("drive.files.get")[1]["scopes"]) - METADATA_ONLY
    return set(described(method_id)[1]["scopes"])


@pytest.fixture
def account_file(google_standin: GoogleStandin, tmp_path) -> str:
    return google_standin.service_account_file(tmp_path)


def session(account_file: str, scope: str) -> AuthorizedSession:
    return AuthorizedSession(Credentials.from_service_account_file(account_file, scopes=[scope]))


def ask(standin: GoogleStandin, http: AuthorizedSession, method_id: str, folder: str, file_id: str, sheet_id: str = ""):
    doc, method = described("drive.files.get" if method_id == MEDIA else method_id)
    exported = method_id == "drive.files.export"  # a Google Sheet's first sheet, as CSV
    values = {"spreadsheetId": KEY, "range": "Leads", "fileId": sheet_id if exported else file_id}
    path = method["flatPath"].format(**{name: quote(value, safe="") for name, value in values.items()})
    params = {}
    if method_id.startswith("drive."):
        params["supportsAllDrives"] = "true"
    if method_id == "drive.files.list":
        params["q"] = f"'{folder}' in parents and trashed = false"
    if method_id == MEDIA:
        params["alt"] = "media"
    if exported:
        params["mimeType"] = "text/csv"
    url = f"{standin.base_url}/{doc['servicePath']}{path}"
    return http.request(method["httpMethod"], url, params=params, json=BODIES.get(method_id), timeout=10)


def refused_for_scope(response) -> bool:
    if response.status_code != 403:
        return False
    details = response.json()["error"].get("details") or []
    return any(d.get("reason") == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" for d in details)


def test_each_method_the_standin_answers_takes_exactly_the_scopes_of_googles_discovery_document(
    google_standin, account_file
):
    google_standin.add_spreadsheet(KEY, {"Leads": [["a"], ["1"]]}, writers=(ACCOUNT,))
    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    file_id = google_standin.add_drive_file(folder, "att.csv", "a\n1\n")
    sheet_id = google_standin.add_google_sheet(folder, "Attendance", [["a"], ["1"]])
    every_scope = set(document("sheets")["auth"]["oauth2"]["scopes"]) | set(
        document("drive")["auth"]["oauth2"]["scopes"]
    )
    sessions = {scope: session(account_file, scope) for scope in sorted(every_scope)}

    methods = sorted(google_standin.handlers())
    assert methods, "the stand-in answers no method?"
    for method_id in methods:
        granted, answered = set(), set()
        for scope, http in sessions.items():
            response = ask(google_standin, http, method_id, folder, file_id, sheet_id)
            if not refused_for_scope(response):
                granted.add(scope)
            if response.ok:
                answered.add(scope)
        assert granted == expected_scopes(method_id), method_id
        assert answered, f"{method_id}: no scope got an answer; the sample request is wrong"


def test_every_method_the_project_calls_is_one_the_standin_walks_above(google_standin, account_file, tmp_path):
    """The project's Google paths (reading a sheet by tab name, by gid and by its first tab; the export; looking
    at, copying from and writing a note in a Drive folder), recorded as the stand-in receives them."""
    google_standin.add_spreadsheet(KEY, {"Leads": [["a"], ["1"]]}, sheet_ids={"Leads": 3}, writers=(ACCOUNT,))
    settings = HttpLimits(backoff_seconds=0.01)
    for gid, worksheet in ((None, "Leads"), (3, None), (None, None)):
        assert fetch_sheet_values(
            KEY,
            gid=gid,
            worksheet=worksheet,
            service_account_file=account_file,
            settings=settings,
            label="leads",
            api_url=google_standin.sheets_api,
        ) == [["a"], ["1"]]
    export = SheetsExport(
        spreadsheet=KEY, google_service_account_file=account_file, google_sheets_api_url=google_standin.sheets_api
    )
    export.write({"funnel_metrics_monthly": pd.DataFrame({"month": ["2025-10-01"], "leads": [3]})})

    folder = google_standin.add_drive_folder(writers=(ACCOUNT,))
    google_standin.add_drive_file(folder, "att.csv", "a\n1\n", modified_seconds_ago=600)
    google_standin.add_google_sheet(folder, "opened in Sheets", [["a"], ["1"]], modified_seconds_ago=600)
    drop = DriveDropFolder(
        directory=str(tmp_path / "zoom_drive"),
        parsed_directory=str(tmp_path / "zoom_parsed"),
        drive_folder=f"https://drive.google.com/drive/folders/{folder}",
        google_service_account_file=account_file,
        drive_api_url=google_standin.drive_api,
        settle_seconds=0,
    )
    taken = drop.copy_from_drive()
    assert taken.copied == ["att.csv", "opened in Sheets.csv"] and not taken.refused
    not_loaded = Verdict("opened in Sheets.csv", content_hash(b"a\r\n1"), REJECTED, error="not an event report")
    notes = drop.tell_drive([not_loaded], taken.refused, pd.Timestamp("2025-11-03 10:00", tz="Asia/Kolkata"))
    assert notes.written == 1

    called = {call.method for call in google_standin.calls}
    assert all(call.status == 200 for call in google_standin.calls), "every call allowed by its token"
    assert called <= set(google_standin.handlers())
    assert called >= {
        "sheets.spreadsheets.get",
        "sheets.spreadsheets.values.get",
        "sheets.spreadsheets.batchUpdate",
        "drive.files.get",
        "drive.files.list",
        MEDIA,
        "drive.files.export",
        "drive.files.update",
    }
    # and each token was one Google's description allows for each call made with it
    for call in google_standin.calls:
        assert call.scopes & expected_scopes(call.method), call.method


def test_drive_lists_a_folder_the_account_cannot_see_as_empty_not_as_an_error(google_standin, account_file):
    """As Drive does (`'<id>' in parents` is a search): only files.get answers 404 for such a folder."""
    hidden = google_standin.add_drive_folder()  # shared with nobody
    google_standin.add_drive_file(hidden, "att.csv", "a\n1\n")
    http = session(account_file, google_drive.READ_SCOPES[0])
    for folder in (hidden, "1NoSuchFolderIdAtAllInDrive0123"):
        listed = ask(google_standin, http, "drive.files.list", folder, folder)
        assert listed.status_code == 200 and listed.json().get("files", []) == []
        assert ask(google_standin, http, "drive.files.get", folder, folder).status_code == 404
