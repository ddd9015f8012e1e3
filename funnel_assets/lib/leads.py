"""Marketing leads: the campaign lead sheet, one row per captured lead.

The sheet's columns are its contract in the catalogue (`LEAD_SHEET`): the sheet's own spellings
(`Phone number`, `utmCamp`, `created date`) win, and a known alternative (`phone_number`,
`Mobile Number`) is taken when it is the only candidate. Every row is kept: a missing or
unusable phone becomes NULL and is counted, an unreadable date too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import polars as pl

from funnel_assets.catalogue import LEAD_SHEET
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.funnel_mapping import map_funnel
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import clean_text

SOURCE_FIELDS = ("utm_campaign", "utm_source", "utm_medium")
# working columns, named so that no sheet column (snake_cased, so never with a leading underscore) meets them
PHONE_TEXT, CREATED_TEXT = "__phone_text", "__created_text"


@dataclass(frozen=True)
class LeadsReport:
    rows: int
    without_phone: int
    unusable_phone: int
    without_date: int
    unreadable_dates: int
    extra_columns: tuple[str, ...]


def _title(names: pl.Series) -> pl.Series:
    # Python's str.title, as the sheet has always been proper-cased (Polars' title case splits words otherwise)
    return names.map_elements(str.title, return_dtype=pl.String)


def _lower(emails: pl.Series) -> pl.Series:
    # Python's str.lower, the lower case the sheet has always been given
    return emails.map_elements(str.lower, return_dtype=pl.String)


def clean_leads(
    raw: pl.DataFrame,
    funnel_mapping: pd.DataFrame | pl.DataFrame,
    *,
    source_field: str = "utm_campaign",
    label: str = "lead sheet",
) -> tuple[pl.DataFrame, LeadsReport]:
    """One row per lead: cleaned fields, phone key, Asia/Kolkata time, source and funnel; extra sheet columns kept."""
    if source_field not in SOURCE_FIELDS:
        raise ValueError(f"The lead source field must be one of {', '.join(SOURCE_FIELDS)}, not {source_field!r}.")
    resolved = resolve_columns(raw, LEAD_SHEET, label=label, required=(source_field,))
    # a column the sheet leaves wholly empty arrives without a type; every sheet column is text
    frame = resolved.frame.with_columns(pl.col(pl.Null).cast(pl.String))
    frame = frame.with_columns(
        pl.lit(None, pl.String).alias(field.name) for field in LEAD_SHEET.fields if field.name not in frame.columns
    )
    extras = list(resolved.others.values())

    leads = (
        frame.lazy()
        .with_columns(
            clean_text(pl.col("phone_raw")).alias(PHONE_TEXT),
            clean_text(pl.col("created_at")).alias(CREATED_TEXT),
            source=clean_text(pl.col(source_field)),
        )
        .with_columns(phone=phone_key(pl.col(PHONE_TEXT)))
        .select(
            per_distinct(clean_text(pl.col("name")), _title).alias("name"),
            per_distinct(clean_text(pl.col("email")), _lower).alias("email"),
            pl.col("phone"),
            user_id(pl.col("phone")).alias("user_id"),
            per_distinct(clean_text(pl.col("city")), _title).alias("city"),
            *(
                clean_text(pl.col(name)).alias(name)
                for name in ("question_1", "utm_source", "utm_medium", "utm_campaign")
            ),
            parse_local_datetimes(pl.col(CREATED_TEXT)).alias("created_at"),
            pl.col("source"),
            map_funnel(pl.col("source"), funnel_mapping).alias("funnel"),
            *(clean_text(pl.col(name)).alias(name) for name in extras),
            pl.col(PHONE_TEXT, CREATED_TEXT),  # kept until counted below
        )
        .collect()
    )

    counts = leads.select(
        without_phone=pl.col(PHONE_TEXT).is_null().sum(),
        unusable_phone=(pl.col(PHONE_TEXT).is_not_null() & pl.col("phone").is_null()).sum(),
        without_date=pl.col(CREATED_TEXT).is_null().sum(),
        unreadable_dates=(pl.col(CREATED_TEXT).is_not_null() & pl.col("created_at").is_null()).sum(),
    ).row(0, named=True)
    report = LeadsReport(
        rows=leads.height, **{k: int(v) for k, v in counts.items()}, extra_columns=resolved.other_headers
    )
    return leads.drop(PHONE_TEXT, CREATED_TEXT), report
