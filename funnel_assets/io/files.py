"""Every file the project writes goes through here: no link is followed anywhere in the path.

The data folder, the exports and the drop folder are shared with people, so anyone on a share may
leave a symbolic link where the pipeline is about to write (`exports/spend_by_funnel.csv.part`,
`data/landing/<today>`): a write through it would overwrite whatever the link points at. So every
folder on the way is opened from the root of the file system without following a link
(O_NOFOLLOW | O_DIRECTORY), missing folders are made inside the folder just opened, and a file is
written new under a random hidden name (O_CREAT | O_EXCL | O_NOFOLLOW), then renamed into place,
which replaces an entry and never writes through it. A reader therefore never sees half a file.

The configured folders themselves are resolved once, when the settings are read (an administrator
may point `FUNNEL_DATA_DIR` through a link on purpose); below them nothing is followed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# most file systems allow 255 bytes per name; room is left for the suffixes the project adds
# (`<hash>__` before an archived report, `.reason.txt` after a rejected one)
MAX_NAME_BYTES = 150
_UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f/\\]")


class UnsafePathError(OSError):
    """A link (or something that is not a folder) stands where the project writes; nothing was written."""


def _refusal(path: Path) -> UnsafePathError:
    return UnsafePathError(
        errno.ELOOP,
        f"{path} is a link (or not a plain file or folder), so nothing was written there: the pipeline never "
        "writes through links. Ask whoever looks after the server to remove it; the next run then carries on.",
    )


def safe_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that can be written in one folder: no separators or control characters, at most
    `max_bytes` bytes in UTF-8 (a longer one keeps its start and its suffix, with a short digest of the
    whole name between them, so two long names never become one)."""
    cleaned = _UNSAFE_NAME_CHARACTERS.sub("_", unicodedata.normalize("NFC", name)).strip() or "file"
    if cleaned in (".", ".."):
        cleaned = "file"
    if len(cleaned.encode("utf-8")) <= max_bytes:
        return cleaned
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    suffix = Path(cleaned).suffix if len(Path(cleaned).suffix.encode("utf-8")) <= 16 else ""
    room = max_bytes - len(suffix.encode("utf-8")) - len(digest) - 1
    start = cleaned.encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{start}~{digest}{suffix}"


def _components(path: Path) -> list[str]:
    absolute = Path(os.path.abspath(path))
    return [part for part in absolute.parts[1:] if part]


@contextmanager
def open_folder(path: str | Path, *, create: bool = True) -> Iterator[int]:
    """A descriptor of the folder `path`, every component opened without following a link (made if
    missing and `create`). Everything written inside through this descriptor stays inside."""
    path = Path(path)
    folder = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    reached = Path("/")
    try:
        for part in _components(path):
            reached = reached / part
            try:
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(part, 0o755, dir_fd=folder)
                except FileExistsError:
                    pass  # made meanwhile: opened below, and refused if it is a link
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _refusal(reached) from None
                raise
            os.close(folder)
            folder = inner
        yield folder
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and not isinstance(exc, UnsafePathError):
            raise _refusal(path) from None
        raise
    finally:
        os.close(folder)


def make_folder(path: str | Path) -> Path:
    """`mkdir -p` that never follows a link; the folder, as given."""
    with open_folder(path):
        return Path(path)


def _entry_status(folder: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _new_hidden_file(folder: int) -> tuple[str, int]:
    for _ in range(100):
        name = f".{secrets.token_hex(8)}.part"
        try:
            return name, os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=folder)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a temporary file: 100 new names were all taken")


@contextmanager
def writing(path: str | Path, mode: str = "wb", *, encoding: str | None = None, newline: str | None = None) -> Iterator[IO]:
    """Write `path` whole or not at all: a new hidden file in the same folder, renamed into place when the
    block ends without an error (and removed when it does not). Anything but a plain file at the name is
    refused, a link included."""
    if mode not in ("wb", "w"):
        raise ValueError(f"files.writing writes a whole file ('wb' or 'w'), not {mode!r}")
    path = Path(path)
    with open_folder(path.parent) as folder:
        existing = _entry_status(folder, path.name)
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise _refusal(path)
        temporary, descriptor = _new_hidden_file(folder)
        try:
            with os.fdopen(descriptor, mode, encoding=encoding, newline=newline) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            existing = _entry_status(folder, path.name)
            if existing is not None and not stat.S_ISREG(existing.st_mode):
                raise _refusal(path)  # a link slipped in while the file was being written
            os.replace(temporary, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=folder)
            except FileNotFoundError:
                pass
            raise


def write_bytes(path: str | Path, content: bytes) -> Path:
    with writing(path) as handle:
        handle.write(content)
    return Path(path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))


def copy_file(source: str | Path, target: str | Path, chunk_bytes: int = 1 << 20) -> Path:
    """Copy a plain file (never a link) into `target`, whole or not at all."""
    descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as handle, writing(target) as out:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise _refusal(Path(source))
        while chunk := handle.read(chunk_bytes):
            out.write(chunk)
    return Path(target)


def move(source: str | Path, target: str | Path) -> Path:
    """Rename a plain file into `target` (another folder maybe, same file system): the entry moves, nothing
    is written through a link at either end."""
    source, target = Path(source), Path(target)
    with open_folder(source.parent, create=False) as source_folder, open_folder(target.parent) as target_folder:
        moving = _entry_status(source_folder, source.name)
        if moving is None or not stat.S_ISREG(moving.st_mode):
            raise _refusal(source) if moving is not None else FileNotFoundError(errno.ENOENT, "no such file", str(source))
        existing = _entry_status(target_folder, target.name)
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise _refusal(target)
        os.replace(source.name, target.name, src_dir_fd=source_folder, dst_dir_fd=target_folder)
    return target
