"""A geonet model directory as an MLflow pyfunc model, and back again.

Logging uses MLflow's "models from code": ``_pyfunc_code.py`` is stored as the model's code and
the geonet model directory as its artifact ``model_dir``, so nothing is pickled. The geonet
package's own source travels with the model (``code_paths``: ``code/geonet/`` in the model) and
its ``requirements.txt`` pins mlflow-skinny, numpy and pandas to the versions installed here, so
the model loads and predicts in a fresh environment without geonet installed (a bare ``geonet``
requirement would install an unrelated package of that name from the public index). For
``geonet predict`` the way back is :func:`resolve_model_dir`, which turns ``runs:/``,
``models:/`` or a local path into the plain model directory that geonet reads itself.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from geonet.errors import ModelError, TrackingError
from geonet.tracking.store import _one_line, import_mlflow

MODEL_ARTIFACT = "model"
MODEL_FILE = "network.npz"
#: what a logged model needs at load time (geonet itself travels as code): mlflow-skinny loads and
#: serves pyfunc models and installs in a third of the time of the full mlflow (no UI, no server)
RUNTIME_PACKAGES = (("mlflow-skinny", "mlflow"), ("numpy",), ("pandas",))
_CODE = Path(__file__).with_name("_pyfunc_code.py")
_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the geonet package


def pinned_requirements() -> list[str]:
    """``["mlflow-skinny==3.17.2", "numpy==2.4.6", "pandas==3.1.1"]``: installed versions.

    Each entry of :data:`RUNTIME_PACKAGES` is a list of alternatives; the first installed one is
    pinned (``mlflow`` when only the full package is installed).
    """
    pins = []
    for alternatives in RUNTIME_PACKAGES:
        for name in alternatives:
            try:
                pins.append(f"{name}=={metadata.version(name)}")
                break
            except metadata.PackageNotFoundError:
                continue
        else:
            raise ModelError(f"cannot log the model: {alternatives[0]} is not installed")
    return pins


def model_name(task: str, target: str) -> str:
    """The logged model's name: ``lithology-classifier``, ``rhob-regressor`` ...

    Also its path in ``runs:/<run id>/<name>``, so only letters, digits, ``_`` and ``-``.
    """
    stem = re.sub(r"[^a-z0-9_]+", "-", target.lower()).strip("-") or "target"
    return f"{stem}-{'classifier' if task == 'classify' else 'regressor'}"


def _copy_package_source(dst: Path) -> Path:
    """A clean copy of the geonet package (sources and data tables, no caches) at ``dst/geonet``."""
    return Path(shutil.copytree(_PACKAGE_DIR, dst / "geonet",
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")))


def _using(tracking_uri: str):
    """Context in which MLflow's fluent API talks to ``tracking_uri`` (and its registry)."""
    from contextlib import ExitStack

    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service.utils import _use_tracking_uri

    stack = ExitStack()
    # mlflow's _use_tracking_uri restores a previous "unset" URI by deleting
    # $MLFLOW_TRACKING_URI from the environment: put the user's variable back afterwards.
    env_uri = os.environ.get("MLFLOW_TRACKING_URI")
    if env_uri is not None:
        stack.callback(os.environ.__setitem__, "MLFLOW_TRACKING_URI", env_uri)
    stack.enter_context(_use_tracking_uri(tracking_uri))
    previous = registry_utils._registry_uri

    def _restore() -> None:
        registry_utils._registry_uri = previous

    registry_utils._registry_uri = tracking_uri
    stack.callback(_restore)
    return stack


