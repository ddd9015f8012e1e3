"""The Dockerfile, docker-compose.yml, the locks and `make production-check` agree with each other.

`make production-check` runs the compose file's services as local processes; these tests make sure
that what it runs is what the image would run: the same locked packages, commands whose
executables and modules exist, the environment each service needs, and mounts where the image
points the code."""

from __future__ import annotations

import re
import shutil
import tomllib
from importlib import metadata, util
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from funnel_assets.settings import SECRETS, Settings
from tools import production_check
from tools.production import deployment
from tools.production.deployment import (
    DeploymentError,
    compose_environment,
    image_services,
    interpolate,
    listening_port,
    local_commands,
    local_workspace,
    pip_installs,
    read_compose,
    read_dockerfile,
    service_command,
    service_mounts,
)

ROOT = Path(__file__).resolve().parent.parent
LOCK, DEV_LOCK = ROOT / "requirements.lock", ROOT / "requirements-dev.lock"
# what a .env must give (the `${VAR:?...}` of the compose file); everything else has a default
REQUIRED = {"POSTGRES_PASSWORD": "su", "FUNNEL_LOADER_PASSWORD": "pw", "FUNNEL_BI_PASSWORD": "bi"}

# Variables the code reads that the code server deliberately does not get from compose, and why.
NOT_FROM_COMPOSE = {
    "FUNNEL_WAREHOUSE_URL": "the warehouse is given by its parts (FUNNEL_WAREHOUSE_HOST, _USER, _DB, _PASSWORD)",
    "FUNNEL_WAREHOUSE_PORT": "PostgreSQL listens on 5432 inside the compose network",
    "FUNNEL_WAREHOUSE_SCHEMA": "the init script creates schema `funnel` and grants it to funnel_bi: the default",
    "FUNNEL_EXPORT_DIR": "the CSV exports stay in the funnel_data volume (FUNNEL_DATA_DIR/exports, the default)",
}


def locked(path: Path) -> dict[str, list[tuple[str, frozenset[str], str]]]:
    """name -> [(version, hashes, environment marker)] of a lock written by `uv pip compile --generate-hashes`
    (a package may be pinned twice, under different markers)."""
    entries: dict[str, list] = {}
    current = None
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*\\?$", line)
        if match:
            current = [match.group(2), set(), (match.group(3) or "").strip()]
            entries.setdefault(canonicalize_name(match.group(1)), []).append(current)
        elif line.strip().startswith("--hash=sha256:") and current:
            current[1].add(line.strip().split(":", 1)[1].rstrip(" \\"))
        elif line.strip() and not line.lstrip().startswith("#"):
            pytest.fail(f"{path.name}: an entry that is not an exact pin: {line!r}")
    return {name: sorted((v, frozenset(h), m) for v, h, m in pins) for name, pins in entries.items()}


def is_pip(argument: str) -> bool:
    try:
        return canonicalize_name(Requirement(argument).name) == "pip"
    except InvalidRequirement:
        return False


def dependencies(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in (project["optional-dependencies"][extra] if extra else project["dependencies"])]


# -- the locks: one set of versions for make, CI and the image


def test_every_locked_package_is_an_exact_version_with_hashes():
    for lock in (LOCK, DEV_LOCK):
        entries = locked(lock)
        assert len(entries) > 50, f"{lock.name} looks empty"
        for name, pins in entries.items():
            for version, hashes, _ in pins:
                assert hashes, f"{lock.name}: {name}=={version} has no hash"


def test_the_runtime_lock_is_the_dev_lock_less_the_test_tools():
    runtime, dev = locked(LOCK), locked(DEV_LOCK)
    for name, entry in runtime.items():
        assert dev.get(name) == entry, f"{name}: the image and `make` would install different versions"
    extra = set(dev) - set(runtime)
    tools = {canonicalize_name(r.name) for r in dependencies("dev")}
    # only the test tools and what they alone pull in
    assert tools <= extra, f"{tools - extra} missing from {DEV_LOCK.name}"
    assert not extra & {canonicalize_name(r.name) for r in dependencies()}


