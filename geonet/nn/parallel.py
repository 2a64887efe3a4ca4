"""Data-parallel training steps inside one process: the mini-batch split into shards, one per thread.

Each of k threads runs forward and backprop (a :class:`~geonet.nn.backprop.Workspace` of its own)
on a contiguous shard of the mini-batch with single-threaded BLAS; NumPy releases the GIL inside
matmuls and element-wise loops on large arrays, so the shards run side by side and the element-wise
work (activations, δ products) is split too, not only the matmuls.  Every shard scales its δ(L)
by the weight of its rows in the *whole* batch (1/n, or sᵢ / Σ s), so its gradient is its part
of the batch mean and the batch gradient is the sum of the shards' gradients:

    ∂C/∂W(l) = Σ_shards δ(l) a(l−1)ᵀ           ∂C/∂b(l) = Σ_shards Σ_rows δ(l)

summed into shard 0's flat gradient before the one optimiser step.  The result equals the
one-thread step up to floating-point summation order.  ``step_update`` also splits the sum and the
optimiser's element-wise update over the threads, each taking a range of the parameters after a
barrier, so no core idles while one thread alone runs Adam on every parameter.

The caller's thread runs shard 0; k − 1 worker threads, started once per ``fit`` and handed
each step's shard through a pair of locks, run the rest.  ``choose_threads`` picks k from the size
of the problem: a step must carry enough arithmetic for the hand-over (≈ 10–30 µs) to pay.
"""

from __future__ import annotations

import threading

import numpy as np

from .backprop import Workspace
from .blas import cpu_count
from .costs import row_costs

# matmul flops per shard and step below which a second thread costs more than it saves: measured on
# 2 cores (a (64, 64) net at batch 256 is ≈ 10 MFLOP a step, a (256, 256) one at 1024 ≈ 430 MFLOP)
MIN_FLOPS_PER_SHARD = 20e6
# parameters below which one thread runs the whole optimiser update: splitting it costs a barrier
# (≈ 10–30 µs), Adam costs ≈ 2 µs per 1,000 parameters (≈ 140 µs for a (256, 256) net's 70,000)
MIN_PARAMS_TO_SPLIT_UPDATE = 32_768


