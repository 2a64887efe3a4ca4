"""Data-parallel steps (geonet.nn.parallel) and the BLAS thread control (geonet.nn.blas): the same
gradients and the same training as one thread, up to floating-point summation order."""

import numpy as np
import pytest
from conftest import synthetic_lithology

from geonet.nn import Network, fit, make_optimizer
from geonet.nn import blas
from geonet.nn.backprop import Workspace
from geonet.nn import parallel as parallel_module
from geonet.nn.parallel import DataParallel, choose_threads, step_flops


def _one_thread_grad(net, X, T, scale):
    ws = Workspace(net, len(X))
    out = ws.forward(X).copy()
    return ws.backward(T, scale).copy(), out


@pytest.mark.parametrize("n", [1, 2, 7, 64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("threads", [2, 3])
def test_sharded_gradient_equals_one_thread(rng, n, weighted, threads):
    net = Network([5, 8, 6, 4], "tanh", "softmax", dtype="float64", rng=rng)
    X = rng.normal(size=(n, 5))
    T = net.targets(rng.integers(0, 4, n))
    scale = net.weight_scale(rng.uniform(0.1, 2, n) if weighted else None, n, net.dtype)
    if not weighted:
        scale = 1.0 / n  # the scalar form fit uses without sample weights
    expected, a_L = _one_thread_grad(net, X, T, scale)
    outputs = np.full((n, 4), np.nan)
    with DataParallel(net, 64, threads) as parallel:
        grad = parallel.step(X, T, scale, outputs)
        np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(outputs, a_L, rtol=1e-12, atol=1e-15)
        again = parallel.step(X, T, scale, outputs)  # buffers reused: no stale sums
        np.testing.assert_allclose(again, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "nesterov"])
def test_fit_on_two_threads_matches_one_thread(rng, optimizer):
    X, y = synthetic_lithology(rng, 1000)
    nets = [Network([3, 16, 16, 3], "relu", "softmax", dtype="float64", rng=np.random.default_rng(1)) for _ in range(2)]
    # batches of 100 and a last one of 7 rows; 1007 rows so the last batch is split too
    X, y = np.vstack([X, X[:7]]), np.concatenate([y, y[:7]])
    histories = [fit(net, X, y, make_optimizer(optimizer, lr=1e-2), epochs=3, batch_size=100,
                     rng=np.random.default_rng(2), l2=1e-3, threads=threads)
                 for net, threads in zip(nets, (1, 2))]
    split = pytest.MonkeyPatch.context()
    with split as mp:  # the same with the update split over the threads (large nets' path)
        mp.setattr(parallel_module, "MIN_PARAMS_TO_SPLIT_UPDATE", 1)
        net3 = Network([3, 16, 16, 3], "relu", "softmax", dtype="float64", rng=np.random.default_rng(1))
        fit(net3, X, y, make_optimizer(optimizer, lr=1e-2), epochs=3, batch_size=100,
            rng=np.random.default_rng(2), l2=1e-3, threads=2)
    np.testing.assert_allclose(net3.params, nets[0].params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(nets[1].params, nets[0].params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(histories[1].train_loss, histories[0].train_loss, rtol=1e-9)
    assert not np.array_equal(nets[0].params, Network([3, 16, 16, 3], "relu", "softmax", dtype="float64",
                                                      rng=np.random.default_rng(1)).params)  # it trained


def test_fit_float32_two_threads_close_to_one_thread(rng):
    X, y = synthetic_lithology(rng, 600)
    nets = [Network([3, 32, 3], rng=np.random.default_rng(1)) for _ in range(2)]
    for net, threads in zip(nets, (1, 2)):
        fit(net, X, y, make_optimizer("adam", lr=1e-2), epochs=2, batch_size=128,
            rng=np.random.default_rng(2), sample_weight=np.linspace(0.5, 1.5, 600), threads=threads)
    np.testing.assert_allclose(nets[1].params, nets[0].params, rtol=1e-3, atol=1e-4)


def test_worker_error_reaches_the_caller_and_threads_stop(rng):
    net = Network([3, 4, 2], dtype="float64", rng=rng)
    parallel = DataParallel(net, 8, 2)
    X, T = rng.normal(size=(8, 3)), net.targets(rng.integers(0, 2, 8))
    with pytest.raises(ValueError):
        parallel.step(X, T, 1 / 8, np.empty((8, 3)))  # outputs of the wrong width in both shards
    grad = parallel.step(X, T, 1 / 8, np.empty((8, 2)))  # still usable after an error
    assert np.isfinite(grad).all()
    threads = [w._thread for w in parallel._workers]
    parallel.close()
    assert not any(t.is_alive() for t in threads)


def test_thread_count_follows_problem_size():
    assert choose_threads([7, 32, 9], 64, cpus=2) == 1  # tiny nets stay on one thread
    assert choose_threads([10, 256, 256, 9], 1024, cpus=2) == 2
    assert choose_threads([10, 256, 256, 9], 1024, cpus=1) == 1
    assert choose_threads([10, 256, 256, 9], 1, cpus=8) == 1  # never more threads than rows
    # forward 2·n·Σ m·n_l, weight gradients the same, δ for every layer but the first
    assert step_flops([2, 3, 4], 10) == 10 * (2 * (2 * (6 + 12)) + 2 * 12)


def test_blas_threads_set_and_restored():
    before = blas.get_threads()
    if before is None:
        pytest.skip("NumPy's BLAS is not a reachable OpenBLAS here")
    with blas.blas_threads(1):
        assert blas.get_threads() == 1
    assert blas.get_threads() == before
    with blas.blas_threads(None):
        assert blas.get_threads() == before


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_optimizer_update_in_ranges_equals_step(rng, name):
    theta = rng.normal(size=50)
    whole, parts = theta.copy(), theta.copy()
    opt_whole, opt_parts = make_optimizer(name, lr=0.1), make_optimizer(name, lr=0.1)
    for _ in range(3):
        g = rng.normal(size=50)
        opt_whole.step(whole, g)
        opt_parts.begin(g)
        for lo, hi in [(30, 50), (0, 17), (17, 30)]:  # any order, disjoint, covering
            opt_parts.update(parts, g, lo, hi)
    np.testing.assert_allclose(parts, whole, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("threads", [2, 3])
def test_step_update_equals_step_then_update(rng, threads):
    net = Network([5, 8, 4], "relu", "softmax", dtype="float64", rng=rng)
    X, T = rng.normal(size=(30, 5)), net.targets(rng.integers(0, 4, 30))
    theta_one, theta_par = net.params.copy(), net.params.copy()
    opt_one, opt_par = make_optimizer("adam", lr=0.05), make_optimizer("adam", lr=0.05)
    with DataParallel(net, 30, 1) as one, DataParallel(net, 30, threads) as par:
        for _ in range(2):
            net.params[...] = theta_one
            g = one.step(X, T, 1 / 30, np.empty((30, 4))).copy()
            g[: net.n_weights] += 0.01 * theta_one[: net.n_weights]
            opt_one.step(theta_one, g)
            net.params[...] = theta_par
            def decay(lo, hi):
                hi = min(hi, net.n_weights)
                if lo < hi:
                    par.grad[lo:hi] += 0.01 * net.params[lo:hi]

            par.step_update(X, T, 1 / 30, np.empty((30, 4)), net.params, opt_par, decay)
            theta_par = net.params.copy()
    np.testing.assert_allclose(theta_par, theta_one, rtol=1e-12, atol=1e-14)


def test_step_update_error_reaches_the_caller(rng):
    net = Network([3, 4, 2], dtype="float64", rng=rng)
    X, T = rng.normal(size=(8, 3)), net.targets(rng.integers(0, 2, 8))
    before = net.params.copy()
    with DataParallel(net, 8, 2) as parallel:
        with pytest.raises(ValueError):
            parallel.step_update(X, T, 1 / 8, np.empty((8, 3)), net.params, make_optimizer("sgd", lr=0.1))
        np.testing.assert_array_equal(net.params, before)  # no half-applied update
        parallel.step_update(X, T, 1 / 8, np.empty((8, 2)), net.params, make_optimizer("sgd", lr=0.1))
    assert not np.array_equal(net.params, before)
