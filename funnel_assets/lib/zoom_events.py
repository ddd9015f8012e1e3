"""Zoom reports made into people at sessions: the `event_participants` table.

Rules (docs/rules.md#event-sessions through docs/rules.md#category-and-conductor):

- A session is one webinar or meeting occurrence: its ID and its date.
- Hosts and panelists (and the host's own rows in a meeting report) are staff, not participants.
- Within a session a person is their phone key, else their lower-cased email, else the row
  alone. Someone who registered with a phone and joined without one is matched by email.
- A person who joined several times is one row: first join, last leave, minutes summed over
  the rejoins, and the number of joins. Registration and attendance of the same session are
  one row with `registered` / `attended` flags; the earliest registration gives the name,
  email and country.
- A session is a boot camp when its topic says so or `mappings/bootcamp_sessions.csv` lists
  its ID; a boot-camp day comes from the topic (`Day 2`), else the date (Saturday = Day 1,
  Sunday = Day 2), else Day 1.
- Category from tokens in the topic (`mappings/category_tokens.csv`); conductor from the
  webinar ID (`mappings/conductors.csv`), else the host / first panelist, written the
  canonical way (`mappings/conductor_aliases.csv`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.people import person_keys
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import clean_text
from funnel_assets.lib.zoom_reports import EMAIL_HEADERS, MEETING_PARTICIPANTS, ZoomReport, webinar_id_digits

# As Zoom writes times, and as a spreadsheet program re-saves them: slashes are US month-first
# (Zoom's and Excel's default), dashes day-first (as India writes them).
ZOOM_TIME_FORMATS: tuple[str, ...] = (
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %H:%M",
    "%b %d, %Y %H:%M:%S",  # attendee reports write join and leave times this way
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)

# Zoom's column names (lower-cased) for each thing we keep, in order of preference.
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "display_name": ("user name (original name)", "name (original name)", "user name", "name", "participant"),
    "first_name": ("first name",),
    "last_name": ("last name",),
    "email": EMAIL_HEADERS,
    "phone": ("phone", "phone number", "mobile"),
    "registration_time": ("registration time",),
    "join_time": ("join time",),
    "leave_time": ("leave time",),
    "minutes": ("time in session (minutes)", "duration (minutes)", "duration"),
    "country": ("country/region name", "country/region", "country"),
    "attended_flag": ("attended",),
}

STAFF_ROLES = frozenset({"host", "panelist"})
BOOTCAMP_TOPIC = re.compile(r"boot[\s_-]*camp", re.IGNORECASE)
BOOTCAMP_DAY_TOPIC = re.compile(r"day[\s\-_]*([12])\b", re.IGNORECASE)

EVENT_PARTICIPANT_COLUMNS = (
    "platform",
    "event_type",
    "event_id",
    "event_name",
    "event_date",
    "bootcamp_day",
    "category",
    "conductor",
    "name",
    "email",
    "phone",
    "user_id",
    "registered",
    "registration_time",
    "attended",
    "first_join_time",
    "last_leave_time",
    "minutes_in_session",
    "join_count",
    "country",
    "source_file",
)


@dataclass(frozen=True)
class EventMappings:
    """The mapping CSVs the ops person edits, already read (every cell text)."""

    category_tokens: pd.DataFrame  # token, category
    conductors: pd.DataFrame  # webinar_id, conductor
    conductor_aliases: pd.DataFrame  # alias, conductor
    bootcamp_sessions: pd.DataFrame  # event_id (, note)


def report_people(report: ZoomReport) -> pd.DataFrame:
    """Every person row of one report, with its role and the session it belongs to; every cell text."""
    frames = []
    for section, rows in report.sections.items():
        role = section if section in STAFF_ROLES else ("registrant" if section == "registrant" else "attendee")
        lowered = {str(c).lower(): c for c in rows.columns}
        # plain columns, made one frame at the end: pandas' per-column overhead costs more than the rows
        picked: dict[str, np.ndarray] = {}
        for name, candidates in PERSON_COLUMNS.items():
            column = next((lowered[c] for c in candidates if c in lowered), None)
            picked[name] = (
                rows[column].to_numpy(dtype=object) if column is not None else np.full(len(rows), "", dtype=object)
            )
        roles = np.full(len(rows), role, dtype=object)
        if report.report_type == MEETING_PARTICIPANTS:
            # a meeting report lists its host among the participants: the summary's User Email
            host_email = (report.summary.get("user email") or "").strip().lower()
            emails = pd.Series(picked["email"]).fillna("").astype(str).str.strip().str.lower()
            roles[(emails.eq(host_email) & bool(host_email)).to_numpy()] = "host"
        picked["role"] = roles
        frames.append(picked)
    if not frames:
        return pd.DataFrame(
            columns=[
                *PERSON_COLUMNS,
                "role",
                "platform",
                "declared_event_type",
                "event_id",
                "event_name",
                "session_start",
                "report_type",
                "source_file",
            ]
        )
    people = pd.DataFrame({column: np.concatenate([frame[column] for frame in frames]) for column in frames[0]})
    people["platform"] = report.platform
    people["declared_event_type"] = report.declared_event_type
    people["event_id"] = report.event_id
    people["event_name"] = report.topic
    people["session_start"] = report.start_time_text
    people["report_type"] = report.report_type
    people["source_file"] = report.file_name
    return people


def _clean_text(values: pd.Series) -> pd.Series:
    text = clean_text(values)
    # Zoom writes -- (or -) where it has nothing to say
    return text.where(~text.isin(["--", "-"]), None)


def _proper_case(names: pd.Series) -> pd.Series:
    # str.title would make "o'brien" "O'Brien" but also "mcdonald" "Mcdonald": good enough for display
    return names.str.title()


def _display_name(people: pd.DataFrame) -> pd.Series:
    full = (
        _clean_text(people["first_name"]).fillna("") + " " + _clean_text(people["last_name"]).fillna("")
    ).str.strip()
    # "Asha K (Asha Kumar)": Zoom adds the registered name after a rename; keep the name shown
    shown = _clean_text(people["display_name"]).str.replace(r"\s*\([^)]*\)\s*$", "", regex=True)
    return _proper_case(full.mask(full.eq("")).fillna(shown))


def normalise_people(people: pd.DataFrame) -> pd.DataFrame:
    """Typed, cleaned person rows of many reports; staff rows removed."""
    people = people[~people["role"].isin(STAFF_ROLES)].reset_index(drop=True)
    email = _clean_text(people["email"]).str.lower()
    role = people["role"].astype(str)
    phones = phone_key(_clean_text(people["phone"]))
    join_time = parse_local_datetimes(_clean_text(people["join_time"]), ZOOM_TIME_FORMATS)
    attended_flag = _clean_text(people["attended_flag"]).str.lower()
    attended_row = join_time.notna() | attended_flag.eq("yes")
    registration_time = parse_local_datetimes(_clean_text(people["registration_time"]), ZOOM_TIME_FORMATS)
    session_start = _per_distinct(
        people["session_start"], lambda v: parse_local_datetimes(_clean_text(v), ZOOM_TIME_FORMATS)
    )
    minutes = pd.to_numeric(_clean_text(people["minutes"]), errors="coerce")

    event_date = session_start.dt.date
    event_date = event_date.where(session_start.notna(), join_time.dt.date)
    return pd.DataFrame(
        {
            "platform": people["platform"].astype(str),
            "declared_event_type": people["declared_event_type"].astype(str),
            # a report gave its ID as its platform makes it (Zoom's as digits): kept as given
            "event_id": people["event_id"].astype(str),
            "event_name": _per_distinct(people["event_name"], _clean_text),
            "event_date": event_date,
            "name": _display_name(people),
            "email": email,
            "phone": phones,
            "registered_row": role.eq("registrant").to_numpy() | registration_time.notna().to_numpy(),
            "registration_time": registration_time,
            "attended_row": attended_row.to_numpy(),
            "join_time": join_time.where(attended_row),
            "leave_time": parse_local_datetimes(_clean_text(people["leave_time"]), ZOOM_TIME_FORMATS).where(
                attended_row
            ),
            "minutes": minutes.where(attended_row),
            "country": _clean_text(people["country"]),
            "source_file": people["source_file"].astype(str),
        }
    )


def merge_session_people(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per person per session: registration and attendance merged, rejoins summed."""
    if rows.empty:
        kept = [
            c for c in EVENT_PARTICIPANT_COLUMNS if c not in ("event_type", "bootcamp_day", "category", "conductor")
        ]
        return pd.DataFrame(columns=[*kept, "declared_event_type"])
    session = rows["event_id"].astype(str) + "|" + rows["event_date"].astype(str)
    keys, phone = person_keys(rows["phone"], rows["email"], within=session)
    rows = rows.assign(person=keys, phone=phone)
    # the earliest registration (the registration report's row before the attendee report's) gives
    # the person's name, email, country and source file; without one, the earliest join
    ordered = rows.sort_values(["registration_time", "attended_row", "join_time"], na_position="last", kind="stable")
    grouped = ordered.groupby("person", sort=False)
    merged = grouped.agg(
        platform=("platform", "first"),
        declared_event_type=("declared_event_type", "first"),
        event_id=("event_id", "first"),
        event_name=("event_name", "first"),
        event_date=("event_date", "first"),
        name=("name", "first"),
        email=("email", "first"),
        phone=("phone", "first"),
        registered=("registered_row", "any"),
        registration_time=("registration_time", "min"),
        attended=("attended_row", "any"),
        first_join_time=("join_time", "min"),
        last_leave_time=("leave_time", "max"),
        join_count=("join_time", "count"),
        country=("country", "first"),
        source_file=("source_file", "first"),
    ).reset_index(drop=True)
    # blank when no row says how long: a sum of nothing is not 0 minutes
    minutes = grouped["minutes"].sum(min_count=1).to_numpy()
    merged.insert(merged.columns.get_loc("last_leave_time") + 1, "minutes_in_session", minutes)
    merged["user_id"] = user_id(merged["phone"].astype("string")).astype(object)
    merged["phone"] = merged["phone"].astype(object).where(merged["phone"].notna(), None)
    return merged


