import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def synthetic_lithology(rng, n=3000):
    """Three lithologies from GR (API), RHOB (g/cm³), NPHI (v/v): shale, sandstone, limestone."""
    y = rng.integers(0, 3, n)
    gr = np.choose(y, [110.0, 40.0, 25.0]) + rng.normal(0, 12, n)
    rhob = np.choose(y, [2.45, 2.30, 2.62]) + rng.normal(0, 0.05, n)
    nphi = np.choose(y, [0.33, 0.20, 0.08]) + rng.normal(0, 0.04, n)
    X = np.column_stack([gr, rhob, nphi])
    return (X - X.mean(0)) / X.std(0), y


def pytest_collection_modifyitems(config, items):
    """Leave out scikit-learn's array-API checks: geonet.nn takes NumPy arrays only, and those checks
    would only report themselves skipped (they need SCIPY_ARRAY_API set before SciPy is imported)."""
    items[:] = [item for item in items if "check_array_api_input" not in item.nodeid]
