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

import polars as pl

from funnel_assets import catalogue
from funnel_assets.lib.clock import in_local_time
from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL, source_key
from funnel_assets.lib.people import person_keys
from funnel_assets.lib.phones import user_id
from funnel_assets.lib.tables import declared_frame, declared_schema
from funnel_assets.lib.text import trimmed

TOUCH_ORDER = {
    "lead": 0,
    "webinar_registration": 1,
    "bootcamp_registration": 1,
    "webinar_attendance": 2,
    "bootcamp_attendance": 2,
}
TOUCH_COLUMNS = catalogue.table("lead_touches").column_names
FIRST_TOUCH_COLUMNS = catalogue.table("lead_first_touch").column_names
TEXT_COLUMNS = ("phone", "email", "touch_type", "source", "funnel", "event_id")


# the columns of marketing_leads the touches read (a step may take only these)
LEADS_READ_FOR_TOUCHES = ("phone", "email", "created_at", "source", "funnel")


def lead_touches(leads: pl.LazyFrame) -> pl.LazyFrame:
    """A `lead` touch for every lead, at its created time."""
    return leads.select(
        "phone",
        "email",
        in_local_time(pl.col("created_at")).alias("touch_at"),
        pl.lit("lead").alias("touch_type"),
        "source",
        "funnel",
        pl.lit(None, pl.String).alias("event_id"),
    ).cast(dict.fromkeys(TEXT_COLUMNS, pl.String))


def event_funnel() -> pl.Expr:
    """`<category> Webinar` or `<category> Bootcamp`; Miscellaneous when the topic names no program."""
    kind = pl.when(pl.col("event_type") == "bootcamp").then(pl.lit(" Bootcamp")).otherwise(pl.lit(" Webinar"))
    return (pl.col("category") + kind).fill_null(MISCELLANEOUS_FUNNEL)


def event_touches(participants: pl.LazyFrame) -> pl.LazyFrame:
    """A registration touch for every registered participant, then an attendance touch for every attendee."""
    participants = participants.cast(dict.fromkeys(("event_type", "category", "event_name"), pl.String))

    def touches(flag: str, moment: str, suffix: str) -> pl.LazyFrame:
        return participants.filter(pl.col(flag).fill_null(False)).select(
            "phone",
            "email",
            in_local_time(pl.col(moment)).alias("touch_at"),
            (pl.col("event_type") + suffix).alias("touch_type"),
            pl.col("event_name").alias("source"),
            event_funnel().alias("funnel"),
            "event_id",
        )

    return pl.concat(
        [
            touches("registered", "registration_time", "_registration"),
            touches("attended", "first_join_time", "_attendance"),
        ]
    ).cast(dict.fromkeys(TEXT_COLUMNS, pl.String))


def all_touches(leads: pl.DataFrame, participants: pl.DataFrame) -> pl.DataFrame:
    """Every touch of every person, earliest first."""
    touches = pl.concat([lead_touches(leads.lazy()), event_touches(participants.lazy())])
    order = pl.col("touch_type").replace_strict(TOUCH_ORDER, default=None, return_dtype=pl.Int8)
    # stable: touches at the same moment and of the same order keep their tables' order
    return touches.sort(["touch_at", order], nulls_last=True, maintain_order=True).collect()


def _python_lower(emails: pl.Series) -> pl.Series:
    """Python's str.lower of each email: the lower case this table has always shown (the person key lower-cases
    with Arrow's kernel, which maps a few letters otherwise). ASCII text lower-cases alike in Polars and Python:
    only the rest, rare, goes through Python, once per distinct value (emails are mostly distinct, so a lookup
    of every row's distinct value would cost more than the lower case)."""
    not_ascii = ~emails.str.contains(r"^[\x00-\x7F]*$")
    others = emails.filter(not_ascii).to_frame("email")
    python_lower = per_distinct(
        pl.col("email"), lambda values: values.map_elements(str.lower, return_dtype=pl.String), return_dtype=pl.String
    )
    return emails.str.to_lowercase().scatter(not_ascii.arg_true(), others.select(python_lower).to_series())


def first_touch(touches: pl.DataFrame) -> pl.DataFrame:
    """One row per person: their earliest touch, and whether they ever registered or attended.

    `touches` arrive earliest first (as `all_touches` orders them): a person's first row is their first touch.
    A person is `people.person_keys`' (an email seen with a phone lends its earliest phone, in row order, to that
    email's touches without one; with neither, the touch stands alone).
    """
    touches = touches.cast(dict.fromkeys(("phone", "email", "touch_type", "source", "funnel"), pl.String))
    person, phone = person_keys(touches["phone"], touches["email"])
    kind = pl.col("touch_type")
    # eager: the streaming engine would run the per-distinct email work once per batch
    return (
        touches.with_columns(
            person=person,
            phone=phone,
            email_lower=_python_lower(touches["email"]),
        )
        # people in order of their first row, which holds their first touch
        .group_by("person", maintain_order=True)
        .agg(
            pl.col("phone").drop_nulls().first(),
            pl.col("email_lower").drop_nulls().first().alias("email"),
            pl.col("touch_at").first().alias("first_touch_at"),
            kind.first().alias("first_touch_type"),
            pl.col("source").first().alias("first_source"),
            pl.col("funnel").first().alias("first_funnel"),
            kind.str.ends_with("_registration").any().alias("registered_any"),
            kind.str.ends_with("_attendance").any().alias("attended_any"),
            pl.len().cast(pl.Int64).alias("touches"),
        )
        .with_columns(user_id=user_id(pl.col("phone")))
        .select(FIRST_TOUCH_COLUMNS)
        .sort("first_touch_at", nulls_last=True, maintain_order=True)
    )


def list_unmapped_sources(seen: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every non-blank source that fell to Miscellaneous, once per input it was seen in.

    `seen` maps an input (a table name) to a frame with `source`, `funnel` and `seen_at`.
    Spellings differing only in case and spaces are one source, shown as most often written
    across all inputs (on a tie, as first seen), so one source reads the same in every input.
    """
    rows = pl.concat(
        [
            frame.lazy()
            .filter(pl.col("funnel") == MISCELLANEOUS_FUNNEL)
            .select(
                trimmed(pl.col("source").cast(pl.String)).alias("source"),
                pl.lit(seen_in).alias("seen_in"),
                in_local_time(pl.col("seen_at")),
            )
            .drop_nulls("source")
            for seen_in, frame in seen.items()
        ]
        or [declared_frame("unmapped_sources").lazy().select("source", "seen_in", seen_at="first_seen")]
    ).with_columns(key=source_key(pl.col("source")))
    # the spelling written most often; on a tie, the one seen first (then the first in code-point order)
    spelling = (
        rows.group_by("key", "source")
        .agg(n=pl.len(), first=pl.col("seen_at").min())
        .sort(["key", "n", "first", "source"], descending=[False, True, False, False], nulls_last=True)
        .unique("key", keep="first", maintain_order=True)
        .select("key", "source")
    )
    summary = rows.group_by("key", "seen_in").agg(
        rows=pl.len(), first_seen=pl.col("seen_at").min(), last_seen=pl.col("seen_at").max()
    )
    return (
        summary.join(spelling, on="key")
        .sort(["rows", "source", "seen_in"], descending=[True, False, False])
        .select(declared_schema("unmapped_sources").names())
        .cast(declared_schema("unmapped_sources"))
        .collect()
    )
