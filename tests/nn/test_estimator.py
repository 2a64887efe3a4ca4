"""sklearn compatibility of MLPClassifier / MLPRegressor (sklearn used only here, in tests)."""

import numpy as np
import pytest
from conftest import synthetic_lithology

from geonet.nn.estimator import MLPClassifier, MLPRegressor


def test_get_set_params_and_clone():
    from sklearn.base import clone

    clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0)
    params = clf.get_params()
    assert params["hidden_layer_sizes"] == (8,) and params["epochs"] == 3 and "class_weight" in params
    assert clf.set_params(epochs=5) is clf and clf.epochs == 5
    with pytest.raises(ValueError, match="invalid parameter"):
        clf.set_params(max_iter=3)
    twin = clone(clf)
    assert twin is not clf and twin.get_params() == clf.get_params()
    assert "epochs=5" in repr(clf)


def test_classifier_cross_val_score_and_labels():
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(0)
    X, y = synthetic_lithology(rng, 900)
    names = np.array(["shale", "sand", "lime"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate=3e-3, epochs=15, batch_size=32, random_state=0)
    scores = cross_val_score(clf, X, names, cv=3)
    assert scores.mean() > 0.9
    clf.fit(X, names)
    assert set(clf.classes_) == {"shale", "sand", "lime"}
    assert clf.predict(X[:5]).dtype == names.dtype
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 3) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert clf.score(X, names) > 0.9


def test_classifier_class_weight_and_validation():
    rng = np.random.default_rng(1)
    X, y = synthetic_lithology(rng, 600)
    clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=30, class_weight="balanced", validation_fraction=0.2,
                        patience=2, random_state=0).fit(X, y)
    assert clf.history_.val_loss and clf.history_.stopped_epoch <= 30
    same = MLPClassifier(hidden_layer_sizes=(8,), epochs=30, class_weight="balanced", validation_fraction=0.2,
                         patience=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), same.predict_proba(X))


def test_regressor_cross_val_score():
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = X @ np.array([1.0, -0.5, 0.25]) + 0.1 * np.sin(3 * X[:, 0])
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate=1e-2, epochs=30, batch_size=32, random_state=0)
    assert cross_val_score(reg, X, y, cv=3).mean() > 0.9
    reg.fit(X, y)
    assert reg.predict(X).shape == (600,)
    reg.fit(X, np.column_stack([y, -y]))
    assert reg.predict(X).shape == (600, 2)


def test_input_checks_without_sklearn_names():
    import pandas as pd

    from geonet.nn._checks import NotFittedError

    clf = MLPClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        clf.predict(np.zeros((2, 2)))
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    frame = pd.DataFrame({"GR": [10.0, 80.0, 20.0, 90.0], "RHOB": [2.3, 2.6, 2.2, 2.5]})
    clf.fit(frame, ["sand", "shale", "sand", "shale"])
    assert clf.n_features_in_ == 2 and list(clf.feature_names_in_) == ["GR", "RHOB"]
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(frame.rename(columns={"GR": "NPHI"}))
    with pytest.raises(ValueError, match="X has 1 features, but MLPClassifier is expecting 2"):
        clf.predict(frame[["GR"]].to_numpy())
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(np.array([[np.nan, 2.3]]))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MLPClassifier(epochs=1).fit(frame, [0.5, 1.5, 0.25, 2.0])
    with pytest.raises(ValueError, match="weight.*zero|zero.*weight"):
        MLPRegressor(epochs=1).fit(frame, [1.0, 2.0, 3.0, 4.0], sample_weight=np.zeros(4))
    assert MLPRegressor(epochs=1).fit(frame, [1.0, 2.0, 3.0, 4.0]).predict(frame).dtype == np.float64
