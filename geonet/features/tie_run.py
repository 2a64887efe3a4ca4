"""``geonet tie``: SEG-Y + wells table + checkshots (+ positions) → the tie table and the attribute grid."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from geonet import __version__
from geonet.errors import InputError


@dataclass
class TieResult:
    out_path: Path
    grid_path: Path | None
    rows: int
    wells: list[str]
    ties: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_tie(seismic: list[str | Path], wells: str | Path, out: str | Path, spec, *, grid_out: str | Path | None = None,
            ) -> TieResult:
    """Tie the wells of the feature table ``wells`` to the SEG-Y files ``seismic`` (one per name of
    ``spec.segy_names``; a :class:`geonet.spec.TieSpec`). Writes the tie table at ``out`` and, with
    ``grid_out``, the grid with its attributes as NetCDF (what ``section`` predicts on)."""
    from geonet.features.seismic import sample_interval_ms, seismic_grid
    from geonet.features.table import read_feature_table, write_feature_table
    from geonet.features.tie import read_positions, tie
    from geonet.features.timedepth import logs_in_time, read_time_depth

    if len(seismic) != len(spec.segy_names):
        raise InputError(f"{len(seismic)} SEG-Y file(s) for names {list(spec.segy_names)}: give one name per file (--segy-names)")
    relations = read_time_depth(spec.time_depth, twt_unit=None if spec.twt_unit.value == "auto" else spec.twt_unit.value)
    table = read_feature_table(wells)
    sources = [s["path"] for s in table.attrs.get("geonet", {}).get("sources", []) if str(s.get("path", "")).lower().endswith(".las")]
    positions = read_positions(spec.positions, sources)
    recipe = spec.recipe()
    ds = seismic_grid(seismic, spec.segy_names, spec.segy_layout(), recipe)
    dt, t0 = sample_interval_ms(ds), float(ds["TWT"].values[0])
    in_time, notes = logs_in_time(table, relations, dt_ms=dt, t0_ms=t0)
    report = tie(ds, in_time, relations, positions, tolerance_m=spec.tolerance_m, recipe=recipe)
    rows = report.table
    if spec.twt_min is not None:
        rows = rows[rows["TWT"] >= spec.twt_min]
    if spec.twt_max is not None:
        rows = rows[rows["TWT"] <= spec.twt_max]
    rows = rows.reset_index(drop=True)
    units = {c: table.attrs.get("geonet", {}).get("units", {}).get(c, "") for c in rows.columns}
    units.update(TWT="ms", DEPTH_M="m", TIE_DISTANCE_M="m", INST_PHASE="deg", INST_FREQ="Hz")
    meta = {"geonet_version": __version__, "units": units, "ties": report.ties,
            "sources": {"seismic": [str(p) for p in seismic], "wells": str(wells), "time_depth": str(spec.time_depth)},
            "tie": spec.to_json()}
    out_path = write_feature_table(rows, out, meta, spec.format.value)
    grid_path = None
    if grid_out is not None:
        from geonet.io.segy import write_netcdf

        ds.attrs["segy_sources"] = [str(Path(p).resolve()) for p in seismic]
        ds.attrs["segy_names"] = list(spec.segy_names)
        grid_path = write_netcdf(ds, grid_out)
    return TieResult(out_path, grid_path, len(rows), sorted(map(str, rows["WELL"].unique())), report.ties,
                     list(dict.fromkeys(notes + report.notes)))


def tie_summary(result: TieResult) -> list[str]:
    """One line per well: where it is on the grid and whether it was tied."""
    lines = []
    for t in result.ties:
        where = f"inline {t['inline']}, crossline {t['crossline']}, {t['distance_m']:.1f} m away"
        lines.append(f"{t['well']}: {'tied' if t['tied'] else 'not tied'} ({where})")
    return lines

