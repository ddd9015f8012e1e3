"""Running the `dagster` command line the way the README and the deployment do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from funnel_assets.settings import PROJECT_ROOT


def dagster_cli(*args: str, env: dict[str, str], cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    """`dagster <args>` from `cwd` with `env` over this process's environment; fails the test on error.

    The dagster command reads a `.env` file in its working folder over the environment it is given: a
    run that must see only `env` (not a developer's .env with real secrets) starts from a folder of its own."""
    result = subprocess.run(
        [sys.executable, "-m", "dagster", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result