def log_pyfunc_model(
    tracker_or_run_id,
    model_dir: Path,
    input_example,
    output_example,
    pip_requirements: list[str] | None = None,
    tracking_uri: str | None = None,
    name: str = MODEL_ARTIFACT,
    description: str | None = None,
) -> str:
    """Log ``model_dir`` as the pyfunc model ``name`` of a run; returns ``runs:/<id>/<name>``.

    ``tracker_or_run_id``: a :class:`~geonet.tracking.logger.RunTracker` (its URI is used) or a
    run id (then pass ``tracking_uri``). ``input_example`` / ``output_example``: small
    DataFrames, used for the signature (and the input stored as the example).
    ``pip_requirements`` defaults to :func:`pinned_requirements` (inferring them costs ~2 s);
    the geonet package's source is logged with the model as its code. ``description``
    (Markdown) is shown on the model's page; it also gets the run's source and user.
    """
    mlflow = import_mlflow()
    from mlflow.models import Model, infer_signature

    run_id = getattr(tracker_or_run_id, "run_id", tracker_or_run_id)
    tracking_uri = getattr(tracker_or_run_id, "tracking_uri", None) or tracking_uri
    if not run_id or not tracking_uri:
        raise ValueError("log_pyfunc_model needs a started RunTracker, or a run id and tracking_uri")
    model_dir = Path(model_dir)
    if not (model_dir / MODEL_FILE).is_file():
        raise ModelError(f"not a geonet model directory (no {MODEL_FILE})", path=str(model_dir))
    signature = infer_signature(input_example, output_example)
    pyfunc_logger = logging.getLogger("mlflow.pyfunc")
    level = pyfunc_logger.level
    pyfunc_logger.setLevel(logging.WARNING)  # "Validating input example ..." on every log
    try:
        with _using(tracking_uri), tempfile.TemporaryDirectory(prefix="geonet-code-") as code_tmp:
            # Create the logged model in the run's own experiment (Model.log alone would put it
            # in the fluent API's active experiment, where runs:/ URIs cannot find it).
            client = mlflow.MlflowClient(tracking_uri)
            run = client.get_run(run_id)
            tags = {k: v for k, v in run.data.tags.items() if k.startswith("mlflow.source.") or k == "mlflow.user"}
            if description:
                tags["mlflow.note.content"] = description
            logged = client.create_logged_model(
                experiment_id=run.info.experiment_id,
                name=name,
                source_run_id=run_id,
                params=dict(run.data.params),
                tags=tags,
            )
            Model.log(
                model_id=logged.model_id,
                artifact_path=None,
                name=name,
                flavor_name="pyfunc.ModelFromCode",
                flavor=mlflow.pyfunc,
                run_id=run_id,
                python_model=str(_CODE),
                artifacts={"model_dir": str(model_dir)},
                signature=signature,
                input_example=input_example,
                pip_requirements=list(pip_requirements or pinned_requirements()),
                code_paths=[str(_copy_package_source(Path(code_tmp)))],
            )
    except (TrackingError, ModelError):
        raise
    except Exception as exc:  # noqa: BLE001 - mlflow raises many kinds
        raise TrackingError(f"could not log the model to {tracking_uri}: {_one_line(exc)}") from exc
    finally:
        pyfunc_logger.setLevel(level)
    return f"runs:/{run_id}/{name}"


def register_model(model_uri: str, name: str, tracking_uri: str) -> str:
    """Register ``model_uri`` (``runs:/.../model``) under ``name``; returns the new version."""
    mlflow = import_mlflow()
    try:
        with _using(tracking_uri):
            source = _logged_model_uri(mlflow.MlflowClient(tracking_uri), model_uri)
            version = mlflow.register_model(source, name, await_registration_for=0)
    except Exception as exc:  # noqa: BLE001
        raise TrackingError(
            f"could not register {model_uri} as {name!r} in {tracking_uri}: {_one_line(exc)}"
        ) from exc
    return str(version.version)


def logged_model_id(model_uri: str, tracking_uri: str) -> str | None:
    """The MLflow 3 logged-model id behind ``runs:/<id>/<name>`` or ``models:/m-<id>``, else None
    (a local directory, a registered ``models:/<name>/<version>``, or a model this store lacks)."""
    if model_uri.startswith("models:/m-"):
        return model_uri[len("models:/"):].split("/")[0]
    if not model_uri.startswith("runs:/"):
        return None
    from geonet.tracking.store import make_client

    try:
        resolved = _logged_model_uri(make_client(tracking_uri), model_uri)
    except Exception:  # noqa: BLE001 - a run this store does not hold
        return None
    return resolved[len("models:/"):] if resolved.startswith("models:/") else None


def _logged_model_uri(client, model_uri: str) -> str:
    """``runs:/<id>/model`` → ``models:/m-<model id>`` (MLflow 3 stores models apart from runs)."""
    if not model_uri.startswith("runs:/"):
        return model_uri
    run_id, _, name = model_uri[len("runs:/"):].partition("/")
    outputs = client.get_run(run_id).outputs
    for output in reversed(getattr(outputs, "model_outputs", None) or []):
        if client.get_logged_model(output.model_id).name == name.strip("/"):
            return f"models:/{output.model_id}"
    return model_uri


def find_model_dir(root: Path) -> Path:
    """The geonet model directory (the one holding ``network.npz``) at or under ``root``."""
    root = Path(root)
    if (root / MODEL_FILE).is_file():
        return root
    found = sorted(root.rglob(MODEL_FILE), key=lambda p: len(p.parts))
    if not found:
        raise ModelError(f"no geonet model ({MODEL_FILE}) found", path=str(root))
    return found[0].parent


def resolve_model_dir(model: str, tracking_uri: str, dst_path: Path | None = None) -> Path:
    """The local geonet model directory for ``model``.

    ``model``: ``runs:/<run_id>/model``, ``models:/<name>/<version>``, ``models:/<name>/latest``,
    ``models:/m-<id>``, or a local directory (a geonet model directory or a downloaded MLflow
    model holding one). Remote models are downloaded to ``dst_path`` (default: a temporary
    directory).
    """
    if "://" not in model and not model.startswith(("runs:/", "models:/")):
        path = Path(model).expanduser()
        if not path.is_dir():
            raise ModelError("model directory not found", path=str(path))
        return find_model_dir(path)
    mlflow = import_mlflow()
    if dst_path is not None:
        Path(dst_path).mkdir(parents=True, exist_ok=True)
    try:
        with _using(tracking_uri):
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=model,
                dst_path=None if dst_path is None else str(dst_path),
                tracking_uri=tracking_uri,
            )
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot fetch model {model} from {tracking_uri}: {_one_line(exc)}") from exc
    return find_model_dir(Path(local))
