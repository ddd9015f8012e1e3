"""Files dropped in a local drop folder as the ops person leaves them, and the folder as the definitions make it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from funnel_assets.io.drop_folders import PARSED, LocalDropFolder
from funnel_assets.settings import Settings


def parsed_dir():
    """Where the drop folder keeps parsed reports: FUNNEL_DATA_DIR/zoom_parsed (the tests' own data folder)."""
    return Settings.from_env().data_dir / PARSED


def local_drop_folder(drop_dir: Path, **options) -> LocalDropFolder:
    """The local drop folder as the definitions make it: its parsed reports kept in FUNNEL_DATA_DIR/zoom_parsed."""
    return LocalDropFolder(directory=str(drop_dir), parsed_directory=str(parsed_dir()), **options)


def drop(folder: Path, name: str, content: str | bytes, *, age_seconds: float = 120) -> Path:
    """A file as the ops person leaves it, finished copying `age_seconds` ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))
    return path
