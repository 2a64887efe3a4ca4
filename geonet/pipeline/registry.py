"""The step kinds a pipeline can use, by name (one module each under :mod:`geonet.pipeline.kinds`)."""

from __future__ import annotations

from geonet.pipeline.context import StepKind
from geonet.pipeline.kinds import cv, derive, evaluate, ingest, predict, section, sweep, tie, train

STEP_KINDS: dict[str, StepKind] = {m.KIND.kind: m.KIND for m in (ingest, derive, tie, train, cv, evaluate, predict, section, sweep)}
