"""Standard petrophysical formulas applied to a feature table by name.

Each formula is data (:class:`Formula`): its name, input curves, output column, parameters
(default and unit) and a one-line description, plus a small function computing it. Apply them with
:func:`derive` (a DataFrame) or :func:`derive_table` (a feature-table file)::

    derive(df, ["density_porosity", {"name": "vsh_larionov", "rocks": "older"}])

A formula given as a dict names it with ``name``; its other keys are parameters, and ``output``
renames the column it writes. Units of new columns go to ``df.attrs["geonet"]["units"]``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from geonet.errors import ConfigError, MissingCurveError

if TYPE_CHECKING:  # pandas is imported lazily where it is used
    import pandas as pd

RESISTIVITY_CURVES = ("RDEP", "RMED", "RSHA", "RXO", "RMIC")


@dataclass(frozen=True)
class Param:
    """A formula parameter: default value, unit ("" when dimensionless), meaning."""

    default: Any
    unit: str
    description: str


@dataclass(frozen=True)
class Formula:
    """A named formula: ``compute(df, params) -> {column: Series}`` over the curves ``inputs``."""

    name: str
    inputs: tuple[str, ...]
    output: str
    unit: str
    description: str
    compute: Callable[["pd.DataFrame", dict], "pd.Series"]
    params: dict[str, Param] = field(default_factory=dict)


# -- the formulas ---------------------------------------------------------------------------------


def _density_porosity(df: "pd.DataFrame", p: dict) -> "pd.Series":
    # φD = (ρma − ρb) / (ρma − ρf), clipped to [φmin, φmax]
    phid = (p["rho_ma"] - df["RHOB"]) / (p["rho_ma"] - p["rho_f"])
    return phid.clip(p["phi_min"], p["phi_max"])


def _well_percentile(df: "pd.DataFrame", curve: str, q: float) -> "pd.Series":
    """The ``q``-th percentile of ``curve`` in each row's well (or the whole table without WELL)."""
    if "WELL" in df.columns:
        return df.groupby("WELL", sort=False)[curve].transform(lambda s: s.quantile(q / 100.0))
    return df[curve] * 0.0 + df[curve].quantile(q / 100.0)


def _gamma_ray_index(df: "pd.DataFrame", p: dict) -> "pd.Series":
    import numpy as np

    gr_min = _well_percentile(df, "GR", p["p_low"]) if p["gr_min"] is None else p["gr_min"]
    gr_max = _well_percentile(df, "GR", p["p_high"]) if p["gr_max"] is None else p["gr_max"]
    span = gr_max - gr_min
    span = span.where(span != 0, np.nan) if hasattr(span, "where") else (span or np.nan)
    # IGR = (GR − GRmin) / (GRmax − GRmin), clipped to [0, 1]
    return ((df["GR"] - gr_min) / span).clip(0.0, 1.0)


def _vsh_linear(df: "pd.DataFrame", p: dict) -> "pd.Series":
    return _gamma_ray_index(df, p)  # Vsh = IGR


_LARIONOV = {  # rocks -> (a, b): Vsh = a · (2^(b·IGR) − 1)
    "tertiary": (0.083, 3.7),
    "older": (0.33, 2.0),
}


def _vsh_larionov(df: "pd.DataFrame", p: dict) -> "pd.Series":
    if p["rocks"] not in _LARIONOV:
        raise ConfigError(
            f"formula 'vsh_larionov': rocks must be one of {sorted(_LARIONOV)}, not {p['rocks']!r}"
        )
    a, b = _LARIONOV[p["rocks"]]
    igr = _gamma_ray_index(df, p)
    return a * (2.0 ** (b * igr) - 1.0)  # Vsh = a · (2^(b·IGR) − 1)


def _log10_of(curve: str) -> Callable[["pd.DataFrame", dict], "pd.Series"]:
    def compute(df: "pd.DataFrame", p: dict) -> "pd.Series":
        import numpy as np

        values = df[curve].astype("float64")
        return np.log10(values.where(values > 0))  # non-positive → NaN

    return compute


_GR_PARAMS = {
    "gr_min": Param(None, "gAPI", "clean-sand GR; default: the p_low percentile of each well"),
    "gr_max": Param(None, "gAPI", "shale GR; default: the p_high percentile of each well"),
    "p_low": Param(5.0, "%", "percentile used for gr_min when it is not given"),
    "p_high": Param(95.0, "%", "percentile used for gr_max when it is not given"),
}

