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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import polars as pl

from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.distinct import per_distinct
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
    """The mapping CSVs the ops person edits, already read (every cell text; pandas as `Mappings` reads them)."""

    category_tokens: pd.DataFrame  # token, category
    conductors: pd.DataFrame  # webinar_id, conductor
    conductor_aliases: pd.DataFrame  # alias, conductor
    bootcamp_sessions: pd.DataFrame  # event_id (, note)


TEXT = pl.String
INSTANT = pl.Datetime("us", TIMEZONE)
_REPORT_ABOUT = (
    "platform",
    "declared_event_type",
    "event_id",
    "event_name",
    "session_start",
    "report_type",
    "source_file",
    "host_email",
)
REPORT_PEOPLE_COLUMNS = (*PERSON_COLUMNS, "role", *_REPORT_ABOUT[:-1])
EVENT_PARTICIPANT_SCHEMA = pl.Schema(
    {
        column: {
            "event_date": pl.Date,
            "registered": pl.Boolean,
            "attended": pl.Boolean,
            "registration_time": INSTANT,
            "first_join_time": INSTANT,
            "last_leave_time": INSTANT,
            "minutes_in_session": pl.Float64,
            "join_count": pl.Int64,
        }.get(column, TEXT)
        for column in EVENT_PARTICIPANT_COLUMNS
    }
)
BOOTCAMP_ATTENDANCE_COLUMNS = (
    "bootcamp_name",
    "weekend_of",
    "category",
    "phone",
    "user_id",
    "email",
    "name",
    "registered",
    "days_attended",
)


def _python(text: pl.Expr, method: Callable[[str], str]) -> pl.Expr:
    """Python's own string `method` (str.lower, str.title, ...) on each distinct value: the semantics the
    pandas rules had (Polars' kernels case some letters otherwise), at the cost of the distinct values."""

    def each(distinct: pl.Series) -> pl.Series:
        return pl.Series(distinct.name, [method(value) for value in distinct.to_list()], dtype=TEXT)

    return per_distinct(text, each, return_dtype=TEXT)


def _texts(mapping: pd.DataFrame | pl.DataFrame, column: str) -> list[str]:
    """A mapping column's cells as Python text, stripped (a mapping has a few dozen rows)."""
    return [str(value).strip() for value in mapping[column].to_list()]


def _report_about(report: ZoomReport) -> dict[str, str | None]:
    """The report's attributes that every one of its person rows carries."""
    # a meeting report lists its host among the participants: the summary's User Email
    host_email = (report.summary.get("user email") or "").strip().lower()
    return {
        "platform": report.platform,
        "declared_event_type": report.declared_event_type,
        "event_id": report.event_id,
        "event_name": report.topic,
        "session_start": report.start_time_text,
        "report_type": report.report_type,
        "source_file": report.file_name,
        "host_email": host_email if report.report_type == MEETING_PARTICIPANTS and host_email else None,
    }


def reports_people(reports: list[ZoomReport]) -> pl.DataFrame:
    """Every person row of every report, with its role and the session it belongs to; every cell text (null where
    the report has no such column).

    Each section's columns are only picked here (no copy): each column of all reports is put together at once,
    and each section's role and report's attributes are spread over its rows by position."""
    picked: dict[str, list[pl.Series]] = {name: [] for name in PERSON_COLUMNS}
    sections: list[dict[str, str | None]] = []
    lengths: list[int] = []
    for report in reports:
        about = _report_about(report)
        for section, rows in report.sections.items():
            lowered = {column.lower(): column for column in rows.columns}
            for name, candidates in PERSON_COLUMNS.items():
                column = next((lowered[c] for c in candidates if c in lowered), None)
                picked[name].append(
                    rows.get_column(column) if column is not None else pl.Series(name, [None] * len(rows), TEXT)
                )
            role = section if section in STAFF_ROLES else ("registrant" if section == "registrant" else "attendee")
            sections.append({"role": role, **about})
            lengths.append(len(rows))
    people = pl.DataFrame(
        # one piece a column: each is read many times below
        [
            pl.concat(parts, rechunk=True).alias(name) if parts else pl.Series(name, [], TEXT)
            for name, parts in picked.items()
        ]
    )
    about = pl.DataFrame(sections, schema=dict.fromkeys(["role", *_REPORT_ABOUT], TEXT))
    people = people.hstack(about[np.repeat(np.arange(len(lengths)), lengths)])
    host_email = pl.col("host_email")
    email = _python(pl.when(host_email.is_not_null()).then(pl.col("email")), lambda value: value.strip().lower())
    return people.with_columns(
        role=pl.when((email == host_email).fill_null(False)).then(pl.lit("host")).otherwise(pl.col("role"))
    ).select(REPORT_PEOPLE_COLUMNS)


