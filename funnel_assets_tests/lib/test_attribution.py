"""First-touch attribution and the unmapped-sources worklist, on hand-built cases."""

from __future__ import annotations

import pandas as pd

from funnel_assets.lib.attribution import all_touches, first_touch, unmapped_sources
from funnel_assets.settings import MISCELLANEOUS_FUNNEL


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Asia/Kolkata")


def leads(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["phone", "email", "created_at", "source", "funnel"])


def participants(*rows: tuple) -> pd.DataFrame:
    """rows: phone, email, event_type, category, event_name, registered at (or None), joined at (or None)."""
    frame = pd.DataFrame(rows, columns=["phone", "email", "event_type", "category", "event_name", "registration_time", "first_join_time"])
    frame["registration_time"] = pd.to_datetime(frame["registration_time"]).dt.tz_localize("Asia/Kolkata")
    frame["first_join_time"] = pd.to_datetime(frame["first_join_time"]).dt.tz_localize("Asia/Kolkata")
    frame["registered"] = frame["registration_time"].notna()
    frame["attended"] = frame["first_join_time"].notna()
    frame["event_id"] = "81234567890"
    return frame


def one(frame: pd.DataFrame, **where) -> pd.Series:
    for column, value in where.items():
        frame = frame[frame[column].eq(value)]
    assert len(frame) == 1, frame
    return frame.iloc[0]


def test_the_earliest_touch_wins_whichever_part_it_comes_from():
    lead_first = leads(("9000000001", "a@x.com", at("2025-09-01 10:00"), "ACCA_Webinar_Meta", "ACCA Webinar"))
    event_first = leads(("9000000002", None, at("2025-09-20 10:00"), "CFA_Webinar_Meta", "CFA Webinar"))
    events = participants(
        ("9000000001", "a@x.com", "webinar", "ACCA", "ACCA Masterclass", "2025-09-05 10:00", "2025-09-10 19:00"),
        ("9000000002", None, "bootcamp", "CFA", "CFA Boot Camp Day 1", "2025-09-02 10:00", None),
    )
    people = first_touch(all_touches(pd.concat([lead_first, event_first]), events))
    a = one(people, phone="9000000001")
    assert (a["first_touch_type"], a["first_source"], a["first_funnel"]) == ("lead", "ACCA_Webinar_Meta", "ACCA Webinar")
    assert a["registered_any"] and a["attended_any"] and a["touches"] == 3 and a["user_id"] == "919000000001"
    b = one(people, phone="9000000002")
    assert (b["first_touch_type"], b["first_source"], b["first_funnel"]) == ("bootcamp_registration", "CFA Boot Camp Day 1", "CFA Bootcamp")
    assert b["first_touch_at"] == at("2025-09-02 10:00") and b["registered_any"] and not b["attended_any"]


def test_an_email_only_touch_joins_the_person_its_email_was_seen_with():
    lead = leads((None, "Only@Mail.com", at("2025-09-01 10:00"), "Referral", "Referral"))
    events = participants(("9000000003", "only@mail.com", "webinar", None, "Finance careers", "2025-09-03 10:00", None))
    people = first_touch(all_touches(lead, events))
    assert len(people) == 1
    person = people.iloc[0]
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
    assert all_touches(leads(), events)["funnel"].tolist() == [MISCELLANEOUS_FUNNEL]


def test_unmapped_sources_group_spellings_and_say_where_and_when():
    seen = {
        "marketing_leads": pd.DataFrame(
            {"source": ["Diwali_Offer", " diwali_offer ", "ACCA_Webinar_Meta", ""], "funnel": [MISCELLANEOUS_FUNNEL, MISCELLANEOUS_FUNNEL, "ACCA Webinar", MISCELLANEOUS_FUNNEL],
             "seen_at": [at("2025-09-01"), at("2025-10-01"), at("2025-09-01"), at("2025-09-01")]}
        ),
        "crm_assigned_leads": pd.DataFrame({"source": ["DIWALI_OFFER", "walk-in"], "funnel": [MISCELLANEOUS_FUNNEL] * 2, "seen_at": [at("2025-11-01"), at("2025-11-02")]}),
    }  # fmt: skip
    table = unmapped_sources(seen)
    assert table["source"].tolist() == ["Diwali_Offer", "walk-in"]
    diwali = table.iloc[0]
    assert diwali["rows"] == 3 and diwali["seen_in"] == "crm_assigned_leads, marketing_leads"
    assert (diwali["first_seen"], diwali["last_seen"]) == (at("2025-09-01"), at("2025-11-01"))
