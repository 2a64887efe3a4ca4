import numpy as np
import pytest
from sklearn import metrics as skm

from geonet.train.lithology import code_indices, code_table, force_codes, penalty_matrix
from geonet.train.metrics import (
    classification_report,
    force_penalty_score,
    is_force_codes,
    regression_report,
)

CODES = [30000, 65030, 65000, 80000, 74000, 70000, 70032, 88000, 86000, 99000, 90000, 93000]


def test_force_table_order_names_and_matrix():
    assert list(force_codes()) == CODES
    table = code_table()
    assert table[65000].name == "Shale" and table[93000].name == "Basement"
    assert all(lith.colour.startswith("#") for lith in table.values())
    A = penalty_matrix()
    assert A.shape == (12, 12)
    assert np.all(np.diag(A) == 0)
    assert A[0, 2] == 3.5  # true sandstone predicted as shale
    with pytest.raises(ValueError):
        A[0, 0] = 1.0  # read-only


def test_code_indices_and_unknown_codes():
    assert code_indices([93000.0, 30000, 65000]).tolist() == [11, 0, 2]
    with pytest.raises(ValueError, match="12345"):
        code_indices([30000, 12345])


def test_classification_report_by_hand():
    y_true = [1, 1, 2, 2, 3]
    y_pred = [1, 2, 2, 2, 1]
    rep = classification_report(y_true, y_pred, labels=[1, 2, 3])
    assert rep["accuracy"] == pytest.approx(3 / 5)
    assert rep["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    c1 = rep["per_class"]["1"]
    assert (c1["precision"], c1["recall"], c1["support"]) == (0.5, 0.5, 2)
    c2 = rep["per_class"]["2"]
    assert c2["precision"] == pytest.approx(2 / 3) and c2["recall"] == 1.0
    assert c2["f1"] == pytest.approx(0.8)
    assert rep["per_class"]["3"]["f1"] == 0.0
    assert rep["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)


def test_classification_report_matches_sklearn():
    rng = np.random.default_rng(0)
    y_true = rng.choice(CODES[:6], size=500).astype(float)  # float codes as in feature tables
    y_pred = np.where(rng.random(500) < 0.6, y_true, rng.choice(CODES[:7], size=500))
    labels = CODES[:7]  # 70032 never true: zero support
    rep = classification_report(y_true, y_pred, labels)
    assert rep["labels"] == labels
    assert rep["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert rep["macro_f1"] == pytest.approx(
        skm.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    )
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for i, code in enumerate(labels):
        got = rep["per_class"][str(code)]
        assert got["precision"] == pytest.approx(p[i])
        assert got["recall"] == pytest.approx(r[i])
        assert got["f1"] == pytest.approx(f[i])
        assert got["support"] == s[i]
    assert rep["confusion_matrix"] == skm.confusion_matrix(y_true, y_pred, labels=labels).tolist()


def test_classification_report_default_labels_and_length_mismatch():
    rep = classification_report([2, 1], [1, 3])
    assert rep["labels"] == [1, 2, 3]
    with pytest.raises(ValueError):
        classification_report([1, 2], [1])


def test_force_penalty_score():
    A = penalty_matrix()
    y = np.array([30000, 65000, 65000, 70032])
    assert force_penalty_score(y, y) == 0.0
    shale = np.full(4, 65000)
    expected = -(A[0, 2] + 0 + 0 + A[6, 2]) / 4  # by hand: -(3.5 + 3.75) / 4
    assert force_penalty_score(y, shale) == pytest.approx(expected) == pytest.approx(-1.8125)
    with pytest.raises(ValueError, match="not FORCE"):
        force_penalty_score([30000, 1], [30000, 30000])
    with pytest.raises(ValueError):
        force_penalty_score([30000], [30000, 30000])


def test_is_force_codes():
    assert is_force_codes([30000.0, 93000, 65030])
    assert not is_force_codes([30000, 1, 2])
    assert not is_force_codes([np.nan, 30000])


def test_regression_report_by_hand_and_vs_sklearn():
    rep = regression_report([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    assert rep["rmse"] == pytest.approx(np.sqrt(4 / 3))
    assert rep["mae"] == pytest.approx(2 / 3)
    assert rep["r2"] == pytest.approx(1 - 4 / 2)
    rng = np.random.default_rng(1)
    y = rng.normal(size=200)
    yhat = y + rng.normal(scale=0.3, size=200)
    rep = regression_report(y, yhat)
    assert rep["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, yhat)))
    assert rep["mae"] == pytest.approx(skm.mean_absolute_error(y, yhat))
    assert rep["r2"] == pytest.approx(skm.r2_score(y, yhat))


def test_regression_report_skips_nan_pairs():
    rep = regression_report([1.0, np.nan, 3.0], [1.0, 2.0, 3.0])
    assert rep["n_samples"] == 2 and rep["rmse"] == 0.0
    with pytest.raises(ValueError):
        regression_report([np.nan], [1.0])
