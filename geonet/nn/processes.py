"""Data-parallel training steps on a helper process, for nets whose steps are too short for threads.

parallel.py splits each mini-batch over threads of this process.  That pays only when a shard's
matmuls are long (≈ 20 MFLOP): NumPy hands the GIL over at every matmul and element-wise call, and
on a (64, 64) net at batch 256 (≈ 8 MFLOP a step) the hand-overs cost more than the halved work.
Here the batch is split in two shards, one run by this process and one by a helper process, each
with its own interpreter.  Each keeps its own copy of θ and of the optimiser's state, and both
apply the same update, so θ never travels between the cores; only the shards' gradients do:

    this process                                helper
    write the step's rows [s, e), lr, t
    ticket.release(), go.release()      ──▶     go.acquire(); ticket.acquire() (non-blocking)
    forward + backprop on shard 0 → g0          forward + backprop on shard 1 → g1, a(L) rows
    ticket.acquire() (non-blocking)?            done.release()
      yes: the helper has not started: run shard 1 here (it will copy θ before its next shard)
      no:  ready.release(); done.acquire()  ──▶ ready.acquire()
    ∂C/∂θ = g0 + g1, L2 term, optimiser step    ∂C/∂θ = g0 + g1, L2 term, optimiser step
    on this θ (the caller's, in ``fit``)         on its θ: the same numbers, the same arithmetic

The shards are fixed by the batch alone and each is computed the same way wherever it runs, so who
runs one does not change the result: a helper descheduled by another program's load costs this
process one extra shard, never a stall of the whole step; one late several steps in a row is left
alone for a while (this process runs both shards) and then offered work again, after copying θ
and the optimiser's state from this process ("resync").  Each shard scales δ(L) by its rows'
weight in the *whole* batch, as in parallel.py, so the gradients add up to the batch gradient
(equal to one process up to summation order).  The epoch's shuffled rows, their weights, a(L), the
gradients (this process's in two alternating rows: the helper may still be adding up the last
step's while this one writes the next) and the copy for a resync live in one shared-memory block,
kept with the helper's mapping of it for the next ``fit`` when it is small (KEEP_BYTES).  The
semaphores also order the memory: what one side wrote before a release, the other sees after its
acquire.  Waits spin briefly (a step lasts ≈ 0.1 ms; waking a
sleeping process costs about as much), then block, checking that the other side is alive.

The epoch's own passes over every row, the shuffling gather and the row costs of the training
loss, are split the same way: the first half of the rows here, the second on the helper (claimed
by the same ticket, so a helper busy elsewhere leaves its half to this process too).  Each row is
computed the same way wherever it is, so the results are those of one process to the bit.

The helper is started once per Python process (spawned: a fresh interpreter, never a fork of this
one and its threads) and kept for later fits, so an ensemble pays the ≈ 0.3 s start once.  It
ignores Ctrl-C (this process stops it), ends with this process, and ends itself if it dies.
"""

from __future__ import annotations

import atexit
import copy
import itertools
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
from .costs import add_l2_gradient, row_costs
from .network import Network
from .parallel import shard_bounds, shard_step, take_rows

# non-blocking tries (≈ 0.1 µs each) before a wait blocks, and how long a blocking wait lasts
# before it checks that the other side is alive
SPINS = 4000
POLL = 0.05
# seconds to wait for the helper to start (spawn, import NumPy and geonet.nn) or to answer
START_TIMEOUT = 60.0

# a helper whose shard ends more than LATE × this process's own shard time after it, LATE_STEPS steps
# in a row, has lost its core to other work: this process then runs both shards itself for SOLO_STEPS
# steps before offering work again.  Who runs a shard never changes the result, only the time.
LATE = 0.5
LATE_STEPS = 3
SOLO_STEPS = 200

