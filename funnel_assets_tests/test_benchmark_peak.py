"""The benchmarks' peak memory of a run is that run's own, whatever the benchmark process reached before."""

from __future__ import annotations

import subprocess
import sys

from tools.benchmarks.cli_run import peak_until_exit

MB = 2**20
CHILD = "b = bytearray(80 * 2**20); import time; time.sleep(0.6)"


def test_a_runs_peak_is_its_own_not_the_peak_its_parent_reached_before_starting_it():
    ballast = bytearray(600 * MB)  # this process's peak before the run starts (generated inputs, say)
    peak = peak_until_exit(subprocess.Popen([sys.executable, "-c", CHILD]))
    assert 80 * MB <= peak < 300 * MB, f"{peak / MB:.0f} MB"
    del ballast
