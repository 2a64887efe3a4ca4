"""Training from a batch source: the same loop as fit, and a bounded shuffle buffer that loses no row."""

import numpy as np
import pytest

from geonet.errors import TrainingDiverged
from geonet.nn import Network, array_batches, fit, fit_batches, make_optimizer, shuffled_batches


def _blobs(n=600, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 4)) + y[:, None] * 1.5
    return X.astype(np.float32), y


def _chunks(X, Y, size, w=None):
    for s in range(0, len(X), size):
        yield X[s:s + size], Y[s:s + size], None if w is None else w[s:s + size]


def test_array_source_matches_fit_step_for_step():
    X, y = _blobs()
    nets = [Network([4, 8, 3], rng=np.random.default_rng(1)) for _ in range(2)]
    h1 = fit(nets[0], X, y, make_optimizer("adam", lr=0.01), epochs=3, batch_size=64, rng=np.random.default_rng(5))
    h2 = fit_batches(nets[1], array_batches(X, y, 64), make_optimizer("adam", lr=0.01), epochs=3, batch_size=64,
                     rng=np.random.default_rng(5))
    np.testing.assert_allclose(nets[0].params, nets[1].params, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h1.train_loss, h2.train_loss, rtol=1e-4)


def test_weighted_regression_source_matches_fit():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    Y = (X @ [1.0, -2.0, 0.5])[:, None]
    w = rng.uniform(0.5, 2.0, 300)
    nets = [Network([3, 5, 1], output="identity", dtype="float64", rng=np.random.default_rng(2)) for _ in range(2)]
    fit(nets[0], X, Y, make_optimizer("sgd", lr=0.05), epochs=2, batch_size=32, rng=np.random.default_rng(9),
        sample_weight=w, l2=1e-3)
    fit_batches(nets[1], array_batches(X, Y, 32, w), make_optimizer("sgd", lr=0.05), epochs=2, batch_size=32,
                rng=np.random.default_rng(9), l2=1e-3, weight_mean=float(w.mean()))
    np.testing.assert_allclose(nets[0].params, nets[1].params, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("buffer_rows", [50, 200, 10_000])
def test_shuffle_buffer_yields_every_row_once(buffer_rows):
    X = np.arange(1000, dtype=np.float32)[:, None]
    Y = np.arange(1000)
    batches = list(shuffled_batches(_chunks(X, Y, 64), buffer_rows, 32, np.random.default_rng(0)))
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(1000))
    assert all(len(b[0]) == 32 for b in batches[:-1])
    np.testing.assert_array_equal(np.concatenate([b[0][:, 0] for b in batches]), seen)


def test_shuffle_buffer_holds_a_bounded_window():
    X = np.arange(5000, dtype=np.float32)[:, None]
    Y = np.arange(5000)
    first = next(iter(shuffled_batches(_chunks(X, Y, 100), 400, 50, np.random.default_rng(0))))
    assert first[1].max() < 500  # drawn from the first buffer (400 rows, filled in chunks of 100)
    assert len(np.unique(first[1] // 100)) > 1  # and mixed across chunks


def test_buffer_larger_than_data_is_a_full_permutation():
    X = np.arange(300, dtype=np.float32)[:, None]
    Y = np.arange(300)
    out = np.concatenate([b[1] for b in shuffled_batches(_chunks(X, Y, 50), 10_000, 64, np.random.default_rng(4))])
    np.testing.assert_array_equal(out, np.random.default_rng(4).permutation(300))


def test_streamed_training_learns_and_diverges_loudly():
    X, y = _blobs()
    net = Network([4, 16, 3], rng=np.random.default_rng(0))

    def source(rng):
        order = rng.permutation(len(X) // 100)  # chunks in a random order, as row groups
        return shuffled_batches((( X[i * 100:(i + 1) * 100], y[i * 100:(i + 1) * 100], None) for i in order),
                                250, 32, rng)
    hist = fit_batches(net, source, make_optimizer("adam", lr=0.01), epochs=15, batch_size=32,
                       rng=np.random.default_rng(1), X_val=X, Y_val=y, steps_per_epoch=19)
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    assert (net.predict_output(X).argmax(axis=1) == y).mean() > 0.85
    net2 = Network([4, 16, 3], rng=np.random.default_rng(0))
    with pytest.raises(TrainingDiverged):
        fit_batches(net2, array_batches(X * 1e30, y, 32), make_optimizer("sgd", lr=1e6), epochs=2, batch_size=32,
                    rng=np.random.default_rng(1))


def test_reused_batches_hold_the_same_rows():
    X = np.arange(500, dtype=np.float32)[:, None]
    Y = np.arange(500)
    fresh = [b[1].copy() for b in shuffled_batches(_chunks(X, Y, 64), 128, 32, np.random.default_rng(2))]
    reused = [b[1].copy() for b in shuffled_batches(_chunks(X, Y, 64), 128, 32, np.random.default_rng(2), reuse=True)]
    assert len(fresh) == len(reused)
    for a, b in zip(fresh, reused):
        np.testing.assert_array_equal(a, b)
