"""Dagster core and its libraries must come from one release line.

Libraries are versioned 0.(minor+16).patch for core 1.minor.patch (dagster 1.13.27 pairs
with dagster-postgres 0.29.27); helper packages (dagster-webserver, dagster-graphql,
dagster-pipes, dagster-shared) carry core's own version. Left unpinned, pip happily
pairs a new core with a 2021 dagster-postgres, which fails only at run time.
"""

from __future__ import annotations

from importlib import metadata

LIBRARY_MINOR_OFFSET = 16


def release_line_mismatches(versions: dict[str, str]) -> list[str]:
    """Each Dagster package whose version is off dagster's release line, as a sentence."""
    core = versions.get("dagster")
    if core is None:
        return ["dagster itself is not installed"]
    major, minor, patch = core.split(".")[:3]
    problems = []
    for package, version in sorted(versions.items()):
        if package == "dagster":
            continue
        if version.startswith("0."):
            wanted = f"0.{int(minor) + LIBRARY_MINOR_OFFSET}.{patch}"
        else:
            wanted = f"{major}.{minor}.{patch}"
        if version != wanted:
            problems.append(f"{package} {version} does not match dagster {core} (expected {wanted})")
    return problems


def installed_dagster_packages() -> dict[str, str]:
    """Installed distributions named dagster or dagster-*, with their versions."""
    found = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name == "dagster" or name.startswith("dagster-"):
            found[name] = dist.version
    return found
