"""Attributes: checked against closed forms and against scipy.signal.hilbert (test-only reference)."""

from __future__ import annotations

import numpy as np
import pytest

from geonet.features.attributes import analytic_signal, attributes, smooth, trace_attributes


def test_cosine_has_flat_envelope_linear_phase_and_its_frequency():
    dt_ms, f_hz = 4.0, 25.0
    t = np.arange(500) * dt_ms / 1000
    x = 3.0 * np.cos(2 * np.pi * f_hz * t)  # 25 Hz: an integer number of cycles in the window
    a = trace_attributes(x, dt_ms)
    np.testing.assert_allclose(a["ENVELOPE"][10:-10], 3.0, rtol=1e-6)
    np.testing.assert_allclose(a["INST_FREQ"][10:-10], f_hz, rtol=1e-6)
    assert a["INST_PHASE"][0] == pytest.approx(0.0, abs=1e-6)
    assert a["INST_PHASE"][1] == pytest.approx(360 * f_hz * dt_ms / 1000, abs=1e-4)


def test_analytic_signal_matches_scipy_on_a_grid():
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(0)
    grid = rng.normal(size=(2, 3, 101))
    np.testing.assert_allclose(analytic_signal(grid), signal.hilbert(grid, axis=-1), atol=1e-10)


def test_grid_and_single_trace_give_the_same_values():
    rng = np.random.default_rng(1)
    grid = rng.normal(size=(4, 64))
    grid[1, :5] = np.nan
    whole = attributes({"AMPLITUDE": grid, "AI": grid + 10}, 4.0, smooth_ms=12)
    one = attributes({"AMPLITUDE": grid[1], "AI": grid[1] + 10}, 4.0, smooth_ms=12)
    for name in ("ENVELOPE", "INST_PHASE", "INST_FREQ", "AI_SMOOTH"):
        np.testing.assert_array_equal(whole[name][1], one[name])
    assert np.isnan(whole["ENVELOPE"][1, :5]).all()


def test_smooth_is_a_nan_aware_running_mean():
    x = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    out = smooth(x, 4.0, 8.0)  # 3 samples
    np.testing.assert_allclose(out, [1.5, 1.5, np.nan, 4.5, 5.0, 5.5])
    np.testing.assert_allclose(smooth(x, 4.0, 0.0), x)


def test_missing_inputs_are_skipped():
    assert set(attributes({"AI": np.ones(5)}, 4.0)) == {"AI_SMOOTH"}
