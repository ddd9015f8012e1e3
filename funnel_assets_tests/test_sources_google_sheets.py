"""The Google Sheets path over real HTTP, against a local stand-in for Google (support/google_standin.py).

The stand-in verifies the service account's signed assertion, grants exactly the scopes it
asks for and refuses a call its token does not cover, with Google's error shapes, so a
client asking for the wrong scope fails here as it would against Google. Everything on our
side (google-auth signing a real JWT, gspread's client, our retry, parsing and messages)
runs for real. The only seam is the Sheets API's address, which the resources do not
expose yet: `sheets_api` binds the stand-in's address where TabularSource and SheetsExport
call the landing and writing functions, as a resource field would.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from funnel_assets import catalogue
from funnel_assets.defs.reporting.assets import google_sheet_export
from funnel_assets.io.sheets_export import SheetsExport
from funnel_assets.io.sources import google_sheets
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.google_sheets import export_url, is_google_sheet, parse_sheet_reference, tab_id
from funnel_assets.io.sources.http import HttpLimits
from funnel_assets.io.sources.resources import TabularSource
from funnel_assets_tests.support.google_standin import (
    ACCOUNT,
    SPREADSHEETS,
    SPREADSHEETS_READONLY,
    GoogleStandin,
)
from funnel_assets_tests.support.resources import landing_dir

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
SHEET_URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=123"
TABS = "sheets.spreadsheets.get"
READ = "sheets.spreadsheets.values.get"
WRITE = "sheets.spreadsheets.batchUpdate"


@pytest.fixture
def service_account_file(google_standin: GoogleStandin, tmp_path) -> str:
    return google_standin.service_account_file(tmp_path)


def standin_api(service_account_file: str) -> str:
    """The stand-in's Sheets API address: the server the key's token_uri names."""
    token_uri = json.loads(Path(service_account_file).read_text())["token_uri"]
    return token_uri.removesuffix("/token") + "/v4/spreadsheets"


def source(service_account_file, **kwargs) -> TabularSource:
    if "google_sheets_api_url" not in kwargs:
        kwargs["google_sheets_api_url"] = standin_api(service_account_file)
    kwargs.setdefault("location", SHEET_URL)
    return TabularSource(
        google_service_account_file=service_account_file,
        max_attempts=3,
        backoff_seconds=0.01,
        landing_dir=landing_dir(),
        **kwargs,
    )


def leads_sheet(standin: GoogleStandin, rows: list[list[object]], **kwargs) -> None:
    kwargs.setdefault("readers", (ACCOUNT,))
    standin.add_spreadsheet(KEY, {"Leads": rows}, sheet_ids={"Leads": 123}, **kwargs)


# ---- reading ----------------------------------------------------------------------------------------


def test_whole_tab_every_cell_as_text_with_the_read_only_scope(google_standin, service_account_file):
    """Read with methods Google accepts from a read-only token (its discovery document says which): the tab list,
    then the tab named by the address's #gid=, as displayed."""
    leads_sheet(
        google_standin,
        [
            ["Name", "Phone number", "created date"],
            [],  # a blank first data row must not drop a column
            ["Asha", "098765 43210", ""],  # the API leaves out trailing blank cells
            ["Ravi", "", "14/09/2025 18:03:22"],
        ],
    )
    frame = source(service_account_file).read("run-1", "marketing_leads").frame
    assert frame.columns == ["Name", "Phone number", "created date"]
    assert frame.to_dicts() == [
        {"Name": "Asha", "Phone number": "098765 43210", "created date": ""},
        {"Name": "Ravi", "Phone number": "", "created date": "14/09/2025 18:03:22"},
    ]
    assert [grant.scopes for grant in google_standin.grants] == [frozenset({SPREADSHEETS_READONLY})]
    assert [(call.method, call.status) for call in google_standin.calls] == [(TABS, 200), (READ, 200)]
    read = google_standin.calls_of(READ)[0]
    assert read.query["valueRenderOption"] == "FORMATTED_VALUE"


def test_a_private_sheet_is_never_read_with_a_method_the_read_only_scope_does_not_cover(
    google_standin, service_account_file
):
    """values:batchGetByDataFilter wants a scope that can write (Google answers 403 to a read-only token)."""
    leads_sheet(google_standin, [["a"], ["1"]])
    source(service_account_file).read("run-1", "leads")
    assert {call.method for call in google_standin.calls} <= {TABS, READ}
    assert all(call.status == 200 for call in google_standin.calls)


