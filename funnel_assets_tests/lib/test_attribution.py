"""First-touch attribution and the unmapped-sources worklist, on hand-built cases."""

from __future__ import annotations

import pandas as pd
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from funnel_assets.lib.attribution import all_touches, first_touch, list_unmapped_sources
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL
from funnel_assets.lib.tables import declared_schema


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Asia/Kolkata")


def leads(*rows: tuple) -> pl.DataFrame:
    frame = pd.DataFrame(rows, columns=["phone", "email", "created_at", "source", "funnel"])
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    return pl.from_pandas(frame)


def participants(*rows: tuple) -> pl.DataFrame:
    """rows: phone, email, event_type, category, event_name, registered at (or None), joined at (or None)."""
    frame = pd.DataFrame(
        rows, columns=["phone", "email", "event_type", "category", "event_name", "registration_time", "first_join_time"]
    )
    frame["registration_time"] = pd.to_datetime(frame["registration_time"]).dt.tz_localize("Asia/Kolkata")
    frame["first_join_time"] = pd.to_datetime(frame["first_join_time"]).dt.tz_localize("Asia/Kolkata")
    frame["registered"] = frame["registration_time"].notna()
    frame["attended"] = frame["first_join_time"].notna()
    frame["event_id"] = "81234567890"
    return pl.from_pandas(frame)


def one(frame: pl.DataFrame, **where) -> dict:
    frame = frame.filter(**where)
    assert len(frame) == 1, frame
    return frame.row(0, named=True)


def test_the_earliest_touch_wins_whichever_part_it_comes_from():
    lead_first = leads(("9000000001", "a@x.com", at("2025-09-01 10:00"), "ACCA_Webinar_Meta", "ACCA Webinar"))
    event_first = leads(("9000000002", None, at("2025-09-20 10:00"), "CFA_Webinar_Meta", "CFA Webinar"))
    events = participants(
        ("9000000001", "a@x.com", "webinar", "ACCA", "ACCA Masterclass", "2025-09-05 10:00", "2025-09-10 19:00"),
        ("9000000002", None, "bootcamp", "CFA", "CFA Boot Camp Day 1", "2025-09-02 10:00", None),
    )
    people = first_touch(all_touches(pl.concat([lead_first, event_first], how="vertical_relaxed"), events))
    a = one(people, phone="9000000001")
    assert (a["first_touch_type"], a["first_source"], a["first_funnel"]) == (
        "lead",
        "ACCA_Webinar_Meta",
        "ACCA Webinar",
    )
    assert a["registered_any"] and a["attended_any"] and a["touches"] == 3 and a["user_id"] == "919000000001"
    b = one(people, phone="9000000002")
    assert (b["first_touch_type"], b["first_source"], b["first_funnel"]) == (
        "bootcamp_registration",
        "CFA Boot Camp Day 1",
        "CFA Bootcamp",
    )
    assert b["first_touch_at"] == at("2025-09-02 10:00") and b["registered_any"] and not b["attended_any"]


def test_an_email_only_touch_joins_the_person_its_email_was_seen_with():
    lead = leads((None, "Only@Mail.com", at("2025-09-01 10:00"), "Referral", "Referral"))
    events = participants(("9000000003", "only@mail.com", "webinar", None, "Finance careers", "2025-09-03 10:00", None))
    people = first_touch(all_touches(lead, events))
    assert len(people) == 1
    person = people.row(0, named=True)
    assert person["phone"] == "9000000003" and person["first_source"] == "Referral" and person["registered_any"]


def test_people_sharing_nothing_stay_apart_and_a_touch_without_a_time_never_wins():
    rows = leads(
        (None, None, at("2025-09-01 10:00"), "Referral", "Referral"),
        (None, None, at("2025-09-01 10:00"), "Referral", "Referral"),
        ("9000000004", None, pd.NaT, "Diwali", MISCELLANEOUS_FUNNEL),
        ("9000000004", None, at("2025-09-05 10:00"), "Organic_Website", "Organic"),
    )
    people = first_touch(all_touches(rows, participants()))
    assert len(people) == 3
    assert one(people, phone="9000000004")["first_funnel"] == "Organic"


def test_a_webinar_topic_naming_no_program_is_miscellaneous():
    events = participants(("9000000005", None, "webinar", None, "Careers in finance", "2025-09-03 10:00", None))
    assert all_touches(leads(), events)["funnel"].to_list() == [MISCELLANEOUS_FUNNEL]


