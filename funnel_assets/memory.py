"""How the process hands memory back: a step's frames, once let go, are returned to the system at once.

Without this, memory a step freed stayed with the process's allocators for later reuse (Polars' jemalloc keeps freed
pages for a second or more, Arrow's mimalloc and glibc's heaps of other threads keep them), so the process's resident
memory grew step after step: at four times full scale the run peaked at 4.1 GB while the frames it held for later
steps came to about 1.2 GB. With it (and frames let go when their last reader has them), the peak was 3.1 GB.

The settings must be made before Polars and Arrow allocate anything: the package's `__init__` applies them first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# Polars' allocator (jemalloc, its symbols prefixed _rjem_) reads its options from this variable when it starts;
# Polars adds what is set here after its own defaults (polars/__init__.py), so these win: freed pages go back at once
POLARS_ALLOCATOR_SETTING = "_RJEM_MALLOC_CONF"
POLARS_ALLOCATOR_OPTIONS = "dirty_decay_ms:0,muzzy_decay_ms:0"
# glibc's mallopt parameter M_MMAP_THRESHOLD: blocks of at least this many bytes are mapped on their own and
# unmapped when freed; set once, glibc stops raising it (which put later large blocks on its heap, kept for good)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1 << 20


def hand_freed_memory_back() -> None:
    """Make freed memory go back to the system: Polars' allocator told so, Arrow allocating through the C library,
    and glibc mapping large blocks apart. A setting the operator gave (the variable already set) is kept."""
    if "polars" not in sys.modules:  # read once, when Polars loads
        os.environ.setdefault(POLARS_ALLOCATOR_SETTING, POLARS_ALLOCATOR_OPTIONS)
    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())
    if sys.platform.startswith("linux") and (libc := ctypes.util.find_library("c")):
        mallopt = getattr(ctypes.CDLL(libc), "mallopt", None)  # glibc's; another C library may have none
        if mallopt is not None:
            mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
