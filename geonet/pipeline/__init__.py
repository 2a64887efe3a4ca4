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

Paths are relative to the pipeline file's directory. See :mod:`geonet.pipeline.steps` for the
options and outputs of each kind, :mod:`geonet.pipeline.sweep` for sweeps.
"""

from geonet.pipeline.config import Pipeline, Step, load_pipeline, load_sweep, parse_set
from geonet.pipeline.runner import RunSummary, StepContext, format_summary, run_pipeline

__all__ = [
    "Pipeline", "RunSummary", "Step", "StepContext", "format_summary", "load_pipeline",
    "load_sweep", "parse_set", "run_pipeline",
]
