"""Starting a helper process by *spawn* without re-running the caller's ``__main__``.

A spawned child first imports the parent's ``__main__`` module again (to find what was pickled
there).  geonet's helpers (the ingest pool, the training shards) run functions of geonet's own
modules and need nothing from it, and it may be the ``geonet`` script with its whole CLI, or a
user's script without an ``if __name__ == "__main__"`` guard, which must not run twice.
Standard library only: importable from every layer, ``geonet.nn`` included.
"""

from __future__ import annotations

import sys
import types


def start_without_main(process) -> None:
    """``process.start()`` for a spawn-context Process, the caller's ``__main__`` hidden from it."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process.start()
    finally:
        sys.modules["__main__"] = main