def _token_category(topics: pd.Series, tokens: pd.DataFrame) -> pd.Series:
    category = pd.Series(None, index=topics.index, dtype=object)
    for token, name in zip(tokens["token"], tokens["category"], strict=False):
        token = str(token).strip()
        if not token:
            continue
        # whole-word match, so "cfa" does not fire inside another word
        hit = topics.str.contains(rf"(?<![a-z0-9]){re.escape(token.lower())}(?![a-z0-9])", regex=True, na=False)
        category = category.mask(category.isna() & hit, str(name).strip())
    return category


def _canonical_conductor(names: pd.Series, aliases: pd.DataFrame) -> pd.Series:
    lookup = pd.Series(
        aliases["conductor"].astype(str).str.strip().to_numpy(),
        index=aliases["alias"].astype(str).str.strip().str.casefold().to_numpy(),
    )
    lookup = lookup[~lookup.index.duplicated()]
    key = names.astype("string").str.strip().str.casefold()
    return key.map(lookup).fillna(names).astype(object)


def session_conductors(people: pd.DataFrame) -> pd.DataFrame:
    """The host (else the first panelist) of each event, from the staff rows, as the fallback conductor."""
    staff = people[people["role"].isin(STAFF_ROLES)].copy()
    staff["name"] = _display_name(staff)
    staff = staff[staff["name"].notna()]
    staff = staff.assign(rank=staff["role"].map({"host": 0, "panelist": 1})).sort_values(["rank"], kind="stable")
    return staff.drop_duplicates("event_id")[["event_id", "name"]].rename(columns={"name": "host_conductor"})


