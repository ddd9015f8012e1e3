"""Marketing leads: the campaign lead sheet, one row per captured lead.

Headers are matched by their letters and digits only, so `Phone number`, `phone_number`,
`PHONE NUMBER` and `Phone Number ` are the same column; the sheet's own spellings
(`utmCamp`, `created date`) and common alternatives are known. Every row is kept: a missing
or unusable phone becomes NULL and is counted, an unreadable date too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from funnel_assets.lib.columns import MissingColumnsError, letters_only, snake_case
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.funnel_mapping import map_funnel
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import clean_text

# canonical column -> the spellings seen in lead sheets (compared by letters and digits only)
LEAD_COLUMN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "lead name"),
    "email": ("email", "email address", "e-mail", "email id"),
    "phone_raw": ("phone number", "phone", "mobile", "mobile number", "phone no", "contact number", "whatsapp number"),
    "city": ("city", "location"),
    "question_1": ("question 1", "question1", "q1"),
    "utm_source": ("utmsource", "utm source"),
    "utm_medium": ("utmmedium", "utm medium"),
    "utm_campaign": ("utmcamp", "utm campaign", "utmcampaign"),
    "created_at": ("created date", "created at", "created time", "created on", "timestamp", "submitted at", "date"),
}
REQUIRED_LEAD_COLUMNS = ("phone_raw", "created_at")
SOURCE_FIELDS = ("utm_campaign", "utm_source", "utm_medium")


@dataclass(frozen=True)
class LeadsReport:
    rows: int
    without_phone: int
    unusable_phone: int
    without_date: int
    unreadable_dates: int
    extra_columns: tuple[str, ...]


def match_lead_columns(columns: list[str]) -> dict[str, str]:
    """Sheet column -> canonical name, for the columns recognised."""
    wanted = {letters_only(spelling): canonical for canonical, spellings in LEAD_COLUMN_SPELLINGS.items() for spelling in spellings}
    matched: dict[str, str] = {}
    for column in columns:
        canonical = wanted.get(letters_only(column))
        if canonical and canonical not in matched.values():
            matched[column] = canonical
    return matched


def clean_leads(
    raw: pd.DataFrame, funnel_mapping: pd.DataFrame, *, source_field: str = "utm_campaign", label: str = "lead sheet"
) -> tuple[pd.DataFrame, LeadsReport]:
    """One row per lead: cleaned fields, phone key, Asia/Kolkata time, source and funnel; extra sheet columns kept."""
    if source_field not in SOURCE_FIELDS:
        raise ValueError(f"The lead source field must be one of {', '.join(SOURCE_FIELDS)}, not {source_field!r}.")
    matched = match_lead_columns(list(raw.columns))
    frame = raw.rename(columns=matched)
    missing = [c for c in (*REQUIRED_LEAD_COLUMNS, source_field) if c not in frame.columns]
    if missing:
        names = {"phone_raw": "Phone number", "created_at": "created date", "utm_campaign": "utmCamp",
                 "utm_source": "utmSource", "utm_medium": "utmMedium"}  # fmt: skip
        raise MissingColumnsError(
            f"{label} is missing the column(s) {', '.join(names.get(c, c) for c in missing)} "
            f"(it has: {', '.join(map(str, raw.columns[:60]))}). Check the sheet's header row."
        )
    for column in LEAD_COLUMN_SPELLINGS:
        if column not in frame.columns:
            frame[column] = pd.NA

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
    extra = [c for c in raw.columns if c not in matched]
    for column in extra:
        name = snake_case(column)
        while name in leads.columns:
            name += "_sheet"
        leads[name] = clean_text(raw[column])
    for column in ("phone", "user_id"):
        leads[column] = leads[column].astype(object).where(leads[column].notna(), None)

    report = LeadsReport(
        rows=len(leads),
        without_phone=int(phone_text.isna().sum()),
        unusable_phone=int((phone_text.notna() & phones.isna()).sum()),
        without_date=int(created_text.isna().sum()),
        unreadable_dates=int((created_text.notna() & leads["created_at"].isna()).sum()),
        extra_columns=tuple(str(c) for c in extra),
    )
    return leads.reset_index(drop=True), report
