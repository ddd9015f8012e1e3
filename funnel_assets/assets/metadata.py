"""What every asset shows in the Dagster UI about the table it wrote."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd

from funnel_assets.resources.warehouse import column_kind

PREVIEW_ROWS = 10


def table_metadata(frame: pd.DataFrame, **extra: Any) -> dict[str, Any]:
    """Row count, column types and a preview of the first rows, plus any extra figures."""
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name=str(c), type=column_kind(frame[c])) for c in frame.columns]
    )
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": schema,
        "preview": dg.MetadataValue.md(frame.head(PREVIEW_ROWS).to_markdown(index=False)),
        **extra,
    }


def reconciliation(rows_read: int, rows_loaded: int, **issues: int) -> dict[str, Any]:
    """Every input row accounted for: how many were read, how many landed, and why any was set aside or kept
    with a gap. Issue names are written for a person (underscores become spaces); the `reconciliation`
    table collects these from every source."""
    counted = {name.replace("__", ": ").replace("_", " "): int(n) for name, n in issues.items() if n}
    return {"reconciliation": dg.MetadataValue.json({"rows_read": int(rows_read), "rows_loaded": int(rows_loaded), "issues": counted})}
