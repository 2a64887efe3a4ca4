"""The BLAS thread count of NumPy's OpenBLAS, read and set through ctypes.

Data-parallel training (see parallel.py) runs one shard of the mini-batch per Python thread and
wants each matmul single-threaded: two threads each asking a 2-thread BLAS for help would fight
over the same two cores.  OpenBLAS's thread count is process-wide, so ``blas_threads(n)`` sets it
for a ``with`` block and puts the previous value back.

The library is the OpenBLAS that NumPy itself loaded (found in ``/proc/self/maps``, preferring the
copy under ``numpy.libs``: SciPy may load a second one).  Where none is found (another BLAS, another
OS) everything here is a no-op and ``get_threads()`` returns ``None``.
"""

from __future__ import annotations

import ctypes
import os
from contextlib import contextmanager
from functools import lru_cache

# symbol prefixes/suffixes of the OpenBLAS builds NumPy ships (scipy-openblas, 64-bit ints) or links
_NAMES = ("scipy_openblas_{}64_", "openblas_{}64_", "openblas_{}")


def _loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries mapped into this process, NumPy's own first."""
    import numpy  # noqa: F401  (make sure it and its BLAS are loaded)

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split(None, 5)[5].strip() for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return []
    return sorted(paths, key=lambda p: "numpy" not in p)


@lru_cache(maxsize=1)
def _functions():
    """(get, set) ctypes functions of NumPy's OpenBLAS, or None."""
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for pattern in _NAMES:
            get = getattr(lib, pattern.format("get_num_threads"), None)
            set_ = getattr(lib, pattern.format("set_num_threads"), None)
            if get is not None and set_ is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                return get, set_
    return None


def get_threads() -> int | None:
    """OpenBLAS's current thread count, or None when NumPy's BLAS is not a reachable OpenBLAS."""
    functions = _functions()
    return None if functions is None else int(functions[0]())


def set_threads(n: int) -> None:
    """Set OpenBLAS's thread count for the whole process (no-op without OpenBLAS)."""
    functions = _functions()
    if functions is not None:
        functions[1](int(n))


@contextmanager
def blas_threads(n: int | None):
    """``with blas_threads(1): ...`` runs the block with n BLAS threads; None changes nothing."""
    before = get_threads() if n is not None else None
    if before is None or before == n:
        yield
        return
    set_threads(n)
    try:
        yield
    finally:
        set_threads(before)


_CORE_LIMIT: int | None = None


def limit_cores(n: int | None) -> None:
    """Let training in this process use at most ``n`` cores (None: no limit).  For worker processes
    that already share the machine with others (a sweep's trials run side by side)."""
    global _CORE_LIMIT
    _CORE_LIMIT = None if n is None else max(1, int(n))


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one), within ``limit_cores``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus if _CORE_LIMIT is None else min(cpus, _CORE_LIMIT)
