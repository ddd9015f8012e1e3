"""CRM sales: every CRM column kept, plus the phone key, the mapped funnel, the final funnel
(docs/rules.md#final-funnel), the ops person's manual source, and attendance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from funnel_assets.catalogue import CRM_SALES_DUMP
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL, map_funnel
from funnel_assets.lib.numbers import parse_amounts
from funnel_assets.lib.phones import phone_key, user_id

# the CRM's 44 sales columns, from their contract (docs/rules.md#source-columns); others are kept and reported as new
CRM_SALES_COLUMNS = [f.header for f in CRM_SALES_DUMP.fields]
# CRM columns read as numbers and times (snake_cased names); every other column stays text
SALES_AMOUNT_COLUMNS = (
    "token_amount",
    "with_out_token_paid_amount",
    "e_book_rev",
    "book_rev",
    "dp",
    "paid_amount",
    "total_amount",
    "e_book_net_amount",
    "book_net_amount",
    "product_net_amount",
    "net_amount",
    "total_emi",
    "paid_emi_count",
    "unpaid_emi_count",
    "paid_emi_amount",
    "unpaid_amount",
    "net_amount_after_pdd",
)
SALES_TIME_COLUMNS = ("created_on", "student_signup_date", "last_emi_date", "last_paid_date")
SALES_TO_MAP_COLUMNS = (
    "sale_id",
    "created_on",
    "student_name",
    "phone",
    "assigned_lead_sources",
    "net_amount",
    "manual_source",
    "why",
)


@dataclass(frozen=True)
class SalesReport:
    rows: int
    without_phone: int
    miscellaneous: int
    manually_mapped: int
    unreadable_values: int
    new_columns: tuple[str, ...]


def final_funnel(funnel: pd.Series, manual: pd.Series, funnel_mapping: pd.DataFrame) -> pd.Series:
    """The final-funnel rule (docs/rules.md#final-funnel), as the team's spreadsheet formula, column by column:

        IF(TRIM(funnel) = "Other Sources (Miscellaneous)",
           IFNA(VLOOKUP(TRIM(manual), mapping, 2, FALSE), funnel),
           IF(LEN(manual), manual, funnel))

    A Miscellaneous sale takes the funnel its manual source maps to (else stays
    Miscellaneous); any other sale takes the manual value as entered when there is one.
    """
    funnel = funnel.astype("string").str.strip()
    manual = manual.astype("string")
    has_manual = manual.fillna("").str.len().gt(0)
    looked_up = map_funnel(manual.str.strip(), funnel_mapping)
    manual_mapped = looked_up.ne(MISCELLANEOUS_FUNNEL) & manual.str.strip().fillna("").ne("")
    is_misc = funnel.eq(MISCELLANEOUS_FUNNEL).fillna(False)
    result = funnel.where(~is_misc | ~manual_mapped, looked_up)
    result = result.where(is_misc | ~has_manual, manual)
    return result.astype(object)


def enrich_sales(
    raw: pd.DataFrame,
    funnel_mapping: pd.DataFrame,
    manual_mapping: pd.DataFrame,
    attended_phones: pd.Series,
    *,
    source: str,
) -> tuple[pd.DataFrame, SalesReport]:
    """Every CRM column snake_cased (`_id` -> `id`, the CRM's `Funnel` -> `crm_funnel`), plus
    phone, user_id, funnel, manual_source, final_funnel and attended."""
    resolved = resolve_columns(raw, CRM_SALES_DUMP, label=source)
    frame = resolved.frame
    unreadable = 0
    for column in [c for c in SALES_AMOUNT_COLUMNS if c in frame.columns]:
        frame[column], bad = parse_amounts(frame[column])
        unreadable += int(bad.sum())
    for column in [c for c in SALES_TIME_COLUMNS if c in frame.columns]:
        given = frame[column].astype("string").str.strip().fillna("").ne("")
        frame[column] = parse_local_datetimes(frame[column])
        unreadable += int((given & frame[column].isna()).sum())
    phones = phone_key(frame["student_contact"])
    manual = _manual_sources(manual_mapping).reindex(frame["id"].astype("string").str.strip()).to_numpy()
    sales = frame.assign(
        phone=phones.astype(object),
        user_id=user_id(phones).astype(object),
        funnel=map_funnel(frame["assigned_lead_sources"], funnel_mapping),
        manual_source=manual,
    )
    sales["final_funnel"] = final_funnel(sales["funnel"], sales["manual_source"], funnel_mapping)
    sales["attended"] = sales["phone"].isin(set(attended_phones.dropna()))
    report = SalesReport(
        rows=len(sales),
        without_phone=int(sales["phone"].isna().sum()),
        miscellaneous=int(sales["final_funnel"].eq(MISCELLANEOUS_FUNNEL).sum()),
        manually_mapped=int(pd.Series(manual).notna().sum()),
        unreadable_values=unreadable,
        new_columns=resolved.other_headers,
    )
    return sales, report


def _manual_sources(manual_mapping: pd.DataFrame) -> pd.Series:
    """sale id -> manual source, from `mappings/manual_sales_mapping.csv`
    (blank rows ignored; the last row for an id wins)."""
    ids = manual_mapping["sale_id"].astype("string").str.strip()
    values = manual_mapping["manual_source"].astype("string").str.strip()
    keep = ids.fillna("").ne("") & values.fillna("").ne("")
    lookup = pd.Series(values[keep].to_numpy(), index=ids[keep].to_numpy())
    return lookup[~lookup.index.duplicated(keep="last")]


def list_sales_to_map(sales: pd.DataFrame) -> pd.DataFrame:
    """The monthly worklist: sales still Miscellaneous, and why
    (no manual source yet, or one the mapping does not know)."""
    misc = sales[sales["final_funnel"].eq(MISCELLANEOUS_FUNNEL)]
    why = (
        misc["manual_source"]
        .isna()
        .map({True: "no manual source yet", False: "manual source not in funnel_mapping.csv"})
    )
    columns = {c: misc[c] if c in misc.columns else None for c in SALES_TO_MAP_COLUMNS if c not in ("sale_id", "why")}
    worklist = pd.DataFrame({"sale_id": misc["id"], **columns, "why": why})
    return worklist[list(SALES_TO_MAP_COLUMNS)].reset_index(drop=True)
