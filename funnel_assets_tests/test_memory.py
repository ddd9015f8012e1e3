"""Memory a step lets go goes back to the system (funnel_assets/memory.py): each probe runs in a fresh Python, as
a run's process starts, and allocates and frees as a step does, through Arrow, and plain Python on a second thread
(as the warehouse's serialising thread does)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from funnel_assets.settings import PROJECT_ROOT

PROBE = """
import json, sys, threading
import funnel_assets  # noqa: F401 - the project's package, as a run's process loads it first
from funnel_assets.memory import return_freed_memory
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))

def arrow_array():
    numbers = pa.array(np.arange(50_000_000))
    base = rss()
    tripled = pc.multiply(numbers, 3)
    held = rss()
    del tripled
    return held - base, rss() - base

def blocks_on_a_second_thread():
    found = {}
    def work():
        first = b"x" * (4 << 20)
        del first  # a freed large block: glibc raises its threshold and keeps the next ones on this thread's heap
        base = rss()
        blocks = [b"y" * (4 << 20) for _ in range(100)]
        held = rss()
        del blocks
        return_freed_memory()  # as the IO manager does once a table is written
        found["mb"] = (held - base, rss() - base)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return found["mb"]

print(json.dumps({name: globals()[name]() for name in sys.argv[1:]}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the resident set from /proc")
@pytest.mark.parametrize("allocation", ["arrow_array", "blocks_on_a_second_thread"])
def test_memory_a_step_frees_goes_back_to_the_system_at_once(allocation):
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, allocation], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    held, after = json.loads(probe.stdout)[allocation]
    assert held >= 300, f"the probe's {allocation} should hold some 400 MB, held {held} MB"
    assert after < 100, f"{held} MB were freed but {after} MB stayed with the process"


def test_an_operators_own_arrow_allocator_is_kept():
    code = "import funnel_assets, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    env = {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc", "PATH": ""}
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "mimalloc"
