"""The fit loop: a hand-worked SGD step, learning XOR and a toy lithology, early stopping,
divergence, determinism, callbacks, L2."""

import numpy as np
import pytest
from conftest import synthetic_lithology

from geonet.errors import TrainingDiverged
from geonet.nn import SGD, Adam, EpochEnd, Network, fit, make_optimizer, make_schedule


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_single_sgd_step_by_hand():
    """One full-batch SGD step on a 2-2-1 sigmoid net, quadratic cost, worked per sample."""
    net = Network([2, 2, 1], "sigmoid", "sigmoid", dtype="float64", rng=np.random.default_rng(0))
    W1, b1 = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([0.35, 0.35])
    W2, b2 = np.array([[0.40, 0.45]]), np.array([0.60])
    net.weights[0][:], net.biases[0][:], net.weights[1][:], net.biases[1][:] = W1, b1, W2, b2
    X = np.array([[0.05, 0.10], [0.9, -0.4], [-0.3, 0.7]])
    Y = np.array([[0.01], [0.99], [0.5]])
    eta = 0.5

    gW1, gb1, gW2, gb2 = np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)
    for x, y in zip(X, Y):  # textbook, one sample at a time, column vectors
        h = sigmoid(W1 @ x + b1)
        o = sigmoid(W2 @ h + b2)
        d2 = (o - y) * o * (1 - o)
        d1 = (W2.T @ d2) * h * (1 - h)
        gW2 += np.outer(d2, h); gb2 += d2; gW1 += np.outer(d1, x); gb1 += d1  # noqa: E702
    n = len(X)
    fit(net, X, Y, SGD(lr=eta), epochs=1, batch_size=n, rng=np.random.default_rng(0))
    np.testing.assert_allclose(net.weights[0], W1 - eta * gW1 / n, rtol=0, atol=1e-14)
    np.testing.assert_allclose(net.biases[0], b1 - eta * gb1 / n, rtol=0, atol=1e-14)
    np.testing.assert_allclose(net.weights[1], W2 - eta * gW2 / n, rtol=0, atol=1e-14)
    np.testing.assert_allclose(net.biases[1], b2 - eta * gb2 / n, rtol=0, atol=1e-14)


def test_l2_decays_weights_not_biases():
    rng = np.random.default_rng(2)
    net = Network([3, 4, 2], "tanh", "identity", dtype="float64", rng=rng)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    nabla_w, nabla_b = net.backprop(X, Y)
    W, b = [w.copy() for w in net.weights], [v.copy() for v in net.biases]
    lam, eta = 0.3, 0.1
    fit(net, X, Y, SGD(lr=eta), epochs=1, batch_size=8, l2=lam, rng=rng)
    for l in range(2):
        np.testing.assert_allclose(net.weights[l], W[l] - eta * (nabla_w[l] + lam * W[l]), atol=1e-13)
        np.testing.assert_allclose(net.biases[l], b[l] - eta * nabla_b[l], atol=1e-13)


def test_learns_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    Y = np.array([[0], [1], [1], [0]], float)
    net = Network([2, 4, 1], "tanh", "sigmoid", rng=np.random.default_rng(0))
    history = fit(net, X, Y, Adam(lr=0.05), epochs=600, batch_size=4, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(net.forward(X).round(), Y)
    assert history.train_loss[-1] < 0.01 < history.train_loss[0]


def test_learns_synthetic_lithology():
    rng = np.random.default_rng(0)
    X, y = synthetic_lithology(rng)
    net = Network([3, 16, 16, 3], "relu", "softmax", rng=rng)
    fit(net, X[:2000], y[:2000], make_optimizer("adam", lr=3e-3), epochs=20, batch_size=64, rng=rng)
    accuracy = np.mean(net.forward(X[2000:]).argmax(1) == y[2000:])
    assert accuracy > 0.9


def test_training_loss_is_mean_of_batch_losses():
    rng = np.random.default_rng(1)
    X, y = synthetic_lithology(rng, 300)
    net = Network([3, 8, 3], "tanh", "softmax", dtype="float64", rng=rng)
    before = net.params.copy()

    losses = []
    opt = SGD(lr=1e-12)  # parameters barely move: the epoch loss ≈ the full-data loss
    history = fit(net, X, y, opt, epochs=1, batch_size=100, rng=rng, callbacks=[lambda e: losses.append(e)])
    assert history.train_loss[0] == pytest.approx(net.loss(X, y), rel=1e-9)
    assert losses[0].train_loss == history.train_loss[0]
    assert np.allclose(before, net.params)


def test_early_stopping_restores_best_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]])
    snapshots = {}

    def snapshot(event: EpochEnd):
        snapshots[event.epoch] = net.params.copy()

    net = Network([3, 8, 1], "tanh", "identity", dtype="float64", rng=rng)
    # validation targets are the negated truth: the better the fit, the worse the validation loss
    history = fit(net, X, Y, Adam(lr=0.01), epochs=50, batch_size=32, rng=rng, X_val=X, Y_val=-Y,
                  patience=3, callbacks=[snapshot])
    assert history.best_epoch == 1
    assert history.stopped_epoch == 4 and len(history.val_loss) == 4
    assert history.val_loss[-1] > history.val_loss[0]
    np.testing.assert_array_equal(net.params, snapshots[1])