@pytest.mark.parametrize(("lock", "extra"), [(LOCK, None), (DEV_LOCK, "dev")])
def test_the_locks_satisfy_pyproject(lock, extra):
    """A dependency edited in pyproject.toml without `make lock` fails here."""
    entries = locked(lock)
    wanted = dependencies() + (dependencies(extra) if extra else [])
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{requirement} is not in {lock.name}: run `make lock`"
        for version, _, _ in entries[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock.name} pins {name}=={version}, outside pyproject.toml's {requirement}: run `make lock`"
            )


def test_make_ci_and_the_image_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^DEV_LOCK := requirements-dev\.lock$", makefile, re.M)
    assert re.search(r"pip install .*--require-hashes -r \$\(DEV_LOCK\)", makefile)
    assert re.search(r"^\$\(VENV\)/\.installed: .*\$\(LOCK\) \$\(DEV_LOCK\)", makefile, re.M)
    assert re.search(r"^lock:", makefile, re.M), "the locks' update command"
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M) and re.search(r"^make production-check$", ci, re.M)
    assert ci.index("make test") < ci.index("make production-check")

    image = read_dockerfile()
    installs = pip_installs(image)
    assert installs, "the Dockerfile installs nothing"
    for arguments in installs:
        from_lock = "--require-hashes" in arguments and arguments[arguments.index("-r") + 1] == LOCK.name
        named = [a for a in arguments if not a.startswith("-")]
        pip_itself = bool(named) and all(is_pip(a) for a in named)
        assert from_lock or pip_itself or "--no-deps" in arguments, (
            f"`pip install {' '.join(arguments)}` resolves versions of its own"
        )
    assert any("--require-hashes" in a and LOCK.name in a for a in installs), "the image does not install the lock"
    # the project is built with the locked setuptools, and editable: settings.PROJECT_ROOT is the WORKDIR,
    # where the Dockerfile puts the sample data the sources default to
    project = next(a for a in installs if "--no-deps" in a)
    assert "--no-build-isolation" in project and project[-2:] == ["-e", "."], project
    assert any(sources == ["sample_data"] and d == image.absolute("sample_data") for sources, d in image.copies)
    build = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]]
    for requirement in build:
        pins = locked(LOCK).get(canonicalize_name(requirement.name))
        assert pins and all(requirement.specifier.contains(v) for v, _, _ in pins), (
            f"{requirement} is not in {LOCK.name}"
        )
    assert re.search(r"pip install .*--no-deps --no-build-isolation -e \.", makefile)
    assert any(LOCK.name in sources for sources, _ in image.copies), "the Dockerfile does not copy the lock"
    text = (ROOT / "Dockerfile").read_text()
    assert text.index(f"COPY {LOCK.name}") < text.index(f"-r {LOCK.name}")
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert LOCK.name not in ignored and not any(
        re.fullmatch(p.replace("*", ".*"), LOCK.name) for p in ignored if p and not p.startswith("#")
    )


# -- what each service runs


def test_each_service_runs_an_executable_the_image_has_and_code_that_exists():
    compose, image = read_compose(), read_dockerfile()
    runtime = set(locked(LOCK))
    scripts = {ep.name: ep for ep in metadata.entry_points(group="console_scripts")}
    services = image_services(compose)
    assert set(services) == {"user_code", "webserver", "daemon"}
    copied = {destination for _, destination in image.copies}
    for name in services:
        argv = service_command(compose["services"][name])
        assert argv, f"{name} has no command"
        script = scripts.get(argv[0])
        assert script is not None, f"{name} runs `{argv[0]}`, which no installed package provides"
        assert canonicalize_name(script.dist.name) in runtime, (
            f"`{argv[0]}` comes from {script.dist.name}, not in {LOCK.name}"
        )
        module = deployment.option_value(argv, ("-m", "--module-name"))
        if module:
            assert util.find_spec(module) is not None, f"{name} loads {module}, which does not exist"
            assert any(d.rstrip("/").endswith("/" + module.split(".")[0]) for d in copied), f"the image lacks {module}"
        workspace = deployment.option_value(argv, deployment.WORKSPACE_OPTIONS)
        if workspace:
            assert image.absolute(workspace) in copied, f"{name} reads {workspace}, which the image does not have"
    # the image's workspace.yaml is deploy/workspace.yaml, and it reaches the code server where it listens
    workspace_copy = next(sources for sources, destination in image.copies if destination.endswith("/workspace.yaml"))
    workspace = yaml.safe_load((ROOT / workspace_copy[0]).read_text())
    local = local_workspace(workspace, compose, {"user_code": 4321})
    grpc = local["load_from"][0]["grpc_server"]
    assert (grpc["host"], grpc["port"]) == ("127.0.0.1", 4321)
    code_location = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]["code_location_name"]
    assert grpc["location_name"] == code_location
    home = image.env["DAGSTER_HOME"]
    assert any(d == f"{home}/dagster.yaml" and s == ["deploy/dagster.yaml"] for s, d in image.copies), (
        "the image's DAGSTER_HOME has no deploy/dagster.yaml"
    )


