"""Scores for lithology classification and curve regression, in plain NumPy.

Every report is a JSON-ready dict (plain floats, ints and lists) so it can be written to
``metrics.json`` or logged to MLflow as it is.
"""

from __future__ import annotations

import numpy as np

from geonet.train.lithology import code_indices, force_codes, penalty_matrix


def confusion_matrix(y_true, y_pred, labels) -> np.ndarray:
    """Counts C[i, j] of samples with true label ``labels[i]`` predicted as ``labels[j]``.

    ``y_true``, ``y_pred``: shape (n,). Samples whose true or predicted label is not in
    ``labels`` are left out. Returns an int64 array of shape (k, k), rows = true.
    """
    labels = np.asarray(labels)
    k = len(labels)
    lookup = {label: i for i, label in enumerate(labels.tolist())}
    t = np.array([lookup.get(v, -1) for v in np.asarray(y_true).tolist()], dtype=np.int64)
    p = np.array([lookup.get(v, -1) for v in np.asarray(y_pred).tolist()], dtype=np.int64)
    keep = (t >= 0) & (p >= 0)
    return np.bincount(t[keep] * k + p[keep], minlength=k * k).reshape(k, k)


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, with 0 where den == 0 (scikit-learn's ``zero_division=0``)."""
    out = np.zeros_like(num, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def classification_report(y_true_codes, y_pred_codes, labels=None) -> dict:
    """Accuracy, macro F1, per-class precision/recall/F1/support and the confusion matrix.

    ``y_true_codes``, ``y_pred_codes``: shape (n,), class codes (e.g. FORCE lithology codes).
    ``labels``: the classes to report, in order (default: sorted union of both inputs).
    Macro F1 is the unweighted mean over ``labels`` (as scikit-learn's ``f1_score(average=
    "macro", labels=labels, zero_division=0)``); accuracy is over all n samples.
    ``per_class`` is keyed by ``str(label)``; ``confusion_matrix`` rows are true labels.
    """
    y_true = np.asarray(y_true_codes).ravel()
    y_pred = np.asarray(y_pred_codes).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} samples but y_pred has {y_pred.size}")
    if labels is None:
        labels = np.union1d(y_true, y_pred)
    labels = [_plain(v) for v in np.asarray(labels).tolist()]
    cm = confusion_matrix(y_true, y_pred, labels)
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    precision = _safe_divide(tp, predicted)
    recall = _safe_divide(tp, support)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return {
        "n_samples": int(y_true.size),
        "accuracy": float(np.mean(y_true == y_pred)) if y_true.size else float("nan"),
        "macro_f1": float(f1.mean()) if len(labels) else float("nan"),
        "labels": labels,
        "per_class": {
            str(label): {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": cm.tolist(),
    }


def _plain(value):
    """12000.0 → 12000 so that codes read as integers in JSON and MLflow keys."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_force_codes(codes) -> bool:
    """True when every value of ``codes`` is one of the 12 FORCE lithology codes."""
    values = np.asarray(codes, dtype=np.float64).ravel()
    return bool(np.isin(values, np.asarray(force_codes(), dtype=np.float64)).all())


def force_penalty_score(y_true_codes, y_pred_codes) -> float:
    """FORCE 2020 competition score −mean(A[true, pred]); 0 is perfect, about −1.1 for all-shale.

    Raises ``ValueError`` when a code is not in the FORCE table or the lengths differ.
    """
    true_idx = code_indices(y_true_codes)
    pred_idx = code_indices(y_pred_codes)
    if true_idx.shape != pred_idx.shape:
        raise ValueError(f"y_true has {true_idx.size} samples but y_pred has {pred_idx.size}")
    if true_idx.size == 0:
        raise ValueError("no samples to score")
    return float(-np.mean(penalty_matrix()[true_idx, pred_idx]))


def regression_report(y, yhat) -> dict:
    """RMSE, MAE and R² of predictions ``yhat`` of ``y`` (shape (n,), same units as ``y``).

    Pairs where either value is NaN are left out; ``n_samples`` counts the pairs used.
    R² is NaN when ``y`` is constant.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    yhat = np.asarray(yhat, dtype=np.float64).ravel()
    if y.shape != yhat.shape:
        raise ValueError(f"y has {y.size} samples but yhat has {yhat.size}")
    keep = np.isfinite(y) & np.isfinite(yhat)
    y, yhat = y[keep], yhat[keep]
    if y.size == 0:
        raise ValueError("no finite samples to score")
    residual = y - yhat
    ss_res = float(residual @ residual)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return {
        "n_samples": int(y.size),
        "rmse": float(np.sqrt(ss_res / y.size)),
        "mae": float(np.abs(residual).mean()),
        "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"),
    }
