"""Feature tables as MLflow dataset inputs of a run (``log_inputs``): path, SHA-256, wells, rows.

The UI lists them under the run's "Datasets" and links metrics to them. The dataset entity is
built directly, not with ``mlflow.data.from_pandas``, which hashes and type-checks every row
(≈ 11 s for a million rows); here the schema comes from the first rows and the digest from the
file's SHA-256, so logging costs milliseconds whatever the table's size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

#: rows used to infer the column types shown in the UI
SCHEMA_ROWS = 1000
#: well names kept in the profile (a field of hundreds of wells is summarised by its count)
MAX_WELL_NAMES = 200
#: what the dataset was to the run, as MLflow's ``mlflow.data.context`` input tag
CONTEXT_TAG = "mlflow.data.context"
SHA256_TAG = "geonet.sha256"


@dataclass(frozen=True)
class TableInput:
    """A logged dataset's identity: metrics name it to say what they were computed on."""

    name: str
    digest: str
    context: str


def table_dataset(path: str | Path, frame, *, sha256: str, label: str, targets: str | None = None):
    """The MLflow ``Dataset`` entity of ``frame`` (rows of the table file ``path``).

    ``label`` names the subset (``training wells``); the name shown is ``<file name> · <label>``.
    The digest is the file's SHA-256 (first 16 hex digits): the same file gives the same digest.
    The profile holds the row count, the wells and the full SHA-256.
    """
    from mlflow.entities import Dataset
    from mlflow.models import infer_signature

    wells = sorted(map(str, frame["WELL"].unique())) if "WELL" in frame.columns else []
    profile = {"num_rows": int(len(frame)), "num_wells": len(wells), "sha256": sha256,
               "wells": wells[:MAX_WELL_NAMES]}
    if targets is not None:
        profile["targets"] = targets
    schema = infer_signature(frame.head(SCHEMA_ROWS)).inputs
    return Dataset(
        name=f"{Path(path).name} · {label}",
        digest=sha256[:16],
        source_type="local",
        source=json.dumps({"uri": str(Path(path).resolve())}),
        schema=json.dumps({"mlflow_colspec": schema.to_dict()}) if schema else None,
        profile=json.dumps(profile),
    )


def log_table_inputs(tracker, tables, model_ids=()) -> list[TableInput]:
    """Log datasets (and models used as inputs) on the tracker's run in one call.

    ``tables``: ``(path, frame, sha256, label, context, targets)`` tuples; ``context`` is
    ``training``, ``validation`` or ``evaluation``. ``model_ids``: logged models the run used
    (an evaluation's model). Returns each dataset's :class:`TableInput`, in order.
    """
    from mlflow.entities import DatasetInput, InputTag

    inputs, logged = [], []
    for path, frame, sha256, label, context, targets in tables:
        entity = table_dataset(path, frame, sha256=sha256, label=label, targets=targets)
        inputs.append(DatasetInput(entity, tags=[InputTag(CONTEXT_TAG, context), InputTag(SHA256_TAG, sha256)]))
        logged.append(TableInput(entity.name, entity.digest, context))
    tracker.log_inputs(inputs, model_ids=model_ids)
    return logged
