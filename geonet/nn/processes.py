"""Data-parallel training steps on helper processes, for nets whose steps are too short for threads.

parallel.py splits each mini-batch over threads of this process.  That pays only when a shard's
matmuls are long (≈ 20 MFLOP): NumPy hands the GIL over at every matmul and element-wise call, and
on a (64, 64) net at batch 256 (≈ 8 MFLOP a step) the hand-overs cost more than the halved work.
Here the shards run in helper processes and this one, each with its own interpreter:

    this process                               helper r = 1 .. k−1
    write the step's rows [s, e)
    ticket[r].release(), go[r].release() ──▶   go[r].acquire()
    forward + backprop on shard 0              ticket[r].acquire() (non-blocking): the shard is its
    ticket[r].acquire() (non-blocking)?        forward + backprop on shard r → grad_r, a(L) rows
      yes: the helper has not started:         done[r].release()
           run shard r here
      no:  done[r].acquire()           ◀──
    ∂C/∂θ = Σ_r ∂C_r/∂θ in shard order, one optimiser step on θ (shared: read at the next step)

For nets of MIN_PARAMS_TO_SPLIT_UPDATE parameters or more, the sum, the L2 term and the
optimiser's update are handed out the same way, each process taking a range of the parameters
(θ and the optimiser's state are shared).

The shards are fixed by the batch alone and each is computed the same way wherever it runs, so who
runs it does not change the result: a helper descheduled by another program's load costs this
process one extra shard, never a stall of the whole step; one late several steps in a row is left
alone for a while (this process runs every part) and then offered work again.  Each shard scales δ(L) by its rows'
weight in the *whole* batch, as in parallel.py, so the shards' gradients add up to the batch
gradient (equal to one process up to summation order).  θ, the epoch's shuffled rows, their
weights, a(L) and the helpers' gradients live in one shared-memory block for the length of a
``fit``.  The semaphores also order the memory: what one side wrote before a release, the other
sees after its acquire.  Waits spin briefly (a step lasts ≈ 0.1 ms; waking a sleeping process
costs about as much), then block, checking that the other side is alive.

Helpers are started once per Python process (spawned: a fresh interpreter, never a fork of this
one and its threads) and kept for later fits, so an ensemble pays the ≈ 0.3 s start once.  They
ignore Ctrl-C (this process stops them), end with this process, and end themselves if it dies.
"""

from __future__ import annotations

import atexit
import copy
import multiprocessing
import os
import signal
import threading
import time
import traceback
from multiprocessing import shared_memory

import numpy as np

from geonet.spawning import start_without_main

from .backprop import Workspace
from .blas import set_threads
from .network import Network

# non-blocking tries (≈ 0.1 µs each) before a wait blocks, and how long a blocking wait lasts
# before it checks that the other side is alive
SPINS = 4000
POLL = 0.05
# seconds to wait for a helper to start (spawn, import NumPy and geonet.nn) or to answer
START_TIMEOUT = 60.0

# a helper whose shard ends more than LATE × this process's own shard time after it, LATE_STEPS steps
# in a row, has lost its core to other work: this process then runs every shard itself for SOLO_STEPS
# steps before offering them again.  Who runs a shard never changes the result, only the time.
LATE = 0.5
LATE_STEPS = 3
SOLO_STEPS = 200
# parameters from which the optimiser's update is split over the processes too (one more hand-over,
# ≈ 2 µs, against Adam's ≈ 3 ns a parameter)
MIN_PARAMS_TO_SPLIT_UPDATE = 2048

_STEP, _UPDATE = 0, 1


def _wait(sem, alive) -> bool:
    """Acquire ``sem``: spin, then block in POLL slices; False as soon as ``alive()`` is False."""
    acquire = sem.acquire
    for _ in range(SPINS):
        if acquire(False):
            return True
    while not acquire(True, POLL):
        if not alive():
            return False
    return True


def _layout(n_params: int, helpers: int, rows: int, n_in: int, n_out: int, weighted: bool, dtype: str,
            n_buffers: int):
    """(name, shape, dtype) of every array in the shared block."""
    fields = [("control", (3,), "int64"), ("hyper", (2,), "float64"), ("failed", (max(helpers, 1),), "int64"),
              ("theta", (n_params,), dtype), ("grads", (helpers + 1, n_params), dtype),
              ("opt", (n_buffers, n_params), dtype),
              ("X", (rows, n_in), dtype), ("T", (rows, n_out), dtype), ("outputs", (rows, n_out), dtype)]
    if weighted:
        fields.append(("scale", (rows, 1), dtype))
    return fields


