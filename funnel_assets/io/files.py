"""Every file the project writes goes through here: no link is followed anywhere in the path.

The data folder, the exports and the drop folder are shared with people, so anyone on a share may
leave a symbolic link where the pipeline is about to write (`exports/spend_by_funnel.csv.part`,
`data/landing/<today>`): a write through it would overwrite whatever the link points at. So every
folder on the way is opened from the root of the file system without following a link
(O_NOFOLLOW | O_DIRECTORY), missing folders are made inside the folder just opened, and a file is
written new under a random hidden name (O_CREAT | O_EXCL | O_NOFOLLOW), then renamed into place,
which replaces an entry and never writes through it (or, where a name must never be replaced, hard-linked
into place). A reader therefore never sees half a file, and a write that fails (a full disk says only
"No space left on device") is reported naming its file, in plain words.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

# most file systems allow 255 bytes per name; room is left for the suffixes the project adds
# (`<hash>__` before an archived report, `.reason.txt` after a rejected one)
MAX_NAME_BYTES = 150
_UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f/\\]")


class UnsafePathError(OSError):
    """A link (or something that is not a folder) stands where the project writes; nothing was written."""

    def __str__(self) -> str:
        return self.strerror  # the message in words, without "[Errno 40]"


def _refusal(path: Path) -> UnsafePathError:
    return UnsafePathError(
        errno.ELOOP,
        f"{path} is a link (or not a plain file or folder), so nothing was written there: the pipeline never "
        "writes through links. Ask whoever looks after the server to remove it; the next run then carries on.",
        str(path),
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


# errors of a write that carry no file name (a full disk says only "No space left on device"), in plain words
_PLAIN_REASONS = {
    errno.ENOSPC: "the disk holding it is full",
    errno.EDQUOT: "the disk quota of the account running the pipeline is used up",
    errno.EFBIG: "the file grew larger than the disk allows",
    errno.EROFS: "the disk holding it is read-only",
    errno.EACCES: "the pipeline is not allowed to write there",
    errno.EPERM: "the pipeline is not allowed to write there",
    errno.EIO: "the disk reported an input/output error",
}

# Tests only: called with ("folder" | "file", path) for each folder opened to write in and each file written.
watchers: list[Callable[[str, Path], None]] = []
# folder descriptors open_folder has handed out -> their paths (for write_in's messages and the watchers)
_open_folders: dict[int, Path] = {}


def plain_reason(exc: OSError) -> str:
    """Why a write failed, in words an ops person understands (no path: the caller names the file)."""
    if isinstance(exc, UnsafePathError):
        return "a link (or something that is not a plain file or folder) stands in the way"
    return _PLAIN_REASONS.get(exc.errno, exc.strerror or exc.__class__.__name__)


def _note(kind: str, path: Path) -> None:
    for watcher in watchers:
        watcher(kind, path)


def _components(path: Path) -> list[str]:
    absolute = Path(os.path.abspath(path))
    return [part for part in absolute.parts[1:] if part]


def _open_folder_descriptor(path: Path, create: bool) -> int:
    folder = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    reached = Path("/")
    try:
        for part in _components(path):
            reached = reached / part
            try:
                try:
                    inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
                except FileNotFoundError:
                    if not create:
                        raise
                    try:
                        os.mkdir(part, 0o755, dir_fd=folder)
                    except FileExistsError:
                        pass  # made meanwhile (or a dangling link): opened below, and refused if it is a link
                    inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _refusal(reached) from None
                raise
            os.close(folder)
            folder = inner
    except BaseException:
        os.close(folder)
        raise
    return folder


@contextmanager
def open_folder(path: str | Path, *, create: bool = True) -> Iterator[int]:
    """A descriptor of the folder `path`, every component opened without following a link (made if
    missing and `create`). Everything written inside through this descriptor stays inside."""
    path = Path(path)
    folder = _open_folder_descriptor(path, create)
    _open_folders[folder] = path
    if create:
        _note("folder", path)
    try:
        yield folder
    finally:
        _open_folders.pop(folder, None)
        os.close(folder)


def make_folder(path: str | Path) -> Path:
    """`mkdir -p` that never follows a link; the folder, as given."""
    with open_folder(path):
        return Path(path)


def refuse_link(path: str | Path) -> None:
    """For a file another program writes by its name (SQLite's): UnsafePathError unless `path` is a plain file
    or nothing, its folders opened without following a link."""
    path = Path(path)
    with open_folder(path.parent, create=False) as folder:
        status = _entry_status(folder, path.name)
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise _refusal(path)
    _note("file", path)


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


# a file system that cannot make hard links (some network shares) says so with one of these
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK})


def _publish(folder: int, temporary: str, name: str, path: Path, replace: bool) -> None:
    """Give the finished temporary file its name: a rename replaces an earlier plain file (`replace`), a hard
    link never replaces anything (FileExistsError when the name is taken, by a link or a file alike)."""
    existing = _entry_status(folder, name)
    if replace:
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise _refusal(path)  # a link at the name is reported, not silently replaced
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    else:
        if existing is not None:
            raise FileExistsError(errno.EEXIST, "a file or link already has this name", str(path))
        try:
            os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        else:
            os.unlink(temporary, dir_fd=folder)
    try:
        os.fsync(folder)  # the new name survives a power cut as the content does
    except OSError:
        pass  # some file systems cannot sync a folder; the rename itself is done
    _note("file", path)


@contextmanager
def _writing_in(
    folder: int, name: str, path: Path, mode: str, encoding: str | None, newline: str | None, replace: bool
) -> Iterator[IO]:
    if mode not in ("wb", "w"):
        raise ValueError(f"files.writing writes a whole file ('wb' or 'w'), not {mode!r}")
    if name in ("", ".", "..") or "/" in name:
        raise ValueError(f"{path} does not name a file")
    existing = _entry_status(folder, name)
    if existing is not None and not replace:
        raise FileExistsError(errno.EEXIST, "a file or link already has this name", str(path))
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise _refusal(path)
    temporary, descriptor = _new_hidden_file(folder)
    try:
        with os.fdopen(descriptor, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _publish(folder, temporary, name, path, replace)
    except BaseException as exc:
        with suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=folder)
        if isinstance(exc, OSError) and exc.errno in _PLAIN_REASONS and exc.filename is None:
            # "[Errno 28] No space left on device" alone names no file: say which one
            raise OSError(exc.errno, f"{exc.strerror or exc} ({plain_reason(exc)})", str(path)) from exc
        raise


@contextmanager
def writing(
    path: str | Path, mode: str = "wb", *, encoding: str | None = None, newline: str | None = None, replace: bool = True
) -> Iterator[IO]:
    """Write `path` whole or not at all: a new hidden file in the same folder, given the name when the block
    ends without an error (and removed when it does not). Anything but a plain file at the name is refused, a
    link included. Without `replace`, an existing file is never replaced (FileExistsError)."""
    path = Path(path)
    with (
        open_folder(path.parent) as folder,
        _writing_in(folder, path.name, path, mode, encoding, newline, replace) as handle,
    ):
        yield handle


def write_bytes(path: str | Path, content: bytes, *, replace: bool = True) -> Path:
    with writing(path, replace=replace) as handle:
        handle.write(content)
    return Path(path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8", *, replace: bool = True) -> Path:
    return write_bytes(path, text.encode(encoding), replace=replace)


def write_in(folder: int, name: str, content: bytes, *, replace: bool = True) -> Path:
    """`write_bytes` of the file `name` in a folder already opened with `open_folder`; its path."""
    path = _open_folders.get(folder, Path(f"(folder {folder})")) / name
    with _writing_in(folder, name, path, "wb", None, None, replace) as handle:
        handle.write(content)
    return path


def copy_file(source: str | Path, target: str | Path, chunk_bytes: int = 1 << 20) -> Path:
    """Copy a plain file (never a link, never a pipe that would hang the step) into `target`, whole or not at all."""
    not_copied = UnsafePathError(
        errno.ELOOP,
        f"{source} is a link (or not a plain file), so it was not copied: the pipeline never reads a file through "
        "a link. Point the setting at the file itself.",
    )
    try:
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise not_copied from None
        raise
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise not_copied
        with writing(target) as out:
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
            raise (
                _refusal(source) if moving is not None else FileNotFoundError(errno.ENOENT, "no such file", str(source))
            )
        existing = _entry_status(target_folder, target.name)
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise _refusal(target)
        os.replace(source.name, target.name, src_dir_fd=source_folder, dst_dir_fd=target_folder)
        _note("file", target)
    return target
