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

import pandas as pd

from funnel_assets.lib.distinct import per_distinct

MISCELLANEOUS_FUNNEL = "Other Sources (Miscellaneous)"
MAPPING_COLUMNS = ("source", "funnel", "deprecated")
RESPELLED_FUNNELS = "respelled_funnels"


class MappingError(ValueError):
    """A mapping file cannot be used as it is; the message says what to fix."""


def _source_key(sources: pd.Series) -> pd.Series:
    return sources.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def source_key(sources: pd.Series) -> pd.Series:
    """The matching form of a source: trimmed, inner spaces collapsed, case-folded."""
    return per_distinct(sources, _source_key)


def funnel_key(funnels: pd.Series) -> pd.Series:
    """The form in which two spellings of one funnel agree: case-folded, without any space."""
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


def spell_as_mapped(funnels: pd.Series, mapping: pd.DataFrame) -> tuple[pd.Series, dict[str, str]]:
    """Funnels named elsewhere (the spend sheet's `Funnel` column) in the mapping's spelling when they differ
    from one of its funnels only in case or spaces, so spend and leads meet in one funnel; and the
    respellings made (as typed -> as counted). A funnel the mapping does not know stays as typed."""
    known = pd.Series(mapping["funnel"].to_numpy(), index=funnel_key(mapping["funnel"]).to_numpy())
    known = known[~known.index.duplicated()]
    known[funnel_key(pd.Series([MISCELLANEOUS_FUNNEL])).iloc[0]] = MISCELLANEOUS_FUNNEL
    typed = funnels.astype("string")
    spelled = per_distinct(typed, lambda distinct: funnel_key(distinct).map(known).fillna(distinct)).astype("string")
    changed = typed.notna() & spelled.ne(typed).fillna(False)
    respelled = dict(zip(typed[changed], spelled[changed], strict=False))
    return spelled.astype(object).where(typed.notna(), funnels), respelled


def map_funnel(sources: pd.Series, mapping: pd.DataFrame) -> pd.Series:
    """The funnel of each source; unmapped or blank sources get `Other Sources (Miscellaneous)`."""
    lookup = pd.Series(mapping["funnel"].to_numpy(), index=mapping["source_key"].to_numpy())
    return source_key(sources).map(lookup).fillna(MISCELLANEOUS_FUNNEL).astype(object)
