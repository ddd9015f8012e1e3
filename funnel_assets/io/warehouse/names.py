"""Table and column names as the warehouse takes them: the same on PostgreSQL and SQLite."""

from __future__ import annotations

import re

from funnel_assets.io.warehouse.errors import WarehouseError

# PostgreSQL keeps the first 63 bytes of a name and drops the rest (SQLite keeps it whole).
MAX_NAME_BYTES = 63

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_table_name(name: str) -> None:
    if not _TABLE_NAME.match(name):
        raise WarehouseError(f"'{name}' is not a valid table name (lower-case letters, digits, _).")


def _fitted(name: str, limit: int) -> str:
    """The longest start of `name` within `limit` UTF-8 bytes; a character is never cut in half."""
    encoded = name.encode("utf-8")
    # only the last character can be cut; "ignore" drops its partial bytes
    return name if len(encoded) <= limit else encoded[:limit].decode("utf-8", errors="ignore")


def warehouse_column_names(columns: list[str]) -> list[str]:
    """Each column's name in the warehouse, one to one with `columns`: within 63 bytes, and distinct.

    PostgreSQL would cut a longer name itself, so two long names sharing their first 63 bytes
    would become one and the load would fail (on SQLite it would work): both backends write
    the names fitted here instead. A name that fits is kept as it is; a cut one that meets a
    name already taken (case aside, as SQLite compares them) ends in `_2`, `_3`... instead.
    """
    taken = {c.lower() for c in columns if _fitted(c, MAX_NAME_BYTES) == c}
    names = []
    for column in columns:
        name = _fitted(column, MAX_NAME_BYTES)
        if name != column:
            number = 1
            while name.lower() in taken:
                number += 1
                suffix = f"_{number}"
                name = _fitted(column, MAX_NAME_BYTES - len(suffix)) + suffix
            taken.add(name.lower())
        names.append(name)
    return names