def test_the_first_tab_is_the_leftmost_not_the_one_created_first(google_standin, service_account_file):
    """Tab ID 0 is the tab created first; once someone drags another tab to the left, that one is the first."""
    google_standin.add_spreadsheet(
        KEY,
        {"Old leads": [["a"], ["old"]], "Leads": [["a"], ["new"]]},
        sheet_ids={"Old leads": 0, "Leads": 5},
        readers=(ACCOUNT,),
    )
    google_standin.move_tab(KEY, "Leads", 0)
    frame = source(service_account_file, location=KEY).read("run-1", "leads").frame
    assert frame["a"].to_list() == ["new"]
    assert [call.method for call in google_standin.calls] == [TABS, READ], (
        "one request for the tab list, one for the tab"
    )


def test_a_gid_that_names_no_tab_says_to_copy_the_address_again(google_standin, service_account_file):
    google_standin.add_spreadsheet(KEY, {"Leads": [["a"], ["1"]]}, sheet_ids={"Leads": 5}, readers=(ACCOUNT,))
    with pytest.raises(SourceError, match="no tab with the number 123") as raised:
        source(service_account_file).read("run-1", "leads")
    assert "copy its address again" in str(raised.value)


def test_worksheet_name_is_read_in_one_request(google_standin, service_account_file):
    google_standin.add_spreadsheet(
        KEY, {"Leads": [["x"]], "Spend Oct": [["a"], ["1"]], "Tom's / list": [["b"], ["2"]]}, readers=(ACCOUNT,)
    )
    frame = source(service_account_file, worksheet="Spend Oct").read("run-1", "marketing_spend").frame
    assert frame["a"].to_list() == ["1"]
    assert [call.method for call in google_standin.calls] == [READ]
    # a quote and a slash in a tab's name travel quoted and escaped
    assert source(service_account_file, worksheet="Tom's / list").read("run-2", "marketing_spend").frame[
        "b"
    ].to_list() == ["2"]


def test_an_unknown_worksheet_name_says_to_check_it(google_standin, service_account_file):
    google_standin.add_spreadsheet(KEY, {"Leads": [["x"]]}, readers=(ACCOUNT,))
    with pytest.raises(SourceError, match="Check the worksheet name"):
        source(service_account_file, worksheet="Spend Nov").read("run-1", "marketing_spend")


def test_429_then_200_is_retried(google_standin, service_account_file):
    leads_sheet(google_standin, [["a"], ["1"]])
    google_standin.fail(READ, 429, headers={"Retry-After": "0"})
    frame = source(service_account_file).read("run-1", "leads").frame
    assert frame["a"].to_list() == ["1"]
    assert [call.status for call in google_standin.calls_of(READ)] == [429, 200]


def test_server_errors_are_retried_a_bounded_number_of_times(google_standin, service_account_file):
    leads_sheet(google_standin, [["a"], ["1"]])
    google_standin.fail(READ, 503, times=10)
    with pytest.raises(SourceError, match="3 attempts"):
        source(service_account_file).read("run-1", "leads")
    assert len(google_standin.calls_of(READ)) == 3


def test_sheet_not_shared_names_the_account_to_share_it_with(google_standin, service_account_file):
    leads_sheet(google_standin, [["a"], ["1"]], readers=())
    with pytest.raises(SourceError, match=ACCOUNT) as raised:
        source(service_account_file).read("run-1", "leads")
    assert "Share the sheet" in str(raised.value)
    assert [call.status for call in google_standin.calls] == [403], "a refusal is not retried"


def test_unknown_sheet_says_to_check_the_key(google_standin, service_account_file):
    with pytest.raises(SourceError, match="no sheet with this key"):
        source(service_account_file).read("run-1", "leads")


def test_deleted_key_is_explained(google_standin, service_account_file):
    leads_sheet(google_standin, [["a"], ["1"]])
    google_standin.disable_key()
    with pytest.raises(SourceError, match="did not accept the service account") as raised:
        source(service_account_file).read("run-1", "leads")
    assert "new JSON key" in str(raised.value)
    assert google_standin.calls_of(READ) == []


