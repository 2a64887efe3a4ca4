"""MLflow "models from code" definition of a geonet model (no pickled classes).

MLflow executes this file when a logged geonet model is loaded. The model itself is the plain
geonet model directory (``network.npz``, ``network.json``, ``preprocess.json``) stored as the
artifact ``model_dir``; predictions go through ``geonet.train.model``, imported on first use.
"""

from __future__ import annotations

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class GeonetPyfunc(PythonModel):
    """``predict(DataFrame of curves) -> DataFrame of predictions`` for a geonet model directory."""

    def load_context(self, context) -> None:
        from geonet.train.model import load_model

        self._model = load_model(context.artifacts["model_dir"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self._model.predict_frame(model_input)


mlflow.models.set_model(GeonetPyfunc())
