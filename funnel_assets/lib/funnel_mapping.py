"""Raw lead-source strings to funnels, from the editable `mappings/funnel_mapping.csv`.

Matching ignores case and surrounding spaces. A source the mapping does not know falls
to `Other Sources (Miscellaneous)` and is listed for the monthly mapping. Deprecated
sources keep mapping their historical rows.

A funnel is a name typed by hand on many rows, so a typo in its case or spacing (`ACCA webinar`
beside `ACCA Webinar`) would silently split one funnel in two in every metric. It never does: a
funnel spelled like an existing one but for case or spaces counts as that one (the spelling most
rows use; Miscellaneous always keeps its own), and the caller is told, to warn the ops person.
"""

from __future__ import annotations

from typing import overload

import pandas as pd
import polars as pl

from funnel_assets.lib.distinct import per_distinct
from funnel_assets.lib.text import PYTHON_WHITESPACE, WHITESPACE_CLASS, named_as

MISCELLANEOUS_FUNNEL = "Other Sources (Miscellaneous)"
MAPPING_COLUMNS = ("source", "funnel", "deprecated")
RESPELLED_FUNNELS = "respelled_funnels"


class MappingError(ValueError):
    """A mapping file cannot be used as it is; the message says what to fix."""


def _source_key(sources: pd.Series) -> pd.Series:
    return sources.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def _casefolded(distinct: pl.Series) -> pl.Series:
    # Python's casefold (STRASSE matches Straße), which no Polars kernel does: on the distinct values only
    return pl.Series(distinct.name, [value.casefold() for value in distinct.to_list()], dtype=pl.String)


def _casefold(text: pl.Expr) -> pl.Expr:
    return per_distinct(text, _casefolded, return_dtype=pl.String)


@overload
def source_key(sources: pd.Series) -> pd.Series: ...
@overload
def source_key(sources: pl.Expr) -> pl.Expr: ...
def source_key(sources):
    """The matching form of a source: trimmed, inner spaces collapsed, case-folded (blank stays blank)."""
    if isinstance(sources, pl.Expr):
        text = sources.cast(pl.String).str.strip_chars(PYTHON_WHITESPACE)
        return named_as(_casefold(text.str.replace_all(f"{WHITESPACE_CLASS}+", " ")), sources)
    return per_distinct(sources, _source_key)


@overload
def funnel_key(funnels: pd.Series) -> pd.Series: ...
@overload
def funnel_key(funnels: pl.Expr) -> pl.Expr: ...
def funnel_key(funnels):
    """The form in which two spellings of one funnel agree: case-folded, without any space."""
    if isinstance(funnels, pl.Expr):
        return named_as(_casefold(funnels.cast(pl.String).str.replace_all(f"{WHITESPACE_CLASS}+", "")), funnels)
    return funnels.astype("string").str.replace(r"\s+", "", regex=True).str.casefold()


