"""scikit-learn-compatible estimators around Network + fit, without importing scikit-learn.

``get_params``/``set_params`` read the ``__init__`` signature, as sklearn's BaseEstimator does,
so ``sklearn.base.clone``, ``cross_val_score`` and grid searches work.  X is (n, n_features);
the classifier takes any labels y (n,), the regressor y (n,) or (n, n_targets).  Inputs are
checked as scikit-learn checks them (``_checks.py``), and both pass its ``check_estimator``.
"""

from __future__ import annotations

import inspect
import sys

import numpy as np

from ._checks import check_sample_weight, check_X, check_y, classification_target, not_fitted
from .fit import balanced_class_weights, fit
from .network import Network
from .optimizers import make_optimizer
from .schedules import make_schedule


class _MLPBase:
    _output = "identity"
    _estimator_type = "regressor"

    def __init__(
        self,
        hidden_layer_sizes=(64, 64),
        activation: str = "relu",
        solver: str = "adam",
        learning_rate: float = 1e-3,
        schedule: str = "constant",
        batch_size: int = 256,
        epochs: int = 10,
        l2: float = 0.0,
        validation_fraction: float = 0.0,
        patience: int | None = None,
        dtype: str = "float32",
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.dtype = dtype
        self.random_state = random_state

    # -- sklearn's parameter protocol ---------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        params = inspect.signature(cls.__init__).parameters.values()
        return sorted(p.name for p in params if p.name != "self" and p.kind == p.POSITIONAL_OR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor arguments; unknown names raise ValueError.  Returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __sklearn_tags__(self):
        # Only scikit-learn calls this, so its tags module is already loaded: use it, import nothing.
        tags = sys.modules["sklearn.utils._tags"]
        is_classifier = self._estimator_type == "classifier"
        return tags.Tags(
            estimator_type=self._estimator_type,
            target_tags=tags.TargetTags(required=True, multi_output=not is_classifier),
            classifier_tags=tags.ClassifierTags() if is_classifier else None,
            regressor_tags=None if is_classifier else tags.RegressorTags(),
        )

    # -- training -----------------------------------------------------------------------------
    def _fit(self, X, Y, n_out: int, sample_weight):
        """X already checked (:meth:`_check_fit`); Y (n,) class indices or (n, n_out) targets."""
        rng = np.random.default_rng(self.random_state)
        sizes = [X.shape[1], *tuple(self.hidden_layer_sizes), n_out]
        self.net_ = Network(sizes, self.activation, self._output, dtype=self.dtype, rng=rng)
        val = {}
        if self.validation_fraction:
            order = rng.permutation(len(X))
            n_val = max(1, int(round(self.validation_fraction * len(X))))
            v, t = order[:n_val], order[n_val:]
            val = dict(X_val=X[v], Y_val=Y[v],
                       val_sample_weight=None if sample_weight is None else sample_weight[v])
            X, Y = X[t], Y[t]
            sample_weight = None if sample_weight is None else sample_weight[t]
        self.history_ = fit(
            self.net_, X, Y, make_optimizer(self.solver, lr=self.learning_rate),
            epochs=self.epochs, batch_size=self.batch_size, rng=rng, sample_weight=sample_weight,
            l2=self.l2, schedule=make_schedule(self.schedule, self.learning_rate,
                                               **({"epochs": self.epochs} if self.schedule == "cosine" else {})),
            patience=self.patience if val else None, **val,
        )
        return self

    def _check_fit(self, X, y, sample_weight, *, numeric_y: bool):
        """Checked ``(X, y, sample_weight)``; records ``n_features_in_`` (and ``feature_names_in_``)."""
        X = check_X(X, np.dtype(self.dtype), self, reset=True)
        return X, check_y(y, len(X), numeric=numeric_y), check_sample_weight(sample_weight, len(X))

    def _output_of(self, X) -> np.ndarray:
        """The network's output for checked X; NotFittedError before ``fit``."""
        if not hasattr(self, "net_"):
            raise not_fitted(self)
        X = check_X(X, np.dtype(self.dtype), self, reset=False)
        # predicted in float64 whatever the training dtype: OpenBLAS computes a row with another
        # kernel depending on where it falls in the matrix, so a float32 a(L) could differ by one
        # unit in the last place (≈ 1e-7) when the same row comes in another order or with other
        # rows; in float64 that difference is ≈ 1e-16 (sklearn checks the order invariance)
        net = self.net_
        if net.dtype != np.float64:
            net = Network(net.sizes, net.activation, net.output, net.cost, "float64", params=net.params)
        return net.predict_output(X.astype(np.float64, copy=False))


class MLPClassifier(_MLPBase):
    """Softmax classifier; also takes ``class_weight`` None, "balanced" or {label: weight}."""

    _output = "softmax"
    _estimator_type = "classifier"

    def __init__(self, hidden_layer_sizes=(64, 64), activation="relu", solver="adam", learning_rate=1e-3,
                 schedule="constant", batch_size=256, epochs=10, l2=0.0, validation_fraction=0.0,
                 patience=None, class_weight=None, dtype="float32", random_state=None):
        super().__init__(hidden_layer_sizes, activation, solver, learning_rate, schedule, batch_size, epochs,
                         l2, validation_fraction, patience, dtype, random_state)
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        """X (n, n_features), y (n,) labels of any type; sample_weight (n,) or None."""
        X, y, weights = self._check_fit(X, y, sample_weight, numeric_y=False)
        self.classes_, y_index = np.unique(classification_target(y), return_inverse=True)
        y_index = y_index.reshape(-1)
        k = len(self.classes_)
        if self.class_weight is not None:
            if self.class_weight == "balanced":
                per_class = balanced_class_weights(y_index, k)
            else:
                per_class = np.array([self.class_weight.get(c, 1.0) for c in self.classes_.tolist()], float)
            weights = per_class[y_index] if weights is None else weights * per_class[y_index]
        return self._fit(X, y_index, k, weights)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        return self._output_of(X)

    def predict(self, X) -> np.ndarray:
        """Most probable label per row, shape (n,)."""
        proba = self.predict_proba(X)  # NotFittedError before classes_ is looked up
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy (weighted by sample_weight)."""
        return float(np.average(self.predict(X) == np.asarray(y), weights=sample_weight))


class MLPRegressor(_MLPBase):
    """Regressor with an identity output and the squared-error cost."""

    def fit(self, X, y, sample_weight=None):
        """X (n, n_features), y (n,) or (n, n_targets); sample_weight (n,) or None."""
        X, y, weights = self._check_fit(X, y, sample_weight, numeric_y=True)
        self._y_1d = y.ndim == 1
        Y = y.reshape(len(y), -1)
        return self._fit(X, Y, Y.shape[1], weights)

    def predict(self, X) -> np.ndarray:
        """Predictions (n,) or (n, n_targets) in float64, as y was given to fit."""
        out = self._output_of(X).astype(np.float64, copy=False)
        return out[:, 0] if self._y_1d else out

    def score(self, X, y, sample_weight=None) -> float:
        """Coefficient of determination R² (averaged uniformly over targets)."""
        y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        pred = self.predict(X).reshape(len(X), -1).astype(np.float64)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        ss_res = (w[:, None] * (y - pred) ** 2).sum(axis=0)
        ss_tot = (w[:, None] * (y - np.average(y, axis=0, weights=w)) ** 2).sum(axis=0)
        return float(np.mean(1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0)))
