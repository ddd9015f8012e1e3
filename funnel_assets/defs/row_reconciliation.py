"""Every input row accounted for: the figures each source's step records in its materialisation's
metadata, which the `reconciliation` asset (defs/reporting) collects into one table."""

from __future__ import annotations

from typing import Any

import dagster as dg

from funnel_assets.io.sources.csv_reading import CsvTable

# the metadata entry a source's step records and the reconciliation table reads back
RECONCILIATION_METADATA = "reconciliation"


def reconciliation_metadata(read: int | CsvTable, rows_loaded: int, **issues: int) -> dict[str, Any]:
    """How many rows were read, how many landed, and why any was set aside or kept with a gap. Issue names
    are written for a person (`__` becomes `: `, `_` a space). Given the source table as read (a `CsvTable`), the
    values it set aside (a control character in them) are counted too, by column."""
    counted = {name.replace("__", ": ").replace("_", " "): int(n) for name, n in issues.items() if n}
    if isinstance(read, CsvTable):
        for column, n in read.set_aside.items():
            counted[f"kept with value empty: control character in {column}"] = n
    rows_read = len(read) if isinstance(read, CsvTable) else read
    return {
        RECONCILIATION_METADATA: dg.MetadataValue.json(
            {"rows_read": int(rows_read), "rows_loaded": int(rows_loaded), "issues": counted}
        )
    }