def step_flops(sizes, batch_size: int) -> float:
    """Matmul flops of one training step: forward, ∂C/∂W(l) for every l, δ(l) for l < L."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    per_row = sum(2 * m * n for m, n in pairs)
    return batch_size * (2 * per_row + sum(2 * m * n for m, n in pairs[1:]))


def choose_threads(sizes, batch_size: int, cpus: int | None = None) -> int:
    """Threads for data-parallel steps: 1 for small problems, up to the CPUs for large ones."""
    cpus = cpu_count() if cpus is None else cpus
    by_size = int(step_flops(sizes, batch_size) // MIN_FLOPS_PER_SHARD)
    return max(1, min(cpus, by_size, batch_size))


# helper processes (processes.py) for steps between these many matmul flops and the threads' threshold:
# each shard's matmuls then last ≳ 20 µs, against a hand-over of ≈ 5 µs; and for fits of at least
# FIT_FLOPS_FOR_PROCESSES in all, since the first fit of a process waits ≈ 0.3 s for its helpers
MIN_FLOPS_FOR_PROCESSES = 4e6
FIT_FLOPS_FOR_PROCESSES = 20e9


def choose_parallel(sizes, batch_size: int, rows: int, epochs: int, cpus: int | None = None) -> tuple[str, int]:
    """("threads", k) or ("processes", k): how a fit of ``epochs`` over ``rows`` rows uses the CPUs.

    Two helper-process shards for steps of at least MIN_FLOPS_FOR_PROCESSES in fits long enough to
    pay their start, unless the step is big enough for more than two threads (on more than two
    cores); else threads (k = 1 for small nets).  On 2 cores processes beat threads at every step
    size measured: (64, 64) at batch 256, where threads lose to one core, and (256, 256) at 1024,
    where they reach 170–183 GFLOP/s against the threads' 150–160 (no GIL between the shards).
    """
    cpus = cpu_count() if cpus is None else cpus
    k = choose_threads(sizes, batch_size, cpus)
    flops = step_flops(sizes, min(batch_size, rows))
    steps = -(-rows // max(1, batch_size)) * max(1, epochs)
    if k <= 2 and cpus >= 2 and flops >= MIN_FLOPS_FOR_PROCESSES and flops * steps >= FIT_FLOPS_FOR_PROCESSES:
        return "processes", 2
    return "threads", k


class _Worker:
    """A thread that runs one job at a time: ``submit(fn, *args)`` then ``wait()``."""

    def __init__(self):
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._job, self._error = None, None
        self._thread = threading.Thread(target=self._loop, name="geonet-shard", daemon=True)
        self._thread.start()

    def _loop(self):
        while True:
            self._go.acquire()
            job = self._job
            if job is None:
                self._done.release()
                return
            try:
                job[0](*job[1:])
            except BaseException as exc:  # re-raised in the caller's thread by wait()
                self._error = exc
            self._done.release()

    def submit(self, *job):
        self._job = job
        self._go.release()

    def wait(self):
        self._done.acquire()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self):
        self._job = None
        self._go.release()
        self._done.acquire()
        self._thread.join()


def shard_bounds(s: int, e: int, k: int) -> list[tuple[int, int]]:
    """Row ranges of k shards of the batch [s, e), as equal as can be."""
    n = e - s
    edges = [s + n * i // k for i in range(k + 1)]
    return list(zip(edges[:-1], edges[1:]))


def shard_step(ws: Workspace, x, t, scale, outputs):
    """Forward and backprop of one shard; its a(L) copied to ``outputs`` (for the epoch's loss)."""
    np.copyto(outputs, ws.forward(x))  # a(L) kept for the epoch's training loss
    ws.backward(t, scale)


def take_rows(source: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = source[order[i]]``.  mode="clip" (order is a permutation: nothing to clip) writes
    straight into out; the default mode="raise" goes through a buffer, ≈ 3× slower."""
    np.take(source, order, axis=0, out=out, mode="clip")


def _sum_and_update(grad, others, lo, hi, theta, optimizer, decay):
    """Parameters [lo, hi): the shards' gradients summed into ``grad``, then the optimiser's update."""
    for g in others:
        grad[lo:hi] += g[lo:hi]  # ∂C/∂θ = Σ_shards ∂C_shard/∂θ
    if decay is not None:
        decay(lo, hi)
    optimizer.update(theta, grad, lo, hi)


def _two_phase(barrier, ws, x, t, scale, outputs, update):
    try:
        shard_step(ws, x, t, scale, outputs)
    except BaseException:
        barrier.abort()  # the other threads leave their wait with BrokenBarrierError
        raise
    barrier.wait()
    update()


class DataParallel:
    """Training steps on ``threads`` shards of mini-batches of up to ``batch_size`` rows.

    ``step(x, t, scale, outputs)``: x (n, n_0) inputs, t (n, n_L) targets, scale a scalar or an
    (n, 1) column of row weights in the batch mean, outputs (n, n_L) receives a(L).  Returns the
    flat gradient of the batch (shard 0's buffer, overwritten by the next step).  Use as a
    context manager, or call ``close()``, to stop the worker threads.

    Built with ``rows`` (and ``weighted``), it also holds a fit's arrays: ``source`` (every row's
    inputs and targets), the epoch's ``rows`` (``shuffle(order)``; ``X`` and ``T`` are views of it),
    ``outputs`` (a(L); ``costs()`` gives their row costs) and the row-weight column ``scale``; and
    ``run(s, e)`` steps on rows [s, e) of them: the interface
    :class:`~geonet.nn.processes.ProcessParallel` shares.
    """

    backend = "threads"  # what a fit's History records, with ``cores``

    def __init__(self, net, batch_size: int, threads: int, rows: int = 0, weighted: bool = False):
        self.threads = self.cores = max(1, min(int(threads), int(batch_size)))
        # a fit's arrays, the same interface as ProcessParallel: ``source`` (the fit fills it once)
        # holds every row's inputs and targets side by side, so one gather per epoch shuffles them
        # into ``rows`` (X and T are views of it); a(L) goes to ``outputs``, row costs to ``costs``
        self.net = net
        width = net.sizes[0] + net.sizes[-1]
        self.source, self.rows = (np.empty((rows, width), net.dtype) for _ in range(2))
        self.X, self.T = self.rows[:, :net.sizes[0]], self.rows[:, net.sizes[0]:]
        self.outputs = np.empty((rows, net.sizes[-1]), net.dtype)
        self._costs = np.empty(rows)
        self.scale = np.empty((rows, 1), net.dtype) if weighted else None
        shard = -(-batch_size // self.threads)
        self.workspaces = [Workspace(net, shard) for _ in range(self.threads)]
        self.grad = self.workspaces[0].grad
        self._workers = [_Worker() for _ in range(self.threads - 1)]
        self._bounds: dict[int, list[tuple[int, int]]] = {}
        self._barrier = threading.Barrier(self.threads)
        n = len(self.grad)
        edges = [n * i // self.threads for i in range(self.threads + 1)]
        self._param_ranges = list(zip(edges[:-1], edges[1:]))  # each thread's share of the update
        # whether fit should use step_update (large nets) or step + one whole-array update
        self.split_update = self.threads > 1 and n >= MIN_PARAMS_TO_SPLIT_UPDATE

    def shuffle(self, order: np.ndarray) -> None:
        """The epoch's rows: ``rows[i] = source[order[i]]``."""
        take_rows(self.source, order, self.rows)

    def costs(self) -> np.ndarray:
        """C(a(L), y) of every row of the epoch (float64), from ``outputs`` and ``T``."""
        return row_costs(self.net.output, self.net.cost, self.outputs, self.T, self._costs)

    def _shards(self, n: int) -> list[tuple[int, int]]:
        """Row ranges of the shards for a batch of n rows (as equal as can be, none empty)."""
        if n not in self._bounds:
            self._bounds[n] = shard_bounds(0, n, min(self.threads, n))
        return self._bounds[n]

    def _rows(self, s: int, e: int) -> tuple:
        return (self.X[s:e], self.T[s:e], 1.0 / (e - s) if self.scale is None else self.scale[s:e],
                self.outputs[s:e])

    def run(self, s: int, e: int) -> np.ndarray:
        """``step`` on rows [s, e) of the epoch's arrays."""
        return self.step(*self._rows(s, e))

    def run_update(self, s: int, e: int, theta, optimizer, decay=None) -> np.ndarray:
        """``step_update`` on rows [s, e) of the epoch's arrays."""
        return self.step_update(*self._rows(s, e), theta, optimizer, decay)

    def step(self, x, t, scale, outputs) -> np.ndarray:
        if not self._workers:  # one thread: no shards, no hand-over
            shard_step(self.workspaces[0], x, t, scale, outputs)
            return self.grad
        shards = self._shards(len(x))
        column = not np.isscalar(scale)
        busy = []
        for worker, ws, (lo, hi) in zip(self._workers, self.workspaces[1:], shards[1:]):
            worker.submit(shard_step, ws, x[lo:hi], t[lo:hi], scale[lo:hi] if column else scale, outputs[lo:hi])
            busy.append((worker, ws))
        lo, hi = shards[0]
        errors = []
        try:
            shard_step(self.workspaces[0], x[lo:hi], t[lo:hi], scale[lo:hi] if column else scale, outputs[lo:hi])
        except BaseException as exc:  # the workers still have to be waited for
            errors.append(exc)
        for worker, ws in busy:
            try:
                worker.wait()
            except BaseException as exc:
                errors.append(exc)
                continue
            self.grad += ws.grad  # ∂C/∂θ = Σ_shards ∂C_shard/∂θ
        if errors:
            raise errors[0]
        return self.grad

    def step_update(self, x, t, scale, outputs, theta, optimizer, decay=None) -> np.ndarray:
        """``step``, then the optimiser's update of ``theta``, both split over the threads.

        ``decay(lo, hi)``, if given, adds a term to the summed gradient's range [lo, hi) before the
        update (the L2 term).  A batch too small to give every thread a shard runs ``step`` and
        one whole-array update.  Returns the summed gradient.
        """
        shards = self._shards(len(x))
        if len(shards) < self.threads:
            grad = self.step(x, t, scale, outputs)
            if decay is not None:
                decay(0, len(grad))
            optimizer.step(theta, grad)
            return grad
        column = not np.isscalar(scale)
        others = [ws.grad for ws in self.workspaces[1:]]
        ranges = self._param_ranges

        def part(i):
            return lambda: _sum_and_update(self.grad, others, *ranges[i], theta, optimizer, decay)

        for i, (worker, ws, (lo, hi)) in enumerate(zip(self._workers, self.workspaces[1:], shards[1:]), 1):
            worker.submit(_two_phase, self._barrier, ws, x[lo:hi], t[lo:hi], scale[lo:hi] if column else scale,
                          outputs[lo:hi], part(i))
        lo, hi = shards[0]
        errors = []
        try:
            shard_step(self.workspaces[0], x[lo:hi], t[lo:hi], scale[lo:hi] if column else scale, outputs[lo:hi])
            optimizer.begin(self.grad)  # state and step count, before any thread updates
        except BaseException as exc:
            self._barrier.abort()
            errors.append(exc)
        if not errors:
            try:
                self._barrier.wait()
                part(0)()
            except BaseException as exc:
                errors.append(exc)
        for worker in self._workers:
            try:
                worker.wait()
            except BaseException as exc:
                errors.append(exc)
        if errors:
            self._barrier.reset()
            real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
            raise (real or errors)[0]
        return self.grad

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
