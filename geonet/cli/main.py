"""The ``geonet`` console script: for an ``ingest`` that will read on more than one process, start
the helper before anything else, so it boots (a fresh interpreter importing NumPy and the LAS
loaders) while this process imports Typer and the commands; then run the Typer app
(:mod:`geonet.cli.app`). The ingest itself decides from its inputs whether it uses the helper
(:func:`geonet.features.executor.local_processes`); a helper started here and not used is ended at exit.
"""

from __future__ import annotations

import glob
import os
import sys

#: flags that keep an ingest in this process (or on Dask) or stop it before any file is read
_NOT_HERE = {"--help", "-h", "--scheduler", "--version"}
#: options whose value is an output, not an input
_OUTPUTS = {"--out", "-o"}


def _jobs(args: list[str]) -> int | None:
    for i, a in enumerate(args):
        value = a.split("=", 1)[1] if a.startswith("--jobs=") else args[i + 1] if a == "--jobs" and i + 1 < len(args) else None
        if value is not None:
            return int(value) if value.strip().isdigit() else None
    return None


def _input_bytes(args: list[str], enough: int) -> int:
    """Bytes of the existing files named by ``args`` (folders walked, globs expanded), counted until
    ``enough``: an estimate (an option's value may count too), only to decide on an early start."""
    total, skip = 0, False
    for a in args:
        if skip or a.startswith("-"):
            skip = a in _OUTPUTS
            continue
        for hit in [a] if os.path.exists(a) else glob.glob(a, recursive=True):
            walk = os.walk(hit) if os.path.isdir(hit) else [("", [], [hit])]
            for root, _, names in walk:
                for name in names:
                    try:
                        total += os.stat(os.path.join(root, name)).st_size
                    except OSError:
                        continue
                    if total >= enough:
                        return total
    return total


def _will_read_here(args: list[str]) -> bool:
    """True when ``args`` look like an ``ingest`` that will read on more than one process here."""
    from geonet.features.executor import PARALLEL_MIN_BYTES, cores

    command = next((a for a in args if not a.startswith("-")), None)
    if command != "ingest" or any(a.split("=")[0] in _NOT_HERE for a in args) or cores() < 2:
        return False
    jobs = _jobs(args)
    if jobs is not None:
        return jobs > 1
    return _input_bytes(args[args.index("ingest") + 1:], PARALLEL_MIN_BYTES) >= PARALLEL_MIN_BYTES


def main() -> None:
    if _will_read_here(sys.argv[1:]):
        from geonet.features.executor import cores
        from geonet.features.pool import prestart

        prestart(cores() - 1, preload=("geonet.features.prepare", "geonet.io.las"))
    from geonet.cli.app import main as run

    run()


if __name__ == "__main__":
    main()
