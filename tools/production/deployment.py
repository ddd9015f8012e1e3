"""docker-compose.yml and the Dockerfile, read the way Docker reads them, and turned into what a local
process needs: its command, its environment, its folders.

Nothing here starts anything; `tools/production_check.py` does, and
`funnel_assets_tests/test_deploy_agreement.py` compares these readings with the files.

What changes from the containers to local processes, and only this:
- a compose service name used as a host (`postgres`, `user_code`) becomes 127.0.0.1;
- a port a service listens on (`-p 4000`, `-p 3000`) becomes a free local port, and `-h 0.0.0.0`
  becomes `-h 127.0.0.1` (nothing is opened beyond this machine);
- a path inside a container becomes a folder on this machine: a mounted path the mount's source
  (a named volume a temporary folder), anything else a folder of that service's own (each container
  has a file system of its own), where the Dockerfile's files (`COPY` of a single file) are put.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
LOCAL_HOST = "127.0.0.1"
HOST_OPTIONS = ("-h", "--host")
PORT_OPTIONS = ("-p", "--port")
WORKSPACE_OPTIONS = ("-w", "--workspace")


class DeploymentError(ValueError):
    """The deployment files disagree with each other, or cannot be read as Docker would."""


# -- compose's variable substitution (https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/)

_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.S)


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `$VAR`, `$$`."""

    def substitute(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("named"):
            return variables.get(match.group("named"), "")
        braced = _BRACED.fullmatch(match.group("braced"))
        if not braced:
            raise DeploymentError(f"invalid substitution ${{{match.group('braced')}}}")
        name, op, arg = braced.group("name"), braced.group("op"), braced.group("arg") or ""
        value = variables.get(name)
        missing = value is None or (op is not None and op.startswith(":") and value == "")
        if op is None:
            return value or ""
        if op.endswith("-"):
            return arg if missing else value
        if op.endswith("?"):
            if missing:
                raise DeploymentError(f"{name} is required: {arg}")
            return value
        return "" if missing else arg  # +

    return _VARIABLE.sub(substitute, text)


def _interpolate_all(node, variables: Mapping[str, str]):
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [_interpolate_all(item, variables) for item in node]
    if isinstance(node, dict):
        return {key: _interpolate_all(value, variables) for key, value in node.items()}
    return node


def read_compose(variables: Mapping[str, str] | None = None, path: Path = COMPOSE_FILE) -> dict:
    """The compose file with its anchors merged; with `variables` (the .env), every `${...}` resolved."""
    compose = yaml.safe_load(path.read_text())
    if variables is None:
        return compose
    return {**compose, "services": _interpolate_all(compose["services"], variables)}


def compose_variables(path: Path = COMPOSE_FILE) -> set[str]:
    """Every variable the compose file substitutes."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", path.read_text()))


def service_command(service: Mapping) -> list[str]:
    command = service.get("command")
    if command is None:
        return []
    return list(map(str, command)) if isinstance(command, list) else shlex.split(command)


def option_value(argv: list[str], options: Iterable[str]) -> str | None:
    options = tuple(options)
    for i, arg in enumerate(argv[:-1]):
        if arg in options:
            return argv[i + 1]
    return None


def listening_port(argv: list[str]) -> int | None:
    value = option_value(argv, PORT_OPTIONS)
    return int(value) if value is not None else None


def local_command(argv: list[str], port: int | None) -> list[str]:
    """The same command, bound to 127.0.0.1 and to `port` instead of the container's port."""
    local = list(argv)
    for i, arg in enumerate(argv[:-1]):
        if arg in HOST_OPTIONS:
            local[i + 1] = LOCAL_HOST
        elif arg in PORT_OPTIONS:
            if port is None:
                raise DeploymentError(f"{' '.join(argv)} listens on a port, and no local port was given for it")
            local[i + 1] = str(port)
    return local


def image_services(compose: Mapping) -> list[str]:
    """The services that run the project's image (built from the Dockerfile, or that image by name)."""
    services = compose["services"]
    built = {service.get("image") for service in services.values() if "build" in service}
    return [name for name, service in services.items() if "build" in service or service.get("image") in built]


def local_commands(compose: Mapping, ports: Mapping[str, int]) -> dict[str, list[str]]:
    """Each image service's command as compose gives it, on 127.0.0.1 and its local port (`ports[service]`)."""
    commands = {}
    for name in image_services(compose):
        argv = service_command(compose["services"][name])
        if not argv:
            raise DeploymentError(f"service {name} has no command")
        commands[name] = local_command(argv, ports.get(name) if listening_port(argv) is not None else None)
    return commands


def compose_environment(service: Mapping) -> dict[str, str]:
    """A service's `environment` (mapping or list form); a name without a value passes nothing here."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        pairs = [item.split("=", 1) if "=" in item else (item, None) for item in environment]
    else:
        pairs = list(environment.items())
    return {str(key): ("" if value is None else str(value)) for key, value in pairs if value is not None}


# -- the Dockerfile


@dataclass
class Image:
    """What the Dockerfile puts in the image: its ENV, WORKDIR, files, RUN commands and user."""

    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    # (sources relative to the build context, absolute destination in the image)
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    user: str = "root"

    def expand(self, text: str, args: Mapping[str, str] | None = None) -> str:
        known = {**(args or {}), **self.env}
        return re.sub(
            r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))",
            lambda m: known.get(m.group(1) or m.group(2), ""),
            text,
        )

    def absolute(self, path: str) -> str:
        return str(PurePosixPath(self.workdir) / path) if not path.startswith("/") else str(PurePosixPath(path))

    def created_folders(self) -> list[str]:
        """Folders a `RUN ... mkdir -p` makes."""
        folders = []
        for run in self.runs:
            for match in re.finditer(r"mkdir\s+-p\s+([^&;|]+)", run):
                folders += [self.absolute(self.expand(part)) for part in shlex.split(match.group(1))]
        return folders

    def home(self) -> str:
        return "/root" if self.user in ("root", "0") else f"/home/{self.user}"


def _logical_lines(text: str) -> list[str]:
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current)
    return lines


def read_dockerfile(path: Path = DOCKERFILE) -> Image:
    image, args = Image(), {}
    for line in _logical_lines(path.read_text()):
        instruction, _, rest = line.partition(" ")
        instruction, rest = instruction.upper(), rest.strip()
        if instruction == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default
        elif instruction == "ENV":
            parts = shlex.split(rest)
            if parts and "=" not in parts[0]:  # the legacy form: ENV NAME value
                image.env[parts[0]] = image.expand(" ".join(parts[1:]), args)
            for part in parts:
                if "=" in part:
                    name, _, value = part.partition("=")
                    image.env[name] = image.expand(value, args)
        elif instruction == "WORKDIR":
            image.workdir = image.absolute(image.expand(rest, args))
        elif instruction in ("COPY", "ADD"):
            parts = [part for part in shlex.split(rest) if not part.startswith("--")]
            destination = image.expand(parts[-1], args)
            absolute = image.absolute(destination)
            if destination.endswith("/") or destination in (".", "./"):
                absolute = absolute.rstrip("/") + "/"
            image.copies.append((parts[:-1], absolute))
        elif instruction == "RUN":
            image.runs.append(image.expand(rest, args))
        elif instruction == "USER":
            image.user = rest.split(":")[0]
    return image


def pip_installs(image: Image) -> list[list[str]]:
    """Every `pip install ...` the Dockerfile runs, as its arguments."""
    installs = []
    for run in image.runs:
        for command in re.split(r"&&|;", run):
            words = shlex.split(command)
            if "pip" in [PurePosixPath(w).name for w in words[:3]] and "install" in words:
                installs.append(words[words.index("install") + 1 :])
    return installs


# -- mounts and each container's file system


@dataclass(frozen=True)
class Mount:
    source: str  # a host path as compose resolves it (relative to the compose file), or a named volume
    target: str
    read_only: bool
    named_volume: bool


def service_mounts(service: Mapping) -> list[Mount]:
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = str(volume.get("source", "")), str(volume["target"])
            read_only, named = bool(volume.get("read_only")), volume.get("type", "volume") == "volume"
        else:
            parts = str(volume).split(":")
            source, target = parts[0], parts[1]
            read_only = len(parts) > 2 and "ro" in parts[2].split(",")
            named = not source.startswith((".", "/", "~"))
        mounts.append(Mount(source, target, read_only, named))
    return mounts


class ContainerFiles:
    """Where a container's paths are on this machine: its mounts' sources, else a folder of its own."""

    def __init__(self, root: Path, mounts: Mapping[str, Path]):
        self.root = root
        # container path -> host folder, longest first so that a nested mount wins
        self.mounts = dict(sorted(mounts.items(), key=lambda item: -len(item[0])))

    def host_path(self, container_path: str) -> Path:
        path = str(PurePosixPath(container_path))
        for target, source in self.mounts.items():
            if path == target or path.startswith(target.rstrip("/") + "/"):
                return source / path[len(target) :].lstrip("/")
        return self.root / path.lstrip("/")

    def install_image_files(self, image: Image, context: Path = ROOT) -> list[Path]:
        """The Dockerfile's single-file COPYs (configuration: dagster.yaml, workspace.yaml, ...) and its folders.

        Folders copied whole (the package, the sample data) are not copied: the project's virtual
        environment provides the package."""
        for folder in [image.workdir, *image.created_folders()]:
            self.host_path(folder).mkdir(parents=True, exist_ok=True)
        self.host_path(image.home()).mkdir(parents=True, exist_ok=True)
        placed = []
        for sources, destination in image.copies:
            for source in sources:
                local = context / source
                if not local.is_file():
                    continue
                target = destination + local.name if destination.endswith("/") else destination
                host = self.host_path(target)
                host.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(local, host)
                placed.append(host)
        return placed

    def translate(self, value: str) -> str:
        """An environment value that is a path inside the container, as the path on this machine."""
        return str(self.host_path(value)) if value.startswith("/") else value


def local_environment(
    service_name: str, compose: Mapping, image: Image | None, files: ContainerFiles, base: Mapping[str, str]
) -> dict[str, str]:
    """A service's environment: the image's ENV, then compose's `environment` (which wins, as in Docker),
    each container path translated to this machine and each service name used as a host to 127.0.0.1."""
    env = dict(base)
    if image is not None:
        env.update({key: files.translate(value) for key, value in image.env.items()})
    services = compose["services"]
    for key, value in compose_environment(services[service_name]).items():
        env[key] = LOCAL_HOST if value in services else files.translate(value)
    return env


def local_workspace(workspace: Mapping, compose: Mapping, ports: Mapping[str, int]) -> dict:
    """workspace.yaml for local processes: each gRPC server on 127.0.0.1 and its service's local port.

    The workspace must reach a service by its compose name and the port that service's command listens on."""
    services = compose["services"]
    local = yaml.safe_load(yaml.safe_dump(workspace))
    for entry in local.get("load_from", []):
        grpc = entry.get("grpc_server")
        if grpc is None:
            continue
        host, port = grpc["host"], int(grpc["port"])
        if host not in services:
            raise DeploymentError(f"workspace.yaml reaches {host}:{port}, which is no service of docker-compose.yml")
        listening = listening_port(service_command(services[host]))
        if listening != port:
            raise DeploymentError(f"workspace.yaml reaches {host}:{port}, but {host}'s command listens on {listening}")
        grpc["host"], grpc["port"] = LOCAL_HOST, ports[host]
    return local
