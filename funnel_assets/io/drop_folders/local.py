"""A drop folder on a local or shared disk (FUNNEL_ZOOM_DROP_DIR a folder's path): the ops person drops the
reports straight into the working folder, so there is nothing to bring in, and the reason a file was not loaded
is the note beside it in `rejected/` (see `base.py` for the folder, its links and the two looks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from funnel_assets.io.drop_folders.base import (
    EventDropFolder,
    Glance,
    Intake,
    Log,
    Look,
    ReadyFile,
    first_names,
    steady,
)


class LocalDropFolder(EventDropFolder):
    """The drop folder for event reports: a local or shared folder (FUNNEL_ZOOM_DROP_DIR)."""

    cursor_key: ClassVar[str] = "looks"
    run_key_prefix: ClassVar[str] = "zoom-"

    def glance(self, earlier: Mapping[str, list], log: Log) -> Glance:
        """A file is ready when this look sees it with the same size and modification time as the previous one did
        (by name): one still being copied grows in between, whatever its age. Links are never read, with a warning."""
        looks = self.looks()
        ready = steady({self.path / name: Look(*look) for name, look in earlier.items()}, looks)
        for link in self.links():
            log.warning(f"{link} is a link, not a file, and will not be read: remove it and drop the report itself.")
        arriving = [] if ready else self.still_arriving()
        reason = (
            f"{len(arriving)} file(s) still arriving (new, or changed since the last look; looked at again next tick)"
            if arriving
            else "no Zoom files waiting"
        )
        return Glance(
            seen={path.name: [look.size, look.mtime_ns] for path, look in looks.items()},
            ready=[ReadyFile(path.name, f"{path.name}:{looks[path].size}:{looks[path].mtime_ns}") for path in ready],
            nothing_ready=f"{reason} in {self.path}",
            already_started=f"a run was already started for the {len(ready)} waiting file(s)",
            starting=f"{len(ready)} Zoom file(s) to load: {first_names([path.name for path in ready])}",
        )

    def take_in(self) -> Intake:
        """Nothing to bring in: the reports are dropped into the working folder itself."""
        return Intake()
