"""Default model inputs chosen like a petrophysicist would: logs only, and only curves most training wells have.

Rule (:func:`select_inputs`), for a feature table, a target and the training wells:

1. a column is a candidate when it is numeric, is not WELL, the target or an ``exclude``d name, and
   its family (``families.toml``) is ``logs`` — drilling parameters, positions (DEPTH_M too),
   QC curves and labels are left out; unknown names count as logs;
2. a training well *has* a curve when at least ``min_well_rows`` (default 50%) of its labelled rows
   have a value;
3. a candidate is chosen when at least ``min_curve_wells`` (default 75%, rounded up) of the training
   wells have it — a curve most wells lack would be imputed in most wells, and a network learns the
   imputed value, not the rock.

``add`` names (e.g. DEPTH_M) join the choice whatever their family or coverage. Every column left
out gets a one-line reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from geonet.features.families import FamilyTable, load_family_table

WELL = "WELL"
#: share of the training wells that must have a curve for it to be a default input
MIN_CURVE_WELLS = 0.75
#: share of a well's labelled rows with values for the well to "have" the curve
MIN_WELL_ROWS = 0.5

_FAMILY_REASONS = {
    "drilling": "drilling parameter, not a rock property",
    "position": "position, not a rock property",
    "qc": "quality-control curve, not a rock property",
    "label": "label or interpretation",
}


@dataclass(frozen=True)
class InputChoice:
    """``chosen`` inputs in table order; ``left_out``: column → reason; ``wells_with``: curve → wells having it."""

    chosen: list[str]
    left_out: dict[str, str] = field(default_factory=dict)
    wells_with: dict[str, int] = field(default_factory=dict)
    n_wells: int = 0

    def lines(self) -> list[str]:
        """One human line per left-out column."""
        return [f"{name}: {reason}" for name, reason in self.left_out.items()]


def wells_having(df: pd.DataFrame, curves: Sequence[str], *, min_well_rows: float = MIN_WELL_ROWS) -> dict[str, int]:
    """Number of wells (WELL column; one well if absent) in which each curve has values in at least
    ``min_well_rows`` of the rows of ``df``."""
    if not len(df):
        return {c: 0 for c in curves}
    wells = df[WELL] if WELL in df.columns else pd.Series(0, index=df.index)
    share = df[list(curves)].notna().groupby(wells.to_numpy()).mean()
    return {c: int((share[c] >= min_well_rows).sum()) for c in curves}


def select_inputs(
    df: pd.DataFrame,
    target: str,
    *,
    train_wells: Sequence[str] | None = None,
    families: FamilyTable | None = None,
    min_curve_wells: float = MIN_CURVE_WELLS,
    min_well_rows: float = MIN_WELL_ROWS,
    exclude: Sequence[str] = (),
    add: Sequence[str] = (),
) -> InputChoice:
    """Choose the default input curves of a model of ``target`` from ``df`` (rule in the module docstring).

    Coverage is counted over the labelled rows (``target`` not missing) of ``train_wells`` (all wells
    when None).
    """
    families = families or load_family_table()
    rows = df
    if train_wells is not None and WELL in df.columns:
        rows = rows[rows[WELL].astype(str).isin([str(w) for w in train_wells])]
    if target in rows.columns:
        rows = rows[rows[target].notna()]
    n_wells = int(rows[WELL].nunique()) if WELL in rows.columns else int(len(rows) > 0)
    having = wells_having(rows, candidate_inputs(df, target, families=families, exclude=exclude, add=add)[0],
                          min_well_rows=min_well_rows)
    return choose_by_coverage(df, target, having, n_wells, families=families, min_curve_wells=min_curve_wells,
                              exclude=exclude, add=add)


def candidate_inputs(df: pd.DataFrame, target: str, *, families: FamilyTable | None = None,
                     exclude: Sequence[str] = (), add: Sequence[str] = ()) -> tuple[list[str], dict[str, str]]:
    """Columns of ``df`` (only its columns and dtypes are used) that may be default inputs — numeric
    logs — and the reason each other column is not."""
    families = families or load_family_table()
    left_out: dict[str, str] = {}
    candidates = []
    for col in df.columns:
        if col == WELL or col == target or col in add:
            continue
        family = families.family(col)
        if col in exclude:
            left_out[col] = "excluded (--exclude)"
        elif not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            left_out[col] = "not numeric"
        elif family != "logs":
            left_out[col] = _FAMILY_REASONS.get(family, family)
            if col == "DEPTH_M":
                left_out[col] += " (an input only when asked: --features +DEPTH_M)"
        else:
            candidates.append(col)
    return candidates, left_out


def choose_by_coverage(df: pd.DataFrame, target: str, having: dict[str, int], n_wells: int, *,
                       families: FamilyTable | None = None, min_curve_wells: float = MIN_CURVE_WELLS,
                       exclude: Sequence[str] = (), add: Sequence[str] = ()) -> InputChoice:
    """The rule of :func:`select_inputs` from counts already made: ``having`` (candidate → training
    wells having it) over ``n_wells`` training wells; ``df`` gives only the columns and dtypes
    (a table read well by well passes an empty frame)."""
    candidates, left_out = candidate_inputs(df, target, families=families, exclude=exclude, add=add)
    need = max(1, math.ceil(min_curve_wells * n_wells - 1e-9))
    having = {c: int(having.get(c, 0)) for c in candidates}
    chosen = []
    for col in candidates:
        if having[col] >= need:
            chosen.append(col)
        else:
            left_out[col] = f"logged in {having[col]} of {n_wells} training wells (needs {need} = {min_curve_wells:.0%})"
    wanted = set(chosen) | set(add)
    ordered = [c for c in df.columns if c in wanted] + [c for c in add if c not in df.columns]
    return InputChoice(chosen=ordered,
                       left_out=left_out, wells_with=having, n_wells=n_wells)
