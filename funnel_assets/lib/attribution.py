"""Lead-source tagging and first-touch attribution across Part 1 (leads and Zoom events).

A touch is one moment a person met the funnel: a lead captured by a campaign, a webinar or
boot-camp registration, an attendance. A person is their phone key; without one, their
lower-cased email (and an email seen elsewhere with a phone takes that phone); with
neither, the touch stands alone. The earliest touch wins; at the same moment a lead comes
before a registration, a registration before an attendance.

A Zoom touch carries the session's topic as its source and `<category> Webinar` /
`<category> Bootcamp` as its funnel (the funnel names of `mappings/funnel_mapping.csv`),
or Miscellaneous when the topic names no program.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from funnel_assets import catalogue
from funnel_assets.lib.clock import in_local_time
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL, source_key
from funnel_assets.lib.people import person_keys
from funnel_assets.lib.phones import user_id

TOUCH_ORDER = {
    "lead": 0,
    "webinar_registration": 1,
    "bootcamp_registration": 1,
    "webinar_attendance": 2,
    "bootcamp_attendance": 2,
}
TOUCH_COLUMNS = catalogue.table("lead_touches").column_names
FIRST_TOUCH_COLUMNS = catalogue.table("lead_first_touch").column_names


def lead_touches(leads: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": leads["phone"],
            "email": leads["email"],
            "touch_at": leads["created_at"],
            "touch_type": "lead",
            "source": leads["source"],
            "funnel": leads["funnel"],
            "event_id": None,
        }
    )


def event_funnel(participants: pd.DataFrame) -> pd.Series:
    kind = np.where(participants["event_type"].eq("bootcamp"), " Bootcamp", " Webinar")
    category = participants["category"].astype("string")
    return (category + kind).fillna(MISCELLANEOUS_FUNNEL).astype(object)


def event_touches(participants: pd.DataFrame) -> pd.DataFrame:
    funnel = event_funnel(participants)
    common = {
        "phone": participants["phone"],
        "email": participants["email"],
        "source": participants["event_name"],
        "funnel": funnel,
        "event_id": participants["event_id"],
    }
    registered = participants["registered"].astype(bool)
    attended = participants["attended"].astype(bool)
    registrations = pd.DataFrame(
        {
            **common,
            "touch_at": participants["registration_time"],
            "touch_type": participants["event_type"] + "_registration",
        }
    )[registered.to_numpy()]
    attendances = pd.DataFrame(
        {
            **common,
            "touch_at": participants["first_join_time"],
            "touch_type": participants["event_type"] + "_attendance",
        }
    )[attended.to_numpy()]
    return pd.concat([registrations, attendances], ignore_index=True)


def all_touches(leads: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    """Every touch of every person, earliest first."""
    frames = [f for f in (lead_touches(leads), event_touches(participants)) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=list(TOUCH_COLUMNS))
    touches = pd.concat(frames, ignore_index=True)[list(TOUCH_COLUMNS)]
    touches["touch_at"] = in_local_time(touches["touch_at"])
    touches["order"] = touches["touch_type"].map(TOUCH_ORDER)
    touches = touches.sort_values(["touch_at", "order"], na_position="last", kind="stable").drop(columns="order")
    return touches.reset_index(drop=True)


def _first_valid_per_group(codes: np.ndarray, values: pd.Series, groups: int) -> np.ndarray:
    """For each group, its first non-missing value in row order (None when it has none)."""
    valid = values.notna().to_numpy()
    first = np.full(groups, None, dtype=object)
    unique_codes, position = np.unique(codes[valid], return_index=True)
    first[unique_codes] = values.to_numpy(dtype=object)[valid][position]
    return first


def first_touch(touches: pd.DataFrame) -> pd.DataFrame:
    """One row per person: their earliest touch, and whether they ever registered or attended."""
    if touches.empty:
        return pd.DataFrame(columns=list(FIRST_TOUCH_COLUMNS))
    person, phone = person_keys(touches["phone"], touches["email"])
    # codes count people in order of their first row: rows arrive earliest first
    codes, distinct = pd.factorize(person)
    people_count = len(distinct)
    _, first_row = np.unique(codes, return_index=True)
    kind = touches["touch_type"].astype(str)
    first = touches.iloc[first_row]
    people = pd.DataFrame(
        {
            "phone": _first_valid_per_group(codes, phone, people_count),
            "email": _first_valid_per_group(codes, touches["email"].astype("string").str.lower(), people_count),
            "first_touch_at": first["touch_at"].array,
            "first_touch_type": first["touch_type"].to_numpy(dtype=object),
            "first_source": first["source"].to_numpy(dtype=object),
            "first_funnel": first["funnel"].to_numpy(dtype=object),
            "registered_any": np.bincount(codes, weights=kind.str.endswith("_registration"), minlength=people_count)
            > 0,
            "attended_any": np.bincount(codes, weights=kind.str.endswith("_attendance"), minlength=people_count) > 0,
            "touches": np.bincount(codes, minlength=people_count),
        }
    )
    people["user_id"] = user_id(people["phone"]).astype(object)
    return people[list(FIRST_TOUCH_COLUMNS)].sort_values(
        "first_touch_at", na_position="last", ignore_index=True, kind="stable"
    )


def list_unmapped_sources(seen: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every non-blank source that fell to Miscellaneous, once per input it was seen in.

    `seen` maps an input (a table name) to a frame with `source`, `funnel` and `seen_at`.
    Spellings differing only in case and spaces are one source, shown as most often written
    across all inputs (on a tie, as first seen), so one source reads the same in every input.
    """
    frames = []
    for seen_in, frame in seen.items():
        misc = frame[frame["funnel"].eq(MISCELLANEOUS_FUNNEL)]
        source = misc["source"].astype("string").str.strip()
        frames.append(
            pd.DataFrame({"source": source, "seen_in": seen_in, "seen_at": misc["seen_at"]})[source.fillna("").ne("")]
        )
    columns = ["source", "seen_in", "rows", "first_seen", "last_seen"]
    if not frames or all(f.empty for f in frames):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rows = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    rows["key"] = source_key(rows["source"])
    rows["seen_at"] = in_local_time(rows["seen_at"])
    # the spelling written most often; on a tie, the one seen first
    spelling = (
        rows.groupby(["key", "source"])
        .agg(n=("seen_in", "size"), first=("seen_at", "min"))
        .reset_index()
        .sort_values(["key", "n", "first"], ascending=[True, False, True])
    )
    spelling = spelling.drop_duplicates("key").set_index("key")["source"]
    summary = (
        rows.groupby(["key", "seen_in"])
        .agg(rows=("seen_at", "size"), first_seen=("seen_at", "min"), last_seen=("seen_at", "max"))
        .reset_index()
    )
    summary.insert(0, "source", spelling.reindex(summary["key"]).to_numpy())
    return summary.sort_values(["rows", "source", "seen_in"], ascending=[False, True, True], ignore_index=True)[columns]
