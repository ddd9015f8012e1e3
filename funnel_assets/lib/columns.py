"""A source's headers matched to its contract (`funnel_assets/catalogue.py`), and made snake_case.

One resolver for every source read as a table. For each field of the contract, a header spelled
exactly as the contract says wins; otherwise a header equal to one of the field's spellings
ignoring case, spaces and punctuation is taken, but only when it is the only one. Two candidates
refuse the source, naming both: a look-alike column (an empty `LEADMOBILE` before `leadMobile`,
a `Mobile` before `Phone number`) must never silently take a field's place. Every other column
is kept, snake_cased, after or among the fields as the source orders them.

Messages name the source, the fields and header spellings; never a header the contract does not
know, which may be a cell value (a sheet whose header row is missing has its first row as headers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import polars as pl

from funnel_assets import catalogue


class MissingColumnsError(ValueError):
    """A source lacks columns the product needs; the message names them and the source."""


class TwoCandidateColumnsError(MissingColumnsError):
    """A source has two columns that could both be one field; the message names the source, the field and both."""


def snake_case(name: str) -> str:
    """`utmCamp` -> `utm_camp`, `Question 1` -> `question_1`, `EBook_Net_Amount` -> `e_book_net_amount`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return text or "column"


def letters_only(name: object) -> str:
    """`Phone Number`, `phone_number`, `PHONENUMBER` -> `phonenumber`: how a look-alike header is recognised."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


# a header repeated in the source comes back numbered: `leadMobile.1` (pandas), `leadMobile (2)` (our reader)
_REPEATED = re.compile(r"^(?P<base>.+?)(?:\.\d+| \(\d+\))$")


@dataclass(frozen=True)
class ResolvedColumns:
    # the source's columns in its order: fields under their names, the others snake_cased; Polars if the source was
    frame: pd.DataFrame | pl.DataFrame
    others: dict[str, str]  # each other header, as the source spells it -> its name in `frame`

    @property
    def other_headers(self) -> tuple[str, ...]:
        return tuple(self.others)


def _quoted(headers: list[str]) -> str:
    names = [f"'{h}'" for h in headers]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _candidates(headers: list[str], contract: catalogue.Source) -> dict[str, list[str]]:
    """Field name -> the headers that could be it (exact, look-alike, or a numbered repeat of one of those)."""
    by_letters = {letters_only(s): f.name for f in contract.fields for s in f.spellings}
    found: dict[str, list[str]] = {}
    for header in headers:
        name = by_letters.get(letters_only(header))
        repeated = _REPEATED.match(header)
        if name is None and repeated and repeated["base"] in headers:
            name = by_letters.get(letters_only(repeated["base"]))
        if name is not None:
            found.setdefault(name, []).append(header)
    return found


def _choose(field: catalogue.Field, candidates: list[str]) -> str | None:
    """The header that is this field, None when there is none; raises when two could be."""
    exact = [h for h in candidates if h == field.header]
    repeats = [h for h in candidates if (m := _REPEATED.match(h)) and m["base"] == field.header]
    if len(exact) == 1 and not repeats:
        return exact[0]
    if len(candidates) == 1:
        return candidates[0]
    return None


def _refuse_two_candidates(label: str, ambiguous: dict[catalogue.Field, list[str]]) -> None:
    parts = []
    for field, headers in ambiguous.items():
        exact = [h for h in headers if h == field.header]
        why = (
            f"'{field.header}' appears more than once" if exact else f"none of them is spelled exactly '{field.header}'"
        )
        parts.append(f"{len(headers)} columns could be its '{field.header}' column: {_quoted(headers)} ({why})")
    raise TwoCandidateColumnsError(
        f"{label}: {'; '.join(parts)}. Which one holds the data cannot be told, so the source is refused and "
        "the table stays as it was. Remove or rename the extra column in the source (the right one spelled "
        "exactly as shown), then run again."
    )


def _refuse_missing(
    label: str, contract: catalogue.Source, missing: list[str], found: Iterable[str], width: int
) -> None:
    recognised = [contract.field(name).header for name in found]
    seen = (
        f"of those, it recognised {', '.join(recognised)}"
        if recognised
        else "none of them is a column it is expected to have (is the first row the header row?)"
    )
    raise MissingColumnsError(
        f"{label} is missing the column(s) {', '.join(contract.field(m).header for m in missing)}. "
        f"It has {width} column{'' if width == 1 else 's'}; {seen}. "
        "Check that the right sheet or file is configured and its header row is intact."
    )


def resolve_columns(
    raw: pd.DataFrame | pl.DataFrame,
    contract: catalogue.Source,
    *,
    label: str | None = None,
    required: Iterable[str] = (),
) -> ResolvedColumns:
    """The source's columns matched to its contract; `required` adds fields this read needs beyond the contract's.

    Raises TwoCandidateColumnsError when two headers could be one field, MissingColumnsError when a
    required field has no header. The other columns get snake_case names that no field and no column
    of the output table has (`source` becomes `source_2` where the table already has a `source`).
    A Polars source gives a Polars frame.
    """
    label = label or contract.name
    headers = [str(c) for c in raw.columns]
    candidates = _candidates(headers, contract)
    chosen: dict[str, str] = {}  # header -> field name
    ambiguous: dict[catalogue.Field, list[str]] = {}
    for field in contract.fields:
        found = candidates.get(field.name, [])
        header = _choose(field, found)
        if header is not None:
            chosen[header] = field.name
        elif len(found) > 1:
            ambiguous[field] = found
    if ambiguous:
        _refuse_two_candidates(label, ambiguous)
    needed = [f.name for f in contract.fields if f.required] + [n for n in required if contract.field(n)]
    missing = [name for name in dict.fromkeys(needed) if name not in chosen.values()]
    if missing:
        _refuse_missing(label, contract, missing, chosen.values(), len(headers))

    taken = {f.name for f in contract.fields} | set(catalogue.table(contract.table).column_names)
    names, others = [], {}
    for header in headers:
        if header in chosen:
            names.append(chosen[header])
            continue
        base = name = snake_case(header)
        n = 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names.append(name)
        others[header] = name
    if isinstance(raw, pl.DataFrame):
        # positional, as set_axis is: renaming by name could take a header for a pattern
        frame = raw.clone()
        frame.columns = names
        return ResolvedColumns(frame, others)
    return ResolvedColumns(raw.set_axis(names, axis=1), others)
