"""Benchmark geonet.nn against scikit-learn and PyTorch (CPU) on the same MLP training jobs (issue 14).

    .venv/bin/python benchmarks/mlp.py            # full: 200,000 × 10, 10 epochs, 3 seeds; 9 wide rounds
    .venv/bin/python benchmarks/mlp.py --quick    # 50,000 rows, 3 epochs, 1 seed, 3 rounds (smoke run)

Tiny case: 7 → 32 → 9 at batch 64, µs per step (goal ≤ 50 on the one thread fit chooses).
Small case: 10 features → (64, 64) ReLU → 9-class softmax, batch 256, Adam lr 1e-3, no L2 on any
side (sklearn's default alpha=1e-4 is set to 0), every library allowed --threads (default 2: both
cores; geonet's fit picks its own data-parallel thread count up to that).  Each library runs once
per seed, interleaved; speed is the median samples/s (goal ≥ 4× sklearn and ≥ 4× torch), accuracy
the mean training accuracy over the seeds (goal within ±1 point of sklearn; with 10 epochs the seed
alone moves it by ±0.5 point, so one seed cannot tell the goal apart from luck).  Initialisations:
geonet and sklearn Glorot-uniform with uniform biases, PyTorch Kaiming-uniform.
Wide case: (256, 256) at batch 1024; geonet's achieved GFLOP/s (matmul flops actually done:
L forward, L weight-gradient and L−1 delta products, over the training wall time) against NumPy's
own float32 matmul GFLOP/s on the same shapes and as many BLAS threads as geonet uses cores (fit's
own choice of threads or helper processes), in alternating rounds, medians compared (goal ≥ 70% on 2).
The machine is shared: the load average is printed at the start and the end; every peer is
measured in the same run.  Each goal prints PASS or FAIL.  A script, not a test.
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
from geonet.nn.parallel import choose_parallel, choose_threads  # noqa: E402


def make_data(n: int, n_features: int = 10, n_classes: int = 9, seed: int = 0):
    """float32 X (n, 10), int y (n,): argmax of a random mildly nonlinear score + noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    A = rng.normal(size=(n_features, n_classes))
    B = rng.normal(size=(n_features, n_classes)) * 0.7
    scores = X @ A + np.sin(2 * X) @ B + 0.5 * (X[:, :1] * X[:, 1:2]) + rng.normal(0, 0.3, (n, n_classes))
    return X, scores.argmax(1).astype(np.int64)


SETTLE = 0.5  # seconds of idle before each timed run in the small case
GEONET_CHOICE = {}  # what fit chose in the small case: printed with the results


def run_geonet(X, y, hidden, batch, epochs, seed=0, threads=None):
    """(wall seconds, training accuracy); fit's own choice of cores and backend, capped at ``threads``."""
    net = Network([X.shape[1], *hidden, int(y.max()) + 1], "relu", "softmax", dtype="float32",
                  rng=np.random.default_rng(seed))
    backend, chosen = choose_parallel(net.sizes, batch, len(X), epochs)
    threads = min(chosen, threads or os.cpu_count())
    GEONET_CHOICE.update(backend=backend, cores=threads)
    t0 = time.perf_counter()
    fit(net, X, y, make_optimizer("adam", lr=1e-3), epochs=epochs, batch_size=batch,
        rng=np.random.default_rng(seed), threads=threads, backend=backend)
    seconds = time.perf_counter() - t0
    return seconds, float(np.mean(net.predict_output(X).argmax(1) == y))


def run_sklearn(X, y, hidden, batch, epochs, seed=0):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", solver="adam", learning_rate_init=1e-3,
                        batch_size=batch, max_iter=epochs, alpha=0.0, early_stopping=False,
                        n_iter_no_change=10**9, tol=0.0, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - t0
    assert clf.n_iter_ == epochs
    return seconds, float(clf.score(X, y))


def run_torch(X, y, hidden, batch, epochs, seed=0):
    import torch

    torch.manual_seed(seed)
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


def matmul_step(sizes, batch):
    """A function running exactly the matmuls of one training step on preallocated float32 arrays."""
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

    return step


