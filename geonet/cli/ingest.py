"""``geonet ingest``: LAS files, log tables or a grid → one feature table; options from :class:`geonet.spec.IngestSpec`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from geonet.cli._common import debug_enabled, echo_err, handle_errors
from geonet.cli._spec import spec_command
from geonet.spec import IngestSpec


@handle_errors
@spec_command(IngestSpec)
def ingest_command(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="LAS files, CSV/Parquet tables, a NetCDF/Zarr grid or a SEG-Y file; files, folders or globs.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table (FILE.parquet or FILE.csv), or a folder (no "
                                      "suffix, or ending in /): a partitioned Parquet dataset, one part per well, "
                                      "resumable: a rerun redoes only files that changed.",
                                      metavar="FILE|DIR")] = Path("data/features.parquet"),
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.", metavar="")] = False,
    *,
    options: dict,
) -> None:
    """Ingest well logs (LAS 1.2/2.0/3.0, CSV/Parquet tables) or one grid into a feature table.

    Columns: WELL, DEPTH_M, canonical curve names in canonical units, LITHOLOGY. Repairs (rows
    sorted, duplicates dropped, units converted ...) are listed as warnings. Bad files are skipped
    and named on stderr (exit code 3); --strict stops at the first one. Grids cannot be mixed with wells.
    Files are read on every core (--jobs), or on a Dask cluster (--scheduler).
    """
    from geonet.features.ingest import ingest

    spec = IngestSpec.from_options(options, source="command line", text=True, flags=True)
    report = ingest(inputs, out, progress=not no_progress and sys.stderr.isatty(), **spec.ingest_kwargs())
    _print_report(report)
    if report.reused:
        typer.echo(f"{report.reused} unchanged file(s) already in {report.out_path} (same SHA-256 and options): not read again")
    for path, note in report.warnings:
        echo_err(f"warning {path}: {note}")
    for path, reason in report.skipped:
        if debug_enabled() and path in report.tracebacks:
            echo_err(report.tracebacks[path].rstrip())
        echo_err(f"skipped {path}: {reason}")
    if report.skipped:
        from geonet.errors import PartialFailure

        raise PartialFailure(f"{len(report.skipped)} input(s) skipped; wrote {report.rows} rows to {report.out_path}")


def _print_report(report) -> None:
    from rich.console import Console
    from rich.table import Table

    from geonet.features.ingest import REPORT_HEADER

    table = Table(title=f"geonet ingest → {report.out_path}")
    for i, name in enumerate(REPORT_HEADER):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in report.table_rows():
        table.add_row(*row)
    Console(width=120).print(table)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
