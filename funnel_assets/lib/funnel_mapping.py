"""Raw lead-source strings to funnels, from the editable `mappings/funnel_mapping.csv`.

Matching ignores case and surrounding spaces. A source the mapping does not know falls
to `Other Sources (Miscellaneous)` and is listed for the monthly mapping. Deprecated
sources keep mapping their historical rows.
"""

from __future__ import annotations

import pandas as pd

from funnel_assets.lib.distinct import per_distinct


MISCELLANEOUS_FUNNEL = "Other Sources (Miscellaneous)"
MAPPING_COLUMNS = ("source", "funnel", "deprecated")


class MappingError(ValueError):
    """A mapping file cannot be used as it is; the message says what to fix."""


def _source_key(sources: pd.Series) -> pd.Series:
    return sources.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def source_key(sources: pd.Series) -> pd.Series:
    """The matching form of a source: trimmed, inner spaces collapsed, case-folded."""
    return per_distinct(sources, _source_key)


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

    frame = frame.assign(source_key=source_key(frame["source"]))
    frame = frame.assign(deprecated=frame["deprecated"].str.casefold().isin(["yes", "y", "true", "1", "x"]))
    conflicting = frame.drop_duplicates(["source_key", "funnel"])
    conflicting = conflicting[conflicting["source_key"].duplicated(keep=False)]
    if not conflicting.empty:
        sources = sorted(set(conflicting["source"]))
        raise MappingError(
            f"{label}: these sources are listed with two different funnels: {', '.join(sources[:10])}. "
            "Keep one row per source."
        )
    return frame.drop_duplicates("source_key").reset_index(drop=True)


def map_funnel(sources: pd.Series, mapping: pd.DataFrame) -> pd.Series:
    """The funnel of each source; unmapped or blank sources get `Other Sources (Miscellaneous)`."""
    lookup = pd.Series(mapping["funnel"].to_numpy(), index=mapping["source_key"].to_numpy())
    return source_key(sources).map(lookup).fillna(MISCELLANEOUS_FUNNEL).astype(object)