FORMULAS: dict[str, Formula] = {
    f.name: f
    for f in [
        Formula(
            "density_porosity", ("RHOB",), "PHID", "v/v",
            "density porosity φD = (ρma − ρb)/(ρma − ρf), clipped to [phi_min, phi_max]",
            _density_porosity,
            {
                "rho_ma": Param(2.65, "g/cm3", "matrix density (2.65 sandstone, 2.71 limestone)"),
                "rho_f": Param(1.0, "g/cm3", "fluid density"),
                "phi_min": Param(0.0, "v/v", "lower clip"),
                "phi_max": Param(0.6, "v/v", "upper clip"),
            },
        ),
        Formula(
            "gamma_ray_index", ("GR",), "IGR", "v/v",
            "gamma-ray index IGR = (GR − GRmin)/(GRmax − GRmin), clipped to [0, 1]",
            _gamma_ray_index, dict(_GR_PARAMS),
        ),
        Formula(
            "vsh_linear", ("GR",), "VSH", "v/v",
            "shale volume, linear: Vsh = IGR", _vsh_linear, dict(_GR_PARAMS),
        ),
        Formula(
            "vsh_larionov", ("GR",), "VSH", "v/v",
            "shale volume, Larionov: tertiary 0.083·(2^(3.7·IGR) − 1), older 0.33·(2^(2·IGR) − 1)",
            _vsh_larionov,
            {**_GR_PARAMS, "rocks": Param("tertiary", "", "'tertiary' or 'older' rocks")},
        ),
        *[
            Formula(
                f"log10_{c.lower()}", (c,), f"{c}_LOG10", "log10(ohm.m)",
                f"log10 of {c}; non-positive values become NaN", _log10_of(c),
            )
            for c in RESISTIVITY_CURVES
        ],
    ]
}
# "log10_resistivities" expands to log10_<curve> for every resistivity curve the table has.
GROUPS: dict[str, tuple[str, ...]] = {
    "log10_resistivities": tuple(f"log10_{c.lower()}" for c in RESISTIVITY_CURVES),
}


# -- applying them --------------------------------------------------------------------------------


def _parse_spec(spec: str | dict) -> tuple[str, dict, str | None]:
    """A formula spec → (name, given parameters, output column or None)."""
    if isinstance(spec, str):
        return spec, {}, None
    if isinstance(spec, dict) and isinstance(spec.get("name"), str):
        params = {k.replace("-", "_"): v for k, v in spec.items() if k not in ("name", "output")}
        return spec["name"], params, spec.get("output")
    raise ConfigError(f"a formula is a name or a table with a 'name' key, not {spec!r}")


def _expand(formulas: list[str | dict], columns: "pd.Index") -> list[tuple[Formula, dict, str]]:
    """Specs → (formula, full parameters, output column), checking names, parameters and curves."""
    plan = []
    for spec in formulas:
        name, given, output = _parse_spec(spec)
        if name in GROUPS:
            if given or output:
                raise ConfigError(f"formula group {name!r} takes no parameters")
            members = [FORMULAS[m] for m in GROUPS[name] if FORMULAS[m].inputs[0] in columns]
            if not members:
                raise MissingCurveError(
                    f"formula {name!r} needs at least one of {list(RESISTIVITY_CURVES)}; "
                    f"available curves: {list(columns)}"
                )
            plan.extend((f, {}, f.output) for f in members)
            continue
        if name not in FORMULAS:
            known = sorted([*FORMULAS, *GROUPS])
            raise ConfigError(f"unknown formula {name!r}; known formulas: {known}")
        formula = FORMULAS[name]
        unknown = sorted(set(given) - set(formula.params))
        if unknown:
            raise ConfigError(
                f"formula {name!r}: unknown parameter(s) {unknown}; "
                f"parameters: {sorted(formula.params)}"
            )
        missing = [c for c in formula.inputs if c not in columns]
        if missing:
            raise MissingCurveError(
                f"formula {name!r} needs curve(s) {missing}, missing from the table; "
                f"available curves: {list(columns)}"
            )
        params = {k: p.default for k, p in formula.params.items()} | given
        plan.append((formula, params, output or formula.output))
    return plan


def derive(df: "pd.DataFrame", formulas: list[str | dict]) -> "pd.DataFrame":
    """A copy of ``df`` (rows × curves) with one new float64 column per formula.

    Formulas are applied in order, so a later one may use an earlier one's output. Units of the
    new columns are recorded in ``attrs["geonet"]["units"]``, and each formula with its parameters
    in ``attrs["geonet"]["derived"]``.
    Raises :class:`ConfigError` (unknown formula or parameter) or :class:`MissingCurveError`.
    """
    out = df.copy()
    out.attrs = copy.deepcopy(df.attrs)
    meta = out.attrs.setdefault("geonet", {})
    units = meta.setdefault("units", {})
    derived = meta.setdefault("derived", [])
    for spec in formulas:
        for formula, params, column in _expand([spec], out.columns):
            out[column] = formula.compute(out, params).astype("float64")
            units[column] = formula.unit
            derived.append({"formula": formula.name, "params": params, "output": column})
    return out


def derive_table(table_path: str | Path, out_path: str | Path, formulas: list[str | dict]) -> Path:
    """Read a feature table, :func:`derive` the formulas, write it to ``out_path`` (Parquet, or CSV
    for a ``.csv`` name) with the table's metadata and the new units; returns the path written."""
    from geonet.features.table import read_feature_table, write_feature_table

    df = read_feature_table(table_path)
    try:
        result = derive(df, formulas)
    except (ConfigError, MissingCurveError) as exc:
        raise type(exc)(str(exc), path=str(table_path)) from None
    fmt = "csv" if Path(out_path).suffix.lower() == ".csv" else "parquet"
    return write_feature_table(result, out_path, result.attrs.get("geonet", {}), fmt=fmt)


def describe() -> str:
    """The formula table as text (name, output, inputs, parameters with defaults and units)."""
    lines = []
    for f in FORMULAS.values():
        params = ", ".join(
            f"{k}={p.default!r}{' ' + p.unit if p.unit else ''}" for k, p in f.params.items()
        )
        lines.append(f"{f.name}: {', '.join(f.inputs)} -> {f.output} [{f.unit}]  {f.description}")
        if params:
            lines.append(f"    {params}")
    for name, members in GROUPS.items():
        lines.append(f"{name}: every present curve of {', '.join(members)}")
    return "\n".join(lines)
