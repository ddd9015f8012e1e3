"""Column names as sources spell them, made into the warehouse's snake_case."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd


class MissingColumnsError(ValueError):
    """A source lacks columns the product needs; the message names them and the source."""


def snake_case(name: str) -> str:
    """`utmCamp` -> `utm_camp`, `Question 1` -> `question_1`, `EBook_Net_Amount` -> `e_book_net_amount`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return text or "column"


def snake_case_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with snake_case headers; a name repeated after conversion gets _2, _3 ..."""
    names: list[str] = []
    for column in frame.columns:
        name, n = snake_case(column), 1
        while name in names:
            n += 1
            name = f"{snake_case(column)}_{n}"
        names.append(name)
    return frame.set_axis(names, axis=1)


def letters_only(name: object) -> str:
    """`Phone Number`, `phone_number`, `PHONENUMBER` -> `phonenumber`: how a header is recognised."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def conform_columns(frame: pd.DataFrame, known: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """Snake_case headers, with a known column recognised whatever its case or punctuation.

    Returns the frame and the source's columns that are not known (kept, for reporting).
    """
    by_letters = {letters_only(name): snake_case(name) for name in known}
    renamed, new = {}, []
    for column in frame.columns:
        if letters_only(column) in by_letters:
            renamed[column] = by_letters[letters_only(column)]
        else:
            new.append(str(column))
    frame = frame.rename(columns=renamed)
    return snake_case_columns(frame), new


def require_columns(
    frame: pd.DataFrame, required: Iterable[str], *, source: str, spelled: Iterable[str] = ()
) -> None:
    """Raise naming the missing columns, as the source spells them when `spelled` lists its names."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        as_spelled = {snake_case(name): name for name in spelled}
        raise MissingColumnsError(
            f"{source} is missing the column(s) {', '.join(as_spelled.get(c, c) for c in missing)} "
            f"(it has: {', '.join(map(str, frame.columns[:60]))}). "
            "Check that the right sheet or file is configured and its header row is intact."
        )