# a fit's shared block up to this size is kept for the next fit (with the helper's mapping of it):
# a new block costs both processes a page fault per 4 KiB on first touch, ≈ 20-40 ms for the 22 MB
# of 200,000 rows; a larger one is freed when its fit ends, not held in /dev/shm for the process's life
KEEP_BYTES = 64 * 2**20

# control block: the step's rows, its number (picks the gradient row), whether the helper must copy
# θ and the optimiser's state first, and "unbind"
_S, _E, _STEP, _RESYNC, _UNBIND, _TASK = range(6)
# epoch work (_TASK) split in halves of the rows, one here and one on the helper: the shuffle, and the
# row costs of the training loss (memory-bound passes over every row, ≈ 10% of a (64, 64) epoch)
_SHUFFLE, _COSTS = 1, 2
UNBOUND = "unbound"  # the helper's last message about a fit


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


def _layout(n_params: int, rows: int, n_in: int, n_out: int, weighted: bool, dtype: str, n_buffers: int):
    """(name, shape, dtype) of every array in the shared block."""
    fields = [("control", (6,), "int64"), ("hyper", (2,), "float64"), ("failed", (1,), "int64"),
              ("g0", (2, n_params), dtype), ("g1", (n_params,), dtype),
              ("theta", (n_params,), dtype), ("opt", (n_buffers, n_params), dtype),  # for a resync
              ("source", (rows, n_in + n_out), dtype), ("rows", (rows, n_in + n_out), dtype),
              ("outputs", (rows, n_out), dtype), ("order", (rows,), "int64"), ("costs", (rows,), "float64")]
    if weighted:
        fields.append(("scale", (rows, 1), dtype))
    return fields


def _nbytes(shape, dtype) -> int:
    return (int(np.prod(shape)) * np.dtype(dtype).itemsize + 63) // 64 * 64  # 64-byte aligned


def _views(buf, layout, n_in: int) -> dict[str, np.ndarray]:
    arrays, offset = {}, 0
    for name, shape, dtype in layout:
        arrays[name] = np.ndarray(shape, dtype, buffer=buf, offset=offset)
        offset += _nbytes(shape, dtype)
    arrays["X"], arrays["T"] = arrays["rows"][:, :n_in], arrays["rows"][:, n_in:]  # inputs, targets
    return arrays


