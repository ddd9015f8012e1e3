"""The drop folder the event reports arrive in (FUNNEL_ZOOM_DROP_DIR): one interface, one implementation per kind.

    base.py    EventDropFolder, what every drop folder does: the sensor's look (`glance`), bringing the ready
               reports into the working folder (`take_in`), and the working folder itself, shared by every kind
               (judging, archive, rejected files, ledger, reports kept as parsed, links never followed)
    local.py   LocalDropFolder: a local or shared folder, its own working folder (the default)
    drive.py   DriveDropFolder: a Google Drive folder, copied into a working folder under FUNNEL_DATA_DIR

The asset and the sensor (defs/events/) see only EventDropFolder; `defs/resources.py` (`zoom_drop_folder`) is the one
place that picks the kind, from the settings. A new kind is a subclass implementing `glance` and `take_in`, added to
the contract test (funnel_assets_tests/test_drop_folder_contract.py).
"""

from funnel_assets.io.drop_folders.base import (
    PARSED,
    DropFolderError,
    EventDropFolder,
    Glance,
    Intake,
    ReadyFile,
    Told,
    hidden_name,
)
from funnel_assets.io.drop_folders.drive import DriveDropFolder
from funnel_assets.io.drop_folders.local import LocalDropFolder

__all__ = [
    "PARSED",
    "DriveDropFolder",
    "DropFolderError",
    "EventDropFolder",
    "Glance",
    "Intake",
    "LocalDropFolder",
    "ReadyFile",
    "Told",
    "hidden_name",
]