def test_an_assertion_signed_with_another_key_is_refused(google_standin, service_account_file, tmp_path):
    """The stand-in checks the signature against the account's public key, as Google does."""
    leads_sheet(google_standin, [["a"], ["1"]])
    forged = json.loads(Path(service_account_file).read_text())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged["private_key"] = other_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    with pytest.raises(SourceError, match="did not accept the service account"):
        source(str(tmp_path / "forged.json")).read("run-1", "leads")
    assert google_standin.grants == [] and google_standin.calls_of(READ) == []


def test_a_token_google_no_longer_knows_is_answered_401_and_refreshed(google_standin, service_account_file):
    """One client whose token Google forgets between two calls: google-auth gets a new one on the 401."""
    leads_sheet(google_standin, [["a"], ["1"]])
    client, _ = google_sheets._client(service_account_file, HttpLimits(), google_sheets.READ_ONLY_SCOPES)
    url = f"{google_standin.sheets_api}/{KEY}/values/Leads"
    client.http_client.request("get", url)
    google_standin.revoke_tokens()
    assert client.http_client.request("get", url).json()["values"]
    assert [call.status for call in google_standin.calls_of(READ)] == [200, 401, 200]
    assert len(google_standin.grants) == 2


def test_missing_service_account_file_is_explained(tmp_path):
    with pytest.raises(SourceError, match="GOOGLE_SERVICE_ACCOUNT_FILE"):
        source(str(tmp_path / "nope.json"), google_sheets_api_url="http://127.0.0.1:9").read("run-1", "leads")


def test_sheet_references():
    assert is_google_sheet(KEY) and is_google_sheet(SHEET_URL)
    assert parse_sheet_reference(SHEET_URL) == (KEY, 123)
    assert parse_sheet_reference(KEY) == (KEY, None)
    # export and publish addresses are plain CSV URLs, read over HTTP without an account
    assert not is_google_sheet(f"https://docs.google.com/spreadsheets/d/{KEY}/export?format=csv&gid=0")
    assert not is_google_sheet("https://docs.google.com/spreadsheets/d/e/2PACX-1vQabc/pub?output=csv")
    assert not is_google_sheet("data/leads.csv")
    assert export_url(KEY, 123, None) == f"https://docs.google.com/spreadsheets/d/{KEY}/export?format=csv&gid=123"


def test_a_tab_named_without_a_service_account_is_refused_before_anything_is_asked_of_google(tmp_path):
    """Google's only way to export a tab by name (the gviz query address) blanks the cells of the less common type
    in a column that mixes numbers and text: a lead sheet would lose phones with no error."""
    refused = TabularSource(location=SHEET_URL, worksheet="Spend Oct", landing_dir=str(tmp_path / "landing"))
    with pytest.raises(SourceError) as raised:
        refused.read("run-1", "marketing_spend")
    message = str(raised.value)
    assert "GOOGLE_SERVICE_ACCOUNT_FILE" in message and "#gid=" in message and KEY in message
    assert not (tmp_path / "landing").exists() or not any((tmp_path / "landing").rglob("*.csv"))


# ---- the aggregate export ----------------------------------------------------------------------------


def export_sheet(standin: GoogleStandin, **kwargs) -> None:
    """The export sheet: one tab from an earlier run (more rows than today's), shared with the account as Editor."""
    kwargs.setdefault("writers", (ACCOUNT,))
    stale = [["month", "funnel", "leads"], ["2025-09-01", "Old funnel", 9], ["2025-08-01", "Older", 8]]
    standin.add_spreadsheet(KEY, {"funnel_metrics_monthly": stale}, sheet_ids={"funnel_metrics_monthly": 7}, **kwargs)


def exporter(service_account_file) -> SheetsExport:
    return SheetsExport(
        spreadsheet=SHEET_URL,
        google_service_account_file=service_account_file,
        google_sheets_api_url=standin_api(service_account_file),
        backoff_seconds=0.01,
    )


METRICS = pd.DataFrame(
    {"month": [dt.date(2025, 10, 1)], "funnel": ["ACCA Webinar"], "leads": [3], "roas": [float("nan")]}
)
STAGES = pd.DataFrame({"stage": ["leads", "attendees"], "people": [3, 1]})


