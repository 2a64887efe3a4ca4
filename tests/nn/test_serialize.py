"""Save / load: bit-identical predictions, no pickles, atomic writes."""

import json

import numpy as np
import pytest

from geonet.errors import ModelError
from geonet.nn import Network, load_network, save_network


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_predicts_bit_identically(tmp_path, dtype):
    rng = np.random.default_rng(0)
    net = Network([4, 7, 5, 3], "leaky_relu", "softmax", dtype=dtype, rng=rng)
    X = rng.normal(size=(50, 4))
    save_network(net, tmp_path / "model", metadata={"features": ["GR", "RHOB"], "epochs": 3})
    loaded, metadata = load_network(tmp_path / "model")
    assert metadata == {"features": ["GR", "RHOB"], "epochs": 3}
    assert (loaded.sizes, loaded.activation, loaded.output, loaded.cost, loaded.dtype) == \
           (net.sizes, net.activation, net.output, net.cost, net.dtype)
    np.testing.assert_array_equal(loaded.predict_output(X), net.predict_output(X))
    spec = json.loads((tmp_path / "model" / "network.json").read_text())
    assert spec["sizes"] == [4, 7, 5, 3] and spec["dtype"] == dtype
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["network.json", "network.npz"]


def test_object_arrays_are_refused(tmp_path):
    net = Network([2, 2], "relu", "identity", rng=np.random.default_rng(0))
    save_network(net, tmp_path)
    np.savez(tmp_path / "network.npz", W1=np.array([{"evil": 1}], dtype=object), b1=np.zeros(2))
    with pytest.raises(ModelError, match="network.npz"):
        load_network(tmp_path)


def test_missing_or_mismatched_files(tmp_path):
    with pytest.raises(ModelError, match="network.json"):
        load_network(tmp_path / "nothing")
    net = Network([2, 3, 2], rng=np.random.default_rng(0))
    save_network(net, tmp_path)
    spec = json.loads((tmp_path / "network.json").read_text())
    spec["sizes"] = [2, 4, 2]
    (tmp_path / "network.json").write_text(json.dumps(spec))
    with pytest.raises(ModelError, match="do not match"):
        load_network(tmp_path)


def test_overwrite_replaces_whole_files(tmp_path):
    a = Network([2, 3, 2], rng=np.random.default_rng(0))
    b = Network([2, 3, 2], rng=np.random.default_rng(1))
    save_network(a, tmp_path)
    save_network(b, tmp_path)
    loaded, _ = load_network(tmp_path)
    np.testing.assert_array_equal(loaded.params, b.params)
    assert len(list(tmp_path.iterdir())) == 2
