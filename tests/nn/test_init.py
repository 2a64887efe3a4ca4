"""Initialisation schemes: shapes, ranges, and which one each activation gets."""

import numpy as np

from geonet.nn import Network
from geonet.nn.init import INITS


def test_glorot_uniform_bounds_weights_and_biases():
    W, b = INITS["glorot_uniform"](np.random.default_rng(0), 64, 10)
    r = np.sqrt(6 / 74)
    assert W.shape == (64, 10) and b.shape == (64,)
    assert np.abs(W).max() <= r and np.abs(W).max() > 0.9 * r
    assert np.abs(b).max() <= r and np.abs(b).min() > 0  # biases start non-zero (fewer dead relus)


def test_relu_nets_start_like_scikit_learn_and_tanh_nets_xavier():
    relu = Network([10, 64, 9], "relu", rng=np.random.default_rng(0))
    assert np.abs(relu.biases[0]).max() > 0 and np.abs(relu.biases[1]).max() > 0
    assert np.abs(relu.weights[0]).max() <= np.sqrt(6 / 74)
    tanh = Network([10, 64, 9], "tanh", rng=np.random.default_rng(0))
    assert not tanh.biases[0].any()  # Xavier normal hidden layers keep zero biases
    assert abs(tanh.weights[0].std() - np.sqrt(2 / 74)) < 0.03


def test_float32_and_float64_nets_start_alike():
    a = Network([3, 5, 2], dtype="float32", rng=np.random.default_rng(1))
    b = Network([3, 5, 2], dtype="float64", rng=np.random.default_rng(1))
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6)
