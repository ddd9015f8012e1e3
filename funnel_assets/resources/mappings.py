"""The editable mapping CSVs in FUNNEL_MAPPINGS_DIR (default `mappings/`)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.lib.funnel_mapping import clean_funnel_mapping
from funnel_assets.settings import mappings_dir
from funnel_assets.sources.tabular import read_csv_text


class Mappings(dg.ConfigurableResource):
    """The folder of mapping CSVs the ops person edits in a spreadsheet program."""

    directory: str = Field(
        default_factory=lambda: str(mappings_dir()), description="Folder of mapping CSVs (FUNNEL_MAPPINGS_DIR)."
    )

    def read(self, file_name: str) -> pd.DataFrame:
        """One mapping file, every cell as text (BOM, semicolons and blank rows tolerated)."""
        return read_csv_text(Path(self.directory) / file_name, label=f"mappings/{file_name}")

    def funnel_mapping(self) -> pd.DataFrame:
        return clean_funnel_mapping(self.read("funnel_mapping.csv"), label="mappings/funnel_mapping.csv")
