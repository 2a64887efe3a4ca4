"""``geonet ingest``: LAS files, log tables or a grid → one feature table (Parquet or CSV)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import debug_enabled, echo_err, handle_errors


def ingest_command(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT...", help="LAS files, CSV/Parquet tables, a NetCDF/Zarr grid; files, folders or globs.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table.")] = Path("data/features.parquet"),
    format: Annotated[str, typer.Option("--format", help="parquet or csv (csv writes provenance to <out>.meta.json).")] = "parquet",
    step_m: Annotated[Optional[float], typer.Option("--step-m", "--step", help="Resample wells to this depth step in metres (linear; nearest for labels; no filling across gaps).")] = None,
    labels: Annotated[Optional[Path], typer.Option("--labels", help="CSV of labels: well,top,base,label intervals or well,depth,label points (metres).")] = None,
    aliases: Annotated[Optional[Path], typer.Option("--aliases", help="TOML file extending/overriding the mnemonic alias table.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad file (exit 1) instead of skipping it.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Read files in N parallel processes [default: every core when there are several files].")] = None,
    well_col: Annotated[Optional[str], typer.Option("--well-col", help="Tables: the column naming the well (default: found by name: WELL, Well Name, UWI ...).")] = None,
    depth_col: Annotated[Optional[str], typer.Option("--depth-col", help="Tables: the depth column (default: found by name: DEPTH, DEPT, MD, Depth [m] ...).")] = None,
    depth_unit: Annotated[Optional[str], typer.Option("--depth-unit", help="Tables: the depth column's unit (m, ft ...), if its name or metadata does not say.")] = None,
    duplicates: Annotated[str, typer.Option("--duplicates", help="Rows repeating a depth with other values: first (keep the first) or mean (average them).")] = "first",
    max_line_chars: Annotated[int, typer.Option("--max-line-chars", help="Refuse LAS files with a header line longer than this.")] = 16_384,
    max_token_chars: Annotated[int, typer.Option("--max-token-chars", help="Refuse LAS files with a data value longer than this.")] = 256,
    max_header_mb: Annotated[float, typer.Option("--max-header-mb", help="Refuse LAS files whose header is larger than this (MB).")] = 4.0,
    max_file_mb: Annotated[float, typer.Option("--max-file-mb", help="Refuse LAS files larger than this (MB); bounds memory per file.")] = 2000.0,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.")] = False,
) -> None:
    """Ingest well logs (LAS 1.2/2.0/3.0, CSV/Parquet tables) or one grid into a feature table.

    Columns: WELL, DEPTH_M, canonical curve names in canonical units, LITHOLOGY. Repairs (rows
    sorted, duplicates dropped, units converted ...) are listed as warnings. Bad files are skipped
    and named on stderr (exit code 3); --strict stops at the first one. Grids cannot be mixed with wells.
    """
    from geonet.features.ingest import ingest

    report = ingest(
        inputs, out, format=format, step_m=step_m, labels=labels, aliases=aliases, strict=strict, jobs=jobs,
        progress=not no_progress and sys.stderr.isatty(), well_col=well_col, depth_col=depth_col,
        depth_unit=depth_unit, duplicates=duplicates, max_line_chars=max_line_chars,
        max_token_chars=max_token_chars, max_header_mb=max_header_mb, max_file_mb=max_file_mb,
    )
    _print_report(report)
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
    app.command("ingest")(handle_errors(ingest_command))