def test_a_workspace_pointing_elsewhere_than_the_code_server_is_caught():
    compose = read_compose()
    with pytest.raises(DeploymentError, match="listens on 4000"):
        local_workspace(
            {"load_from": [{"grpc_server": {"host": "user_code", "port": 4001}}]}, compose, {"user_code": 1}
        )
    with pytest.raises(DeploymentError, match="no service"):
        local_workspace({"load_from": [{"grpc_server": {"host": "usercode", "port": 4000}}]}, compose, {"user_code": 1})


# -- each service's environment


def variables_the_code_reads() -> set[str]:
    class Recorder(dict):
        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    read: set[str] = set()
    Settings.from_env(Recorder())
    Settings.from_env(Recorder(FUNNEL_WAREHOUSE_HOST="db"))  # the warehouse from its parts reads more
    return read | set(SECRETS)


def test_the_code_server_gets_every_variable_the_code_reads():
    compose = read_compose(REQUIRED)
    image = read_dockerfile()
    given = set(compose_environment(compose["services"]["user_code"])) | set(image.env)
    read = variables_the_code_reads()
    assert {"FUNNEL_LEADS_SOURCE", "CRM_API_TOKEN", "FUNNEL_ALERT_WEBHOOK_URL"} <= read  # the recorder works
    missing = read - given - set(NOT_FROM_COMPOSE)
    assert not missing, f"the code reads {sorted(missing)}, which docker-compose.yml does not give user_code"
    stale = set(NOT_FROM_COMPOSE) & given
    assert not stale, f"{sorted(stale)} are given after all: remove them from NOT_FROM_COMPOSE"
    assert set(NOT_FROM_COMPOSE) <= read, "an exception for a variable the code no longer reads"


def dagster_yaml_variables() -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"env"}:
                found.add(node["env"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text()))
    return found


def test_the_dagster_services_get_exactly_the_storage_variables_dagster_yaml_references():
    compose = read_compose(REQUIRED)
    storage = dagster_yaml_variables()
    assert storage == {"DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"}
    for name in ("webserver", "daemon"):
        environment = compose_environment(compose["services"][name])
        assert set(environment) == storage, (
            f"{name} gets {sorted(set(environment) ^ storage)} besides/instead of storage"
        )
        assert all(environment.values()), f"{name}: an empty storage variable"
    # runs execute in the code server: it opens the same instance
    assert storage <= set(compose_environment(compose["services"]["user_code"]))


def test_every_mount_is_where_the_image_points_the_code():
    compose, image = read_compose(REQUIRED), read_dockerfile()
    folders = {image.env[name]: name for name in ("FUNNEL_MAPPINGS_DIR", "FUNNEL_ZOOM_DROP_DIR", "FUNNEL_DATA_DIR")}
    mounts = service_mounts(compose["services"]["user_code"])
    targets = {mount.target for mount in mounts}
    assert set(folders) <= targets, (
        f"{sorted(set(folders) - targets)} are not mounted: their contents die with the container"
    )
    for mount in mounts:
        if mount.target == "/run/secrets/funnel":
            assert mount.read_only
            assert "GOOGLE_SERVICE_ACCOUNT_FILE=/run/secrets/funnel/" in (ROOT / ".env.example").read_text()
            continue
        assert mount.target in folders, f"user_code mounts {mount.target}, where no FUNNEL_*_DIR of the image points"
    assert set(folders) <= set(image.created_folders()), "the image does not create the folders it points the code at"
    # a container path compose itself gives the code (a default) lies in a mounted folder too
    for key, value in compose_environment(compose["services"]["user_code"]).items():
        if value.startswith("/"):
            assert any(value == t or value.startswith(t.rstrip("/") + "/") for t in targets), (
                f"{key}={value} is not mounted"
            )
    # the webserver and the daemon mount nothing: runs, sensors and their files live in user_code
    for name in ("webserver", "daemon"):
        assert not service_mounts(compose["services"][name])
    init = next(m for m in service_mounts(compose["services"]["postgres"]) if m.target == "/docker-entrypoint-initdb.d")
    assert list((ROOT / init.source).glob("*.sql")), "the database's init folder holds no script"


