"""CRM sales: every CRM column kept, plus the phone key, the mapped funnel, the final funnel
(docs/rules.md#final-funnel), the ops person's manual source, and attendance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import polars as pl

from funnel_assets.catalogue import CRM_SALES_DUMP
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.columns import resolve_columns
from funnel_assets.lib.dates import parse_local_datetimes
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL, map_funnel
from funnel_assets.lib.numbers import parse_amounts
from funnel_assets.lib.phones import phone_key, user_id
from funnel_assets.lib.text import trimmed

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
# the worklist's columns that are not text, typed as in `sales` when the dump did not send them
_ABSENT_COLUMN_TYPES = {"created_on": pl.Datetime("us", TIMEZONE), "net_amount": pl.Float64}


@dataclass(frozen=True)
class SalesReport:
    rows: int
    without_phone: int
    miscellaneous: int
    manually_mapped: int
    unreadable_values: int
    new_columns: tuple[str, ...]


def final_funnel(funnel: pl.Expr, manual: pl.Expr, funnel_mapping: pd.DataFrame | pl.DataFrame) -> pl.Expr:
    """The final-funnel rule (docs/rules.md#final-funnel), as the team's spreadsheet formula, column by column:

        IF(TRIM(funnel) = "Other Sources (Miscellaneous)",
           IFNA(VLOOKUP(TRIM(manual), mapping, 2, FALSE), funnel),
           IF(LEN(manual), manual, funnel))

    A Miscellaneous sale takes the funnel its manual source maps to (else stays
    Miscellaneous); any other sale takes the manual value as entered when there is one.
    """
    funnel = trimmed(funnel)
    # IFNA(VLOOKUP(...), funnel) is the mapped funnel itself: an unmapped manual source maps to Miscellaneous
    return (
        pl.when(funnel == MISCELLANEOUS_FUNNEL)
        .then(map_funnel(trimmed(manual), funnel_mapping))
        .when(manual.str.len_chars() > 0)
        .then(manual)
        .otherwise(funnel)
    )


def enrich_sales(
    raw: pl.DataFrame,
    funnel_mapping: pd.DataFrame | pl.DataFrame,
    manual_mapping: pl.DataFrame,
    attended_phones: pl.Series,
    *,
    source: str,
) -> tuple[pl.DataFrame, SalesReport]:
    """Every CRM column snake_cased (`_id` -> `id`, the CRM's `Funnel` -> `crm_funnel`), plus
    phone, user_id, funnel, manual_source, final_funnel and attended."""
    resolved = resolve_columns(raw, CRM_SALES_DUMP, label=source)
    # the dump's text as text, blank as NULL; amounts and times are read from it below
    frame = resolved.frame.with_columns(pl.all().replace("", None))
    amounts = {c: parse_amounts(pl.col(c)) for c in SALES_AMOUNT_COLUMNS if c in frame.columns}
    times = {c: parse_local_datetimes(pl.col(c)) for c in SALES_TIME_COLUMNS if c in frame.columns}
    # per sale, how many of its numbers and times were given but could not be read (a name no CRM column
    # can take: resolve_columns never starts one with `_`)
    unreadable = pl.sum_horizontal(
        pl.lit(0),
        *(bad for _, bad in amounts.values()),
        *(trimmed(pl.col(c)).is_not_null() & moment.is_null() for c, moment in times.items()),
    )
    manual = _manual_sources(manual_mapping)
    phone = phone_key(pl.col("student_contact"))
    sales = (
        frame.lazy()
        .with_columns(
            *(amount.alias(c) for c, (amount, _) in amounts.items()),
            *(moment.alias(c) for c, moment in times.items()),
            phone=phone,
            user_id=user_id(phone),
            funnel=map_funnel(pl.col("assigned_lead_sources"), funnel_mapping),
            manual_source=trimmed(pl.col("id")).replace_strict(
                manual["sale_id"], manual["manual_source"], default=None, return_dtype=pl.String
            ),
            _unreadable=unreadable,
        )
        .with_columns(
            final_funnel=final_funnel(pl.col("funnel"), pl.col("manual_source"), funnel_mapping),
            # a sale without a phone attended nothing (is_in gives NULL for it)
            attended=pl.col("phone").is_in(attended_phones.cast(pl.String).drop_nulls().implode()).fill_null(False),
        )
        .collect()
    )
    report = SalesReport(
        rows=sales.height,
        without_phone=sales["phone"].null_count(),
        miscellaneous=int((sales["final_funnel"] == MISCELLANEOUS_FUNNEL).sum()),
        manually_mapped=sales["manual_source"].count(),
        unreadable_values=int(sales["_unreadable"].sum()),
        new_columns=resolved.other_headers,
    )
    return sales.drop("_unreadable"), report


def _manual_sources(manual_mapping: pl.DataFrame) -> pl.DataFrame:
    """sale id -> manual source, from `mappings/manual_sales_mapping.csv`
    (blank rows ignored; the last row for an id wins)."""
    return (
        manual_mapping.select(
            trimmed(pl.col("sale_id").cast(pl.String)), trimmed(pl.col("manual_source").cast(pl.String))
        )
        .drop_nulls()
        .unique("sale_id", keep="last", maintain_order=True)
    )


# the columns of the sales table the worklist reads (a step may take only these)
SALES_READ_FOR_THE_WORKLIST = ("id", "final_funnel", "manual_source", *SALES_TO_MAP_COLUMNS)


def list_sales_to_map(sales: pl.DataFrame) -> pl.DataFrame:
    """The monthly worklist: sales still Miscellaneous, and why
    (no manual source yet, or one the mapping does not know)."""
    why = (
        pl.when(pl.col("manual_source").is_null())
        .then(pl.lit("no manual source yet"))
        .otherwise(pl.lit("manual source not in funnel_mapping.csv"))
    )
    return sales.filter(pl.col("final_funnel") == MISCELLANEOUS_FUNNEL).select(
        pl.col("id").alias("sale_id"),
        *(_column_or_null(sales, c) for c in SALES_TO_MAP_COLUMNS if c not in ("sale_id", "why")),
        why.alias("why"),
    )


def _column_or_null(frame: pl.DataFrame, name: str) -> pl.Expr:
    """The column, or NULL of its type where the sales table lacks it (a CRM column the dump did not send)."""
    if name in frame.columns:
        return pl.col(name)
    return pl.lit(None, _ABSENT_COLUMN_TYPES.get(name, pl.String)).alias(name)
