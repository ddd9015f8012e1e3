"""The services as local processes: each in a process group of its own, stopped as a group (SIGTERM,
then SIGKILL), and nothing left behind: no process of the group, none working in the check's folders,
no port still taken."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def port_answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _processes() -> Iterable[tuple[int, int]]:
    """(pid, process group) of every process on the machine."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: the fields start after the last ')'
        fields = stat.rsplit(")", 1)[1].split()
        yield int(entry.name), int(fields[2])


def processes_in_groups(groups: Iterable[int]) -> list[int]:
    groups = set(groups)
    return [pid for pid, group in _processes() if group in groups and pid != os.getpid()]


def processes_working_in(folder: Path) -> list[int]:
    """Processes whose working folder is inside `folder` (a run started by a service keeps its folder)."""
    found, prefix = [], str(folder.resolve())
    for pid, _ in _processes():
        if pid == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd == prefix or cwd.startswith(prefix + "/"):
            found.append(pid)
    return found


class Service:
    """One compose service as a local process, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], cwd: Path, log: Path):
        self.name, self.argv, self.env, self.cwd, self.log = name, argv, dict(env), cwd, log
        self.process: subprocess.Popen | None = None
        self.groups: list[int] = []  # every process group this service has had (restarts included)

    def start(self) -> None:
        executable = shutil.which(self.argv[0], path=self.env.get("PATH"))
        if executable is None:
            raise RuntimeError(f"{self.name}: `{self.argv[0]}` is not on the service's PATH ({self.env.get('PATH')})")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n==== {time.strftime('%H:%M:%S')} {' '.join(self.argv)}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [executable, *self.argv[1:]],
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the runs it starts are stopped with it
            )
        self.groups.append(self.process.pid)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace_seconds: float = 15.0) -> None:
        """SIGTERM to the whole group, SIGKILL to whatever is left after `grace_seconds`."""
        if self.process is None:
            return
        group = self.process.pid
        _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline and (self.process.poll() is None or processes_in_groups([group])):
            time.sleep(0.2)
        if self.process.poll() is None or processes_in_groups([group]):
            _signal_group(group, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.process = None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def kill_leftovers(groups: Iterable[int], folder: Path) -> list[int]:
    """SIGKILL to any process still in one of `groups` or working in `folder`; the ones found."""
    found = sorted(set(processes_in_groups(groups)) | set(processes_working_in(folder)))
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return found
