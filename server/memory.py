"""Keep the serving processes' resident memory close to what they use (glibc only).

Two known causes of RSS growth in a threaded Python server on glibc: one malloc arena per
thread that ever allocated (gunicorn's 8 threads), and freed memory that stays mapped after
a large result.  ``limit_arenas`` caps the arenas (``MALLOC_ARENA_MAX`` for processes
started later, ``mallopt`` for this one and its forks); ``trim`` hands free pages back.
Both are no-ops where glibc is not the C library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache

M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h
ARENAS = 2


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:
        return None


def limit_arenas(arenas: int = ARENAS) -> None:
    """Cap malloc arenas in this process, its forks and (by environment) its children."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(arenas))
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


TRIM_AFTER_BYTES = 256 * 1024  # smaller answers leave little behind; trimming costs ~0.1 ms


def trim() -> None:
    """Return free heap pages to the system (cheap: well under a millisecond here)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
