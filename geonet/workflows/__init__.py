"""Workflows that join the layers below into what users run: train, evaluate, predict.

This layer sits above ``geonet.tracking`` (it records runs in MLflow) and below the CLI and the
pipeline runner, which call these functions and print their results.
"""

from geonet.workflows.cv import CVRunResult, cv
from geonet.workflows.evaluate import EvalResult, evaluate
from geonet.workflows.predict import PredictResult, predict
from geonet.workflows.train import TrainResult, train

__all__ = ["CVRunResult", "cv", "EvalResult", "PredictResult", "TrainResult", "evaluate", "predict", "train"]