def _nbytes(shape, dtype) -> int:
    return (int(np.prod(shape)) * np.dtype(dtype).itemsize + 63) // 64 * 64  # 64-byte aligned


def _views(buf, layout) -> dict[str, np.ndarray]:
    arrays, offset = {}, 0
    for name, shape, dtype in layout:
        arrays[name] = np.ndarray(shape, dtype, buffer=buf, offset=offset)
        offset += _nbytes(shape, dtype)
    return arrays


def shard_bounds(s: int, e: int, k: int) -> list[tuple[int, int]]:
    """Row ranges of k shards of the batch [s, e), as equal as can be."""
    n = e - s
    edges = [s + n * i // k for i in range(k + 1)]
    return list(zip(edges[:-1], edges[1:]))


def param_range(n_params: int, part: int, k: int) -> tuple[int, int]:
    """The parameters [lo, hi) whose update process ``part`` of k runs."""
    return n_params * part // k, n_params * (part + 1) // k


def _update_part(arrays: dict, optimizer, l2: float, n_w: int, part: int, k: int, buf: np.ndarray) -> None:
    """Parameters of ``part``: the shards' gradients summed into row 0 (in shard order), the L2
    term, then the optimiser's update.  The same arithmetic wherever it runs."""
    grads, theta = arrays["grads"], arrays["theta"]
    lo, hi = param_range(len(theta), part, k)
    grad = grads[0]
    for g in grads[1:]:
        grad[lo:hi] += g[lo:hi]  # ∂C/∂θ = Σ_shards ∂C_shard/∂θ
    top = min(hi, n_w)
    if l2 and lo < top:
        np.multiply(theta[lo:top], l2, out=buf[lo:top])
        grad[lo:top] += buf[lo:top]  # ∂/∂W (½ λ ‖W‖²) = λ W  (weights only)
    optimizer.update(theta, grad, lo, hi)


def _shard_step(ws: Workspace, arrays: dict, lo: int, hi: int, s: int, e: int) -> None:
    out = ws.forward(arrays["X"][lo:hi])
    arrays["outputs"][lo:hi] = out  # a(L) kept for the epoch's training loss
    scale = arrays["scale"][lo:hi] if "scale" in arrays else 1.0 / (e - s)  # weight in the whole batch
    ws.backward(arrays["T"][lo:hi], scale)


# --- the helper process ---------------------------------------------------------------------------
def _helper_main(conn, go, ticket, done, parent: int) -> None:
    """A helper's life: wait for a fit to bind it, run its steps, unbind; until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the training process's to handle
    set_threads(1)  # one core each: the shards are the parallelism
    alive = lambda: os.getppid() == parent  # noqa: E731  (re-parented: the training process died)
    while True:
        if not conn.poll(POLL):
            if not alive():
                return
            continue
        job = conn.recv()
        if job is None:
            return
        try:
            _run_fit(job, conn, go, ticket, done, alive)
        except BaseException:  # noqa: BLE001  (reported to the training process, which raises)
            conn.send((job["shm"], traceback.format_exc()))


def _run_fit(job: dict, conn, go, ticket, done, alive) -> None:
    shm = shared_memory.SharedMemory(name=job["shm"])
    try:
        _steps(_views(shm.buf, job["layout"]), job, conn, go, ticket, done, alive)
    finally:
        shm.close()  # the views into the block died with _steps' frame


def _steps(arrays: dict, job: dict, conn, go, ticket, done, alive) -> None:
    rank, k = job["rank"], job["processes"]
    net = Network(job["sizes"], job["activation"], job["output"], job["cost"], job["dtype"],
                  params=np.zeros(arrays["theta"].shape, job["dtype"]))
    net._share(arrays["theta"], copy=False)  # read θ where the training process updates it
    ws = Workspace(net, job["shard"], grad=arrays["grads"][rank])
    optimizer = job["optimizer"]  # a copy without state: its buffers are the shared ones
    if optimizer is not None:
        optimizer._buffers, optimizer._shape = list(arrays["opt"]), (arrays["theta"].shape, arrays["theta"].dtype)
    buf = np.empty_like(arrays["theta"])
    hyper = arrays["hyper"]
    while go.acquire(False):  # go's left from the last fit, which ended before this helper saw them
        pass
    conn.send((job["shm"], None))  # bound (messages name their fit: a late one is told apart)
    control, failed = arrays["control"], arrays["failed"]
    while True:
        if not _wait(go, alive):
            return
        if control[0] < 0:  # unbind
            return
        if not ticket.acquire(False):  # the training process ran this part itself (or a stale go)
            continue
        try:
            if control[2] == _UPDATE:
                optimizer.lr, optimizer.t = float(hyper[0]), int(hyper[1])
                _update_part(arrays, optimizer, job["l2"], job["n_weights"], rank, k, buf)
            else:
                lo, hi = shard_bounds(int(control[0]), int(control[1]), k)[rank]
                _shard_step(ws, arrays, lo, hi, int(control[0]), int(control[1]))
        except BaseException:  # noqa: BLE001  (reported; the training process raises)
            failed[rank - 1] = 1
            conn.send((job["shm"], traceback.format_exc()))
        done.release()


# --- the pool of helpers --------------------------------------------------------------------------
class _Helper:
    def __init__(self, ctx):
        self.go, self.ticket, self.done = ctx.Semaphore(0), ctx.Semaphore(0), ctx.Semaphore(0)
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_helper_main,
                                   args=(child, self.go, self.ticket, self.done, os.getpid()),
                                   name="geonet-shard", daemon=True)
        start_without_main(self.process)  # an unguarded user script must not run again in the helper
        child.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def died(self) -> RuntimeError:
        return RuntimeError(f"a training helper process died (exit code {self.process.exitcode})")

    def receive(self, fit: str, timeout: float):
        """The helper's next message about ``fit`` (None: bound; else a traceback), skipping
        late answers about earlier fits; RuntimeError when it dies or stays silent."""
        waited = 0.0
        while True:
            while not self.conn.poll(POLL):
                waited += POLL
                if not self.alive() or waited > timeout:
                    raise RuntimeError(f"a training helper process stopped answering (exit code "
                                       f"{self.process.exitcode})")
            about, message = self.conn.recv()
            if about == fit:
                return message

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(1.0)
        if self.process.is_alive():
            self.process.terminate()


_POOL: list[_Helper] = []
_POOL_LOCK = threading.Lock()  # one fit at a time uses the helpers; a second one runs alone
_LEFTOVER: list[shared_memory.SharedMemory] = []  # blocks still viewed by a caller when released


def _take_helpers(k: int) -> list[_Helper]:
    """k live helpers, started if needed; the caller holds _POOL_LOCK."""
    _POOL[:] = [h for h in _POOL if h.alive()]
    ctx = multiprocessing.get_context("spawn")
    while len(_POOL) < k:
        _POOL.append(_Helper(ctx))
    return _POOL[:k]


@atexit.register
def _stop_helpers() -> None:
    for helper in _POOL:
        helper.stop()
    _POOL.clear()
    _close_leftovers()


def _close_leftovers() -> None:
    for shm in list(_LEFTOVER):
        try:
            shm.close()
            _LEFTOVER.remove(shm)
        except BufferError:
            pass


def _check_room(size: int, where: str = "/dev/shm") -> None:
    """RuntimeError unless ``where`` (Linux's shared-memory filesystem, often small in containers:
    64 MB by default in Docker) has room for ``size`` bytes and a margin: writing past its end
    would kill this process with SIGBUS rather than raise."""
    try:
        stat = os.statvfs(where)
    except (OSError, AttributeError):  # no such filesystem (macOS, Windows): the OS sizes it
        return
    free = stat.f_bavail * stat.f_frsize
    if size > 0.5 * free:
        raise RuntimeError(f"{where} has {free / 1e6:.0f} MB free, too little for {size / 1e6:.0f} MB of training rows")


class ProcessParallel:
    """Training steps on ``processes`` shards of mini-batches, shard 0 here and the rest on helpers.

    Built for a fit of ``net`` with ``optimizer`` (and L2 factor ``l2``) on ``rows`` rows: ``X``,
    ``T``, ``outputs`` (and ``scale`` with row weights) are the epoch's arrays, in shared memory,
    which the caller fills; while it is open, the network's parameters and the optimiser's state
    live in shared memory too (put back by ``close``).  ``run(s, e)`` runs the step on rows [s, e)
    and returns the flat batch gradient; ``run_update`` also sums it, adds the L2 term and updates
    θ, each process taking a range of the parameters.  Raises RuntimeError when the helpers cannot
    be started or shared memory cannot be had; the caller then trains in one process.
    """

    def __init__(self, net, batch_size: int, processes: int, rows: int, weighted: bool = False,
                 optimizer=None, l2: float = 0.0):
        if not _POOL_LOCK.acquire(blocking=False):
            raise RuntimeError("the helper processes are in use by another fit")
        self._locked = True
        self.net, self.shm, self._original, self.helpers, self.optimizer = net, None, None, [], None
        try:
            _close_leftovers()
            self.k = max(2, int(processes))
            self.helpers = _take_helpers(self.k - 1)
            dtype, n_params = str(net.dtype), len(net.params)
            n_buffers = optimizer.n_buffers if optimizer is not None else 0
            layout = _layout(n_params, self.k - 1, rows, net.sizes[0], net.sizes[-1], weighted, dtype, n_buffers)
            size = sum(_nbytes(s, d) for _, s, d in layout)
            _check_room(size)
            self.shm = shared_memory.SharedMemory(create=True, size=size)
            self.arrays = _views(self.shm.buf, layout)
            self.arrays["failed"][:] = 0
            self._original = net._share(self.arrays["theta"])
            grads = self.arrays["grads"]
            shard = -(-int(batch_size) // self.k)
            self._bounds: dict[int, list[tuple[int, int]]] = {}
            self.ws = Workspace(net, max(shard, self.k), grad=grads[0])
            # where this process runs a helper's shard that the helper had not started
            self.spare = [Workspace(net, shard, grad=grads[r]) for r in range(1, self.k)]
            self._late, self._solo = 0, 0  # steps in a row a helper was late; steps left to run alone
            self.grad = self.ws.grad
            self.X, self.T, self.outputs = self.arrays["X"], self.arrays["T"], self.arrays["outputs"]
            self.scale = self.arrays.get("scale")
            self.l2, self._buf = float(l2), np.empty_like(self.grad)
            self.split_update = optimizer is not None and n_params >= MIN_PARAMS_TO_SPLIT_UPDATE
            job = {"shm": self.shm.name, "layout": layout, "processes": self.k, "shard": shard,
                   "sizes": net.sizes, "activation": net.activation, "output": net.output, "cost": net.cost,
                   "dtype": dtype, "l2": self.l2, "n_weights": net.n_weights, "optimizer": None}
            if optimizer is not None:  # its state moves into the block; helpers get stateless copies
                state = optimizer._state(self.grad, n_buffers)
                self.arrays["opt"][...] = state if n_buffers else 0
                optimizer._buffers, self.optimizer = list(self.arrays["opt"]), optimizer
                replica = copy.copy(optimizer)
                replica._buffers, replica._shape = [], None
                job["optimizer"] = replica
            for rank, helper in enumerate(self.helpers, 1):
                helper.conn.send({**job, "rank": rank})
            self._bound = []
            for helper in self.helpers:
                answer = helper.receive(self.shm.name, START_TIMEOUT)
                if answer is not None:
                    raise RuntimeError(f"a training helper process failed to start: {answer.strip().splitlines()[-1]}")
                while helper.done.acquire(False):  # its answer to the last fit's unbind, if any
                    pass
                self._bound.append(helper)
        except BaseException:
            for helper in self.helpers:
                if helper not in getattr(self, "_bound", []):  # in an unknown state: replaced next time
                    helper.process.kill()
                    helper.process.join(1.0)
            self.close()
            raise

    def _offer(self, phase: int) -> bool:
        """Hand the helpers their part of ``phase`` (unless running alone for a while)."""
        if self._solo:
            self._solo -= phase == _STEP
            return False
        self.arrays["control"][2] = phase
        for helper in self.helpers:
            helper.ticket.release()
            helper.go.release()
        return True

    def _shards(self, s: int, e: int) -> None:
        """Forward and backprop of every shard of rows [s, e), each gradient in its row of ``grads``."""
        n = e - s
        if n not in self._bounds:
            self._bounds[n] = shard_bounds(0, n, self.k)
        bounds = [(s + lo, s + hi) for lo, hi in self._bounds[n]]
        control = self.arrays["control"]
        control[0], control[1] = s, e
        offered = self._offer(_STEP)
        error = None
        t0 = time.perf_counter()
        try:
            _shard_step(self.ws, self.arrays, *bounds[0], s, e)
        except BaseException as exc:  # the helpers' shards still have to be settled
            error = exc
        t1 = time.perf_counter()
        parts = [lambda r=r: _shard_step(self.spare[r - 1], self.arrays, *bounds[r], s, e) for r in range(1, self.k)]
        self._settle(parts, offered, error is None)
        if error is not None:
            raise error
        if offered:  # a helper much slower than this process (its core is busy elsewhere): go alone a while
            late = time.perf_counter() - t1 > LATE * (t1 - t0)
            self._late = self._late + 1 if late else 0
            if self._late >= LATE_STEPS:
                self._solo, self._late = SOLO_STEPS, 0

    def run(self, s: int, e: int) -> np.ndarray:
        """Forward and backprop on rows [s, e) split over the processes; the summed flat gradient."""
        if e - s < self.k:  # too few rows to give every process one: all here
            self.arrays["grads"][1:] = 0
            _shard_step(self.ws, self.arrays, s, e, s, e)
            return self.grad
        self._shards(s, e)
        for g in self.arrays["grads"][1:]:
            self.grad += g  # ∂C/∂θ = Σ_shards ∂C_shard/∂θ, in shard order
        return self.grad

    def run_update(self, s: int, e: int, theta, optimizer, decay=None) -> np.ndarray:
        """``run``, the L2 term (the ``l2`` given when built; ``decay`` is not used) and the
        optimiser's update of θ, the sum, L2 and update split over the processes by parameter
        range.  Returns the summed gradient."""
        if e - s < self.k:
            self.arrays["grads"][1:] = 0
            _shard_step(self.ws, self.arrays, s, e, s, e)
        else:
            self._shards(s, e)
        optimizer.begin(self.grad)  # step count (Adam's t), before any process updates
        self.arrays["hyper"][:] = optimizer.lr, optimizer.t
        offered = self._offer(_UPDATE)
        error = None
        try:
            _update_part(self.arrays, optimizer, self.l2, self.net.n_weights, 0, self.k, self._buf)
        except BaseException as exc:
            error = exc
        parts = [lambda r=r: _update_part(self.arrays, optimizer, self.l2, self.net.n_weights, r, self.k, self._buf)
                 for r in range(1, self.k)]
        self._settle(parts, offered, error is None)
        if error is not None:
            raise error
        return self.grad

    def _settle(self, parts, offered: bool, compute: bool) -> None:
        """Every helper's part: run here (``parts[r − 1]()``) if the helper had not claimed it or was
        not offered it, else waited for.  Raises the first failure, after settling every part."""
        failed, problems = self.arrays["failed"], []
        for rank, helper in enumerate(self.helpers, 1):
            if not offered or helper.ticket.acquire(False):  # unclaimed: the helper is descheduled, or dead
                if not helper.alive():
                    problems.append(helper.died())
                elif compute and not problems:
                    try:
                        parts[rank - 1]()
                    except BaseException as exc:
                        problems.append(exc)
                continue
            if not _wait(helper.done, helper.alive):
                problems.append(helper.died())
                continue
            if failed[rank - 1]:
                failed[rank - 1] = 0
                text = helper.receive(self.shm.name, START_TIMEOUT)
                problems.append(RuntimeError(f"a training helper process failed: {text.strip().splitlines()[-1]}"))
        if problems:
            raise problems[0]

    def close(self) -> None:
        """Unbind the helpers, put the parameters back in the network's own array, free the block."""
        helpers, self._bound = getattr(self, "_bound", []), []
        if helpers:  # every step is settled: no helper holds a shard; tell them, without waiting
            self.arrays["control"][0] = -1  # (one descheduled may read it late: its mapping outlives the unlink)
            for helper in helpers:
                helper.go.release()
        if self._original is not None:
            self.net._share(self._original)  # copies the trained θ back
            self._original = None
        if self.optimizer is not None:  # its state back in arrays of its own
            self.optimizer._buffers = [b.copy() for b in self.optimizer._buffers]
            self.optimizer = None
        for name in ("arrays", "X", "T", "outputs", "scale", "ws", "spare", "grad", "_buf"):
            self.__dict__.pop(name, None)
        if self.shm is not None:
            self.shm.unlink()
            try:
                self.shm.close()
            except BufferError:  # the caller still holds a view: closed at the next fit or at exit
                _LEFTOVER.append(self.shm)
            self.shm = None
        if self._locked:
            self._locked = False
            _POOL_LOCK.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
