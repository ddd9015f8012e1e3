"""Source contracts: every field of every source read as a table, matched by one resolver.

The walks below take each contract from the catalogue and each of its fields, so a source or a
field added later is covered before anyone finds its look-alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from funnel_assets import catalogue
from funnel_assets.io.sources.csv_reading import read_csv_text
from funnel_assets.lib.assignments import clean_assigned_leads
from funnel_assets.lib.columns import MissingColumnsError, TwoCandidateColumnsError, resolve_columns
from funnel_assets.lib.funnel_mapping import clean_funnel_mapping
from funnel_assets.lib.leads import clean_leads
from funnel_assets.lib.sales import enrich_sales
from funnel_assets.lib.spend import clean_spend

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
MAPPING = clean_funnel_mapping(pd.DataFrame({"source": ["ACCA_Webinar_Meta"], "funnel": ["ACCA Webinar"]}))
NO_MANUAL = pd.DataFrame(columns=["sale_id", "manual_source"])
CANARY = "Canary Kumar canary@example.com 9812345678"

# each contract's cleaner, on the sample file of that source (the test builds its look-alike columns in pandas)
CLEANERS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]] = {
    "lead sheet": ("leads.csv", lambda raw: clean_leads(pl.from_pandas(raw), MAPPING)[0].to_pandas()),
    "spend sheet": ("spend.csv", lambda raw: clean_spend(pl.from_pandas(raw), source="spend sheet")[0].to_pandas()),
    "CRM assigned leads": (
        "crm/assigned_leads.csv",
        lambda raw: clean_assigned_leads(pl.from_pandas(raw), MAPPING, source="CRM")[0].to_pandas(),
    ),
    "CRM sales": (
        "crm/sales.csv",
        lambda raw: enrich_sales(
            pl.from_pandas(raw), MAPPING, pl.from_pandas(NO_MANUAL), pl.Series(dtype=pl.String), source="CRM"
        )[0].to_pandas(),
    ),
}
FIELDS = [pytest.param(s, f, id=f"{s.table}.{f.name}") for s in catalogue.SOURCES for f in s.fields]
KEY_FIELDS = [pytest.param(s, f, id=f"{s.table}.{f.name}") for s in catalogue.SOURCES for f in s.fields if f.key]
REQUIRED = [pytest.param(s, f, id=f"{s.table}.{f.name}") for s in catalogue.SOURCES for f in s.fields if f.required]


def full(contract: catalogue.Source) -> pd.DataFrame:
    """One row with every field under its exact header, each holding its own name."""
    return pd.DataFrame([[f.name for f in contract.fields]], columns=[f.header for f in contract.fields], dtype=object)


def look_alike(header: str) -> str:
    """The same letters, a different spelling: `leadMobile` -> `LEADMOBILE`."""
    return header.upper() if header != header.upper() else header.lower()


def with_column_before(frame: pd.DataFrame, before: str, header: str, value: object = "") -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(list(frame.columns).index(before), header, value)
    return frame


def test_every_cleaner_of_a_contract_is_walked():
    assert set(CLEANERS) == {s.name for s in catalogue.SOURCES}


@pytest.mark.parametrize("contract, field", FIELDS)
def test_an_exact_header_wins_over_an_empty_look_alike_placed_before_it(contract, field):
    raw = with_column_before(full(contract), field.header, look_alike(field.header))
    resolved = resolve_columns(raw, contract)
    assert resolved.frame[field.name].tolist() == [field.name]
    assert look_alike(field.header) in resolved.other_headers, "the look-alike is kept, as text, and reported"


@pytest.mark.parametrize("contract, field", FIELDS)
def test_a_unique_look_alike_is_taken_and_two_refuse_the_source_naming_both(contract, field):
    alike = look_alike(field.header)
    alone = full(contract).rename(columns={field.header: alike})
    assert resolve_columns(alone, contract).frame[field.name].tolist() == [field.name]

    second = f"{field.header}_"  # the same letters again, spelled differently
    both = with_column_before(alone, alike, second, CANARY)
    with pytest.raises(TwoCandidateColumnsError) as raised:
        resolve_columns(both, contract, label="the test source")
    message = str(raised.value)
    assert message.startswith("the test source:") and f"'{field.header}'" in message
    assert f"'{alike}'" in message and f"'{second}'" in message and CANARY not in message


@pytest.mark.parametrize("contract, field", FIELDS)
def test_a_header_repeated_in_the_source_refuses_it(contract, field):
    # a reader numbers a repeated header: `leadMobile` twice comes back as `leadMobile` and `leadMobile.1`
    raw = full(contract).assign(**{f"{field.header}.1": ""})
    with pytest.raises(TwoCandidateColumnsError, match="appears more than once"):
        resolve_columns(raw, contract)


@pytest.mark.parametrize("contract, field", REQUIRED)
def test_a_missing_required_field_is_named_and_no_other_header_is_quoted(contract, field):
    raw = full(contract).drop(columns=field.header).assign(**{CANARY: "x"})
    with pytest.raises(MissingColumnsError) as raised:
        resolve_columns(raw, contract, label="the test source")
    message = str(raised.value)
    assert f"missing the column(s) {field.header}" in message and f"It has {len(raw.columns)} columns" in message
    assert CANARY not in message


@pytest.mark.parametrize("contract", catalogue.SOURCES, ids=lambda s: s.table)
def test_a_file_without_its_header_row_is_refused_without_quoting_its_first_row(contract):
    first_row = [f"{CANARY} {i}" for i in range(len(contract.fields))]
    with pytest.raises(MissingColumnsError, match="none of them is a column it is expected to have") as raised:
        resolve_columns(pd.DataFrame([first_row], columns=first_row), contract)
    assert "Canary" not in str(raised.value)


@pytest.mark.parametrize("contract, field", KEY_FIELDS)
def test_each_cleaner_reads_a_key_field_from_its_exact_header_past_a_look_alike(contract, field):
    file, clean = CLEANERS[contract.name]
    raw = read_csv_text(SAMPLES / file, label=contract.name).frame.to_pandas()
    expected = clean(raw)[field.key.column].notna().sum()
    assert expected > 0
    cleaned = clean(with_column_before(raw, field.header, look_alike(field.header)))
    assert cleaned[field.key.column].notna().sum() == expected


def test_other_columns_never_take_a_name_the_output_table_has():
    raw = full(catalogue.CRM_ASSIGNMENTS_DUMP).assign(Phone="x", funnel="y")
    resolved = resolve_columns(raw, catalogue.CRM_ASSIGNMENTS_DUMP)
    assert resolved.others == {"Phone": "phone_2", "funnel": "funnel_2"}
