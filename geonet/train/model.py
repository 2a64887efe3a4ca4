"""A trained geonet model: the network plus everything needed to feed it a feature table.

On disk (a directory): ``network.npz`` + ``network.json`` (``geonet.nn.save_network``) and
``preprocess.json`` (features, scaling, imputation, context window, target, classes, decision rule).
An ensemble keeps its first network there and each further one in a subdirectory ``member_<i>/``
(listed in ``preprocess.json`` under ``ensemble_members``). No pickles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geonet.atomic import write_text_atomic
from geonet.errors import ModelError
from geonet.nn import Network, load_network, save_network
from geonet.train.decision import class_penalty_matrix, min_penalty_decisions
from geonet.train.lithology import code_table
from geonet.train.preprocess import Preprocessor

PREPROCESS_FILE = "preprocess.json"
#: per-depth QC column of predictions: share of the model's input curves imputed at that depth (0–1)
QC_COLUMN = "QC_IMPUTED"
#: a curve imputed in at least this share of a well's rows is named in the notes of every command
NOTE_IMPUTED = 0.5


@dataclass
class GeonetModel:
    network: Network
    preprocessor: Preprocessor
    task: str  # classify | regress
    target: str
    classes: list[float] = field(default_factory=list)  # label codes, in output-unit order
    target_center: float = 0.0  # regression targets are standardised for training
    target_scale: float = 1.0
    extra_networks: list[Network] = field(default_factory=list)  # further ensemble members
    decision: str = "argmax"  # argmax | min_penalty (classification only)

    @property
    def networks(self) -> list[Network]:
        """Every member network; their outputs are averaged."""
        return [self.network, *self.extra_networks]

    def predict_output(self, X: np.ndarray) -> np.ndarray:
        """Mean output of the member networks for the design matrix ``X`` (n × inputs) → (n × outputs)."""
        out = self.network.predict_output(X).astype(np.float64)
        for net in self.extra_networks:
            out += net.predict_output(X)
        return out / len(self.networks)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Class index per row of ``proba`` (n × classes) under the model's decision rule → (n,)."""
        if self.decision == "min_penalty":
            return min_penalty_decisions(proba, class_penalty_matrix(self.classes))
        return proba.argmax(axis=1)

    # ---- prediction ---------------------------------------------------------------------
    @property
    def pred_column(self) -> str:
        return f"{self.target}_PRED"

    def prob_columns(self) -> list[str]:
        return [f"PROB_{_code_label(c)}" for c in self.classes]

    def predict_frame(self, df: pd.DataFrame, *, source: str = "input") -> pd.DataFrame:
        """Predictions for every row of ``df`` (same index); rows that cannot be used are NaN.

        Classification: ``<TARGET>_PRED`` (label code) and ``PROB_<code>`` per class.
        Regression: ``<TARGET>_PRED`` in the target's units. Both: ``QC_IMPUTED``, the share of the
        model's input curves that were missing at that depth (imputed, or the row dropped). A row
        where every input curve is missing (``QC_IMPUTED`` = 1) gets no prediction: it would be
        the training medians' answer, the same for every such row.
        """
        X, mask = self.preprocessor.transform(df, source=source, dtype=self.network.dtype)
        gaps = self.preprocessor.missing_mask(df) if self.preprocessor.features else np.zeros((len(df), 0), bool)
        blind = gaps.all(axis=1) if gaps.shape[1] else np.zeros(len(df), bool)
        out = pd.DataFrame(index=df.index)
        if self.task == "classify":
            proba = np.full((len(df), len(self.classes)), np.nan)
            if len(X):
                proba[mask] = self.predict_output(X)
            pred = np.full(len(df), np.nan)
            if len(X):
                pred[mask] = np.asarray(self.classes, dtype=float)[self.decide(proba[mask])]
            proba[blind] = np.nan
            pred[blind] = np.nan
            out[self.pred_column] = pred
            for name, col in zip(self.prob_columns(), proba.T):
                out[name] = col
        else:
            pred = np.full(len(df), np.nan)
            if len(X):
                pred[mask] = self.predict_output(X)[:, 0] * self.target_scale + self.target_center
            pred[blind] = np.nan
            out[self.pred_column] = pred
        out[QC_COLUMN] = gaps.mean(axis=1) if gaps.shape[1] else 0.0
        return out

    def imputed_fractions(self, df: pd.DataFrame) -> dict[str, float]:
        """Share of the rows of ``df`` in which each input curve is missing (imputed), curve → 0–1."""
        gaps = self.preprocessor.missing_mask(df)
        return {c: float(gaps[:, j].mean()) if len(df) else 0.0 for j, c in enumerate(self.preprocessor.features)}

    def imputation_notes(self, df: pd.DataFrame, *, source: str = "input") -> list[str]:
        """One line per well that lacks an input curve in at least ``NOTE_IMPUTED`` of its rows,
        or that has rows (or only rows) without any input value: those get no prediction."""
        notes = []
        groups = df.groupby("WELL", sort=False) if "WELL" in df.columns else [(source, df)]
        for well, rows in groups:
            blind = int(self.preprocessor.missing_mask(rows).all(axis=1).sum()) if self.preprocessor.features else 0
            if len(rows) and blind == len(rows):
                notes.append(f"{source}: well {well}: none of the model's input curves "
                             f"({', '.join(self.preprocessor.features)}) has a value: no prediction")
                continue
            absent = set(self.preprocessor.absent_curves(rows))
            parts = [f"{c} absent" if c in absent else f"{c} missing in {f:.0%} of rows"
                     for c, f in self.imputed_fractions(rows).items() if f >= NOTE_IMPUTED]
            if parts:
                fill = ("filled with training medians" if self.preprocessor.missing == "impute"
                        else "rows without them get no prediction")
                notes.append(f"{source}: well {well}: {', '.join(parts)} ({fill}; see {QC_COLUMN})")
            if blind:
                notes.append(f"{source}: well {well}: {blind} row(s) without any input value get no prediction")
        return notes

    def class_names(self) -> list[str]:
        return [code_name(c) for c in self.classes]

    # ---- persistence --------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        save_network(self.network, directory, metadata={"geonet_model": "1"})
        members = []
        for i, net in enumerate(self.extra_networks, start=1):
            members.append(f"member_{i}")
            save_network(net, directory / members[-1], metadata={"geonet_model": "1", "ensemble_member": i})
        meta = {
            "task": self.task,
            "target": self.target,
            "classes": [float(c) for c in self.classes],
            "class_names": self.class_names() if self.task == "classify" else [],
            "target_center": self.target_center,
            "target_scale": self.target_scale,
            "decision": self.decision,
            "ensemble_members": members,
            "preprocessor": self.preprocessor.to_dict(),
        }
        write_text_atomic(directory / PREPROCESS_FILE, json.dumps(meta, indent=2))
        return directory


def load_model(directory: str | Path) -> GeonetModel:
    """Load a model directory written by :meth:`GeonetModel.save`."""
    directory = Path(directory)
    meta_path = directory / PREPROCESS_FILE
    if not meta_path.is_file():
        raise ModelError(f"not a geonet model directory (no {PREPROCESS_FILE})", path=directory)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        network, _ = load_network(directory)
        extra = [load_network(directory / name)[0] for name in meta.get("ensemble_members", [])]
        return GeonetModel(
            network=network,
            preprocessor=Preprocessor.from_dict(meta["preprocessor"]),
            task=meta["task"],
            target=meta["target"],
            classes=meta.get("classes", []),
            target_center=meta.get("target_center", 0.0),
            target_scale=meta.get("target_scale", 1.0),
            extra_networks=extra,
            decision=meta.get("decision", "argmax"),
        )
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        raise ModelError(f"model files are damaged or from another version: {exc}", path=directory) from None


def code_name(code: float) -> str:
    """Display name of a label code: the FORCE lithology name, else the code itself."""
    lith = code_table().get(int(code)) if float(code).is_integer() else None
    return lith.name if lith else _code_label(code)


def _code_label(code: float) -> str:
    return str(int(code)) if float(code).is_integer() else str(code)
