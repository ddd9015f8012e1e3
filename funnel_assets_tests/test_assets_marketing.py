"""Part 1 through Dagster: the lead sheet over HTTP, Zoom events, first touch, the monthly mapping."""

from __future__ import annotations

import dagster as dg

from funnel_assets.defs.events.assets import bootcamp_attendance, zoom_reports
from funnel_assets.defs.marketing.assets import lead_first_touch, lead_touches, marketing_leads
from funnel_assets.defs.reporting.assets import unmapped_sources
from funnel_assets.io.mappings import Mappings
from funnel_assets.io.sources.resources import LeadSheet
from funnel_assets.io.warehouse import Warehouse
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets_tests.support.drop_folders import drop, local_drop_folder
from funnel_assets_tests.support.http_server import Scripted
from funnel_assets_tests.support.resources import io_manager_for, landing_dir
from funnel_assets_tests.support.zoom_files import attendee_report

LEADS_CSV = (
    "Name,Email,Phone number,City,Question 1,utmSource,utmMedium,utmCamp,created date\r\n"
    "asha k,Asha@x.com,+91 98765-43210,Pune,Graduate,facebook,cpc,ACCA_Webinar_Meta,2025-11-01 10:00:00\r\n"
    "Ravi P,ravi@x.com,,Delhi,,google,cpc, diwali_offer ,02/11/2025 09:30:00\r\n"
    "Neha V,neha@x.com,98765 00000,Mumbai,,google,cpc,Diwali_Offer,2025-11-05 12:00:00\r\n"
)
# Part 2 has not run here: its tables read as empty
PART1 = [
    marketing_leads,
    zoom_reports,
    bootcamp_attendance,
    lead_touches,
    lead_first_touch,
    unmapped_sources,
    dg.AssetSpec("crm_assigned_leads"),
    dg.AssetSpec("sales"),
]


def resources(tmp_path, warehouse: Warehouse, http_server) -> dict:
    mappings = tmp_path / "mappings"
    mappings.mkdir(exist_ok=True)
    (mappings / "funnel_mapping.csv").write_text("source,funnel,deprecated\nACCA_Webinar_Meta,ACCA Webinar,\n")
    (mappings / "category_tokens.csv").write_text("token,category\nacca,ACCA\ncfa,CFA\n")
    return {
        "leads_source": LeadSheet(
            location=http_server.url("/leads.csv"), backoff_seconds=0.01, landing_dir=landing_dir()
        ),
        "zoom_drop": local_drop_folder(tmp_path / "zoom_drop"),
        "mappings": Mappings(directory=str(mappings)),
        "io_manager": io_manager_for(warehouse),
    }


def test_first_touch_meets_zoom_and_a_mapping_edit_applies_on_the_next_run(tmp_path, warehouse: Warehouse, http_server):
    http_server.add("/leads.csv", LEADS_CSV)
    # Ravi has no phone on the lead sheet; he registers for a webinar before his lead row, with a phone
    ravi = {
        "first": "Ravi",
        "last": "P",
        "email": "ravi@x.com",
        "phone": "9000000009",
        "registered": "Oct 30, 2025 10:00 AM",
    }
    drop(
        tmp_path / "zoom_drop",
        "att.csv",
        attendee_report("CFA Masterclass", "812 3456 7890", "Nov 3, 2025 07:00 PM", [ravi]),
    )
    configured = resources(tmp_path, warehouse, http_server)
    assert dg.materialize(PART1, resources=configured).success

    people = warehouse.read_table("lead_first_touch").set_index("email")
    assert people.loc["ravi@x.com", "phone"] == "9000000009"
    assert people.loc["ravi@x.com", "first_touch_type"] == "webinar_registration"
    assert people.loc["ravi@x.com", "first_funnel"] == "CFA Webinar"
    assert bool(people.loc["ravi@x.com", "registered_any"]) and not bool(people.loc["ravi@x.com", "attended_any"])
    assert people.loc["asha@x.com", "first_funnel"] == "ACCA Webinar"
    unmapped = warehouse.read_table("unmapped_sources")
    assert unmapped[["source", "seen_in", "rows"]].values.tolist() == [
        ["diwali_offer", "marketing_leads", 2]
    ]  # as first written

    # the monthly mapping: the ops person adds the source; no code change
    mapping = tmp_path / "mappings" / "funnel_mapping.csv"
    mapping.write_text(mapping.read_text() + "Diwali_Offer,Festive Offers,\n")
    assert dg.materialize(PART1, resources=configured).success
    leads = warehouse.read_table("marketing_leads")
    assert leads["funnel"].tolist() == ["ACCA Webinar", "Festive Offers", "Festive Offers"]
    assert warehouse.row_count("unmapped_sources") == 0
    assert MISCELLANEOUS_FUNNEL not in set(warehouse.read_table("lead_first_touch")["first_funnel"])


def test_a_login_page_instead_of_the_sheet_fails_clearly_and_keeps_the_last_good_leads(
    tmp_path, sqlite_warehouse, http_server
):
    http_server.add(
        "/leads.csv", LEADS_CSV, Scripted(body=b"<!DOCTYPE html><html><title>Sign in - Google Accounts</title></html>")
    )
    configured = resources(tmp_path, sqlite_warehouse, http_server)
    assert dg.materialize([marketing_leads], resources=configured).success

    result = dg.materialize([marketing_leads], resources=configured, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "web page instead of CSV" in failure.step_failure_data.error.message
    assert len(http_server.requests("/leads.csv")) == 2, "not retried: a login page will not change by waiting"
    assert sqlite_warehouse.row_count("marketing_leads") == 3


def test_a_mobile_column_before_phone_number_never_empties_the_phones(tmp_path, warehouse: Warehouse, http_server):
    header, *rows = LEADS_CSV.split("\r\n")
    with_mobile = "\r\n".join(
        [header.replace("Email,", "Email,Mobile,"), *(r.replace("@x.com,", "@x.com,,") for r in rows)]
    )
    http_server.add("/leads.csv", with_mobile)
    assert dg.materialize([marketing_leads], resources=resources(tmp_path, warehouse, http_server)).success
    leads = warehouse.read_table("marketing_leads").set_index("email")
    assert leads.loc["asha@x.com", "phone"] == "9876543210" and leads.loc["neha@x.com", "phone"] == "9876500000"
    assert "mobile" in leads.columns, "the look-alike column is kept as text"


def test_a_lead_sheet_without_its_header_row_fails_without_quoting_the_first_lead(
    tmp_path, sqlite_warehouse, http_server
):
    http_server.add("/leads.csv", LEADS_CSV.split("\r\n", 1)[1])
    result = dg.materialize(
        [marketing_leads], resources=resources(tmp_path, sqlite_warehouse, http_server), raise_on_error=False
    )
    message = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert "Phone number" in message and "9 columns" in message
    for value in ("asha", "Asha@x.com", "98765", "Pune", "ACCA_Webinar_Meta"):
        assert value not in message
