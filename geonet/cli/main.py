"""The ``geonet`` console script: for ``ingest``, start a helper process before anything else, so it
boots (a fresh interpreter importing NumPy and the LAS loaders) while this process imports Typer and
the commands; then run the Typer app (:mod:`geonet.cli.app`). Whether the ingest uses the helper is
decided by the ingest itself from its inputs (:func:`geonet.features.executor.local_processes`)."""

from __future__ import annotations

import sys

#: flags that keep an ingest in this process (or on Dask) or stop it before any file is read
_NOT_HERE = {"--help", "-h", "--scheduler", "--version"}


def _will_read_here(args: list[str]) -> bool:
    """True when ``args`` look like an ``ingest`` that may read files on more than one local process."""
    command = next((a for a in args if not a.startswith("-")), None)
    if command != "ingest" or any(a.split("=")[0] in _NOT_HERE for a in args):
        return False
    for i, a in enumerate(args):
        jobs = a.split("=", 1)[1] if a.startswith("--jobs=") else args[i + 1] if a == "--jobs" and i + 1 < len(args) else None
        if jobs is not None and jobs.strip() == "1":
            return False
    return True


def main() -> None:
    if _will_read_here(sys.argv[1:]):
        from geonet.features.executor import cores
        from geonet.features.pool import prestart

        if cores() > 1:
            prestart(cores() - 1, preload=("geonet.features.prepare", "geonet.io.las"))
    from geonet.cli.app import main as run

    run()


if __name__ == "__main__":
    main()
