"""Write docs/tables.md from funnel_assets/catalogue.py: the catalogue declares the tables and sources,
this renders them as Markdown.

python -m tools.write_table_docs           # rewrite docs/tables.md
python -m tools.write_table_docs --check   # exit 1 when docs/tables.md is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from funnel_assets.catalogue import (
    DEFAULT_MIN_ROWS_RATIO,
    GROUPS,
    MEANINGFUL_SHARE,
    RECENT_GOOD_LOADS,
    SOURCES,
    TABLES,
    Source,
    Table,
    tables_in_group,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "tables.md"
COMMAND = "python -m tools.write_table_docs"

GENERATED_MARK = (
    "<!-- Generated from funnel_assets/catalogue.py by `python -m tools.write_table_docs`; do not edit by hand. -->"
)

INTRODUCTION = """\
# Output tables

The warehouse's tables are the product's interface to BI tools (Metabase, Looker Studio,
Power BI, Google Sheets). On PostgreSQL they live in schema `funnel`; on the embedded
default they are tables of the SQLite file `data/warehouse.sqlite`.

General rules:

- Every table is replaced whole on each run, atomically: a reader sees the previous
  version or the new one, never a half-written or empty table.
- Timestamps are Asia/Kolkata (`TIMESTAMPTZ` on PostgreSQL; ISO text with `+05:30` on
  SQLite). A source time with an offset (`2025-09-30T19:00:00Z`) is converted before a
  date is taken from it; a time without one is read as Asia/Kolkata.
- `phone` is the 10-digit key that joins marketing (Part 1) and sales (Part 2): digits
  only, the last 10 when there are 10 or more, otherwise empty. `user_id` is `91` + phone.
- Blank text is stored as NULL. Rows with a problem (no phone, an unreadable date) are
  kept with that value empty and counted in the asset's metadata in the Dagster UI.
- `funnel` comes from `mappings/funnel_mapping.csv`; a source it does not list reads
  `Other Sources (Miscellaneous)`.
