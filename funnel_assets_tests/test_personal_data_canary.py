"""No message quotes a cell value: a canary person planted in every source never shows in what people read.

A recognisable name, email and phone are planted in every source the project reads (the lead sheet,
the spend sheet, both CRM dumps, the Zoom drop folder), and every failure the project has a message for
is driven through Dagster with the project's own definitions: a sheet without its header row, a value
past the header, a login page or a refusal from the CRM with the person in its body, a file dropped in
the Zoom folder that is not a report, a report cut short, a source that shrank, a value holding a control
character, and the good runs too (their metadata and previews). Then every place a message goes is
searched for the canary: the Dagster event log (messages, failures, metadata, check results), Python's
logging, what reached the terminal, the alerts posted to the webhook, and the notes left beside rejected
files. Where the canary is found, the message quoting it is a leak.
"""

from __future__ import annotations

import logging

import dagster as dg
import pytest

from funnel_assets.definitions import build_definitions
from funnel_assets.settings import PROJECT_ROOT, Settings
from funnel_assets_tests.support.http_server import Scripted
from funnel_assets_tests.support.zoom_files import attendee_report

NAME, FIRST, LAST = "Zqxwvine Canarytree", "Zqxwvine", "Canarytree"
EMAIL = "zqxwvine.canary@example.net"
PHONE = "+91 99887 76655"
# how the canary may show once cleaned or masked: any of these in a message is a leak
TRACES = ("zqxwvine", "canarytree", "9988776655", "99887 76655", "99887-76655")

LEAD_HEADER = "Name,Email,Phone number,City,Question 1,utmSource,utmMedium,utmCamp,created date"


def lead(name: str = NAME, email: str = EMAIL, phone: str = PHONE, day: int = 2) -> str:
    return f"{name},{email},{phone},Pune,ACCA?,meta,cpc,ACCA_Webinar_Meta,2026-09-{day:02d} 10:00:00"


def leads_csv(rows: int, *, header: bool = True, extra: str = "") -> str:
    lines = [lead()] + [lead(f"Lead {n}", f"lead{n}@example.com", f"98000{n:05d}", 1 + n % 27) for n in range(rows - 1)]
    return "\n".join(([LEAD_HEADER] if header else []) + lines + ([extra] if extra else [])) + "\n"


ASSIGNED_HEADER = "sources,assignOn,leadMobile,employee"
SALES_HEADER = (
    "_id,status,StudentContact,StudentName,StudentEmail,netAmount,createdOn,employeeName,assignedLeadSources,Funnel"
)


def assigned_csv(rows: int, *, header: bool = True) -> str:
    lines = [
        f"ACCA_Webinar_Meta,2026-09-0{1 + n % 9}T10:00:00Z,{PHONE if n == 0 else f'98000{n:05d}'},Asha"
        for n in range(rows)
    ]
    return "\n".join(([ASSIGNED_HEADER] if header else []) + lines) + "\n"


def sales_csv(rows: int, *, header: bool = True) -> str:
    lines = [
        f"s{n},paid,{PHONE if n == 0 else f'98000{n:05d}'},{NAME if n == 0 else f'Buyer {n}'},"
        f"{EMAIL if n == 0 else f'b{n}@example.com'},1000,2026-09-0{1 + n % 9}T10:00:00Z,"
        "Asha,ACCA_Webinar_Meta,ACCA Webinar"
        for n in range(rows)
    ]
    return "\n".join(([SALES_HEADER] if header else []) + lines) + "\n"


def canary_report(people: int = 3) -> str:
    others = [
        {
            "first": f"P{n}",
            "last": "Person",
            "email": f"p{n}@example.com",
            "phone": f"98000{n:05d}",
            "registered": "09/02/2026 10:00:00",
            "joins": [("09/02/2026 18:00:00", "09/02/2026 19:00:00", 60)],
        }
        for n in range(people - 1)
    ]
    canary = {
        "first": FIRST,
        "last": LAST,
        "email": EMAIL,
        "phone": PHONE,
        "registered": "09/02/2026 10:00:00",
        "joins": [("09/02/2026 18:00:00", "09/02/2026 19:30:00", 90)],
    }
    return attendee_report("ACCA Webinar: IFRS", "812 3456 7890", "09/02/2026 18:00:00", [canary, *others])