def test_export_asks_for_the_write_scope_and_its_cells_land_in_the_sheet(google_standin, service_account_file):
    export_sheet(google_standin)
    google_standin.fail(WRITE, 429, headers={"Retry-After": "0"})
    cells = exporter(service_account_file).write({"funnel_metrics_monthly": METRICS, "funnel_stages_monthly": STAGES})

    assert cells == {"funnel_metrics_monthly": 8, "funnel_stages_monthly": 6}
    assert [grant.scopes for grant in google_standin.grants] == [frozenset({SPREADSHEETS})]
    statuses = [call.status for call in google_standin.calls_of(WRITE)]
    assert statuses == [429, 200, 200], "a 429 retried, then one request per tab"
    # the old, longer table leaves nothing behind; NaN is an empty cell
    assert google_standin.values(KEY, "funnel_metrics_monthly") == [
        ["month", "funnel", "leads", "roas"],
        ["2025-10-01", "ACCA Webinar", "3"],
    ]
    assert google_standin.cells(KEY, "funnel_metrics_monthly")[1] == [
        {"stringValue": "2025-10-01"},
        {"stringValue": "ACCA Webinar"},
        {"numberValue": 3},
    ]
    assert google_standin.values(KEY, "funnel_stages_monthly") == [
        ["stage", "people"],
        ["leads", "3"],
        ["attendees", "1"],
    ]
    created = google_standin.spreadsheet(KEY).tab_by_title("funnel_stages_monthly")
    assert created.sheet_id == tab_id("funnel_stages_monthly")
    assert google_standin.spreadsheet(KEY).tab_by_title("funnel_metrics_monthly").sheet_id == 7


def test_export_with_a_read_only_token_is_refused_with_a_clear_message(
    google_standin, service_account_file, monkeypatch
):
    """What the export did before it asked for the write scope: the stand-in refuses as Google does."""
    export_sheet(google_standin)
    monkeypatch.setattr(google_sheets, "WRITE_SCOPES", google_sheets.READ_ONLY_SCOPES)
    with pytest.raises(SourceError) as raised:
        exporter(service_account_file).write({"funnel_metrics_monthly": METRICS})
    message = str(raised.value)
    assert "insufficient authentication scopes" in message and "spreadsheets.readonly" in message
    assert "Sharing the sheet will not help" in message and "Share the sheet" not in message
    assert [call.status for call in google_standin.calls_of(WRITE)] == [403], "a refusal is not retried"
    assert google_standin.values(KEY, "funnel_metrics_monthly")[1] == ["2025-09-01", "Old funnel", "9"], "unchanged"


def test_export_to_a_sheet_shared_as_viewer_says_to_share_it_as_editor(google_standin, service_account_file):
    export_sheet(google_standin, writers=(), readers=(ACCOUNT,))
    with pytest.raises(SourceError, match=f"Share the sheet with {ACCOUNT} as Editor"):
        exporter(service_account_file).write({"funnel_metrics_monthly": METRICS})


def test_export_of_more_rows_and_columns_than_a_tab_holds_grows_the_tab(google_standin, service_account_file):
    """A new tab has 1000 rows and 26 columns, and Google refuses to write past them; a daily table outgrows that."""
    export_sheet(google_standin)
    spend = pd.DataFrame({"spend_date": pd.date_range("2022-01-01", periods=1500).date, "cost": range(1500)})
    wide = pd.DataFrame([list(range(30))], columns=[f"c{i}" for i in range(30)])
    exporter(service_account_file).write({"spend_by_funnel": spend, "funnel_metrics_monthly": wide})
    assert len(google_standin.values(KEY, "spend_by_funnel")) == 1501
    assert google_standin.values(KEY, "funnel_metrics_monthly")[1][-1] == "29"
    assert all(call.status == 200 for call in google_standin.calls_of(WRITE))


def test_the_export_asset_writes_one_tab_per_table_the_catalogue_marks_sheet_tab(google_standin, service_account_file):
    export_sheet(google_standin)
    marked = [t.name for t in catalogue.TABLES if t.sheet_tab]
    tables = {name: pd.DataFrame({"table": [name]}) for name in marked}

    result = google_sheet_export(dg.build_asset_context(), sheets_export=exporter(service_account_file), **tables)

    assert result.metadata == {"exported": True, **{f"cells_{name}": 2 for name in marked}}
    assert sorted(tab.title for tab in google_standin.spreadsheet(KEY).tabs) == sorted(marked), "one tab each, no other"
    for name in marked:
        assert google_standin.values(KEY, name) == [["table"], [name]]
