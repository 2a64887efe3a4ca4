"""Benchmark geonet.nn against scikit-learn and PyTorch (CPU) on the same MLP training job.

    .venv/bin/python benchmarks/mlp.py            # full: 200,000 × 10, 10 epochs; wide case 3 epochs
    .venv/bin/python benchmarks/mlp.py --quick    # 50,000 rows, 3 epochs (smoke run)

Small case: 10 features → (64, 64) ReLU → 9-class softmax, batch 256, Adam lr 1e-3, no L2.
Wide case: (256, 256) at batch 1024; geonet's achieved GFLOP/s (matmul flops actually done:
L forward, L weight-gradient and L−1 delta products) against NumPy's own float32 matmul
GFLOP/s on the same shapes, measured in the same run.  A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from geonet.nn import Network, fit, make_optimizer  # noqa: E402


def make_data(n: int, n_features: int = 10, n_classes: int = 9, seed: int = 0):
    """float32 X (n, 10), int y (n,): argmax of a random mildly nonlinear score + noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    A = rng.normal(size=(n_features, n_classes))
    B = rng.normal(size=(n_features, n_classes)) * 0.7
    scores = X @ A + np.sin(2 * X) @ B + 0.5 * (X[:, :1] * X[:, 1:2]) + rng.normal(0, 0.3, (n, n_classes))
    return X, scores.argmax(1).astype(np.int64)


def run_geonet(X, y, hidden, batch, epochs):
    net = Network([X.shape[1], *hidden, int(y.max()) + 1], "relu", "softmax", dtype="float32",
                  rng=np.random.default_rng(0))
    t0 = time.perf_counter()
    fit(net, X, y, make_optimizer("adam", lr=1e-3), epochs=epochs, batch_size=batch, rng=np.random.default_rng(0))
    seconds = time.perf_counter() - t0
    return seconds, float(np.mean(net.predict_output(X).argmax(1) == y))


def run_sklearn(X, y, hidden, batch, epochs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", solver="adam", learning_rate_init=1e-3,
                        batch_size=batch, max_iter=epochs, alpha=0.0, early_stopping=False,
                        n_iter_no_change=10**9, tol=0.0, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - t0
    assert clf.n_iter_ == epochs
    return seconds, float(clf.score(X, y))


def run_torch(X, y, hidden, batch, epochs):
    import torch

    torch.manual_seed(0)
    sizes = [X.shape[1], *hidden]
    layers = []
    for m, n in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(m, n), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], int(y.max()) + 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    n = len(X)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        Xe, ye = Xt[perm], yt[perm]
        for s in range(0, n, batch):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xe[s:s + batch]), ye[s:s + batch])
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        accuracy = float((model(Xt).argmax(1) == yt).float().mean())
    return seconds, accuracy


def matmul_flops_per_step(sizes, batch):
    """Flops of the matmuls in one training step: forward, ∂C/∂W(l), and δ for l ≥ 2."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(2 * batch * m * n for m, n in pairs)
    return forward + forward + sum(2 * batch * m * n for m, n in pairs[1:])


def numpy_matmul_gflops(sizes, batch, repeats=200):
    """NumPy float32 GFLOP/s on exactly the matmul shapes of a training step."""
    rng = np.random.default_rng(0)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    a = [rng.normal(size=(batch, m)).astype(np.float32) for m in sizes]
    W = [rng.normal(size=(n, m)).astype(np.float32) for m, n in pairs]
    d = [rng.normal(size=(batch, n)).astype(np.float32) for _, n in pairs]
    z = [np.empty((batch, n), np.float32) for _, n in pairs]
    gW = [np.empty_like(w) for w in W]
    prev = [np.empty((batch, m), np.float32) for m, _ in pairs]

    def step():
        for l in range(len(pairs)):
            np.matmul(a[l], W[l].T, out=z[l])
            np.matmul(d[l].T, a[l], out=gW[l])
            if l:
                np.matmul(d[l], W[l], out=prev[l])

    for _ in range(10):
        step()
    t0 = time.perf_counter()
    for _ in range(repeats):
        step()
    return matmul_flops_per_step(sizes, batch) * repeats / (time.perf_counter() - t0) / 1e9


def report(name, seconds, accuracy, n, epochs):
    rate = n * epochs / seconds
    print(f"  {name:<8} {rate / 1e3:8.0f} k samples/s   {seconds:7.2f} s   train accuracy {accuracy:.4f}")
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 rows, 3 epochs")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/torch threads for the small case, same for all three (default 1)")
    parser.add_argument("--wide-threads", type=int, default=1,
                        help="BLAS threads for the wide case (default 1: robust on a shared machine; 2 on an idle one)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits  # benchmark-only dependency (comes with scikit-learn)

    n, epochs, wide_epochs = (50_000, 3, 1) if args.quick else (200_000, 10, 3)
    X, y = make_data(n)
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    limit = threadpool_limits(args.threads)
    print(f"small ({args.threads} thread(s)): {n} × {X.shape[1]} → (64, 64) relu → 9 softmax, batch 256, Adam 1e-3, {epochs} epochs")

    rates = {"geonet": report("geonet", *run_geonet(X, y, (64, 64), 256, epochs), n, epochs)}
    if not args.skip_sklearn:
        rates["sklearn"] = report("sklearn", *run_sklearn(X, y, (64, 64), 256, epochs), n, epochs)
    try:
        if args.skip_torch:
            raise ImportError("--skip-torch")
        import torch

        torch.set_num_threads(args.threads)
        rates["torch"] = report("torch", *run_torch(X, y, (64, 64), 256, epochs), n, epochs)
        print(f"  (torch {torch.__version__}, {torch.get_num_threads()} threads)")
    except ImportError as exc:
        print(f"  torch    skipped ({exc})")
    for other in ("sklearn", "torch"):
        if other in rates:
            print(f"  geonet/{other} = {rates['geonet'] / rates[other]:.2f}×")

    limit.restore_original_limits()
    threadpool_limits(args.wide_threads)
    sizes = [X.shape[1], 256, 256, 9]
    print(f"wide ({args.wide_threads} BLAS thread(s)): (256, 256) relu, batch 1024, {wide_epochs} epochs")
    before = numpy_matmul_gflops(sizes, 1024)  # measured before and after: the machine is shared
    seconds, accuracy = run_geonet(X, y, (256, 256), 1024, wide_epochs)
    report("geonet", seconds, accuracy, n, wide_epochs)
    steps = wide_epochs * -(-n // 1024)
    achieved = matmul_flops_per_step(sizes, 1024) * steps / seconds / 1e9
    peak = (before + numpy_matmul_gflops(sizes, 1024)) / 2
    print(f"  geonet {achieved:6.1f} GFLOP/s (matmul flops / training wall time)")
    print(f"  numpy  {peak:6.1f} GFLOP/s (the same float32 matmuls alone, mean of before/after)   → {achieved / peak:.0%}")
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
