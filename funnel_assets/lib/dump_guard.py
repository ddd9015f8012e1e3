"""A guard against a full dump that silently came back short.

The CRM returns a full dump every call, so today's dump should hold at least about as many
rows as yesterday's. A dump with far fewer rows (a half-loaded CRM page, a filter switched
on by mistake) must not replace good data.
"""

from __future__ import annotations


class ShrunkDumpError(ValueError):
    """Today's full dump is much smaller than the last one loaded; the message says by how much."""


def check_not_shrunk(label: str, rows: int, previous_rows: int | None, min_ratio: float) -> None:
    """Raise when `rows` is below `min_ratio` x the last good load (no previous load: nothing to compare)."""
    if not previous_rows or min_ratio <= 0:
        return
    if rows < previous_rows * min_ratio:
        raise ShrunkDumpError(
            f"{label} has {rows:,} rows, but the last one loaded had {previous_rows:,} "
            f"({rows / previous_rows:.0%} of it; the limit is {min_ratio:.0%}). A full dump should not shrink "
            "like this, so yesterday's table is kept. If the drop is real (records were deleted in the CRM), "
            "lower CRM_MIN_ROWS_RATIO for one run, or set it to 0."
        )
