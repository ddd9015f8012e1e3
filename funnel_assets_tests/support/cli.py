"""Running the `dagster` command line the way the README and the deployment do."""

from __future__ import annotations

import os
import subprocess
import sys

from funnel_assets.settings import PROJECT_ROOT


def dagster_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`dagster <args>` from the project root with `env` over this process's environment; fails the test on error."""
    result = subprocess.run(
        [sys.executable, "-m", "dagster", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result
