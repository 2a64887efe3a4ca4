"""``derive`` steps: new curves from formulas (:func:`geonet.features.derive.derive_table`)."""

from __future__ import annotations

from geonet.errors import ConfigError
from geonet.pipeline.context import DATA_CODE, StepContext, StepKind


def run_derive(options: dict, ctx: StepContext) -> dict:
    from geonet.features.derive import derive_table

    out = derive_table(options["table"], options["out"], options["formulas"])
    return {"out_path": str(out)}


def _check(options: dict) -> None:
    if not isinstance(options["formulas"], list):
        raise ConfigError("formulas must be a list of formula names or tables")


KIND = StepKind(
    "derive",
    own=frozenset({"table", "out", "formulas"}),
    required=("table", "out", "formulas"),
    run=run_derive,
    paths={"table": "path", "out": "path"},
    inputs=("table",),
    output_files=lambda o: [o["out_path"]],
    check=_check,
    code=DATA_CODE,
)