# -- the check runs the compose file's commands


def test_the_check_derives_its_commands_and_environments_from_the_compose_file(capsys):
    assert production_check.local_commands is local_commands and production_check.read_compose is read_compose
    check = production_check.ProductionCheck(keep=False)
    try:
        check.generate_env()
        check.prepare_services()
        compose = read_compose(check.dotenv)
        assert set(check.services) == set(image_services(compose)) == set(production_check.START_ORDER)
        for name, service in check.services.items():
            original = service_command(compose["services"][name])
            assert len(service.argv) == len(original)
            for i, (ours, theirs) in enumerate(zip(service.argv, original, strict=True)):
                previous = original[i - 1] if i else ""
                if previous in deployment.PORT_OPTIONS:
                    assert int(ours) == check.ports[name] and int(theirs) == listening_port(original)
                elif previous in deployment.HOST_OPTIONS:
                    assert ours == "127.0.0.1"
                else:
                    assert ours == theirs, f"{name}: the check runs {service.argv}, compose says {original}"
            for key, value in compose_environment(compose["services"][name]).items():
                expected = "127.0.0.1" if value in compose["services"] else value
                if value.startswith("/"):
                    continue  # a container path, translated to the check's folder
                assert service.env[key] == expected, f"{name}: {key}"
            # nothing of the shell running the check leaks into a service
            assert set(service.env) <= set(compose_environment(compose["services"][name])) | set(check.image.env) | {
                "PATH",
                "HOME",
                "LANG",
                "TZ",
            }
            assert (Path(service.env["DAGSTER_HOME"]) / "dagster.yaml").read_text() == (
                ROOT / "deploy" / "dagster.yaml"
            ).read_text()
        for name in ("webserver", "daemon"):
            workspace = yaml.safe_load((check.services[name].cwd / "workspace.yaml").read_text())
            assert workspace["load_from"][0]["grpc_server"]["port"] == check.ports["user_code"]
        assert check.services["user_code"].env["FUNNEL_ZOOM_DROP_DIR"] == check.dotenv["FUNNEL_ZOOM_DROP_HOST_DIR"]
        assert check.services["user_code"].env["FUNNEL_DAILY_REFRESH_CRON"] == "* * * * *"
    finally:
        shutil.rmtree(check.tmp, ignore_errors=True)
    assert "user_code: `dagster code-server start" in capsys.readouterr().out


def test_the_check_runs_every_query_the_readme_gives_bi_tools():
    queries = production_check.readme_bi_queries()
    assert any("FROM funnel.funnel_stages_monthly" in q for q in queries)
    assert all(q.lstrip().upper().startswith(("SELECT", "--", "WITH")) for q in queries)
    assert not any(q.rstrip().endswith(";") for q in queries)


# -- compose's variable substitution, as the check reads it


def test_interpolation_follows_compose():
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate("${SET:-d} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", env) == "v d d  d"
    assert interpolate("${SET} $SET $$SET ${UNSET}", env) == "v v $SET "
    assert interpolate("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}", env) == "alt||alt"
    with pytest.raises(DeploymentError, match="set it"):
        interpolate("${EMPTY:?set it}", env)
    assert interpolate("${EMPTY?set it}", env) == ""
    with pytest.raises(DeploymentError, match="FUNNEL_LOADER_PASSWORD"):
        read_compose({"POSTGRES_PASSWORD": "x", "FUNNEL_BI_PASSWORD": "y"})