class Sources:
    """Every source of the project, served as in production: files on disk, the CRM over HTTP."""

    def __init__(self, tmp_path, http_server):
        self.tmp_path, self.http = tmp_path, http_server
        self.leads = tmp_path / "leads.csv"
        self.spend = tmp_path / "spend.csv"
        self.drop = tmp_path / "zoom_drop"
        self.drop.mkdir()
        self.spend.write_text(
            "date_time,campaign,cost,Funnel\n2026-09-02,acca_retarget,100,ACCA Webinar\n", encoding="utf-8"
        )
        self.leads.write_text(leads_csv(20), encoding="utf-8")
        self.crm("/assigned", assigned_csv(20))
        self.crm("/sales", sales_csv(20))

    def crm(self, path: str, *answers: str | Scripted) -> None:
        self.http._responses[path].clear()
        self.http.add(path, *answers)

    def definitions(self, warehouse) -> dg.Definitions:
        return build_definitions(
            Settings.from_env(
                {
                    "FUNNEL_DATA_DIR": str(self.tmp_path / "data"),
                    "FUNNEL_ZOOM_DROP_DIR": str(self.drop),
                    "FUNNEL_MAPPINGS_DIR": str(PROJECT_ROOT / "mappings"),
                    "FUNNEL_WAREHOUSE_URL": warehouse.url,
                    "FUNNEL_WAREHOUSE_SCHEMA": warehouse.schema_name,
                    "FUNNEL_EXPORT_DIR": str(self.tmp_path / "exports"),
                    "FUNNEL_LEADS_SOURCE": str(self.leads),
                    "FUNNEL_SPEND_SOURCE": str(self.spend),
                    "CRM_ASSIGNED_LEADS_URL": self.http.url("/assigned"),
                    "CRM_SALES_URL": self.http.url("/sales"),
                }
            )
        )


class Surfaces:
    """Every place a message goes, gathered after each run."""

    def __init__(self, http_server, caplog, capfd, tmp_path):
        self.http, self.caplog, self.capfd, self.tmp_path = http_server, caplog, capfd, tmp_path
        self.instance = dg.DagsterInstance.ephemeral()
        self.runs: list[str] = []

    def run(self, defs: dg.Definitions, job: str) -> dg.ExecuteInProcessResult:
        result = defs.resolve_job_def(job).execute_in_process(instance=self.instance, raise_on_error=False)
        self.runs.append(result.run_id)
        run = self.instance.get_run_by_id(result.run_id)
        failure = result.get_run_failure_event() if not result.success else None
        if failure is not None:
            context = dg.build_run_status_sensor_context(
                sensor_name="alert_on_run_failure",
                dagster_instance=self.instance,
                dagster_run=run,
                dagster_event=failure,
            ).for_run_failure()
            defs.resolve_sensor_def("alert_on_run_failure")(context)
        else:
            context = dg.build_run_status_sensor_context(
                sensor_name="alert_on_missing_yesterday",
                dagster_instance=self.instance,
                dagster_run=run,
                dagster_event=result.get_run_success_event(),
            )
            defs.resolve_sensor_def("alert_on_missing_yesterday")(context)
        return result

    def texts(self) -> dict[str, str]:
        out, err = self.capfd.readouterr()
        notes = "\n".join(p.read_text(errors="replace") for p in self.tmp_path.rglob("*.reason.txt"))
        return {
            "event log": "\n".join(dg.serialize_value(e) for run in self.runs for e in self.instance.all_logs(run)),
            "python logging": "\n".join(r.getMessage() for r in self.caplog.records),
            "terminal": out + err,
            "alerts": "\n".join(r.body.decode("utf-8", "replace") for r in self.http.requests("/alerts")),
            "rejection notes": notes,
        }


@pytest.fixture
def world(tmp_path, http_server, caplog, capfd, monkeypatch):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CRM_API_TOKEN", "canary-token")
    monkeypatch.setenv("FUNNEL_ALERT_WEBHOOK_URL", http_server.url("/alerts"))
    http_server.add("/alerts", Scripted(status=200, body=b"ok"))
    return Sources(tmp_path, http_server), Surfaces(http_server, caplog, capfd, tmp_path)


def assert_no_canary(surfaces: Surfaces) -> None:
    leaks = []
    for surface, text in surfaces.texts().items():
        lowered = text.lower()
        for trace in TRACES:
            at = lowered.find(trace)
            if at >= 0:
                leaks.append(f"{surface}: ...{text[max(0, at - 160) : at + 60]!r}...")
    assert not leaks, "the canary person was quoted:\n" + "\n".join(leaks)


