"""Input checks of the scikit-learn-style estimators, in NumPy alone.

The same rules (and, where users search for them, the same words) as scikit-learn's
``validate_data``: 2-D finite real X with at least one row and one feature, no sparse matrices,
the number (and DataFrame names) of features fixed at fit, y present, finite and as long as X,
sample weights not all zero, and predicting before fitting raising ``NotFittedError``.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """An estimator was asked to predict before ``fit`` (as scikit-learn's, a ValueError)."""


def not_fitted(estimator) -> NotFittedError:
    """The error for predicting with an unfitted ``estimator``; also scikit-learn's
    ``NotFittedError`` when scikit-learn is loaded (imported by the caller, never by geonet)."""
    message = (f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with appropriate "
               "arguments before using this estimator.")
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError(message)
    both = type("NotFittedError", (NotFittedError, sklearn_exceptions.NotFittedError), {})
    return both(message)


def _is_sparse(X) -> bool:
    return type(X).__module__.startswith("scipy.sparse") or hasattr(X, "tocsr")


def feature_names(X) -> np.ndarray | None:
    """Column names of a DataFrame-like X when they are all strings, else None."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = np.asarray(list(columns), dtype=object)
    return names if len(names) and all(isinstance(n, str) for n in names) else None


def check_X(X, dtype, estimator=None, *, reset: bool) -> np.ndarray:
    """``X`` as a C-contiguous 2-D ``dtype`` array, checked; shape (n_samples, n_features).

    ``reset=True`` (fit) records ``n_features_in_`` and ``feature_names_in_`` on ``estimator``;
    ``reset=False`` (predict) checks X against them.
    """
    if X is None:
        raise ValueError("Expected 2D array, got None instead")
    if _is_sparse(X):
        raise TypeError("Sparse data was passed, but dense data is required: use X.toarray() to convert "
                        "to a dense NumPy array")
    names = feature_names(X)
    array = np.asarray(X)
    if np.iscomplexobj(array):
        raise ValueError("Complex data not supported")
    if array.ndim != 2:
        raise ValueError(f"Expected 2D array, got {array.ndim}D array of shape {array.shape} instead. "
                         "Reshape your data either using array.reshape(-1, 1) if your data has a single "
                         "feature or array.reshape(1, -1) if it contains a single sample.")
    n, d = array.shape
    if n < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is required.")
    if d < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={array.shape}) while a minimum of 1 is required.")
    array = np.ascontiguousarray(array, dtype=dtype)  # NumPy's own error for text or objects
    if not np.isfinite(array).all():
        kind = "NaN" if np.isnan(array).any() else "infinity"
        raise ValueError(f"Input X contains {kind}.")
    if estimator is not None:
        _check_features(estimator, names, d, reset)
    return array


def _check_features(estimator, names, n_features: int, reset: bool) -> None:
    name = type(estimator).__name__
    if reset:
        estimator.n_features_in_ = n_features
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    if n_features != estimator.n_features_in_:
        raise ValueError(f"X has {n_features} features, but {name} is expecting "
                         f"{estimator.n_features_in_} features as input.")
    fitted = getattr(estimator, "feature_names_in_", None)
    if fitted is None and names is not None:
        warnings.warn(f"X has feature names, but {name} was fitted without feature names", UserWarning,
                      stacklevel=4)
    elif fitted is not None and names is None:
        warnings.warn(f"X does not have valid feature names, but {name} was fitted with feature names",
                      UserWarning, stacklevel=4)
    elif fitted is not None and (len(fitted) != len(names) or (fitted != names).any()):
        raise ValueError("The feature names should match those that were passed during fit: "
                         f"fitted with {list(fitted)}, got {list(names)}")


def check_y(y, n_samples: int, *, numeric: bool) -> np.ndarray:
    """``y`` checked against X's ``n_samples``; float64 when ``numeric`` (regression), else as given."""
    if y is None:
        raise ValueError("This estimator requires y to be passed, but the target y is None.")
    y = np.asarray(y)
    if len(y) != n_samples:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: [{n_samples}, {len(y)}]")
    if numeric or y.dtype.kind in "fc":
        if np.iscomplexobj(y):
            raise ValueError("Complex data not supported")
        if numeric:
            y = y.astype(np.float64)
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError(f"Input y contains {'NaN' if np.isnan(y).any() else 'infinity'}.")
    return y


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """Sample weights as float64 (n_samples,), or None; all-zero or negative weights refused."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim == 0:
        weights = np.full(n_samples, float(weights))
    if weights.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {weights.shape}, expected ({n_samples},)")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if not weights.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def classification_target(y: np.ndarray) -> np.ndarray:
    """``y`` of class labels as 1-D; a continuous (non-integer float) target is refused."""
    if y.ndim == 2 and y.shape[1] == 1:
        sklearn_exceptions = sys.modules.get("sklearn.exceptions")
        category = sklearn_exceptions.DataConversionWarning if sklearn_exceptions else UserWarning
        warnings.warn("A column-vector y was passed when a 1d array was expected; it is raveled.",
                      category, stacklevel=3)
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        raise ValueError("Unknown label type: continuous. A classifier needs class labels "
                         "(integers or strings), not continuous values.")
    return y