def test_unmapped_sources_group_spellings_once_per_input_and_say_when():
    seen = {
        "marketing_leads": pd.DataFrame(
            {
                "source": ["Diwali_Offer", " diwali_offer ", "ACCA_Webinar_Meta", ""],
                "funnel": [MISCELLANEOUS_FUNNEL, MISCELLANEOUS_FUNNEL, "ACCA Webinar", MISCELLANEOUS_FUNNEL],
                "seen_at": [at("2025-09-01"), at("2025-10-01"), at("2025-09-01"), at("2025-09-01")],
            }
        ),
        "crm_assigned_leads": pd.DataFrame(
            {
                "source": ["DIWALI_OFFER", "walk-in"],
                "funnel": [MISCELLANEOUS_FUNNEL] * 2,
                "seen_at": [at("2025-11-01"), at("2025-11-02")],
            }
        ),
    }
    table = list_unmapped_sources({name: pl.from_pandas(frame) for name, frame in seen.items()})
    # one row per source and input; one spelling for a source in every input (on a tie, the first seen)
    assert [list(row) for row in table.select("source", "seen_in", "rows").rows()] == [
        ["Diwali_Offer", "marketing_leads", 2],
        ["Diwali_Offer", "crm_assigned_leads", 1],
        ["walk-in", "crm_assigned_leads", 1],
    ]
    in_leads = table.row(0, named=True)
    assert (in_leads["first_seen"], in_leads["last_seen"]) == (at("2025-09-01"), at("2025-10-01"))
    assert table.row(1, named=True)["first_seen"] == table.row(1, named=True)["last_seen"] == at("2025-11-01")


def first_touch_by_definition(touches: pd.DataFrame) -> dict:
    """The module docstring's rules, written the slow, obvious way: person -> (first touch, flags, count)."""
    email_phone: dict[str, str] = {}
    for phone, email in zip(touches["phone"], touches["email"], strict=True):
        if phone is not None and email is not None:
            email_phone.setdefault(email.strip().lower(), phone)
    people: dict[str, dict] = {}
    for row, touch in enumerate(touches.itertuples(index=False)):
        email = touch.email.strip().lower() if touch.email is not None else None
        phone = touch.phone if touch.phone is not None else email_phone.get(email) if email else None
        key = f"phone:{phone}" if phone else f"email:{email}" if email is not None else f"touch:{row}"
        person = people.setdefault(
            key, {"phone": phone, "first": touch, "registered": False, "attended": False, "touches": 0}
        )
        person["registered"] |= touch.touch_type.endswith("_registration")
        person["attended"] |= touch.touch_type.endswith("_attendance")
        person["touches"] += 1
    return {
        p["phone"] or key: (p["first"].touch_type, p["first"].source, p["registered"], p["attended"], p["touches"])
        for key, p in people.items()
    }


touch_rows = st.lists(
    st.tuples(
        st.sampled_from([None, "9000000001", "9000000002", "9000000003"]),
        st.sampled_from([None, "a@x.com", " A@x.com", "b@y.in", "c@z.org"]),
        st.sampled_from(["lead", "webinar_registration", "webinar_attendance", "bootcamp_registration"]),
        st.sampled_from(["Referral", "ACCA_Webinar_Meta", None]),
    ),
    max_size=25,
)


@given(touch_rows)
def test_first_touch_agrees_with_the_rules_written_out_row_by_row(rows):
    # touches arrive earliest first, as all_touches orders them
    touches = pd.DataFrame(
        {
            "phone": [r[0] for r in rows],
            "email": [r[1] for r in rows],
            "touch_at": pd.date_range("2025-09-01", periods=len(rows), freq="h", tz="Asia/Kolkata"),
            "touch_type": [r[2] for r in rows],
            "source": [r[3] for r in rows],
            "funnel": "Referral",
            "event_id": None,
        }
    )
    people = first_touch(pl.from_pandas(touches))
    expected = first_touch_by_definition(touches)
    assert len(people) == len(expected)
    got = {
        (row.phone or (f"email:{row.email.strip()}" if row.email is not None else None)): (
            row.first_touch_type,
            row.first_source,
            bool(row.registered_any),
            bool(row.attended_any),
            int(row.touches),
        )
        for row in people.to_pandas().itertuples(index=False)
    }
    keyed = {k: v for k, v in expected.items() if not k.startswith("touch:")}
    assert {k: v for k, v in got.items() if k is not None} == keyed


def test_unmapped_sources_of_inputs_without_miscellaneous_is_the_empty_table_typed_as_declared():
    mapped = pl.DataFrame({"source": ["ACCA_Webinar_Meta"], "funnel": ["ACCA Webinar"], "seen_at": [at("2025-09-01")]})
    for seen in ({"marketing_leads": mapped}, {}):
        table = list_unmapped_sources(seen)
        assert table.is_empty() and table.schema == declared_schema("unmapped_sources")
