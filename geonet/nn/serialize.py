"""Save and load a network as ``network.npz`` (arrays) + ``network.json`` (architecture, metadata).

The .npz holds W1..WL (n_l, n_{l−1}) and b1..bL (n_l,) in the network's dtype and is read
with ``allow_pickle=False``; reloading predicts bit-identically.  Both files are written
atomically: to a temporary file in the same directory, then ``os.replace``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_path, write_text_atomic
from ..errors import ModelError
from .network import Network

FORMAT = "geonet.nn.network"
VERSION = 1


def save_network(net: Network, directory, metadata: dict | None = None) -> Path:
    """Write directory/network.npz and directory/network.json; returns the directory.

    metadata: any JSON-serialisable dict, stored under "metadata".
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {f"W{l}": w for l, w in enumerate(net.weights, 1)}
    arrays |= {f"b{l}": b for l, b in enumerate(net.biases, 1)}
    spec = {
        "format": FORMAT, "version": VERSION, "sizes": list(net.sizes), "activation": net.activation,
        "output": net.output, "cost": net.cost, "dtype": str(net.dtype), "metadata": metadata or {},
    }
    text = json.dumps(spec, indent=2, allow_nan=False)
    with atomic_path(directory / "network.npz") as tmp:
        with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a path
            np.savez(f, **arrays)
    write_text_atomic(directory / "network.json", text)
    return directory


def load_network(directory) -> tuple[Network, dict]:
    """(network, metadata) from a directory written by ``save_network``; ModelError if unusable."""
    directory = Path(directory)
    spec_path, npz_path = directory / "network.json", directory / "network.npz"
    try:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        if spec.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        L = len(spec["sizes"]) - 1
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"cannot read network description: {exc}", path=spec_path) from None
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            weights = [npz[f"W{l}"] for l in range(1, L + 1)]
            biases = [npz[f"b{l}"] for l in range(1, L + 1)]
    except (OSError, ValueError, KeyError) as exc:  # object arrays raise ValueError with allow_pickle=False
        raise ModelError(f"cannot read network weights: {exc}", path=npz_path) from None
    try:
        expected = [(int(n), int(m)) for m, n in zip(spec["sizes"][:-1], spec["sizes"][1:])]
        dtype = np.dtype(spec["dtype"])
    except (TypeError, ValueError) as exc:
        raise ModelError(f"invalid network description: {exc}", path=spec_path) from None
    for l, (w, b, shape) in enumerate(zip(weights, biases, expected), 1):
        if w.shape != shape or b.shape != (shape[0],) or w.dtype != dtype or b.dtype != dtype:
            raise ModelError(f"W{l} {w.shape} {w.dtype}, b{l} {b.shape} {b.dtype} do not match "
                             f"sizes {spec['sizes']} and dtype {dtype}", path=npz_path)
    params = np.concatenate([w.ravel() for w in weights] + [b.ravel() for b in biases])
    try:
        net = Network(spec["sizes"], spec["activation"], spec["output"], cost=spec["cost"],
                      dtype=spec["dtype"], params=params)
    except (KeyError, ValueError) as exc:
        raise ModelError(f"invalid network description: {exc}", path=spec_path) from None
    return net, spec.get("metadata", {})
