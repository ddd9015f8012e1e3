"""The editable mapping CSVs in FUNNEL_MAPPINGS_DIR (default `mappings/`)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.lib.funnel_mapping import MappingError, clean_funnel_mapping
from funnel_assets.lib.zoom_events import EventMappings
from funnel_assets.io.sources.tabular import read_csv_text

# optional files, and the columns each must have
EVENT_MAPPING_FILES = {
    "category_tokens": ("category_tokens.csv", ("token", "category")),
    "conductors": ("conductors.csv", ("webinar_id", "conductor")),
    "conductor_aliases": ("conductor_aliases.csv", ("alias", "conductor")),
    "bootcamp_sessions": ("bootcamp_sessions.csv", ("event_id",)),
}


class Mappings(dg.ConfigurableResource):
    """The folder of mapping CSVs the ops person edits in a spreadsheet program."""

    directory: str = Field(description="Folder of mapping CSVs (FUNNEL_MAPPINGS_DIR).")

    def read(self, file_name: str, required_columns: tuple[str, ...] = (), *, optional: bool = False) -> pd.DataFrame:
        """One mapping file, every cell as text (BOM, semicolons and blank rows tolerated).

        Header names are matched ignoring case and spaces. An optional file that does not
        exist reads as empty.
        """
        path = Path(self.directory) / file_name
        if optional and not path.exists():
            return pd.DataFrame(columns=list(required_columns), dtype=object)
        frame = read_csv_text(path, label=f"mappings/{file_name}")
        frame = frame.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
        missing = [c for c in required_columns if c not in frame.columns]
        if missing:
            raise MappingError(
                f"mappings/{file_name}: the first row must name the columns {', '.join(required_columns)} "
                f"(missing: {', '.join(missing)})."
            )
        return frame

    def funnel_mapping(self) -> pd.DataFrame:
        return clean_funnel_mapping(self.read("funnel_mapping.csv"), label="mappings/funnel_mapping.csv")

    def event_mappings(self) -> EventMappings:
        return EventMappings(
            **{
                name: self.read(file_name, columns, optional=True)
                for name, (file_name, columns) in EVENT_MAPPING_FILES.items()
            }
        )
