"""MLflow tracking, metric plots and the pyfunc model: the only package that imports mlflow.

Submodules import mlflow and matplotlib inside their functions, so importing this package is
cheap. MLflow's telemetry is off unless the user turned it on explicitly.
"""

from __future__ import annotations

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