def settle_funnel_spellings(funnels: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Each funnel in the spelling most rows give it (Miscellaneous in its own), and the respellings made
    (as typed -> as counted)."""
    keys = funnel_key(funnels)
    usage = (
        pd.DataFrame({"key": keys, "funnel": funnels})
        .value_counts(["key", "funnel"], sort=False)
        .reset_index(name="rows")
    )
    usage["first_seen"] = usage["funnel"].map({f: i for i, f in reversed(list(enumerate(funnels)))})
    usage["own"] = usage["funnel"].eq(MISCELLANEOUS_FUNNEL)
    usage = usage.sort_values(["key", "own", "rows", "first_seen"], ascending=[True, False, False, True])
    spelling = usage.drop_duplicates("key").set_index("key")["funnel"]
    misc_key = funnel_key(pd.Series([MISCELLANEOUS_FUNNEL])).iloc[0]
    spelling[misc_key] = MISCELLANEOUS_FUNNEL
    settled = keys.map(spelling).astype("string")
    respelled = {typed: counted for typed, counted in zip(funnels, settled, strict=False) if typed != counted}
    return settled, respelled


def clean_funnel_mapping(raw: pd.DataFrame, *, label: str = "funnel_mapping.csv") -> pd.DataFrame:
    """Validate the mapping as the ops person saved it: columns source, funnel, deprecated.

    Header case and spaces are forgiven, blank rows skipped, a source listed twice with the
    same funnel kept once; a source listed with two different funnels is an error naming it.
    """
    frame = raw.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in ("source", "funnel") if c not in frame.columns]
    if missing:
        raise MappingError(
            f"{label}: the header row needs the columns 'source' and 'funnel' (missing: {', '.join(missing)})."
        )
    if "deprecated" not in frame.columns:
        frame["deprecated"] = ""
    frame = frame[list(MAPPING_COLUMNS)].fillna("").astype("string")
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame[frame["source"].ne("")]

    no_funnel = frame[frame["funnel"].eq("")]
    if not no_funnel.empty:
        raise MappingError(
            f"{label}: these sources have no funnel: {', '.join(no_funnel['source'].head(10))}. "
            "Fill in the funnel column or delete the row."
        )

    settled, respelled = settle_funnel_spellings(frame["funnel"])
    frame = frame.assign(funnel=settled, source_key=source_key(frame["source"]))
    frame = frame.assign(deprecated=frame["deprecated"].str.casefold().isin(["yes", "y", "true", "1", "x"]))
    conflicting = frame.drop_duplicates(["source_key", "funnel"])
    conflicting = conflicting[conflicting["source_key"].duplicated(keep=False)]
    if not conflicting.empty:
        sources = sorted(set(conflicting["source"]))
        raise MappingError(
            f"{label}: these sources are listed with two different funnels: {', '.join(sources[:10])}. "
            "Keep one row per source."
        )
    cleaned = frame.drop_duplicates("source_key").reset_index(drop=True)
    cleaned.attrs[RESPELLED_FUNNELS] = respelled
    return cleaned


def respelled_funnels(mapping: pd.DataFrame) -> dict[str, str]:
    """The funnels of a cleaned mapping typed differently from their funnel's usual spelling (typed -> counted as)."""
    return dict(mapping.attrs.get(RESPELLED_FUNNELS, {}))


def _column(mapping: pd.DataFrame | pl.DataFrame, name: str) -> list:
    return mapping[name].to_list()


def _funnel_key_of(funnel: str) -> str:
    return funnel_key(pd.Series([funnel])).iloc[0]


def _known_spellings(mapping: pd.DataFrame | pl.DataFrame) -> dict[str, str]:
    """The mapping's funnels by their funnel key (the first spelling of a key), Miscellaneous in its own."""
    known: dict[str, str] = {}
    for funnel in _column(mapping, "funnel"):
        known.setdefault(_funnel_key_of(funnel), funnel)
    known[_funnel_key_of(MISCELLANEOUS_FUNNEL)] = MISCELLANEOUS_FUNNEL
    return known


@overload
def spell_as_mapped(funnels: pd.Series, mapping: pd.DataFrame) -> tuple[pd.Series, dict[str, str]]: ...
@overload
def spell_as_mapped(funnels: pl.Series, mapping: pd.DataFrame | pl.DataFrame) -> tuple[pl.Series, dict[str, str]]: ...
def spell_as_mapped(funnels, mapping):
    """Funnels named elsewhere (the spend sheet's `Funnel` column) in the mapping's spelling when they differ
    from one of its funnels only in case or spaces, so spend and leads meet in one funnel; and the
    respellings made (as typed -> as counted). A funnel the mapping does not know stays as typed.

    With a `pl.Series` (the mapping pandas or Polars): a String series, null where the funnel is missing."""
    if isinstance(funnels, pl.Series):
        known = _known_spellings(mapping)
        typed = funnels.cast(pl.String)
        distinct = typed.drop_nulls().unique(maintain_order=True).to_list()
        respelled = {
            funnel: known[key]
            for funnel in distinct
            if (key := _funnel_key_of(funnel)) in known and known[key] != funnel
        }
        return typed.replace(old=list(respelled), new=list(respelled.values())), respelled
    known = pd.Series(mapping["funnel"].to_numpy(), index=funnel_key(mapping["funnel"]).to_numpy())
    known = known[~known.index.duplicated()]
    known[funnel_key(pd.Series([MISCELLANEOUS_FUNNEL])).iloc[0]] = MISCELLANEOUS_FUNNEL
    typed = funnels.astype("string")
    spelled = per_distinct(typed, lambda distinct: funnel_key(distinct).map(known).fillna(distinct)).astype("string")
    changed = typed.notna() & spelled.ne(typed).fillna(False)
    respelled = dict(zip(typed[changed], spelled[changed], strict=False))
    return spelled.astype(object).where(typed.notna(), funnels), respelled


@overload
def map_funnel(sources: pd.Series, mapping: pd.DataFrame) -> pd.Series: ...
@overload
def map_funnel(sources: pl.Expr, mapping: pd.DataFrame | pl.DataFrame) -> pl.Expr: ...
def map_funnel(sources, mapping):
    """The funnel of each source; unmapped or blank sources get `Other Sources (Miscellaneous)`.

    With a `pl.Expr` (the cleaned mapping pandas or Polars): a String expression."""
    if isinstance(sources, pl.Expr):
        lookup = dict(zip(_column(mapping, "source_key"), _column(mapping, "funnel"), strict=True))
        funnels = source_key(sources).replace_strict(lookup, default=MISCELLANEOUS_FUNNEL, return_dtype=pl.String)
        return named_as(funnels.fill_null(MISCELLANEOUS_FUNNEL), sources)
    lookup = pd.Series(mapping["funnel"].to_numpy(), index=mapping["source_key"].to_numpy())
    return source_key(sources).map(lookup).fillna(MISCELLANEOUS_FUNNEL).astype(object)