def _epoch_task(arrays: dict, task: int, half: int, output: str, cost: str) -> None:
    """Half ``half`` (0: rows [0, n/2), 1: [n/2, n)) of the epoch work ``task``."""
    n = len(arrays["order"])
    lo, hi = (0, n // 2) if half == 0 else (n // 2, n)
    if task == _SHUFFLE:
        take_rows(arrays["source"], arrays["order"][lo:hi], arrays["rows"][lo:hi])
    else:
        row_costs(output, cost, arrays["outputs"][lo:hi], arrays["T"][lo:hi], arrays["costs"][lo:hi])


def _shard_step(ws: Workspace, arrays: dict, lo: int, hi: int, s: int, e: int) -> None:
    """Rows [lo, hi) of the batch [s, e): parallel.py's shard step on the shared arrays."""
    scale = arrays["scale"][lo:hi] if "scale" in arrays else 1.0 / (e - s)  # weight in the whole batch
    shard_step(ws, arrays["X"][lo:hi], arrays["T"][lo:hi], scale, arrays["outputs"][lo:hi])


# --- the helper process ---------------------------------------------------------------------------
def _helper_main(conn, go, ticket, done, ready, parent: int) -> None:
    """The helper's life: wait for a fit to bind it, run its steps, unbind; until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the training process's to handle
    set_threads(1)  # one core: the shards are the parallelism
    alive = lambda: os.getppid() == parent  # noqa: E731  (re-parented: the training process died)
    kept: dict[str, shared_memory.SharedMemory] = {}  # the block the training process keeps, mapped
    while True:
        if not conn.poll(POLL):
            if not alive():
                return
            continue
        job = conn.recv()
        if job is None:
            return
        try:
            _run_fit(job, kept, conn, go, ticket, done, ready, alive)
        except BaseException:  # noqa: BLE001  (reported to the training process, which raises)
            conn.send((job["fit"], traceback.format_exc()))
        conn.send((job["fit"], UNBOUND))  # done with the block: the next fit may reset it


def _run_fit(job: dict, kept: dict, conn, go, ticket, done, ready, alive) -> None:
    for name in [n for n in kept if n != job["shm"]]:  # an older block, freed by the training process
        kept.pop(name).close()
    shm = kept.pop(job["shm"], None) or shared_memory.SharedMemory(name=job["shm"])
    try:
        _steps(_views(shm.buf, job["layout"], job["sizes"][0]), job, conn, go, ticket, done, ready, alive)
    finally:  # the views into the block died with _steps' frame
        if job["keep"]:
            kept[job["shm"]] = shm
        else:
            shm.close()


def _steps(arrays: dict, job: dict, conn, go, ticket, done, ready, alive) -> None:
    net = Network(job["sizes"], job["activation"], job["output"], job["cost"], job["dtype"])
    theta = net.params  # this helper's own copy, kept equal to the training process's
    ws = Workspace(net, job["shard"], grad=arrays["g1"])
    optimizer = job["optimizer"]  # a copy without state: it gets the training process's at a resync
    l2, n_w = job["l2"], net.n_weights
    grad, buf = np.empty_like(theta), np.empty_like(theta)
    control, hyper, failed = arrays["control"], arrays["hyper"], arrays["failed"]
    while go.acquire(False):  # go's left from the last fit, which ended before this helper saw them
        pass
    conn.send((job["fit"], None))  # bound (messages name their fit: a late one is told apart)
    while True:
        if not _wait(go, alive):
            return
        if control[_UNBIND]:
            return
        if not ticket.acquire(False):  # the training process ran this shard itself (or a stale go)
            continue
        # the step (or epoch task) as the training process wrote it before the ticket: it writes the
        # next one only after this one is done, maybe while this helper still updates θ
        task = int(control[_TASK])
        s, e, step, lr = int(control[_S]), int(control[_E]), int(control[_STEP]), float(hyper[0])
        try:
            if task:  # the second half of the epoch's shuffle or row costs
                _epoch_task(arrays, task, 1, job["output"], job["cost"])
            else:
                if control[_RESYNC]:  # missed steps (or the first one): take θ and the state as they are now
                    theta[...] = arrays["theta"]
                    if optimizer is not None:
                        optimizer._buffers = [b.copy() for b in arrays["opt"]]
                        optimizer._shape = (theta.shape, theta.dtype)
                        optimizer.t = int(hyper[1]) - 1
                lo, hi = shard_bounds(s, e, 2)[1]
                _shard_step(ws, arrays, lo, hi, s, e)
        except BaseException:  # noqa: BLE001  (reported; the training process raises)
            failed[0] = 1
            conn.send((job["fit"], traceback.format_exc()))
            task = -1  # no update to take part in
        done.release()
        if task:
            continue
        if not _wait(ready, alive):  # this process's own shard gradient
            return
        np.add(arrays["g0"][step % 2], arrays["g1"], out=grad)  # ∂C/∂θ = g0 + g1
        if l2:
            add_l2_gradient(theta, grad, l2, n_w, buf)  # as fit does: the same bits
        if optimizer is not None:
            optimizer.lr = lr
            optimizer.step(theta, grad)  # the same update as the training process's


# --- the helper, kept for later fits --------------------------------------------------------------
class _Helper:
    def __init__(self, ctx):
        self.go, self.ticket, self.done, self.ready = (ctx.Semaphore(0) for _ in range(4))
        self.conn, child = ctx.Pipe()
        self.block: shared_memory.SharedMemory | None = None  # a fit's block, kept for the next one
        self.bound_fit: int | None = None  # the last fit the helper took, until it says it is unbound
        self.owner = os.getpid()  # a forked child inherits this object, not the helper
        self.process = ctx.Process(target=_helper_main,
                                   args=(child, self.go, self.ticket, self.done, self.ready, os.getpid()),
                                   name="geonet-shard", daemon=True)
        start_without_main(self.process)  # an unguarded user script must not run again in the helper
        child.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def died(self) -> RuntimeError:
        return RuntimeError(f"a training helper process died (exit code {self.process.exitcode})")

    def receive(self, fit: int, timeout: float):
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

    def wait_unbound(self) -> None:
        """Wait until the helper has left the last fit (it may still read that fit's block)."""
        while self.bound_fit is not None:
            if self.receive(self.bound_fit, START_TIMEOUT) == UNBOUND:
                self.bound_fit = None

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(1.0)
        if self.process.is_alive():
            self.process.terminate()
        self.free_block()

    def free_block(self) -> None:
        if self.block is not None:
            _release(self.block)
            self.block = None


_POOL: list[_Helper] = []
_FITS = itertools.count()  # numbers the fits: the helper's messages name theirs
_POOL_LOCK = threading.Lock()  # one fit at a time uses the helper; a second one runs alone
_LEFTOVER: list[shared_memory.SharedMemory] = []  # blocks still viewed by a caller when released


def _take_helper() -> _Helper:
    """A live helper, started if needed; the caller holds _POOL_LOCK."""
    live = []
    for helper in _POOL:
        if helper.owner != os.getpid():  # in a forked child: the parent's helper, not ours
            continue
        if helper.alive():
            live.append(helper)
        else:
            helper.free_block()
    _POOL[:] = live
    if not _POOL:
        _POOL.append(_Helper(multiprocessing.get_context("spawn")))
    return _POOL[0]


@atexit.register
def _stop_helpers() -> None:
    for helper in _POOL:
        if helper.owner == os.getpid():  # a forked child leaves its parent's helper and block alone
            helper.stop()
    _POOL.clear()
    _close_leftovers()


def _release(shm: shared_memory.SharedMemory) -> None:
    """Unlink and close a block (closed later if a caller still holds a view into it)."""
    shm.unlink()
    try:
        shm.close()
    except BufferError:  # the caller still holds a view: closed at the next fit or at exit
        _LEFTOVER.append(shm)


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
    """Training steps on two shards of mini-batches, one here and one on the helper process.

    Built for a fit of ``net`` with ``optimizer`` (and L2 factor ``l2``) on ``rows`` rows, in
    shared memory: ``source`` (every row's inputs and targets, which the caller fills once),
    ``rows`` (the epoch's, filled by ``shuffle(order)``; ``X`` and ``T`` are views of it),
    ``outputs`` (a(L), whose row costs ``costs()`` returns) and ``scale`` (row weights, which the
    caller fills).  ``run(s, e)`` runs the step on rows [s, e) and returns the flat batch gradient;
    the caller then adds the L2 term (:func:`~geonet.nn.costs.add_l2_gradient`) and takes
    ``optimizer.step`` on ``net.params``, which the helper repeats on its own copy.  Raises RuntimeError when the
    helper cannot be started or shared memory cannot be had; the caller then trains in one process.
    """

    split_update = False
    k = 2  # shards (and processes)
    backend, cores = "processes", k  # what a fit's History records

    def __init__(self, net, batch_size: int, rows: int, weighted: bool = False, optimizer=None, l2: float = 0.0):
        if not _POOL_LOCK.acquire(blocking=False):
            raise RuntimeError("the helper process is in use by another fit")
        self._locked = True
        self.net, self.shm, self.helper, self._bound, self._bound_once = net, None, None, False, False
        try:
            _close_leftovers()
            self.helper = _take_helper()
            self.helper.wait_unbound()  # before this fit resets a block the last one may still read
            dtype, n_params = str(net.dtype), len(net.params)
            self.optimizer = optimizer
            n_buffers = optimizer.n_buffers if optimizer is not None else 0
            layout = _layout(n_params, rows, net.sizes[0], net.sizes[-1], weighted, dtype, n_buffers)
            size = sum(_nbytes(s, d) for _, s, d in layout)
            block = self.helper.block
            if block is None or block.size < size:
                self.helper.free_block()
                _check_room(size)
                self.helper.block = block = shared_memory.SharedMemory(create=True, size=size)
            self.shm = block
            self.arrays = _views(block.buf, layout, net.sizes[0])
            self.arrays["control"][:] = 0
            self.arrays["failed"][:] = 0
            shard = -(-int(batch_size) // self.k)
            self._bounds: dict[int, list[tuple[int, int]]] = {}
            self.ws = [Workspace(net, max(shard, self.k), grad=self.arrays["g0"][i]) for i in range(2)]
            self.spare = Workspace(net, shard, grad=self.arrays["g1"])  # runs shard 1 here when needed
            self.grad = np.empty_like(net.params)  # the batch gradient handed to fit
            self._late, self._solo, self._stale, self._step = 0, 0, True, 0
            self.source, self.rows, self.outputs = self.arrays["source"], self.arrays["rows"], self.arrays["outputs"]
            self.X, self.T = self.arrays["X"], self.arrays["T"]
            self.scale = self.arrays.get("scale")
            replica = None
            if optimizer is not None:
                replica = copy.copy(optimizer)
                replica._buffers, replica._shape = [], None
            self.fit_id = next(_FITS)
            job = {"fit": self.fit_id, "shm": block.name, "layout": layout, "shard": shard, "sizes": net.sizes,
                   "activation": net.activation, "output": net.output, "cost": net.cost, "dtype": dtype,
                   "l2": float(l2), "optimizer": replica, "keep": block.size <= KEEP_BYTES}
            self.helper.conn.send(job)
            self.helper.bound_fit = self.fit_id
            answer = self.helper.receive(self.fit_id, START_TIMEOUT)
            if answer is not None:
                raise RuntimeError(f"the training helper process failed to start: {answer.strip().splitlines()[-1]}")
            while self.helper.done.acquire(False):  # left from an earlier fit, if any
                pass
            while self.helper.ready.acquire(False):
                pass
            self._bound = self._bound_once = True
        except BaseException:
            if self.helper is not None and not self._bound:  # in an unknown state: replaced next time
                self.helper.process.kill()
                self.helper.process.join(1.0)
            self.close()
            raise

    def _publish(self) -> None:
        """θ and the optimiser's state as they are now, for a helper that missed updates."""
        arrays, optimizer = self.arrays, self.optimizer
        arrays["theta"][...] = self.net.params
        if optimizer is not None:
            buffers = optimizer._state(self.grad, optimizer.n_buffers)
            if buffers:
                arrays["opt"][...] = buffers
        arrays["control"][_RESYNC] = 1

    def shuffle(self, order: np.ndarray) -> None:
        """The epoch's rows, ``rows[i] = source[order[i]]``: half here, half on the helper."""
        self.arrays["order"][...] = order
        self._split(_SHUFFLE)

    def costs(self) -> np.ndarray:
        """C(a(L), y) of every row of the epoch (float64): half here, half on the helper."""
        self._split(_COSTS)
        return self.arrays["costs"]

    def _split(self, task: int) -> None:
        """Epoch work ``task`` on the rows' first half here and the second on the helper, or here
        too when the helper has not claimed it (busy elsewhere) or runs nothing for now (solo)."""
        arrays, helper, net = self.arrays, self.helper, self.net
        offered = self._solo == 0
        if offered:
            arrays["control"][_TASK] = task
            helper.ticket.release()
            helper.go.release()
        error = None
        try:
            _epoch_task(arrays, task, 0, net.output, net.cost)
        except BaseException as exc:  # the helper's half still has to be settled
            error = exc
        if self._claim(offered):
            if error is None:
                _epoch_task(arrays, task, 1, net.output, net.cost)
        else:
            self._settle()
        arrays["control"][_TASK] = 0
        if error is not None:
            raise error

    def _claim(self, offered: bool) -> bool:
        """True when the helper's part is this process's to run: it was not offered (solo), or the
        helper has not claimed it yet (its ticket is taken back); RuntimeError when the helper died."""
        helper = self.helper
        if offered and not helper.ticket.acquire(False):
            return False
        if not helper.alive():
            raise helper.died()
        return True

    def _settle(self) -> None:
        """Wait for the helper's ``done``; RuntimeError when it died or its part failed."""
        helper, arrays = self.helper, self.arrays
        if not _wait(helper.done, helper.alive):
            raise helper.died()
        if arrays["failed"][0]:
            arrays["failed"][0] = 0
            text = helper.receive(self.fit_id, START_TIMEOUT)
            raise RuntimeError(f"the training helper process failed: {text.strip().splitlines()[-1]}")

    def run(self, s: int, e: int) -> np.ndarray:
        """Forward and backprop on rows [s, e), one shard here and one on the helper; the summed
        flat gradient (the caller's to add L2 to and step with)."""
        arrays, helper = self.arrays, self.helper
        self._step += 1
        ws = self.ws[self._step % 2]
        n = e - s
        if n < self.k:  # too few rows for two shards: all here (the helper misses this step)
            arrays["g1"][...] = 0
            _shard_step(ws, arrays, s, e, s, e)
            self._stale = True
            np.add(ws.grad, arrays["g1"], out=self.grad)
            return self.grad
        if n not in self._bounds:
            self._bounds[n] = shard_bounds(0, n, self.k)
        (lo0, hi0), (lo1, hi1) = self._bounds[n]
        offered = self._solo == 0
        if offered:
            control, optimizer = arrays["control"], self.optimizer
            if self._stale:
                self._publish()
            else:
                control[_RESYNC] = 0
            control[_S], control[_E], control[_STEP] = s, e, self._step
            if optimizer is not None:  # the step's learning rate and (Adam) step number, after it
                arrays["hyper"][:] = optimizer.lr, getattr(optimizer, "t", 0) + 1
            helper.ticket.release()
            helper.go.release()
        else:
            self._solo -= 1
        error = None
        t0 = time.perf_counter()
        try:
            _shard_step(ws, arrays, s + lo0, s + hi0, s, e)
        except BaseException as exc:  # the helper's shard still has to be settled
            error = exc
        t1 = time.perf_counter()
        if self._claim(offered):  # unclaimed: run shard 1 here
            if error is None:
                _shard_step(self.spare, arrays, s + lo1, s + hi1, s, e)
            self._stale = True
        else:
            helper.ready.release()  # our gradient is in g0[step % 2]
            self._settle()
            self._stale = False
            late = time.perf_counter() - t1 > LATE * (t1 - t0)  # its core is busy elsewhere?
            self._late = self._late + 1 if late else 0
            if self._late >= LATE_STEPS:
                self._solo, self._late = SOLO_STEPS, 0
        if error is not None:
            raise error
        np.add(ws.grad, arrays["g1"], out=self.grad)  # ∂C/∂θ = g0 + g1, in shard order
        return self.grad

    def close(self) -> None:
        """Unbind the helper; free the block unless it is kept for the next fit (KEEP_BYTES)."""
        if self._bound:  # every step is settled: the helper holds no shard; tell it, without waiting
            self._bound = False
            self.arrays["control"][_UNBIND] = 1  # (descheduled, it may read this late: its mapping outlives the unlink)
            self.helper.go.release()
        for name in ("arrays", "source", "rows", "X", "T", "outputs", "scale", "ws", "spare"):
            self.__dict__.pop(name, None)
        if self.shm is not None:
            if self.helper.block is self.shm and (self.shm.size > KEEP_BYTES or not self._bound_once):
                self.helper.free_block()  # too big to keep, or the helper never took it
            self.shm = None
        if self._locked:
            self._locked = False
            _POOL_LOCK.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
