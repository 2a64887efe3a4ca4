"""``geonet run PIPELINE.toml``: steps, ``--set`` overrides, content-hash skipping, nested runs.

A pipeline file::

    [pipeline]
    name = "demo"                 # default: the file name; also names the state file
    experiment = "geonet-demo"    # MLflow experiment (default "geonet")

    [[steps]]
    kind = "ingest"               # ingest | derive | train | evaluate | predict | sweep
    name = "ingest_train"         # optional, default = kind; unique
    inputs = ["../data/las/*.las"]
    out = "../data/out/train.parquet"

    [[steps]]
    kind = "evaluate"
    model = "@train.model_uri"    # an earlier step's output

Paths are relative to the pipeline file's directory. The package, lowest first: ``context`` (the
step protocol), ``references``, ``kinds/*`` (one module per step kind), ``registry``, ``config``
(loading and checking), ``state`` (fingerprints), ``runner`` (plan and execute). No module imports
one above it (``tests/test_layering.py`` checks there is no import cycle).
"""

from geonet.pipeline.config import Pipeline, Step, load_pipeline, load_sweep, parse_set
from geonet.pipeline.context import StepContext
from geonet.pipeline.runner import RunSummary, execute, format_summary, plan, run_pipeline

__all__ = [
    "Pipeline", "RunSummary", "Step", "StepContext", "execute", "format_summary", "load_pipeline",
    "load_sweep", "parse_set", "plan", "run_pipeline",
]
