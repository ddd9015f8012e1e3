"""Marketing leads: the campaign lead sheet, one row per captured lead.

The sheet's columns are its contract in the catalogue (`LEAD_SHEET`): the sheet's own spellings
(`Phone number`, `utmCamp`, `created date`) win, and a known alternative (`phone_number`,
`Mobile Number`) is taken when it is the only candidate. Every row is kept: a missing or
unusable phone becomes NULL and is counted, an unreadable date too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from funnel_assets.catalogue import LEAD_SHEET
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.funnel_mapping import map_funnel
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import clean_text

SOURCE_FIELDS = ("utm_campaign", "utm_source", "utm_medium")


@dataclass(frozen=True)
class LeadsReport:
    rows: int
    without_phone: int
    unusable_phone: int
    without_date: int
    unreadable_dates: int
    extra_columns: tuple[str, ...]


def clean_leads(
    raw: pd.DataFrame, funnel_mapping: pd.DataFrame, *, source_field: str = "utm_campaign", label: str = "lead sheet"
) -> tuple[pd.DataFrame, LeadsReport]:
    """One row per lead: cleaned fields, phone key, Asia/Kolkata time, source and funnel; extra sheet columns kept."""
    if source_field not in SOURCE_FIELDS:
        raise ValueError(f"The lead source field must be one of {', '.join(SOURCE_FIELDS)}, not {source_field!r}.")
    resolved = resolve_columns(raw, LEAD_SHEET, label=label, required=(source_field,))
    frame = resolved.frame
    for field in LEAD_SHEET.fields:
        if field.name not in frame.columns:
            frame[field.name] = pd.NA

    phone_text = clean_text(frame["phone_raw"])
    created_text = clean_text(frame["created_at"])
    phones = phone_key(phone_text)
    source = clean_text(frame[source_field])
    leads = pd.DataFrame(
        {
            "name": per_distinct(clean_text(frame["name"]), lambda names: names.str.title()),
            "email": per_distinct(clean_text(frame["email"]), lambda emails: emails.str.lower()),
            "phone": phones,
            "user_id": user_id(phones),
            "city": per_distinct(clean_text(frame["city"]), lambda cities: cities.str.title()),
            "question_1": clean_text(frame["question_1"]),
            "utm_source": clean_text(frame["utm_source"]),
            "utm_medium": clean_text(frame["utm_medium"]),
            "utm_campaign": clean_text(frame["utm_campaign"]),
            "created_at": parse_local_datetimes(created_text),
            "source": source,
            "funnel": map_funnel(source, funnel_mapping),
        }
    )
    for name in resolved.others.values():
        leads[name] = clean_text(frame[name])
    for column in ("phone", "user_id"):
        leads[column] = leads[column].astype(object).where(leads[column].notna(), None)

    report = LeadsReport(
        rows=len(leads),
        without_phone=int(phone_text.isna().sum()),
        unusable_phone=int((phone_text.notna() & phones.isna()).sum()),
        without_date=int(created_text.isna().sum()),
        unreadable_dates=int((created_text.notna() & leads["created_at"].isna()).sum()),
        extra_columns=resolved.other_headers,
    )
    return leads.reset_index(drop=True), report