def _per_distinct(values: pd.Series, work) -> pd.Series:
    """`work` done once per distinct value and spread over the rows: a session's topic, ID and start
    repeat on every one of its rows."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return work(pd.Series(distinct, dtype=object)).take(codes).set_axis(values.index)


def enrich_sessions(
    participants: pd.DataFrame, conductors_from_staff: pd.DataFrame, mappings: EventMappings
) -> pd.DataFrame:
    """Event type, boot-camp day, category and conductor for every participant row, worked out once per session."""
    columns = [participants[c].fillna("\x00").astype(str) for c in ("event_id", "event_name", "event_date")]
    codes, _ = pd.factorize(columns[0] + "\x1f" + columns[1] + "\x1f" + columns[2])
    first_rows = np.unique(codes, return_index=True)[1]
    sessions = participants.iloc[first_rows][
        ["event_id", "event_name", "event_date", "declared_event_type"]
    ].reset_index(drop=True)

    topics = sessions["event_name"].fillna("").astype(str).str.lower()
    listed = mappings.bootcamp_sessions["event_id"].astype(str).str.strip()
    # a Zoom ID however it is spaced, another platform's key as written
    bootcamp_ids = (set(listed.map(webinar_id_digits)) | set(listed)) - {""}
    by_rules = topics.str.contains(BOOTCAMP_TOPIC, na=False) | sessions["event_id"].isin(bootcamp_ids)
    declared = sessions["declared_event_type"].fillna("").astype(str)
    is_bootcamp = declared.eq("bootcamp") | (declared.eq("") & by_rules)

    day_in_topic = topics.str.extract(BOOTCAMP_DAY_TOPIC, expand=False).astype("string")
    weekday = pd.to_datetime(sessions["event_date"], errors="coerce").dt.weekday
    day_from_date = pd.Series(np.select([weekday.eq(5), weekday.eq(6)], ["1", "2"], default=""), index=sessions.index)
    day = day_in_topic.fillna(day_from_date.mask(day_from_date.eq("")).astype("string")).fillna("1")

    ids = mappings.conductors["webinar_id"].astype(str).str.strip()
    conductor_by_id = pd.Series(
        mappings.conductors["conductor"].astype(str).str.strip().to_numpy(),
        # a Zoom ID however it is spaced, another platform's key as written
        index=ids.map(webinar_id_digits).where(ids.str.fullmatch(r"[\d\s-]+"), ids).to_numpy(),
    )
    conductor_by_id = conductor_by_id[~conductor_by_id.index.duplicated()]
    host = sessions["event_id"].map(conductors_from_staff.set_index("event_id")["host_conductor"])
    conductor = sessions["event_id"].map(conductor_by_id).fillna(host)

    per_session = pd.DataFrame(
        {
            "event_type": np.where(is_bootcamp, "bootcamp", "webinar"),
            "bootcamp_day": ("Day " + day).where(is_bootcamp, None),
            "category": _token_category(topics, mappings.category_tokens),
            "conductor": _canonical_conductor(conductor, mappings.conductor_aliases).where(conductor.notna(), None),
        }
    )
    enriched = participants.assign(
        **{c: per_session[c].take(codes).set_axis(participants.index) for c in per_session.columns}
    )
    return enriched[list(EVENT_PARTICIPANT_COLUMNS)].sort_values(
        ["event_date", "event_id", "registration_time", "first_join_time", "email"],
        na_position="last",
        ignore_index=True,
    )


def participants_from_reports(reports: list[ZoomReport], mappings: EventMappings) -> pd.DataFrame:
    """The `event_participants` table from every loaded report."""
    if not reports:
        return pd.DataFrame(columns=list(EVENT_PARTICIPANT_COLUMNS))
    people = pd.concat([report_people(r) for r in reports], ignore_index=True)
    participants = merge_session_people(normalise_people(people))
    return enrich_sessions(participants, session_conductors(people), mappings)


def sessions_summary(participants: pd.DataFrame) -> pd.DataFrame:
    """One row per session, newest first: its registrations, attendees and people."""
    return (
        participants.groupby(["event_date", "event_id", "event_name"], dropna=False)
        .agg(registrations=("registered", "sum"), attendees=("attended", "sum"), people=("event_id", "size"))
        .reset_index()
        .sort_values("event_date", ascending=False)
    )


def days_per_bootcamp(participants: pd.DataFrame) -> pd.DataFrame:
    """One person at one boot camp (both days together): which days they attended, `Both` for both."""
    camps = participants[participants["event_type"].eq("bootcamp")].copy()
    columns = [
        "bootcamp_name",
        "weekend_of",
        "category",
        "person",
        "phone",
        "user_id",
        "email",
        "name",
        "registered",
        "days_attended",
    ]
    if camps.empty:
        return pd.DataFrame(columns=[c for c in columns if c != "person"])
    dates = pd.to_datetime(camps["event_date"])
    camps["weekend_of"] = (dates - pd.to_timedelta((dates.dt.weekday - 5) % 7, unit="D")).dt.date
    camps["bootcamp_name"] = (
        camps["event_name"]
        .str.replace(BOOTCAMP_DAY_TOPIC, "", regex=True)
        .str.replace(r"[\s\-_:|]+$", "", regex=True)
        .str.strip()
    )
    camps["person"] = (
        camps["phone"]
        .fillna("email:" + camps["email"].fillna(""))
        .where(
            camps["phone"].notna() | camps["email"].notna(),
            pd.Series("row:" + camps.index.astype(str), index=camps.index),
        )
    )
    camps["day_1"] = camps["attended"] & camps["bootcamp_day"].eq("Day 1")
    camps["day_2"] = camps["attended"] & camps["bootcamp_day"].eq("Day 2")
    per_person = (
        camps.sort_values(["registration_time", "first_join_time"], na_position="last", kind="stable")
        .groupby(["bootcamp_name", "weekend_of", "person"], sort=True)
        .agg(
            category=("category", "first"),
            phone=("phone", "first"),
            user_id=("user_id", "first"),
            email=("email", "first"),
            name=("name", "first"),
            registered=("registered", "any"),
            day_1=("day_1", "any"),
            day_2=("day_2", "any"),
        )
        .reset_index()
    )
    per_person["days_attended"] = np.select(
        [per_person["day_1"] & per_person["day_2"], per_person["day_1"], per_person["day_2"]],
        ["Both", "Day 1", "Day 2"],
        default="None",
    )
    return per_person[[c for c in columns if c != "person"]]


def attended_phones(participants: pd.DataFrame) -> pd.Series:
    """The phones that attended any webinar or boot camp."""
    return participants.loc[participants["attended"].fillna(False).astype(bool), "phone"]
