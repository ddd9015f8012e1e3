"""The sample generator: deterministic, realistic in shape, messy where the real sources are."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

from funnel_assets.lib.funnel_mapping import clean_funnel_mapping, source_key
from funnel_assets.lib.phones import phone_key
from funnel_assets.lib.zoom_events import EventMappings
from funnel_assets.lib.zoom_reports import (
    MEETING_PARTICIPANTS,
    WEBINAR_ATTENDEE,
    WEBINAR_REGISTRATION,
    parse_zoom_report,
)
from tools.samples.generate import BENCHMARK, SALES_COLUMNS, SMALL, SPEND_COLUMNS, Scale, generate, generate_current

try:
    from funnel_assets.lib.zoom_events import participants_from_reports
except ImportError:  # lib before the runtime package's rewrite named it event_participants
    from funnel_assets.lib.zoom_events import event_participants as participants_from_reports

# the generator lives outside the package (tools/): the test finds the project by its own place
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"

TINY = Scale(
    people=60, leads=40, spend_rows=10, assigned_leads=50, sales=12, webinar_sessions=2, registrants_per_session=8
)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def event_mappings() -> EventMappings:
    """The committed mapping CSVs the Zoom rules read, as the ops person left them."""
    folder = PROJECT_ROOT / "mappings"
    return EventMappings(
        category_tokens=read(folder / "category_tokens.csv"),
        conductors=read(folder / "conductors.csv"),
        conductor_aliases=read(folder / "conductor_aliases.csv"),
        bootcamp_sessions=read(folder / "bootcamp_sessions.csv"),
    )


def generated_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv"))


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    generate(tmp_path / "a", TINY, seed=3)
    generate(tmp_path / "b", TINY, seed=3)
    generate(tmp_path / "c", TINY, seed=4)
    files = generated_files(tmp_path / "a")
    assert files and files == generated_files(tmp_path / "b")
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", files, shallow=False)
    assert not mismatch and not errors
    assert (tmp_path / "a" / "leads.csv").read_bytes() != (tmp_path / "c" / "leads.csv").read_bytes()


def test_committed_sample_data_is_what_the_generator_writes(tmp_path):
    """The demo's data never drifts from its generator: regenerate with the README's command after a change."""
    generate(tmp_path, SMALL)
    assert generated_files(tmp_path) == generated_files(SAMPLE_DATA_DIR)
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, SAMPLE_DATA_DIR, generated_files(tmp_path), shallow=False)
    assert not mismatch and not errors, mismatch


def _newest_days(folder: Path) -> dict[str, date]:
    """Each source's newest day, India time, read as the sources write it."""
    india = pd.Timedelta(hours=5, minutes=30)
    leads = read(folder / "leads.csv")["created date"]
    leads_at = pd.to_datetime(leads, format="%Y-%m-%d %H:%M:%S", errors="coerce").fillna(
        pd.to_datetime(leads, format="%d/%m/%Y %H:%M:%S", errors="coerce")
    )
    assigned = read(folder / "crm" / "assigned_leads.csv")["assignOn"]
    assigned_at = (pd.to_datetime(assigned, format="%Y-%m-%dT%H:%M:%SZ", errors="coerce") + india).fillna(
        pd.to_datetime(assigned, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    )
    sold_at = pd.to_datetime(read(folder / "crm" / "sales.csv")["createdOn"], format="%Y-%m-%dT%H:%M:%S.000Z") + india
    zoom_days = [date.fromisoformat(p.stem.rsplit("_", 1)[1]) for p in (folder / "zoom").glob("*.csv")]
    return {
        "leads": leads_at.max().date(),
        "spend": date.fromisoformat(read(folder / "spend.csv")["date_time"].max()),
        "assigned leads": assigned_at.max().date(),
        "sales": sold_at.max().date(),
        "zoom": max(zoom_days),
    }


def test_a_set_generated_for_a_day_reaches_the_day_before(tmp_path):
    """The demo generates its data for the day it runs: every source, Zoom included, ends yesterday, so the
    demo's `has_yesterdays_data` checks pass and a yellow one means something."""
    for today in (date(2026, 12, 3), date(2027, 3, 1)):
        out = tmp_path / str(today)
        generate_current(out, today)
        yesterday = date.fromordinal(today.toordinal() - 1)
        assert _newest_days(out) == dict.fromkeys(_newest_days(out), yesterday)
    assert _newest_days(SAMPLE_DATA_DIR)["zoom"] == date(2025, 11, 17), "the committed set keeps its own dates"


def test_a_fraction_of_a_scale():
    """The benchmark's scaling table runs a quarter, a half and the whole benchmark set."""
    quarter = BENCHMARK.scaled(0.25)
    assert (quarter.leads, quarter.assigned_leads, quarter.sales) == (125_000, 250_000, 50_000)
    assert quarter.registrants_per_session == BENCHMARK.registrants_per_session
    assert 0 < quarter.webinar_sessions < BENCHMARK.webinar_sessions
    assert BENCHMARK.scaled(1) == BENCHMARK and min(vars(TINY.scaled(0.001)).values()) == 1


def test_headers_are_the_sources_own():
    assert list(read(SAMPLE_DATA_DIR / "leads.csv").columns) == [
        "Name",
        "Email",
        "Phone number",
        "City",
        "Question 1",
        "utmSource",
        "utmMedium",
        "utmCamp",
        "created date",
    ]
    assert list(read(SAMPLE_DATA_DIR / "spend.csv").columns) == SPEND_COLUMNS and len(SPEND_COLUMNS) == 43
    assert list(read(SAMPLE_DATA_DIR / "crm" / "assigned_leads.csv").columns) == [
        "sources",
        "assignOn",
        "leadMobile",
        "employee",
    ]
    assert list(read(SAMPLE_DATA_DIR / "crm" / "sales.csv").columns) == SALES_COLUMNS and len(SALES_COLUMNS) == 44


def test_phones_are_messy_like_real_forms():
    phones = read(SAMPLE_DATA_DIR / "leads.csv")["Phone number"]
    assert phones.str.startswith("+91 ").any()
    assert phones.str.match(r"^0\d{5} \d{5}$").any()
    assert phones.eq("").any()
    assert phones.str.startswith("+44").any()
    assert (phones.str.len().between(1, 9)).any(), "some numbers too short to be a phone"


def test_sources_include_mapped_deprecated_and_unmapped_ones():
    mapping = clean_funnel_mapping(read(PROJECT_ROOT / "mappings" / "funnel_mapping.csv"))
    used = set(source_key(read(SAMPLE_DATA_DIR / "leads.csv")["utmCamp"]))
    mapped = set(mapping["source_key"])
    deprecated = set(mapping.loc[mapping["deprecated"], "source_key"])
    assert used & (mapped - deprecated)
    assert used & deprecated
    assert used - mapped - {""}, "the monthly mapping needs something to map"


def test_zoom_reports_parse_and_carry_real_quirks():
    files = sorted((SAMPLE_DATA_DIR / "zoom").glob("*.csv"))
    raw = [f.read_bytes() for f in files]
    assert all(b"\r\n" in content for content in raw)
    assert sum(content.startswith(b"\xef\xbb\xbf") for content in raw) == 1
    reports = [parse_zoom_report(content, file_name=f.name) for f, content in zip(files, raw, strict=True)]
    assert {r.report_type for r in reports} == {WEBINAR_ATTENDEE, WEBINAR_REGISTRATION, MEETING_PARTICIPANTS}
    masterclasses = [
        r.event_id for r in reports if r.report_type == WEBINAR_ATTENDEE and "masterclass" in r.topic.lower()
    ]
    assert len(masterclasses) > len(set(masterclasses)), "a recurring webinar: one ID on several dates"
    attendees = pl.concat(
        [r.sections["attendee"] for r in reports if r.report_type == WEBINAR_ATTENDEE], how="diagonal"
    )
    joined = attendees.filter(pl.col("Attended") == "Yes")
    assert joined["Email"].is_duplicated().any(), "some attendees rejoined"
    camp = [r for r in reports if "boot camp" in r.topic.lower()]
    assert {r.event_id for r in camp} and len({r.start_time_text for r in camp}) == 2, "a two-day boot camp"


def test_sample_sessions_exercise_the_event_rules():
    """A boot camp known only from mappings/bootcamp_sessions.csv, a meeting's participants (email
    only, the host left out) and a recurring webinar all come out of the sample as they should."""
    reports = [
        parse_zoom_report(f.read_bytes(), file_name=f.name) for f in sorted((SAMPLE_DATA_DIR / "zoom").glob("*.csv"))
    ]
    participants = participants_from_reports(reports, event_mappings())
    intensive = participants.filter(event_name="CFA Weekend Intensive")
    assert "boot camp" not in intensive["event_name"][0].lower()
    assert set(intensive["event_type"]) == {"bootcamp"} and set(intensive["bootcamp_day"]) == {"Day 1", "Day 2"}
    meeting = participants.filter(event_name="CFA Doubt Clearing Session")
    assert len(meeting) and meeting["attended"].all() and meeting["email"].is_not_null().all()
    assert "host@finedu.in" not in set(meeting["email"])
    masterclasses = participants.filter(pl.col("event_name").str.contains("Masterclass")).unique(
        ["event_id", "event_date"], maintain_order=True
    )
    assert masterclasses["event_id"].is_duplicated().any(), "one webinar ID on two dates is two sessions"
    assert set(masterclasses["event_type"]) == {"webinar"}


def test_one_person_can_be_followed_through_the_whole_funnel():
    leads = set(phone_key(read(SAMPLE_DATA_DIR / "leads.csv")["Phone number"]).dropna())
    assigned = set(phone_key(read(SAMPLE_DATA_DIR / "crm" / "assigned_leads.csv")["leadMobile"]).dropna())
    sales = set(phone_key(read(SAMPLE_DATA_DIR / "crm" / "sales.csv")["StudentContact"]).dropna())
    zoom = set()
    for f in (SAMPLE_DATA_DIR / "zoom").glob("*_attendee_*.csv"):
        report = parse_zoom_report(f.read_bytes(), file_name=f.name)
        zoom |= set(phone_key(report.sections["attendee"]["Phone"].to_pandas()).dropna())
    assert leads & zoom & assigned & sales