def test_callback_can_stop_and_sees_norms():
    rng = np.random.default_rng(0)
    X, y = synthetic_lithology(rng, 500)
    net = Network([3, 5, 4, 3], "relu", "softmax", rng=rng)
    events = []
    history = fit(net, X, y, Adam(), epochs=10, batch_size=50, rng=rng,
                  callbacks=[events.append, lambda e: e.epoch == 2])
    assert history.stopped_epoch == 2 and len(events) == 2
    e = events[-1]
    assert e.step == 20 and e.val_loss is None and e.lr == pytest.approx(1e-3) and e.seconds > 0
    assert list(e.grad_norms) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert all(v > 0 for v in e.grad_norms.values())
    for l in range(3):
        assert e.weight_norms[f"W{l + 1}"] == pytest.approx(np.linalg.norm(net.weights[l]), rel=1e-5)
        assert e.weight_norms[f"b{l + 1}"] == pytest.approx(np.linalg.norm(net.biases[l]), rel=1e-5, abs=1e-7)
    with pytest.raises(Exception):
        e.epoch = 3  # frozen


def test_grad_norms_are_means_of_per_step_norms():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    net = Network([2, 3, 1], "tanh", "identity", dtype="float64", rng=rng)
    nabla_w, nabla_b = net.backprop(X, Y)
    events = []
    fit(net, X, Y, SGD(lr=0.1), epochs=1, batch_size=10, rng=rng, callbacks=[events.append])
    assert events[0].grad_norms["W1"] == pytest.approx(np.linalg.norm(nabla_w[0]), rel=1e-12)
    assert events[0].grad_norms["b2"] == pytest.approx(np.linalg.norm(nabla_b[1]), rel=1e-12)


def test_grad_norms_sample_every_kth_step_of_long_epochs():
    from geonet.nn.fit import GRAD_NORM_STEPS

    rng = np.random.default_rng(5)
    n, B = 4 * GRAD_NORM_STEPS * 3 + 2, 3  # 4·32 + 1 steps → k = 5: steps 0, 5, ..., 125 (26 of them)
    X, Y = rng.normal(size=(n, 2)), rng.normal(size=(n, 1))
    net = Network([2, 3, 1], "tanh", "identity", dtype="float64", rng=rng)
    order = np.random.default_rng(9).permutation(n)  # fit's first draw from its rng is the permutation
    steps = -(-n // B)
    k = -(-steps // GRAD_NORM_STEPS)
    sampled = [net.backprop(X[order[s : s + B]], Y[order[s : s + B]])[0][0] for s in range(0, n, B)][::k]
    events = []
    fit(net, X, Y, SGD(lr=1e-12), epochs=1, batch_size=B, rng=np.random.default_rng(9), callbacks=[events.append])
    assert k == 5 and len(sampled) == 26
    assert events[0].grad_norms["W1"] == pytest.approx(np.mean([np.linalg.norm(g) for g in sampled]), rel=1e-9)


@pytest.mark.parametrize("output", ["identity", "softmax"])
def test_divergence_raises_with_epoch_and_advice(output):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 4)) * 10
    Y = rng.normal(size=(256, 2)) if output == "identity" else rng.integers(0, 2, 256)
    net = Network([4, 16, 2], "relu", output, rng=rng)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+, step \d+.*lower learning rate"):
        fit(net, X, Y, SGD(lr=1e12), epochs=5, batch_size=32, rng=rng)


def test_same_seed_same_result():
    def run():
        rng = np.random.default_rng(42)
        X, y = synthetic_lithology(np.random.default_rng(1), 400)
        net = Network([3, 8, 3], "leaky_relu", "softmax", rng=rng)
        h = fit(net, X, y, Adam(lr=1e-2), epochs=3, batch_size=37, rng=rng)
        return net.params.copy(), h.train_loss

    (p1, l1), (p2, l2) = run(), run()
    np.testing.assert_array_equal(p1, p2)
    assert l1 == l2


def test_schedule_sets_lr_per_epoch():
    rng = np.random.default_rng(0)
    X, y = synthetic_lithology(rng, 100)
    net = Network([3, 4, 3], rng=rng)
    opt = make_optimizer("momentum", lr=0.1)
    h = fit(net, X, y, opt, epochs=4, batch_size=50, rng=rng, schedule=make_schedule("step", lr=0.1, step_size=2, gamma=0.5))
    assert h.lr == pytest.approx([0.1, 0.1, 0.05, 0.05])


def test_sample_weight_zero_rows_do_not_matter():
    rng = np.random.default_rng(0)
    X, y = synthetic_lithology(rng, 64)
    w = np.ones(64)
    w[::2] = 0.0
    a = Network([3, 4, 3], "tanh", dtype="float64", rng=np.random.default_rng(1))
    b = Network([3, 4, 3], "tanh", dtype="float64", rng=np.random.default_rng(1))
    fit(a, X, y, SGD(lr=0.1), epochs=1, batch_size=64, rng=rng, sample_weight=w)
    fit(b, X[1::2], y[1::2], SGD(lr=0.1), epochs=1, batch_size=32, rng=rng)
    np.testing.assert_allclose(a.params, b.params, atol=1e-13)


def test_bad_inputs_are_refused():
    net = Network([3, 4, 3], rng=np.random.default_rng(0))
    X = np.zeros((5, 3))
    with pytest.raises(ValueError, match="finite"):
        fit(net, np.full((5, 3), np.nan), np.zeros(5, int), SGD(lr=0.1))
    with pytest.raises(ValueError, match="patience"):
        fit(net, X, np.zeros(5, int), SGD(lr=0.1), patience=2)
    with pytest.raises(Exception, match="class indices"):
        fit(net, X, np.full(5, 3), SGD(lr=0.1))
