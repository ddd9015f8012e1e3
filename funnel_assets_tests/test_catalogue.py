"""The table catalogue: every output table declared once, consistently, and docs/tables.md generated from it.

Each rule is a function returning the problems it finds, so every test runs it twice: on the
real catalogue (no problems) and on a table broken on purpose (the problem is found), which
shows the test can fail. Plain pytest: the catalogue must not need Dagster.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from funnel_assets import catalogue
from funnel_assets.catalogue import (
    BOOLEAN,
    DATE,
    FLOAT,
    INTEGER,
    MONEY,
    TABLES,
    TEXT,
    TIMESTAMP,
    Column,
    Table,
    table,
)
from tools.write_table_docs import main, render_markdown

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "tables.md"
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
PERSONAL_NAMES = {"name", "email", "phone", "user_id", "student_name", "student_contact", "student_email"}

EXPECTED_GROUPS = {
    "marketing": (
        "marketing_leads",
        "marketing_spend",
        "spend_by_funnel",
        "event_participants",
        "bootcamp_attendance",
        "ingested_files",
        "lead_touches",
        "lead_first_touch",
    ),
    "sales": ("crm_assigned_leads", "assigned_leads_monthly", "sales", "sales_to_map", "sales_performance_monthly"),
    "reporting": (
        "unmapped_sources",
        "funnel_people",
        "funnel_metrics_monthly",
        "funnel_stages_monthly",
        "funnel_cohorts",
        "reconciliation",
    ),
}


def _table(**changes) -> Table:
    """A small valid table, changed as a test needs."""
    base = Table(
        name="some_table",
        group="marketing",
        grain="one thing",
        description="One thing.",
        columns=(Column("phone", TEXT, "the phone key", personal=True), Column("cost", FLOAT, "spend")),
        key=("phone",),
        phone=True,
        non_negative=("cost",),
    )
    return dataclasses.replace(base, **changes)


# ---------------------------------------------------------------- the rules


def name_problems(tables: tuple[Table, ...]) -> list[str]:
    names = [t.name for t in tables]
    problems = [f"{n!r} is not snake_case" for n in names if not SNAKE_CASE.match(n)]
    problems += [f"{n!r} is declared {names.count(n)} times" for n in sorted(set(names)) if names.count(n) > 1]
    return problems


def description_problems(tables: tuple[Table, ...]) -> list[str]:
    return [
        f"{t.name}: the description must start with 'One ' (it says what one row is)"
        for t in tables
        if not t.description.startswith("One ")
    ]


def column_problems(tables: tuple[Table, ...]) -> list[str]:
    problems = []
    for t in tables:
        names = t.column_names
        if not names:
            problems.append(f"{t.name}: no columns")
        problems += [f"{t.name}.{n}: declared {names.count(n)} times" for n in sorted(set(names)) if names.count(n) > 1]
        problems += [f"{t.name}.{n}: not snake_case" for n in names if not SNAKE_CASE.match(n)]
        problems += [
            f"{t.name}.{c.name}: type {c.type!r} is not one of the six"
            for c in t.columns
            if c.type not in catalogue.TYPES
        ]
        problems += [
            f"{t.name}.{c.name}: the meaning must be one line without '|'"
            for c in t.columns
            if not c.meaning.strip() or "\n" in c.meaning or "|" in c.meaning
        ]
    return problems


def check_column_problems(tables: tuple[Table, ...]) -> list[str]:
    """Every column a check names is a declared column."""
    problems = []
    for t in tables:
        named = {
            "key": t.key,
            "phone": ("phone",) if t.phone else (),
            "funnel_column": (t.funnel_column,) if t.funnel_column else (),
            "fresh_column": (t.fresh_column,) if t.fresh_column else (),
            "non_negative": t.non_negative,
        }
        for field, columns in named.items():
            problems += [
                f"{t.name}: {field} names {c!r}, which is not a declared column"
                for c in columns
                if c not in t.column_names
            ]
        problems += [
            f"{t.name}: non_negative column {c!r} is {t.column(c).type}, not a number"
            for c in t.non_negative
            if c in t.column_names and t.column(c).type not in (INTEGER, FLOAT, MONEY)
        ]
        if t.fresh_column in t.column_names and t.column(t.fresh_column).type not in (DATE, TIMESTAMP):
            problems.append(f"{t.name}: fresh_column {t.fresh_column!r} is not a date or timestamp")
    return problems


def group_problems(tables: tuple[Table, ...]) -> list[str]:
    problems = [
        f"{t.name}: group {t.group!r} is not one of {catalogue.GROUPS}"
        for t in tables
        if t.group not in catalogue.GROUPS
    ]
    order = [catalogue.GROUPS.index(t.group) for t in tables if t.group in catalogue.GROUPS]
    if order != sorted(order):
        problems.append("tables are not in documentation order (marketing, then sales, then reporting)")
    return problems


def personal_problems(tables: tuple[Table, ...]) -> list[str]:
    return [
        f"{t.name}.{c.name}: identifies a person but is not marked personal"
        for t in tables
        for c in t.columns
        if c.name in PERSONAL_NAMES and not c.personal
    ]


# words from the project's own planning, which users of the UI, the docs or a BI tool never saw: its private
# documents and its milestones (the rules themselves are in docs/rules.md)
INTERNAL_WORDS = re.compile(r"\b(?:the|team's) brief\b|\bbrief's\b|\bM[0-9]+\b|DESIGN\.md", re.IGNORECASE)


def wording_problems(tables: tuple[Table, ...]) -> list[str]:
    texts = [(t.name, t.description) for t in tables] + [
        (f"{t.name}.{c.name}", c.meaning) for t in tables for c in t.columns
    ]
    return [
        f"{where}: says {INTERNAL_WORDS.search(text).group()!r}" for where, text in texts if INTERNAL_WORDS.search(text)
    ]


RULES = (
    name_problems,
    description_problems,
    column_problems,
    check_column_problems,
    group_problems,
    personal_problems,
    wording_problems,
)

# for each rule, tables that break it
BROKEN = {
    name_problems: [(_table(name="SomeTable"),), (_table(name="some-table"),), (_table(), _table())],
    description_problems: [(_table(description="A thing."),), (_table(description="one thing."),)],
    column_problems: [
        (_table(columns=(), key=(), phone=False, non_negative=()),),
        (_table(columns=(Column("cost", FLOAT, "a"), Column("cost", FLOAT, "b")), key=(), phone=False),),
        (_table(columns=(Column("cost", "decimal", "spend"),), key=(), phone=False),),
        (_table(columns=(Column("Cost", FLOAT, "spend"),), key=(), phone=False, non_negative=()),),
        (_table(columns=(Column("cost", FLOAT, "two\nlines"),), key=(), phone=False),),
    ],
    check_column_problems: [
        (_table(key=("month", "phone")),),
        (_table(columns=(Column("cost", FLOAT, "spend"),), key=()),),  # phone=True without a phone column
        (_table(funnel_column="funnel"),),
        (_table(fresh_column="created_at"),),
        (_table(non_negative=("revenue",)),),
        (_table(non_negative=("phone",)),),
        (_table(fresh_column="cost"),),
    ],
    group_problems: [(_table(group="Marketing"),), (_table(group="sales"), _table(name="other", group="marketing"))],
    personal_problems: [(_table(columns=(Column("phone", TEXT, "the phone key"),)),)],
    wording_problems: [
        (_table(description="One phone in one month: the brief's de-duplication (M0)."),),
        (
            _table(
                columns=(*_table().columns, Column("final_funnel", TEXT, "the brief's formula")),
            ),
        ),
    ],
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_catalogue_keeps_the_rule(rule):
    assert rule(TABLES) == []


@pytest.mark.parametrize(
    ("rule", "broken"),
    [(rule, tables) for rule, cases in BROKEN.items() for tables in cases],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_the_rule_finds_a_broken_table(rule, broken):
    assert rule(broken), f"{rule.__name__} should have found a problem in {broken}"


def test_every_rule_has_broken_examples():
    assert set(BROKEN) == set(RULES)


# ---------------------------------------------------------------- the documents beside the tables

USER_DOCUMENTS = ("README.md", "docs/*.md", "mappings/**/*.md")
RULES_DOCUMENT = ROOT / "docs" / "rules.md"
# a pointer to a rule from the code or another document, and a link within docs/rules.md
RULE_POINTER = re.compile(r"docs/rules\.md#([A-Za-z0-9_-]+)")
LINK_WITHIN = re.compile(r"\]\(#([A-Za-z0-9_-]+)\)")


def user_documents() -> dict[str, str]:
    paths = sorted({path for pattern in USER_DOCUMENTS for path in ROOT.glob(pattern)})
    return {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8") for path in paths}


def document_wording_problems(documents: dict[str, str]) -> list[str]:
    return [
        f"{name}:{number}: says {found.group()!r}"
        for name, text in documents.items()
        for number, line in enumerate(text.splitlines(), start=1)
        if (found := INTERNAL_WORDS.search(line))
    ]


def test_the_documents_keep_the_wording_rule():
    documents = user_documents()
    assert {"README.md", "docs/rules.md", "docs/tables.md", "mappings/README.md"} <= set(documents)
    assert document_wording_problems(documents) == []


@pytest.mark.parametrize(
    "line",
    [
        "Rule (DESIGN.md): keep digits only.",
        "The final funnel follows the brief's formula.",
        "Rules (the team's brief): hosts are staff.",
        "as in M0, one row per month and phone",
        "Done in M1.",
    ],
)
def test_the_wording_rule_finds_internal_words_in_a_document(line):
    assert document_wording_problems({"docs/example.md": f"# Example\n\n{line}\n"})


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower-cased, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def missing_rule_anchors(rules: str, texts: dict[str, str]) -> list[str]:
    """Links within the rules, and pointers to them from `texts` (name -> text), whose heading does not exist."""
    anchors = heading_anchors(rules)
    wanted = [("docs/rules.md", anchor) for anchor in LINK_WITHIN.findall(rules)]
    wanted += [(name, anchor) for name, text in texts.items() for anchor in RULE_POINTER.findall(text)]
    return [f"{name}: docs/rules.md#{anchor}" for name, anchor in wanted if anchor not in anchors]


def test_every_pointer_to_a_rule_finds_its_heading():
    texts = dict(user_documents())
    for folder in ("funnel_assets", "tools", "funnel_assets_tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            texts[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
    rules = RULES_DOCUMENT.read_text(encoding="utf-8")
    assert {"phone-numbers", "final-funnel", "counting-through-yesterday"} <= heading_anchors(rules)
    assert missing_rule_anchors(rules, texts) == []


def test_a_pointer_to_a_missing_rule_is_found():
    rules = "# Rules\n\n## Phone numbers\n\nSee [the key](#phone-numbers) and [one person](#one-person).\n"
    pointer = "docs/rules.md" + "#final-funnel"
    assert missing_rule_anchors(rules, {"lib/sales.py": f'"""{pointer}"""'}) == [
        "docs/rules.md: docs/rules.md#one-person",
        f"lib/sales.py: {pointer}",
    ]


# ---------------------------------------------------------------- source contracts


def contract_problems(sources: tuple[catalogue.Source, ...], tables: tuple[Table, ...]) -> list[str]:
    """Each contract feeds a guarded, open table of its name; its fields are distinct whatever the spelling;
    its key columns are the table's guard's, and declared columns of it."""
    from funnel_assets.lib.columns import letters_only

    by_name = {t.name: t for t in tables}
    problems = [
        f"{t.name}: carries its source's columns, but no source contract declares them"
        for t in tables
        if t.open_columns and t.name not in {s.table for s in sources}
    ]
    for s in sources:
        t = by_name.get(s.table)
        if t is None:
            problems.append(f"{s.name}: loads into {s.table!r}, which is not declared")
            continue
        if t.source != s.name:
            problems.append(f"{s.name}: {t.name}'s source is {t.source!r}")
        if t.guard is None or t.guard.key_columns != s.key_columns:
            problems.append(f"{s.name}: {t.name}'s guard does not watch the contract's key columns")
        names = [f.name for f in s.fields]
        problems += [
            f"{s.name}.{n}: not snake_case or declared twice"
            for n in names
            if not SNAKE_CASE.match(n) or names.count(n) > 1
        ]
        spellings = [
            letters_only(spelling) for f in s.fields for spelling in dict.fromkeys(map(letters_only, f.spellings))
        ]
        problems += [
            f"{s.name}: the spelling {x!r} belongs to two fields"
            for x in sorted(set(spellings))
            if spellings.count(x) > 1
        ]
        problems += [f"{s.name}: no field is required" for _ in [0] if not any(f.required for f in s.fields)]
        for key in s.key_columns:
            if key.column not in t.column_names or key.kind not in catalogue.KEY_KINDS:
                problems.append(f"{s.name}: key column {key} is not a declared column of {t.name} of a known kind")
    return problems


def _contract(**changes) -> catalogue.Source:
    return dataclasses.replace(catalogue.CRM_ASSIGNMENTS_DUMP, **changes)


BROKEN_CONTRACTS = [
    (_contract(table="no_such_table"),),
    (_contract(name="CRM dump"),),
    (_contract(fields=catalogue.CRM_ASSIGNMENTS_DUMP.fields[:2]),),  # the phone field dropped: the guard watches it
    (_contract(fields=(*catalogue.CRM_ASSIGNMENTS_DUMP.fields, catalogue.Field("mobile", "Lead Mobile"))),),
    (_contract(fields=(*catalogue.CRM_ASSIGNMENTS_DUMP.fields, catalogue.Field("Sources", "src"))),),
    (_contract(fields=tuple(dataclasses.replace(f, required=False) for f in catalogue.CRM_ASSIGNMENTS_DUMP.fields)),),
    tuple(s for s in catalogue.SOURCES if s.table != "sales"),  # an open table without a contract
]


def test_the_source_contracts_keep_their_rules():
    assert contract_problems(catalogue.SOURCES, TABLES) == []
    assert {s.table for s in catalogue.SOURCES} == {"marketing_leads", "marketing_spend", "crm_assigned_leads", "sales"}


@pytest.mark.parametrize("broken", BROKEN_CONTRACTS, ids=range(len(BROKEN_CONTRACTS)))
def test_the_contract_rules_find_a_broken_contract(broken):
    others = tuple(
        s
        for s in catalogue.SOURCES
        if s.table not in {b.table for b in broken} and s.name not in {b.name for b in broken}
    )
    assert contract_problems(broken if len(broken) > 1 else (*others, *broken), TABLES)


def test_the_docs_list_every_source_field_as_spelled():
    text = render_markdown()
    for s in catalogue.SOURCES:
        section = text.split(f"### {s.name}\n", 1)[1].split("\n### ", 1)[0]
        for f in s.fields:
            assert f"| `{f.header}` |" in section, f"{s.name}.{f.name} is not documented"


# ---------------------------------------------------------------- the catalogue's shape and API


def test_the_nineteen_tables_in_their_groups_and_order():
    assert {g: tuple(t.name for t in catalogue.tables_in_group(g)) for g in catalogue.GROUPS} == EXPECTED_GROUPS
    assert tuple(t.name for t in TABLES) == sum(EXPECTED_GROUPS.values(), ())


def test_table_finds_a_table_and_refuses_an_unknown_name():
    assert table("sales").name == "sales"
    with pytest.raises(KeyError, match="no_such_table"):
        table("no_such_table")


def test_column_finds_a_column_and_refuses_an_unknown_name():
    assert table("marketing_spend").column("cost").type == MONEY
    with pytest.raises(KeyError, match="marketing_spend.*no_such_column"):
        table("marketing_spend").column("no_such_column")


def test_personal_columns():
    assert table("marketing_leads").personal_columns == ("name", "email", "phone", "user_id")
    assert table("funnel_metrics_monthly").personal_columns == ()


def test_the_seven_types():
    assert catalogue.TYPES == (TEXT, INTEGER, FLOAT, MONEY, BOOLEAN, DATE, TIMESTAMP)
    assert {c.type for t in TABLES for c in t.columns} <= set(catalogue.TYPES)


def test_unmapped_sources_is_one_source_in_one_input():
    unmapped = table("unmapped_sources")
    assert unmapped.group == "reporting"
    assert unmapped.key == ("source", "seen_in")
    assert unmapped.column_names == ("source", "seen_in", "rows", "first_seen", "last_seen")


def test_check_fields_as_the_checks_apply_them():
    keys = {t.name: t.key for t in TABLES if t.key}
    assert keys == {
        "spend_by_funnel": ("spend_date", "funnel"),
        "event_participants": ("event_id", "event_date", "phone"),
        "lead_first_touch": ("phone",),
        "assigned_leads_monthly": ("month", "phone"),
        "unmapped_sources": ("source", "seen_in"),
        "funnel_people": ("phone",),
        "funnel_metrics_monthly": ("month", "funnel"),
        "funnel_stages_monthly": ("month", "funnel", "stage"),
        "sales_performance_monthly": ("month", "employee"),
        "funnel_cohorts": ("cohort_month", "first_funnel", "stage"),
    }
    assert {t.name for t in TABLES if t.phone} == {
        "marketing_leads",
        "event_participants",
        "crm_assigned_leads",
        "sales",
        "funnel_people",
        "lead_first_touch",
    }
    assert {t.name: t.funnel_column for t in TABLES if t.funnel_column} == {
        "marketing_leads": "funnel",
        "crm_assigned_leads": "funnel",
        "sales": "final_funnel",
    }
    assert {t.name: t.fresh_column for t in TABLES if t.fresh_column} == {
        "marketing_leads": "created_at",
        "crm_assigned_leads": "assigned_on",
        "marketing_spend": "spend_date",
        "sales": "created_on",
    }
    assert {t.name for t in TABLES if t.shrink_check} == {
        "funnel_people",
        "assigned_leads_monthly",
        "funnel_metrics_monthly",
        "funnel_stages_monthly",
        "event_participants",
        "spend_by_funnel",
        "lead_first_touch",
        "marketing_leads",
        "marketing_spend",
        "crm_assigned_leads",
        "sales",
        "sales_performance_monthly",
        "funnel_cohorts",
    }
    assert {t.name: t.non_negative for t in TABLES if t.non_negative} == {"marketing_spend": ("cost",)}
    assert {t.name: t.source for t in TABLES if t.source} == {
        "marketing_leads": "lead sheet",
        "marketing_spend": "spend sheet",
        "event_participants": "Zoom reports",
        "crm_assigned_leads": "CRM assigned leads",
        "sales": "CRM sales",
    }
    assert {t.name for t in TABLES if t.open_columns} == {
        "marketing_leads",
        "marketing_spend",
        "crm_assigned_leads",
        "sales",
    }


def test_the_catalogue_does_not_import_dagster():
    code = "import sys, funnel_assets.catalogue; sys.exit('dagster' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0, (
        "funnel_assets.catalogue imports dagster"
    )


# ---------------------------------------------------------------- docs/tables.md


def test_docs_tables_md_is_generated_from_the_catalogue():
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/tables.md does not match funnel_assets/catalogue.py: run `python -m tools.write_table_docs` "
        "(edit the catalogue, never the file)"
    )


def test_the_docs_document_every_table_and_column():
    text = render_markdown()
    assert text.startswith("<!-- Generated from funnel_assets/catalogue.py by `python -m tools.write_table_docs`")
    for t in TABLES:
        assert f"### `{t.name}`" in text
        section = text.split(f"### `{t.name}`", 1)[1].split("\n### ", 1)[0]
        for c in t.columns:
            assert f"| {c.name} | {c.type} | {c.meaning} |" in section, f"{t.name}.{c.name} is not documented"
    for heading in ("## Part 1: marketing", "## Part 2: sales", "## Reporting", "## Exports", "## Checks"):
        assert heading in text


def test_write_table_docs_writes_and_checks(tmp_path, capsys):
    docs = tmp_path / "tables.md"
    assert main(["--check", "--path", str(docs)]) == 1
    assert main(["--path", str(docs)]) == 0
    assert docs.read_text(encoding="utf-8") == render_markdown()
    assert main(["--check", "--path", str(docs)]) == 0
    docs.write_text(render_markdown() + "hand edit\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", "--path", str(docs)]) == 1
    assert "python -m tools.write_table_docs" in capsys.readouterr().out


def test_the_sheet_export_and_the_freshness_policies_follow_the_catalogue():
    from funnel_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    export = graph.get(dg.AssetKey("google_sheet_export"))
    assert {key.path[-1] for key in export.parent_keys} == {t.name for t in TABLES if t.sheet_tab}
    for declared in TABLES:
        policy = graph.get(dg.AssetKey(declared.name)).freshness_policy
        assert (policy is not None) == declared.daily_freshness, declared.name
    markdown = render_markdown()
    for declared in TABLES:
        if declared.sheet_tab or declared.daily_freshness:
            assert f"`{declared.name}`" in markdown.split("## Exports", 1)[1], declared.name
