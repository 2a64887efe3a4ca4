"""Backprop against central finite differences, the chapter's chain example, shortcuts."""

import numpy as np
import pytest

from geonet.nn import ACTIVATIONS, SHORTCUTS, Network
from geonet.nn.activations import OUTPUTS
from geonet.nn.backprop import Workspace
from geonet.nn.costs import COSTS

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu"]
PAIRS = [("softmax", "cross_entropy"), ("identity", "mse"), ("sigmoid", "quadratic"),
         ("softmax", "quadratic"), ("sigmoid", "cross_entropy"), ("identity", "quadratic")]
ARCHS = [[3, 4, 2], [2, 5, 3, 3], [4, 3, 4, 3, 2]]


def targets(rng, output, n, k):
    if output == "softmax":
        return rng.integers(0, k, n)
    if output == "sigmoid":
        return rng.uniform(0.05, 0.95, (n, k))
    return rng.normal(size=(n, k))


def flat(nabla_w, nabla_b):
    return np.concatenate([g.ravel() for g in nabla_w] + [g.ravel() for g in nabla_b])


def finite_difference(net, X, Y, sample_weight=None, eps=1e-6):
    p, fd = net.params, np.zeros(net.params.size)
    for i in range(p.size):
        old = p[i]
        p[i] = old + eps
        plus = net.loss(X, Y, sample_weight)
        p[i] = old - eps
        minus = net.loss(X, Y, sample_weight)
        p[i] = old
        fd[i] = (plus - minus) / (2 * eps)
    return fd


def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


