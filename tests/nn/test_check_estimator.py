"""scikit-learn's own estimator checks on MLPClassifier / MLPRegressor (sklearn only in tests).

The instances get a training budget that fits the checks' tiny data sets (a few hundred rows,
where the default batch of 256 would make one step per epoch). One check does not apply:

- ``check_sample_weight_equivalence_on_dense_data``: weight 2 must equal the row repeated. With
  shuffled mini-batches it cannot: a repeated row changes the number of steps per epoch and which
  rows share a batch, so the two fits follow different paths (scikit-learn expects the same
  failure of its own MLP and SGD estimators).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from geonet.nn.estimator import MLPClassifier, MLPRegressor

BUDGET = dict(hidden_layer_sizes=(16,), epochs=100, batch_size=16, learning_rate=1e-2, random_state=0)
NOT_APPLICABLE = {
    "check_sample_weight_equivalence_on_dense_data":
        "shuffled mini-batches: a repeated row changes the steps per epoch and the batches",
}


@parametrize_with_checks([MLPClassifier(**BUDGET), MLPRegressor(**BUDGET)],
                         expected_failed_checks=lambda estimator: NOT_APPLICABLE)
def test_sklearn_check_estimator(estimator, check):
    check(estimator)
