"""``geonet tie SEISMIC... --wells TABLE --time-depth DIR``: options from :class:`geonet.spec.TieSpec`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import echo_err, handle_errors
from geonet.cli._spec import spec_command
from geonet.spec import TieSpec


@handle_errors
@spec_command(TieSpec)
def tie_command(
    seismic: Annotated[list[Path], typer.Argument(metavar="SEISMIC", help="SEG-Y files on the same traces, one per --segy-names entry.")],
    wells: Annotated[Path, typer.Option("--wells", help="Feature table of the wells (from `geonet ingest`).", metavar="FILE")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The tie table.", metavar="FILE")] = Path("data/tie.parquet"),
    grid_out: Annotated[Optional[Path], typer.Option(
        "--grid-out", help="Also write the grid with its attributes as NetCDF (for `geonet section`).", metavar="FILE")] = None,
    *,
    options: dict,
) -> None:
    """Tie wells to seismic: logs converted to TWT by checkshots and averaged over each seismic
    sample, each well beside the grid's values (amplitude, envelope, instantaneous phase and
    frequency, smoothed impedance) at its nearest trace within --tolerance-m. Wells off the grid keep
    their logs and get a note."""
    from geonet.features.tie_run import run_tie, tie_summary

    spec = TieSpec.from_options(options, source="command line", text=True, flags=True)
    result = run_tie(seismic, wells, out, spec, grid_out=grid_out)
    for note in result.notes:
        echo_err(f"note: {note}")
    for line in tie_summary(result):
        typer.echo(line)
    typer.echo(f"wrote {result.rows} rows of {len(result.wells)} wells to {result.out_path}"
               + (f"; grid with attributes to {result.grid_path}" if result.grid_path else ""))


def register(app: typer.Typer) -> None:
    app.command("tie")(tie_command)