def numpy_matmul_gflops(sizes, batch, repeats=40, bursts=5, python_threads=1):
    """NumPy float32 GFLOP/s on exactly the matmul shapes of a training step, one per burst.

    With ``python_threads`` k > 1 the batch is split in k shards run by k Python threads at once
    (call it under one BLAS thread): the matmuls of geonet's data-parallel steps, alone.  Arrays
    are made and warmed up before the clock starts; the threads start together at a barrier.
    """
    import threading

    k = max(1, python_threads)
    steps = [matmul_step(sizes, batch // k) for _ in range(k)]
    for step in steps:
        for _ in range(5):
            step()

    def run(step, barrier):
        barrier.wait()
        for _ in range(repeats):
            step()

    rates = []
    for _ in range(bursts):
        barrier = threading.Barrier(k)
        threads = [threading.Thread(target=run, args=(step, barrier)) for step in steps[1:]]
        for t in threads:
            t.start()
        t0 = time.perf_counter()
        run(steps[0], barrier)
        for t in threads:
            t.join()
        rates.append(matmul_flops_per_step(sizes, batch) * repeats / (time.perf_counter() - t0) / 1e9)
    return rates


def wide_case(X, y, threads, rounds):
    """Interleaved rounds of (NumPy matmul burst, one geonet epoch) for (256, 256) at batch 1024.

    geonet runs on ``threads`` cores as fit chooses (on 2 cores: a helper process for one shard of each
    step; see geonet.nn.processes) with one BLAS thread each; the NumPy reference
    runs the same float32 matmuls alone on ``threads`` BLAS threads.  Alternating round by round
    makes load changes on a shared machine hit both; medians are compared.
    Returns (samples/s median, accuracy, geonet GFLOP/s per epoch, NumPy GFLOP/s per burst).
    """
    from threadpoolctl import threadpool_limits

    sizes = [X.shape[1], 256, 256, int(y.max()) + 1]
    net = Network(sizes, "relu", "softmax", dtype="float32", rng=np.random.default_rng(0))
    optimizer, rng = make_optimizer("adam", lr=1e-3), np.random.default_rng(0)
    flops_per_epoch = matmul_flops_per_step(sizes, 1024) * -(-len(X) // 1024)
    backend, chosen = choose_parallel(sizes, 1024, len(X), 1)  # fit's own choice, for one epoch per fit
    threads = min(threads, chosen) if backend == "processes" else threads
    geonet, reference, sharded = [], [], []
    for _ in range(rounds):
        with threadpool_limits(threads):
            reference += numpy_matmul_gflops(sizes, 1024, repeats=20, bursts=1)
        if threads > 1:
            with threadpool_limits(1):
                sharded += numpy_matmul_gflops(sizes, 1024, repeats=20, bursts=1, python_threads=threads)
        history = fit(net, X, y, optimizer, epochs=1, batch_size=1024, rng=rng, threads=threads, backend=backend)
        geonet.append(flops_per_epoch / history.seconds[0] / 1e9)
    accuracy = float(np.mean(net.predict_output(X).argmax(1) == y))
    how = f"{history.cores} {'helper-process shards' if history.backend == 'processes' else 'data-parallel thread(s)'}"
    return len(X) * np.median(geonet) / flops_per_epoch * 1e9, accuracy, geonet, reference, sharded, how


def tiny_case(rounds: int = 5, n: int = 64 * 4000):
    """µs per training step of a 7 → 32 → 9 net at batch 64 (threads chosen by fit), per round.

    A warm-up epoch runs first, untimed: OpenBLAS's worker threads busy-wait for about 0.1 s after
    a multi-threaded BLAS call (``make_data``'s matmul), and a spinning thread slows this one by
    a third; the steady state is what a step costs."""
    X, y = make_data(n, n_features=7)
    net = Network([7, 32, 9], "relu", "softmax", dtype="float32", rng=np.random.default_rng(0))
    optimizer, rng = make_optimizer("adam", lr=1e-3), np.random.default_rng(0)
    fit(net, X, y, optimizer, epochs=1, batch_size=64, rng=rng)  # warm-up (BLAS threads settle)
    cpu = time.process_time()
    history = fit(net, X, y, optimizer, epochs=rounds, batch_size=64, rng=rng)
    cpu_us = (time.process_time() - cpu) / (rounds * n // 64) * 1e6  # CPU time: what load does not inflate
    return [s / (n // 64) * 1e6 for s in history.seconds], cpu_us, choose_threads(net.sizes, 64)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_small(n, epochs, seeds, threads, rates, accuracies):
    print(f"small (every library allowed {threads} thread(s)): {n} × 10 → (64, 64) relu → 9 softmax, batch 256, "
          f"Adam 1e-3, no L2 on any side (sklearn alpha=0), {epochs} epochs, {seeds} seed(s) interleaved")
    for name in rates:
        acc = np.array(accuracies[name])
        print(f"  {name:<8} {np.median(rates[name]) / 1e3:8.0f} k samples/s (median; "
              f"{min(rates[name]) / 1e3:.0f}–{max(rates[name]) / 1e3:.0f})   train accuracy {acc.mean():.4f} "
              f"(mean; {acc.min():.4f}–{acc.max():.4f})")
    if GEONET_CHOICE:
        first = n * epochs / rates["geonet"][0]
        print(f"  geonet chose {GEONET_CHOICE['cores']} core(s) on {GEONET_CHOICE['backend']}; its first fit took "
              f"{first:.2f} s, the median {n * epochs / np.median(rates['geonet']):.2f} s "
              "(helper processes start once per Python process, in the first fit)")
    for other in ("sklearn", "torch"):
        if other not in rates:
            continue
        speedup = np.median(rates["geonet"]) / np.median(rates[other])
        gap = 100 * (np.mean(accuracies["geonet"]) - np.mean(accuracies[other]))
        print(f"  GOAL geonet/{other} speed {speedup:.2f}× (≥ 4×: {verdict(speedup >= 4)}; moonshot 5×: "
              f"{verdict(speedup >= 5)})")
        if other == "sklearn":
            print(f"  GOAL accuracy geonet − sklearn {gap:+.2f} points (±1: {verdict(abs(gap) <= 1.0)})")
        else:
            print(f"       accuracy geonet − {other} {gap:+.2f} points")


def print_wide(threads, rounds, result):
    rate, accuracy, geonet, reference, sharded, how = result
    g, r = float(np.median(geonet)), float(np.median(reference))
    print(f"wide ({threads} thread(s)): (256, 256) relu, batch 1024, {rounds} rounds of (NumPy burst, geonet epoch)")
    print(f"  geonet {g:6.1f} GFLOP/s median ({min(geonet):.0f}–{max(geonet):.0f}), {rate / 1e3:.0f} k samples/s, "
          f"train accuracy {accuracy:.4f} ({how}, 1 BLAS thread each: fit's choice)")
    print(f"  numpy  {r:6.1f} GFLOP/s median ({min(reference):.0f}–{max(reference):.0f}) the same float32 "
          f"matmuls alone on {threads} BLAS thread(s)")
    if sharded:
        r2 = float(np.median(sharded))
        print(f"  numpy  {r2:6.1f} GFLOP/s median ({min(sharded):.0f}–{max(sharded):.0f}) the same matmuls split "
              f"over {threads} Python threads × 1 BLAS thread (geonet's shards without the rest)")
        print(f"       ratio to that {g / r2:.0%}; the goal below uses the higher reference")
        r = max(r, r2)
    goal = "GOAL " if threads == 2 else "     "
    print(f"  {goal}ratio {g / r:.0%} median/median (≥ 70%: {verdict(g >= 0.7 * r)}; moonshot 80%: "
          f"{verdict(g >= 0.8 * r)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 rows, 3 epochs, 1 seed")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--seeds", type=int, default=None,
                        help="runs per library in the small case, seeds 0..N−1, interleaved "
                             "(default 3; 1 with --quick)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads every library may use in the small case (BLAS and torch threads; "
                             "geonet's data-parallel threads, chosen by fit up to this; default 2)")
    parser.add_argument("--wide-threads", default="1,2",
                        help="comma-separated thread counts for the wide case; geonet's data-parallel "
                             "threads and the NumPy matmul reference's BLAS threads (default 1,2)")
    parser.add_argument("--rounds", type=int, default=None, help="wide-case rounds (default 9; 3 with --quick)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits  # benchmark-only dependency (comes with scikit-learn)

    n, epochs = (50_000, 3) if args.quick else (200_000, 10)
    seeds, rounds = args.seeds or (1 if args.quick else 3), args.rounds or (3 if args.quick else 9)
    X, y = make_data(n)
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
          "(a shared machine: every peer is measured in the same run, interleaved; medians;\n"
          "  under load, multi-threaded BLAS peers collapse more than single-threaded ones)")
    steps_us, cpu_us, tiny_threads = tiny_case()
    tiny = float(np.median(steps_us))
    print(f"tiny 7 → 32 → 9, batch 64: {tiny:.1f} µs/step wall median ({min(steps_us):.1f}–{max(steps_us):.1f}), "
          f"{cpu_us:.1f} µs/step CPU, {tiny_threads} thread(s) chosen")
    print(f"  GOAL tiny net ≤ 50 µs/step on one thread: {verdict(tiny <= 50 and tiny_threads == 1)}")

    runners = {"geonet": run_geonet}
    if not args.skip_sklearn:
        runners["sklearn"] = run_sklearn
    if not args.skip_torch:
        try:
            import torch

            torch.set_num_threads(args.threads)
            runners["torch"] = run_torch
            print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
        except ImportError as exc:
            print(f"  torch    skipped ({exc})")
    rates = {name: [] for name in runners}
    accuracies = {name: [] for name in runners}
    with threadpool_limits(args.threads):
        for seed in range(seeds):  # interleaved, so load changes hit every library alike
            for name, run in runners.items():
                # each run starts on quiet cores: the last run's BLAS/OpenMP threads busy-wait for a
                # while after their work (OpenBLAS ≈ 0.1 s), slowing whichever library runs next
                time.sleep(SETTLE)
                extra = {"threads": args.threads} if name == "geonet" else {}
                seconds, accuracy = run(X, y, (64, 64), 256, epochs, seed, **extra)
                rates[name].append(n * epochs / seconds)
                accuracies[name].append(accuracy)
    print_small(n, epochs, seeds, args.threads, rates, accuracies)

    for threads in (int(t) for t in args.wide_threads.split(",")):
        print_wide(threads, rounds, wide_case(X, y, threads, rounds))
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