@pytest.mark.parametrize("sizes", ARCHS, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("output,cost", PAIRS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_backprop_matches_central_differences(activation, output, cost, sizes):
    rng = np.random.default_rng(7)
    net = Network(sizes, activation, output, cost=cost, dtype="float64", rng=rng)
    net.params += rng.normal(0, 0.1, net.params.size)  # non-zero biases too
    X = rng.normal(size=(6, sizes[0]))
    Y = targets(rng, output, 6, sizes[-1])
    if activation in ("relu", "leaky_relu"):  # keep every pre-activation away from the kink
        z = _hidden_z(net, X)
        assert min(np.abs(zl).min() for zl in z) > 1e-4
    analytic = flat(*net.backprop(X, Y))
    assert relative_error(analytic, finite_difference(net, X, Y)) < 1e-6


def _hidden_z(net, X):
    ws = Workspace(net, len(X))
    ws.forward(X)
    return [ws.z[l] for l in range(1, net.n_layers)]


def test_weighted_gradient_matches_differences_and_duplicated_rows():
    rng = np.random.default_rng(3)
    net = Network([3, 4, 3], "tanh", "softmax", dtype="float64", rng=rng)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 3, 5)
    w = np.array([2.0, 1.0, 0.5, 1.0, 3.0])
    analytic = flat(*net.backprop(X, y, sample_weight=w))
    assert relative_error(analytic, finite_difference(net, X, y, w)) < 1e-6
    # integer weights ≡ repeated rows
    counts = np.array([2, 1, 0, 1, 3])
    rep = np.repeat(np.arange(5), counts)
    np.testing.assert_allclose(flat(*net.backprop(X, y, sample_weight=counts)),
                               flat(*net.backprop(X[rep], y[rep])), rtol=1e-12, atol=1e-15)


def test_chapter_chain_of_single_neurons():
    """∂C/∂w1 = x·σ'(h1)·w2·σ'(h2)·w3·σ'(h3)·∂C/∂y for a 1-1-1-1 sigmoid chain, quadratic cost."""
    net = Network([1, 1, 1, 1], "sigmoid", "sigmoid", dtype="float64", rng=np.random.default_rng(0))
    w1, w2, w3, b1, b2, b3 = 0.8, -1.3, 0.6, 0.1, -0.2, 0.3
    net.params[:] = [w1, w2, w3, b1, b2, b3]
    x, y = 0.7, 0.2

    def s(h):
        return 1 / (1 + np.exp(-h))

    h1 = w1 * x + b1
    h2 = w2 * s(h1) + b2
    h3 = w3 * s(h2) + b3
    out = s(h3)
    ds = lambda h: s(h) * (1 - s(h))  # noqa: E731
    dC_dy = out - y  # C = ½ (y_out − y)²
    expected_w1 = x * ds(h1) * w2 * ds(h2) * w3 * ds(h3) * dC_dy
    expected_b1 = ds(h1) * w2 * ds(h2) * w3 * ds(h3) * dC_dy

    nabla_w, nabla_b = net.backprop(np.array([[x]]), np.array([[y]]))
    assert abs(nabla_w[0][0, 0] - expected_w1) < 1e-12
    assert abs(nabla_b[0][0] - expected_b1) < 1e-12
    assert abs(net.loss(np.array([[x]]), np.array([y])) - 0.5 * dC_dy**2) < 1e-15


@pytest.mark.parametrize("pair", sorted(SHORTCUTS))
def test_shortcut_equals_general_path(pair):
    output, cost = pair
    rng = np.random.default_rng(1)
    z = rng.normal(size=(8, 4)) * 3
    a = OUTPUTS[output].value(z, np.empty_like(z))
    y = np.eye(4)[rng.integers(0, 4, 8)] if output == "softmax" else rng.normal(size=(8, 4))
    general = OUTPUTS[output].jvp(z, a, COSTS[cost].grad(a, y, np.empty_like(a)), np.empty_like(a))
    shortcut = SHORTCUTS[pair](a, y, np.empty_like(a))
    np.testing.assert_allclose(shortcut, general, rtol=1e-10, atol=1e-12)


def test_softmax_ce_network_gradient_same_with_and_without_shortcut(monkeypatch):
    rng = np.random.default_rng(5)
    net = Network([3, 6, 4], "relu", "softmax", dtype="float64", rng=rng)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 4, 10)
    fast = flat(*net.backprop(X, y))
    monkeypatch.delitem(SHORTCUTS, ("softmax", "cross_entropy"))
    general = flat(*net.backprop(X, y))
    np.testing.assert_allclose(fast, general, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_differences(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 41) + 0.013  # avoid z = 0 exactly
    z = z[None, :]
    a = act.value(z, np.empty_like(z))
    eps = 1e-6
    fd = (act.value(z + eps, np.empty_like(z)) - act.value(z - eps, np.empty_like(z))) / (2 * eps)
    np.testing.assert_allclose(act.prime(z, a, np.empty_like(z)), fd, rtol=1e-6, atol=1e-8)


def test_float32_default_and_float64_on_request():
    net = Network([2, 3, 2], rng=np.random.default_rng(0))
    assert net.dtype == np.float32 and all(w.dtype == np.float32 for w in net.weights)
    assert net.predict_output(np.ones((4, 2))).dtype == np.float32
    net64 = Network([2, 3, 2], dtype="float64", rng=np.random.default_rng(0))
    np.testing.assert_allclose(net64.params, net.params, rtol=1e-6)


def test_weights_are_views_into_flat_params():
    net = Network([3, 4, 2], rng=np.random.default_rng(0))
    assert net.weights[0].shape == (4, 3) and net.weights[1].shape == (2, 4)
    assert all(np.shares_memory(v, net.params) for v in net.weights + net.biases)
    net.params[:] = 0
    assert not net.weights[1].any()


def test_predict_output_streams_in_batches():
    rng = np.random.default_rng(0)
    net = Network([3, 5, 4], "tanh", rng=rng)
    X = rng.normal(size=(103, 3))
    np.testing.assert_array_equal(net.predict_output(X, batch_size=10)[:100],
                                  net.predict_output(X, batch_size=100)[:100])
    np.testing.assert_allclose(net.predict_output(X, batch_size=7), net.forward(X), rtol=1e-6)
    assert np.allclose(net.forward(X).sum(1), 1, atol=1e-6)


def test_softmax_is_stable_for_large_logits():
    from geonet.nn.activations import softmax

    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [-500.0, -500.0, -400.0]], np.float32)
    expected = np.exp(z - z.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(softmax(z, np.empty_like(z)), expected, rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(softmax(z.copy(), z), expected, rtol=1e-6, atol=1e-30)  # in place
    # all logits far below 0 (e^z underflows unshifted), and all within [−64, 64] (no shift taken)
    for z in (np.array([[-90.0, -91.0, -95.0], [-100.0, -100.0, -100.0]], np.float32),
              np.array([[60.0, 59.0, -60.0], [0.5, -0.5, 0.0]], np.float32)):
        expected = np.exp(z.astype(np.float64) - z.max(1, keepdims=True))
        expected /= expected.sum(1, keepdims=True)
        np.testing.assert_allclose(softmax(z, np.empty_like(z)), expected, rtol=1e-6, atol=1e-30)