def failed_steps(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"}


def test_good_runs_show_no_personal_value_in_metadata_previews_or_logs(world, warehouse):
    sources, surfaces = world
    (sources.drop / "attendees.csv").write_text(canary_report(), encoding="utf-8")
    result = surfaces.run(sources.definitions(warehouse), "daily_refresh")
    assert result.success
    assert warehouse.read_table("marketing_leads")["email"].eq(EMAIL).any()  # the canary is in the data
    assert_no_canary(surfaces)


def test_sheets_and_dumps_without_their_header_row(world, warehouse):
    sources, surfaces = world
    sources.leads.write_text(leads_csv(20, header=False), encoding="utf-8")
    sources.crm("/assigned", assigned_csv(20, header=False))
    sources.crm("/sales", sales_csv(20, header=False))
    result = surfaces.run(sources.definitions(warehouse), "daily_refresh")
    assert {"marketing_leads", "crm_assigned_leads", "sales"} <= failed_steps(result)
    assert_no_canary(surfaces)


def test_a_value_past_the_header_and_a_broken_row(world, warehouse):
    sources, surfaces = world
    sources.leads.write_text(leads_csv(5, extra=lead() + ",one more,and another"), encoding="utf-8")
    sources.crm("/sales", sales_csv(5) + f'"{NAME},{EMAIL}\n')
    result = surfaces.run(sources.definitions(warehouse), "daily_refresh")
    assert {"marketing_leads", "sales"} <= failed_steps(result)
    assert_no_canary(surfaces)


def test_the_crm_answering_a_login_page_or_a_refusal_that_names_the_person(world, warehouse):
    sources, surfaces = world
    page = f"<html><body>Welcome back {NAME} ({EMAIL}, {PHONE}). Sign in</body></html>"
    sources.crm("/assigned", Scripted(status=200, body=page.encode(), headers={"Content-Type": "text/csv"}))
    sources.crm(
        "/sales",
        Scripted(status=401, body=f"token of {EMAIL} expired".encode(), headers={"Content-Type": "text/plain"}),
    )
    result = surfaces.run(sources.definitions(warehouse), "part2_sales")
    assert {"crm_assigned_leads", "sales"} <= failed_steps(result)
    assert_no_canary(surfaces)


def test_files_in_the_zoom_folder_that_are_not_reports_or_are_cut_short(world, warehouse):
    sources, surfaces = world
    (sources.drop / "not_a_report.csv").write_text(leads_csv(3), encoding="utf-8")
    # the last attendees and the closing section cut away: fewer people than Zoom's own summary counts
    (sources.drop / "cut.csv").write_text("\r\n".join(canary_report(6).splitlines()[:-5]) + "\r\n", encoding="utf-8")
    result = surfaces.run(sources.definitions(warehouse), "zoom_ingest")
    assert result.success
    assert len(list((sources.drop / "rejected").glob("*.reason.txt"))) == 2
    assert_no_canary(surfaces)


def test_a_source_that_shrank_sharply_is_refused_without_quoting_it(world, warehouse):
    sources, surfaces = world
    defs = sources.definitions(warehouse)
    assert surfaces.run(defs, "part1_marketing").success
    assert surfaces.run(defs, "part2_sales").success
    sources.leads.write_text(leads_csv(2), encoding="utf-8")
    sources.crm("/assigned", assigned_csv(2))
    sources.crm("/sales", sales_csv(2))
    assert {"marketing_leads"} <= failed_steps(surfaces.run(defs, "part1_marketing"))
    assert {"crm_assigned_leads", "sales"} <= failed_steps(surfaces.run(defs, "part2_sales"))
    assert_no_canary(surfaces)


def test_values_holding_a_control_character(world, warehouse):
    sources, surfaces = world
    sources.leads.write_text(leads_csv(5).replace(NAME, f"{FIRST}\x00{LAST}"), encoding="utf-8")
    sources.crm("/sales", sales_csv(5).replace(NAME, f"{FIRST}\x01{LAST}").replace(",1000,", ",72\x0033.9,", 1))
    surfaces.run(sources.definitions(warehouse), "daily_refresh")
    assert_no_canary(surfaces)


def test_the_canary_is_found_where_it_is_quoted(world, warehouse):
    """The search itself works: a message that quotes the person is caught."""
    sources, surfaces = world
    logging.getLogger("funnel_assets").warning("lead %s could not be read", NAME)
    with pytest.raises(AssertionError, match="python logging"):
        assert_no_canary(surfaces)


def test_a_zoom_report_with_a_control_character_in_a_person(world, warehouse):
    sources, surfaces = world
    (sources.drop / "attendees.csv").write_text(canary_report().replace(LAST, "Canary\x00tree"), encoding="utf-8")
    # PostgreSQL cannot store a NUL: the value must be set aside, or the whole Zoom step fails
    assert surfaces.run(sources.definitions(warehouse), "zoom_ingest").success
    people = warehouse.read_table("event_participants")
    assert people["email"].eq(EMAIL).any() and not people["name"].fillna("").str.contains("\x00").any()
    ledger = warehouse.read_table("ingested_files")
    assert ledger["error"].fillna("").str.contains("2 value\\(s\\) held an invisible control character").any()
    assert_no_canary(surfaces)


def test_two_columns_that_could_be_the_phone(world, warehouse):
    sources, surfaces = world
    text = leads_csv(5).replace("Phone number,", "Mobile Number,Mobile,", 1)  # neither is the exact header
    lines = text.splitlines()
    sources.leads.write_text(
        "\n".join(
            [lines[0]]
            + [
                line.replace(f",{PHONE},", f",{PHONE},{PHONE},") if PHONE in line else line.replace(",Pune,", ",,Pune,")
                for line in lines[1:]
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    sources.crm(
        "/assigned", assigned_csv(5).replace("leadMobile", "LeadMobile,leadmobile", 1).replace(",Asha", ",,Asha")
    )
    result = surfaces.run(sources.definitions(warehouse), "daily_refresh")
    assert {"marketing_leads", "crm_assigned_leads"} <= failed_steps(result)
    assert_no_canary(surfaces)
