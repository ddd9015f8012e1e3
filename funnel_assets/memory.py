"""How the process hands memory back: what Arrow and the C library free is returned to the system once a table
is written.

Without this, memory a step freed stayed with Arrow's allocator (mimalloc) and with glibc's heaps of the threads
other than the main one (the warehouse serialises on one) for later reuse, so the process's resident memory grew step
after step. Arrow allocates through the C library instead (as fast here), and the IO manager has the C library trim
its heaps after each table (glibc's malloc_trim). Fixing glibc's mmap threshold instead gave back as much but made
every large allocation a fresh mapping: Arrow's CSV writing took 2.5 times as long.

Polars' own allocator (jemalloc) keeps freed pages for about a second and is left so: telling it to return them
at once (`_RJEM_MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0`) took another 140 MB off a full-scale run's peak
but made its rules a third slower (cleaning 500,000 leads: 0.8 s -> 1.1-1.3 s; 3.2 s -> 4.1-6.4 s at four times
full scale).

Arrow's allocator must be chosen before it allocates anything: the package's `__init__` does it first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from collections.abc import Callable


def hand_freed_memory_back() -> None:
    """Have Arrow allocate through the C library, whose freed memory return_freed_memory gives back. An Arrow
    allocator the operator chose (ARROW_DEFAULT_MEMORY_POOL) is kept."""
    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    libc = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    return getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None


def return_freed_memory() -> None:
    """Give the memory the C library holds freed back to the system (glibc keeps what other threads freed on their
    own heaps for reuse): called once a table is written, a few milliseconds. Nothing where there is no glibc."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
