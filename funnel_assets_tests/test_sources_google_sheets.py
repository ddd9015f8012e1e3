"""The Google Sheets path, at the HTTP layer: Google cannot be reached from here, so its
documented token and `values:batchGetByDataFilter` responses are served by `responses`.
Everything above the HTTP layer (google-auth signing a real JWT, gspread's client, our
retry and parsing) runs for real."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pandas as pd

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from funnel_assets.io.sheets_export import SheetsExport
from funnel_assets.io.tabular_source import TabularSource
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.google_sheets import export_url, is_google_sheet, parse_sheet_reference, tab_id

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
SHEET_URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=123"
TOKEN_URI = "https://oauth2.googleapis.com/token"
VALUES_URL = f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}/values:batchGetByDataFilter"
ACCOUNT = "funnel-reader@funnel-project.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def service_account_file(tmp_path, private_key_pem):
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "funnel-project",
                "private_key_id": "abc123",
                "private_key": private_key_pem,
                "client_email": ACCOUNT,
                "client_id": "1234567890",
                "token_uri": TOKEN_URI,
            }
        )
    )
    return str(path)


def values_response(values: list[list[str]]) -> dict:
    """The documented shape of spreadsheets.values.batchGetByDataFilter."""
    return {
        "spreadsheetId": KEY,
        "valueRanges": [
            {
                "valueRange": {"range": "Leads!A1:C4", "majorDimension": "ROWS", "values": values},
                "dataFilters": [{"gridRange": {"sheetId": 123}}],
            }
        ],
    }


def google_error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


@pytest.fixture
def google():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, TOKEN_URI, json={"access_token": "ya29.test-token", "expires_in": 3600, "token_type": "Bearer"})
        yield mock


def source(service_account_file, **kwargs) -> TabularSource:
    return TabularSource(
        location=SHEET_URL,
        google_service_account_file=service_account_file,
        max_attempts=3,
        backoff_seconds=0.01,
        **kwargs,
    )


def value_calls(mock) -> list:
    return [c for c in mock.calls if c.request.url.startswith(VALUES_URL)]


def test_whole_tab_in_one_request_every_cell_as_text(google, service_account_file):
    google.add(
        responses.POST,
        VALUES_URL,
        json=values_response(
            [
                ["Name", "Phone number", "created date"],
                [],  # a blank first data row must not drop a column
                ["Asha", "098765 43210"],  # the API leaves out trailing blank cells
                ["Ravi", "", "14/09/2025 18:03:22"],
            ]
        ),
    )
    frame = source(service_account_file).read("run-1", "marketing_leads")
    assert list(frame.columns) == ["Name", "Phone number", "created date"]
    assert frame.to_dict("records") == [
        {"Name": "Asha", "Phone number": "098765 43210", "created date": ""},
        {"Name": "Ravi", "Phone number": "", "created date": "14/09/2025 18:03:22"},
    ]
    calls = value_calls(google)
    assert len(calls) == 1
    body = json.loads(calls[0].request.body)
    assert body["valueRenderOption"] == "FORMATTED_VALUE"
    assert body["dataFilters"] == [{"gridRange": {"sheetId": 123}}]
    assert calls[0].request.headers["Authorization"] == "Bearer ya29.test-token"


def test_worksheet_name_is_asked_for_by_name(google, service_account_file):
    google.add(responses.POST, VALUES_URL, json=values_response([["a"], ["1"]]))
    source(service_account_file, worksheet="Spend Oct").read("run-1", "marketing_spend")
    body = json.loads(value_calls(google)[0].request.body)
    assert body["dataFilters"] == [{"a1Range": "'Spend Oct'"}]


def test_429_then_200_is_retried(google, service_account_file):
    google.add(responses.POST, VALUES_URL, status=429, json=google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"), headers={"Retry-After": "0"})
    google.add(responses.POST, VALUES_URL, json=values_response([["a"], ["1"]]))
    frame = source(service_account_file).read("run-1", "leads")
    assert frame["a"].tolist() == ["1"]
    assert len(value_calls(google)) == 2


def test_server_errors_are_retried_a_bounded_number_of_times(google, service_account_file):
    google.add(responses.POST, VALUES_URL, status=503, json=google_error(503, "UNAVAILABLE", "try later"))
    with pytest.raises(SourceError, match="3 attempts"):
        source(service_account_file).read("run-1", "leads")
    assert len(value_calls(google)) == 3


def test_403_names_the_account_to_share_the_sheet_with(google, service_account_file):
    google.add(responses.POST, VALUES_URL, status=403, json=google_error(403, "PERMISSION_DENIED", "The caller does not have permission"))
    with pytest.raises(SourceError, match=ACCOUNT) as raised:
        source(service_account_file).read("run-1", "leads")
    assert "Share the sheet" in str(raised.value)
    assert len(value_calls(google)) == 1


def test_missing_service_account_file_is_explained(tmp_path):
    with pytest.raises(SourceError, match="GOOGLE_SERVICE_ACCOUNT_FILE"):
        source(str(tmp_path / "nope.json")).read("run-1", "leads")


def test_sheet_references():
    assert is_google_sheet(KEY) and is_google_sheet(SHEET_URL)
    assert parse_sheet_reference(SHEET_URL) == (KEY, 123)
    assert parse_sheet_reference(KEY) == (KEY, None)
    # export and publish addresses are plain CSV URLs, read over HTTP without an account
    assert not is_google_sheet(f"https://docs.google.com/spreadsheets/d/{KEY}/export?format=csv&gid=0")
    assert not is_google_sheet("https://docs.google.com/spreadsheets/d/e/2PACX-1vQabc/pub?output=csv")
    assert not is_google_sheet("data/leads.csv")
    url = export_url(KEY, None, "Spend Oct")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["sheet"] == ["Spend Oct"]


META_URL = f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}"
BATCH_URL = f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}:batchUpdate"


def test_aggregate_export_writes_each_tab_in_one_request_creating_missing_tabs(google, service_account_file):
    google.add(responses.GET, META_URL, json={"sheets": [{"properties": {"sheetId": 7, "title": "funnel_metrics_monthly"}}]})
    google.add(responses.POST, BATCH_URL, status=429, json=google_error(429, "RESOURCE_EXHAUSTED", "Quota"), headers={"Retry-After": "0"})
    google.add(responses.POST, BATCH_URL, json={"spreadsheetId": KEY, "replies": [{}]})
    export = SheetsExport(spreadsheet=SHEET_URL, google_service_account_file=service_account_file, backoff_seconds=0.01)
    metrics = pd.DataFrame({"month": [dt.date(2025, 10, 1)], "funnel": ["ACCA Webinar"], "leads": [3], "roas": [float("nan")]})
    stages = pd.DataFrame({"stage": ["leads", "attendees"], "people": [3, 1]})
    cells = export.write({"funnel_metrics_monthly": metrics, "funnel_stages_monthly": stages})
    assert cells == {"funnel_metrics_monthly": 8, "funnel_stages_monthly": 6}

    batches = [json.loads(c.request.body) for c in google.calls if c.request.url == BATCH_URL]
    assert len(batches) == 3, "a 429 retried, then one request per tab"
    existing, created = batches[1]["requests"], batches[2]["requests"]
    assert [list(r) for r in existing] == [["updateCells"]] and existing[0]["updateCells"]["range"] == {"sheetId": 7}
    rows = existing[0]["updateCells"]["rows"]
    assert rows[1]["values"] == [
        {"userEnteredValue": {"stringValue": "2025-10-01"}},
        {"userEnteredValue": {"stringValue": "ACCA Webinar"}},
        {"userEnteredValue": {"numberValue": 3}},
        {},  # NaN: an empty cell
    ]
    assert created[0]["addSheet"]["properties"] == {"sheetId": tab_id("funnel_stages_monthly"), "title": "funnel_stages_monthly"}
    assert created[1]["updateCells"]["range"] == {"sheetId": tab_id("funnel_stages_monthly")}