- Column types: `text`; `integer` (`BIGINT`); `float` for rates, shares and measures (`DOUBLE PRECISION`
  on PostgreSQL, `DOUBLE` on SQLite); `money`, an amount in INR exact to the paisa (`NUMERIC(14,2)`, so a
  BI tool's sums show no float noise; two decimals in the CSV exports); `boolean`; `date`; `timestamp`
  (a moment with its offset, as above).
- On PostgreSQL each table's description and grain, and each column's meaning, are its comments
  (`COMMENT ON`), which BI tools show beside the tables and columns (docs/bi.md).
- Personal columns (a person's name, email, phone, user_id, the CRM's student details) are
  listed under each table; the Dagster UI masks them in its previews.
- The grain says what one row is; the key, where there is one, is the columns no two rows
  share (rows with an empty key part stand alone).
- The rules behind the values (phone key, one person, funnels, D-1, every metric) are in
  [rules.md](rules.md)."""

GROUP_HEADINGS = {
    "marketing": "Part 1: marketing",
    "sales": "Part 2: sales",
    "reporting": "Reporting: the unified output",
}

GROUP_INTRODUCTIONS = {
    "marketing": (
        "The top to middle of the funnel: campaign leads, Zoom webinars and boot camps, marketing\n"
        "spend, lead-source tagging and first-touch attribution."
    ),
    "sales": "The CRM's assigned leads and sales: monthly de-duplication and attribution, sales enrichment.",
    "reporting": (
        "These read both parts' tables. In `daily_refresh` they run after both parts; if one part\n"
        "fails they are skipped and keep yesterday's rows; {daily}\n"
        "carry a freshness policy that then flags them."
    ),
}

CLOSING = """\
## Exports

Every table above is also written as `<table>.csv` into `FUNNEL_EXPORT_DIR` (default
`data/exports/`) each time it is written, replaced only once the database table has been,
for BI tools that read files: the same values as the table. Text and times are quoted, a blank
(NULL) is an empty field, true/false are `true` and `false`, numbers are written in their
shortest form (`1`, `2.5`), and times are Asia/Kolkata ISO text with their offset
(`2025-10-01T09:30:00+05:30`).

With `FUNNEL_EXPORT_SHEET` set, the aggregate tables are also copied into that Google Sheet,
one tab each: {sheet_tabs}; each tab replaced in one request (with a bounded retry on Google's rate limits). The
per-person tables never go to a sheet: a spreadsheet holds at most 10 million cells.

## Checks

Every run checks the outputs, each table in its own step as it is written (Dagster asset checks, under
each asset's Checks tab); each table above lists its own:

- one row per key (`funnel_people` per phone, `assigned_leads_monthly` per month and phone,
  `funnel_metrics_monthly` per month and funnel, ...), phone keys of exactly 10 digits, and
  spend never negative: errors;
- Miscellaneous under `FUNNEL_MAX_MISCELLANEOUS_SHARE` (default 25%) of leads, assignments
  and sales; each source's newest row from yesterday or later; no table below half its
  previous size: warnings, for a person to look at;
- a freshness policy, stale after 26 hours and failing after 30, on {daily}."""


def _code_list(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _checks_line(t: Table) -> str:
    checks = []
    if t.key:
        checks.append(f"one row per {_code_list(t.key)} (error)")
    if t.phone:
        checks.append("`phone` is 10 digits or empty (error)")
    for column in t.non_negative:
        checks.append(f"`{column}` never negative (error)")
    if t.funnel_column:
        checks.append(f"share of `{t.funnel_column}` in Miscellaneous under `FUNNEL_MAX_MISCELLANEOUS_SHARE` (warning)")
    if t.fresh_column:
        checks.append(f"newest `{t.fresh_column}` from yesterday or later (warning)")
    if t.shrink_check:
        checks.append("at least half the rows of the previous run (warning)")
    return f"Checks: {'; '.join(checks)}." if checks else ""


def _table_markdown(t: Table) -> str:
    facts = f"Grain: {t.grain}."
    if t.key:
        facts += f" Key: {_code_list(t.key)}."
    if t.source:
        facts += f" Source: {t.source}."
    lines = [f"### `{t.name}`", "", t.description, "", facts, "", "| column | type | meaning |", "| --- | --- | --- |"]
    lines += [f"| {c.name} | {c.type} | {c.meaning} |" for c in t.columns]
    if t.open_columns:
        lines += ["| ... | text | the source's other columns, as text (see below) |"]
    if t.notes:
        lines += ["", t.notes]
    if t.personal_columns:
        lines += ["", f"Personal: {_code_list(t.personal_columns)}."]
    if _checks_line(t):
        lines += ["", _checks_line(t)]
    if t.guard:
        keys = ", ".join(f"`{k.column}` ({k.kind})" for k in t.guard.key_columns)
        lines += [
            "",
            f"Guard: a load of the {t.source} that comes back empty, or with fewer rows than `{t.guard.setting}` "
            f"(default {DEFAULT_MIN_ROWS_RATIO:g}) times the largest of the table it would replace and its last "
            f"{RECENT_GOOD_LOADS} good loads, is refused and the table stays as it was; check {t.guard.what_to_check}. "
            f"So is a load in which a key column ({keys}) has a value in fewer rows than `{t.guard.setting}` times "
            f"the share in the table it would replace (when that share was at least {MEANINGFUL_SHARE:.0%}). To accept "
            f"a real change, set `{t.guard.setting}=0` for one run; the loads before it then no longer count.",
        ]
    if t.last_good_inputs:
        lines += [
            "",
            f"Reads {_code_list(t.last_good_inputs)} as last landed (the other part), without waiting on it: when "
            "that step fails or is refused, this table still lands, from the newest good one.",
        ]
    return "\n".join(lines)


SOURCES_INTRODUCTION = """\
## Sources

Each source read as a table has a contract: the columns the product reads from it, as the
source spells them. For each column, a header spelled exactly so is taken, whatever else the
source has; otherwise a header spelled like it or like an accepted alternative, ignoring case,
spaces and punctuation (`phone_number`, `PHONE NUMBER`), is taken when it is the only one. Two
such headers (an empty `LEADMOBILE` beside a `lead_mobile`, a `Mobile` beside a `phone`, or the
same header twice) refuse the source, naming both: which one holds the data cannot be told. A
missing required column refuses it too. Every other column is kept, snake_cased, as text (a
name the table already has gets `_2`). A guarded column is the output column the content guard
watches (see the table's Guard)."""


def _source_markdown(source: Source) -> str:
    lines = [
        f"### {source.name}",
        "",
        f"Read from `{source.setting}` into `{source.table}`.",
        "",
        "| column in the source | also accepted | required | guarded as |",
        "| --- | --- | --- | --- |",
    ]
    for f in source.fields:
        guarded = f"`{f.key.column}` ({f.key.kind})" if f.key else ""
        lines.append(f"| `{f.header}` | {_code_list(f.alternatives)} | {'yes' if f.required else ''} | {guarded} |")
    return "\n".join(lines)


def render_markdown() -> str:
    """The whole of docs/tables.md."""
    _lists = {
        "daily": _code_list(tuple(t.name for t in TABLES if t.daily_freshness)),
        "sheet_tabs": _code_list(tuple(t.name for t in TABLES if t.sheet_tab)),
    }
    parts = [GENERATED_MARK, "", INTRODUCTION, "", SOURCES_INTRODUCTION]
    for source in SOURCES:
        parts += ["", _source_markdown(source)]
    for group in GROUPS:
        parts += ["", f"## {GROUP_HEADINGS[group]}", "", GROUP_INTRODUCTIONS[group].format(**_lists)]
        for t in tables_in_group(group):
            parts += ["", _table_markdown(t)]
    parts += ["", CLOSING.format(**_lists), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/tables.md from funnel_assets/catalogue.py.")
    parser.add_argument(
        "--check", action="store_true", help="only check that docs/tables.md is up to date (exit 1 if not)"
    )
    parser.add_argument("--path", type=Path, default=DOCS, help=f"the file to write or check (default {DOCS})")
    args = parser.parse_args(argv)
    wanted = render_markdown()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
        if current != wanted:
            state = "is missing" if current is None else "is stale"
            print(
                f"{args.path} {state}: it no longer matches funnel_assets/catalogue.py. "
                f"Run `{COMMAND}` to regenerate it."
            )
            return 1
        print(f"{args.path} is up to date.")
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(wanted, encoding="utf-8", newline="\n")
    print(f"Wrote {args.path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