def report_people(report: ZoomReport) -> pl.DataFrame:
    """Every person row of one report (see `reports_people`)."""
    return reports_people([report])


def _clean_text(values: pl.Expr) -> pl.Expr:
    text = clean_text(values)
    # Zoom writes -- (or -) where it has nothing to say
    return pl.when(~text.is_in(["--", "-"])).then(text)


def _times(column: str) -> pl.Expr:
    return parse_local_datetimes(_clean_text(pl.col(column)), ZOOM_TIME_FORMATS)


def _on_distinct(rule: Callable[[pl.Expr], pl.Expr], column: str) -> pl.Expr:
    """`rule` (elementwise, text to text, null stays null) on the column's distinct values only: a person's cells
    repeat over their registration and attendance rows, a topic over every row of its report."""

    def each(distinct: pl.Series) -> pl.Series:
        return distinct.to_frame().select(rule(pl.col(distinct.name))).to_series()

    return per_distinct(pl.col(column), each, return_dtype=TEXT).alias(column)


def _display_names(rows: pl.DataFrame) -> pl.Series:
    """`_display_name` of each row, worked out once per distinct (first name, last name, display name)."""
    parts = ["first_name", "last_name", "display_name"]
    names = rows.select(parts).unique().with_columns(name=_display_name())
    return rows.select(parts).join(names, on=parts, how="left", nulls_equal=True, maintain_order="left")["name"]


def _display_name() -> pl.Expr:
    full = pl.concat_str(
        _clean_text(pl.col("first_name")), _clean_text(pl.col("last_name")), separator=" ", ignore_nulls=True
    )
    # "Asha K (Asha Kumar)": Zoom adds the registered name after a rename; keep the name shown
    shown = _clean_text(pl.col("display_name")).str.replace(r"\s*\([^)]*\)\s*$", "")
    # Python's str.title would make "o'brien" "O'Brien" but also "mcdonald" "Mcdonald": good enough for display
    return _python(pl.when(full != "").then(full).otherwise(shown), str.title)


