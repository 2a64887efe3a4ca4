"""Optimisers, schedules, class weights."""

import numpy as np
import pytest

from geonet.nn import SGD, Adam, Momentum, balanced_class_weights, make_optimizer, make_schedule


def test_sgd_exact_update():
    theta, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.25, -1.0])
    SGD(lr=0.1).step(theta, g)
    np.testing.assert_array_equal(theta, [1.0 - 0.05, -2.0 - 0.025, 3.0 + 0.1])


def test_momentum_accumulates():
    theta, g = np.zeros(3), np.array([1.0, -1.0, 2.0])
    opt = Momentum(lr=0.1, momentum=0.9)
    opt.step(theta, g)
    np.testing.assert_allclose(theta, -0.1 * g)
    opt.step(theta, g)  # v2 = 0.9·(−0.1 g) − 0.1 g
    np.testing.assert_allclose(theta, -0.1 * g * (1 + 1.9))


def test_nesterov_looks_ahead():
    theta, g = np.zeros(2), np.array([1.0, -3.0])
    opt = make_optimizer("nesterov", lr=0.1, momentum=0.5)
    assert isinstance(opt, Momentum) and opt.nesterov
    opt.step(theta, g)  # v1 = −0.1 g; θ = μ v1 − 0.1 g
    np.testing.assert_allclose(theta, -0.1 * g * 1.5)


def test_adam_first_steps_are_lr_times_sign():
    g = np.array([1e-3, -5.0, 200.0], np.float32)
    theta = np.zeros(3, np.float32)
    opt = Adam(lr=1e-3)
    opt.step(theta, g)
    np.testing.assert_allclose(theta, -1e-3 * np.sign(g), rtol=1e-4)
    opt.step(theta, g)  # constant gradient: m̂ = g, v̂ = g² again
    np.testing.assert_allclose(theta, -2e-3 * np.sign(g), rtol=1e-4)
    assert theta.dtype == np.float32 and opt.t == 2


def test_optimizer_state_is_its_own():
    a, b = Adam(), Adam()
    ta, tb = np.zeros(2), np.zeros(2)
    a.step(ta, np.ones(2))
    b.step(tb, -np.ones(2))
    assert a._buffers[0][0] > 0 > b._buffers[0][0]
    a.reset()
    a.step(ta, np.ones(2))
    assert a.t == 1


def test_make_optimizer_names():
    assert isinstance(make_optimizer("sgd", lr=0.5), SGD)
    assert make_optimizer("adam", lr=1e-2, beta1=0.8).beta1 == 0.8
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("rmsprop")
    with pytest.raises(ValueError):
        SGD(lr=0)


def test_schedules():
    assert make_schedule("constant", lr=0.3)(7) == 0.3
    step = make_schedule("step", lr=1.0, step_size=2, gamma=0.5)
    assert [step(e) for e in range(1, 6)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    cos = make_schedule("cosine", lr=1.0, epochs=10, lr_min=0.1)
    assert cos(1) == pytest.approx(1.0)
    assert cos(6) == pytest.approx(0.55)
    assert cos(11) == pytest.approx(0.1)
    assert all(cos(e) >= cos(e + 1) for e in range(1, 11))
    with pytest.raises(ValueError, match="unknown schedule"):
        make_schedule("linear", lr=1.0)


def test_balanced_class_weights_match_sklearn():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0, 0, 0, 0, 1, 2, 2, 1, 0, 0])
    ours = balanced_class_weights(y, 3)
    np.testing.assert_allclose(ours, compute_class_weight("balanced", classes=np.arange(3), y=y))
    assert ours[y].sum() == pytest.approx(len(y))
    assert balanced_class_weights(np.array([0, 0, 2]), 3)[1] == 0.0
