"""The editable mapping CSVs in FUNNEL_MAPPINGS_DIR (default `mappings/`)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from funnel_assets.io.sources.csv_reading import read_csv_text
from funnel_assets.lib.form_responses import REQUIRED_DECLARATION, read_form_declarations
from funnel_assets.lib.funnel_mapping import MappingError, clean_funnel_mapping, respelled_funnels
from funnel_assets.lib.zoom_events import EventMappings

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
        table = read_csv_text(path, label=f"mappings/{file_name}")
        unreadable = table.set_aside
        if unreadable:
            # a mapping is a handful of rows a person typed: a stray control character is a broken save, not data
            raise MappingError(
                f"mappings/{file_name}: {sum(unreadable.values())} cell(s) in column(s) {', '.join(unreadable)} "
                "hold an "
                "invisible control character (such as a NUL byte), so the file cannot be trusted as saved. Open it in "
                "a spreadsheet program, retype those cells and save it again as CSV."
            )
        # the mapping rules stay pandas this round
        frame = table.frame.to_pandas().rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
        missing = [c for c in required_columns if c not in frame.columns]
        if missing:
            raise MappingError(
                f"mappings/{file_name}: the first row must name the columns {', '.join(required_columns)} "
                f"(missing: {', '.join(missing)})."
            )
        return frame

    def funnel_mapping(self) -> pd.DataFrame:
        """The funnel mapping; a funnel typed like another but for case or spaces counts as that one, with a warning."""
        mapping = clean_funnel_mapping(self.read("funnel_mapping.csv"), label="mappings/funnel_mapping.csv")
        for typed, counted in respelled_funnels(mapping).items():
            dg.get_dagster_logger().warning(
                f"mappings/funnel_mapping.csv: the funnel '{typed}' differs from '{counted}' "
                "only in capitals or spaces, "
                f"so its sources count under '{counted}' (a funnel is never split by a typo). Correct the spelling in "
                "the file to make this warning go away."
            )
        return mapping

    def registration_forms(self) -> pd.DataFrame:
        """The forms declared once each (mappings/registration_forms.csv), whose responses load as registrations."""
        return read_form_declarations(self.read("registration_forms.csv", REQUIRED_DECLARATION, optional=True))

    def event_mappings(self) -> EventMappings:
        return EventMappings(
            **{
                name: self.read(file_name, columns, optional=True)
                for name, (file_name, columns) in EVENT_MAPPING_FILES.items()
            }
        )