def _read_times(rows: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """The columns read as Zoom times. A text reads the same in any column and row, so each distinct text of all
    the columns is read once (a session's start time repeats on every one of its rows, a join time on several)."""
    texts = pl.concat([rows.get_column(column) for column in columns]).drop_nulls().unique()
    read = pl.DataFrame({"text": texts}).select(_times("text")).to_series()
    return rows.with_columns(
        pl.col(column).replace_strict(texts, read, default=None, return_dtype=INSTANT) for column in columns
    )


def normalise_people(people: pl.DataFrame) -> pl.DataFrame:
    """Typed, cleaned person rows of many reports; staff rows removed."""
    join_time = pl.col("join_time")
    attended_row = join_time.is_not_null() | (
        _on_distinct(lambda flag: _python(_clean_text(flag), str.lower), "attended_flag") == "yes"
    )
    registration_time = pl.col("registration_time")
    rows = people.filter(~pl.col("role").is_in(STAFF_ROLES))
    return (
        _read_times(rows, ("registration_time", "join_time", "leave_time", "session_start"))
        .with_columns(name=_display_names(rows))
        .lazy()
        .with_columns(attended_row=attended_row.fill_null(False))
        .select(
            "platform",
            "declared_event_type",
            # a report gave its ID as its platform makes it (Zoom's as digits): kept as given
            "event_id",
            _on_distinct(_clean_text, "event_name"),
            pl.coalesce(pl.col("session_start").dt.date(), join_time.dt.date()).alias("event_date"),
            "name",
            _on_distinct(lambda email: _python(_clean_text(email), str.lower), "email"),
            _on_distinct(lambda phone: phone_key(_clean_text(phone)), "phone"),
            ((pl.col("role") == "registrant") | registration_time.is_not_null()).alias("registered_row"),
            registration_time,
            "attended_row",
            join_time,
            pl.when("attended_row").then(pl.col("leave_time")).alias("leave_time"),
            # numbers as pandas' to_numeric reads them; its NaN is no number
            pl.when("attended_row")
            .then(_on_distinct(_clean_text, "minutes").cast(pl.Float64, strict=False).fill_nan(None))
            .alias("minutes"),
            _on_distinct(_clean_text, "country"),
            "source_file",
        )
        .collect()
    )


def _first(column: str) -> pl.Expr:
    # the first value there is, as pandas' groupby first took it
    return pl.col(column).first(ignore_nulls=True)


def merge_session_people(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per person per session: registration and attendance merged, rejoins summed."""
    # a session without a date is still one session (pandas wrote its date NaT)
    session = rows.select(
        pl.concat_str("event_id", pl.lit("|"), pl.col("event_date").cast(TEXT).fill_null("NaT"))
    ).to_series()
    keys, phone = person_keys(rows["phone"], rows["email"], within=session)
    minutes = pl.col("minutes")
    return (
        rows.with_columns(person=keys, phone=phone)
        # the earliest registration (the registration report's row before the attendee report's) gives
        # the person's name, email, country and source file; without one, the earliest join
        .sort(["registration_time", "attended_row", "join_time"], nulls_last=True, maintain_order=True)
        .group_by("person", maintain_order=True)
        .agg(
            *map(_first, ("platform", "declared_event_type", "event_id", "event_name", "event_date")),
            *map(_first, ("name", "email", "phone")),
            registered=pl.col("registered_row").any(),
            registration_time=pl.col("registration_time").min(),
            attended=pl.col("attended_row").any(),
            first_join_time=pl.col("join_time").min(),
            last_leave_time=pl.col("leave_time").max(),
            # blank when no row says how long: a sum of nothing is not 0 minutes
            minutes_in_session=pl.when(minutes.count() > 0).then(minutes.sum()),
            join_count=pl.col("join_time").count().cast(pl.Int64),
            country=_first("country"),
            source_file=_first("source_file"),
        )
        .drop("person")
        .with_columns(user_id=user_id(pl.col("phone")))
    )


def session_conductors(people: pl.DataFrame) -> pl.DataFrame:
    """The host (else the first panelist) of each event, from the staff rows, as the fallback conductor."""
    return (
        people.filter(pl.col("role").is_in(STAFF_ROLES))
        .with_columns(host_conductor=_display_name())
        .filter(pl.col("host_conductor").is_not_null())
        .sort(pl.col("role") != "host", maintain_order=True)
        .unique("event_id", keep="first", maintain_order=True)
        .select("event_id", "host_conductor")
    )


def _token_patterns(tokens: pd.DataFrame) -> list[tuple[re.Pattern[str], str]]:
    """Each token of the mapping, in its order, as a whole-word pattern, with its category."""
    return [
        # whole-word match, so "cfa" does not fire inside another word
        (re.compile(rf"(?<![a-z0-9]){re.escape(token.lower())}(?![a-z0-9])"), category)
        for token, category in zip(_texts(tokens, "token"), _texts(tokens, "category"), strict=False)
        if token
    ]


def _conductor_by_id(conductors: pd.DataFrame) -> dict[str, str]:
    by_id: dict[str, str] = {}
    for given, conductor in zip(_texts(conductors, "webinar_id"), _texts(conductors, "conductor"), strict=False):
        # a Zoom ID however it is spaced, another platform's key as written
        key = webinar_id_digits(given) if re.fullmatch(r"[\d\s-]+", given) else given
        by_id.setdefault(key, conductor)
    return by_id


def _canonical_conductor(name: str | None, aliases: dict[str, str]) -> str | None:
    return None if name is None else aliases.get(name.strip().casefold(), name)


def _bootcamp_day(topic: str, event_date: date | None) -> str:
    """`Day 2` in the topic, else Saturday = Day 1 and Sunday = Day 2, else Day 1."""
    in_topic = BOOTCAMP_DAY_TOPIC.search(topic)
    if in_topic:
        return f"Day {in_topic.group(1)}"
    weekday = event_date.weekday() if event_date is not None else None
    return {5: "Day 1", 6: "Day 2"}.get(weekday, "Day 1")


def enrich_sessions(
    participants: pl.DataFrame, conductors_from_staff: pl.DataFrame, mappings: EventMappings
) -> pl.DataFrame:
    """Event type, boot-camp day, category and conductor for every participant row, worked out once per session
    (a few hundred sessions: each one's topic read by Python's regexes, as the rules have always read it)."""
    keys = ["event_id", "event_name", "event_date"]
    sessions = participants.select(*keys, "declared_event_type").unique(keys, keep="first", maintain_order=True)

    listed = _texts(mappings.bootcamp_sessions, "event_id")
    # a Zoom ID however it is spaced, another platform's key as written
    bootcamp_ids = ({webinar_id_digits(i) for i in listed} | set(listed)) - {""}
    tokens = _token_patterns(mappings.category_tokens)
    by_id = _conductor_by_id(mappings.conductors)
    hosts = dict(conductors_from_staff.select("event_id", "host_conductor").iter_rows())
    aliases: dict[str, str] = {}
    for alias, conductor in zip(
        _texts(mappings.conductor_aliases, "alias"), _texts(mappings.conductor_aliases, "conductor"), strict=False
    ):
        aliases.setdefault(alias.casefold(), conductor)

    event_type, bootcamp_day, category, conductor = [], [], [], []
    for event_id, event_name, event_date, declared in sessions.iter_rows():
        topic = (event_name or "").lower()
        by_rules = bool(BOOTCAMP_TOPIC.search(topic)) or event_id in bootcamp_ids
        is_bootcamp = declared == "bootcamp" or (not declared and by_rules)
        event_type.append("bootcamp" if is_bootcamp else "webinar")
        bootcamp_day.append(_bootcamp_day(topic, event_date) if is_bootcamp else None)
        category.append(next((name for pattern, name in tokens if pattern.search(topic)), None))
        named = by_id[event_id] if event_id in by_id else hosts.get(event_id)
        conductor.append(_canonical_conductor(named, aliases))
    per_session = sessions.select(keys).with_columns(
        event_type=pl.Series(event_type, dtype=TEXT),
        bootcamp_day=pl.Series(bootcamp_day, dtype=TEXT),
        category=pl.Series(category, dtype=TEXT),
        conductor=pl.Series(conductor, dtype=TEXT),
    )
    return (
        participants.join(per_session, on=keys, how="left", nulls_equal=True, maintain_order="left")
        .select(EVENT_PARTICIPANT_COLUMNS)
        .sort(
            ["event_date", "event_id", "registration_time", "first_join_time", "email"],
            nulls_last=True,
            maintain_order=True,
        )
    )


def participants_from_reports(reports: list[ZoomReport], mappings: EventMappings) -> pl.DataFrame:
    """The `event_participants` table from every loaded report."""
    if not reports:
        return pl.DataFrame(schema=EVENT_PARTICIPANT_SCHEMA)
    people = reports_people(reports)
    participants = merge_session_people(normalise_people(people))
    return enrich_sessions(participants, session_conductors(people), mappings).cast(EVENT_PARTICIPANT_SCHEMA)


def sessions_summary(participants: pl.DataFrame) -> pl.DataFrame:
    """One row per session, newest first: its registrations, attendees and people."""
    return (
        participants.group_by("event_date", "event_id", "event_name")
        .agg(
            registrations=pl.col("registered").sum().cast(pl.Int64),
            attendees=pl.col("attended").sum().cast(pl.Int64),
            people=pl.len().cast(pl.Int64),
        )
        .sort(["event_date", "event_id", "event_name"], descending=[True, False, False], nulls_last=True)
    )


def _bootcamp_name(topic: str) -> str:
    return re.sub(r"[\s\-_:|]+$", "", BOOTCAMP_DAY_TOPIC.sub("", topic)).strip()


def days_per_bootcamp(participants: pl.DataFrame) -> pl.DataFrame:
    """One person at one boot camp (both days together): which days they attended, `Both` for both."""
    event_date = pl.col("event_date")
    day_1, day_2 = pl.col("day_1"), pl.col("day_2")
    return (
        participants.lazy()
        # a row's position in the whole table, for a person with neither phone nor email
        .with_row_index("row")
        .filter(pl.col("event_type") == "bootcamp")
        .with_columns(
            # the Saturday of the boot camp's weekend (Polars counts Monday as 1)
            weekend_of=event_date - pl.duration(days=(event_date.dt.weekday() + 1) % 7),
            bootcamp_name=_python(pl.col("event_name"), _bootcamp_name),
            person=pl.coalesce(
                "phone",
                pl.concat_str(pl.lit("email:"), "email"),
                pl.concat_str(pl.lit("row:"), pl.col("row").cast(TEXT)),
            ),
            day_1=pl.col("attended") & (pl.col("bootcamp_day") == "Day 1"),
            day_2=pl.col("attended") & (pl.col("bootcamp_day") == "Day 2"),
        )
        # a boot camp without a name or a date is in no weekend
        .filter(pl.col("bootcamp_name").is_not_null() & pl.col("weekend_of").is_not_null())
        .sort(["registration_time", "first_join_time"], nulls_last=True, maintain_order=True)
        .group_by("bootcamp_name", "weekend_of", "person", maintain_order=True)
        .agg(
            *map(_first, ("category", "phone", "user_id", "email", "name")),
            registered=pl.col("registered").any(),
            day_1=day_1.any(),
            day_2=day_2.any(),
        )
        .sort("bootcamp_name", "weekend_of", "person")
        .with_columns(
            days_attended=pl.when(day_1 & day_2)
            .then(pl.lit("Both"))
            .when(day_1)
            .then(pl.lit("Day 1"))
            .when(day_2)
            .then(pl.lit("Day 2"))
            .otherwise(pl.lit("None"))
        )
        .select(BOOTCAMP_ATTENDANCE_COLUMNS)
        .collect()
    )


def attended_phones(participants: pl.DataFrame) -> pl.Series:
    """The phones that attended any webinar or boot camp."""
    return participants.filter(pl.col("attended").fill_null(False))["phone"]
