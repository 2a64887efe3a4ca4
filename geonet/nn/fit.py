"""The mini-batch training loop: shuffle once per epoch, step through contiguous slices.

Per epoch: permute the rows once (one copy of X and Y), then for each mini-batch run forward,
backward and one optimiser step on the flat parameter array.  The training loss is taken from
the forward passes already done (no extra pass): each step copies its a(L) aside, and the costs
of the whole epoch are computed in one vectorised call at its end.  Metrics leave the loop only
through callbacks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from ..errors import TrainingDiverged
from .blas import blas_threads
from .parallel import DataParallel, choose_parallel, choose_threads
from .processes import ProcessParallel
from .costs import add_l2_gradient
from .network import Network

# grad norms are averaged over about this many evenly spaced steps per epoch: a norm costs a pass
# over all parameters, ≈ 3% of a small net's step if taken every step, and 32 samples of a
# slowly drifting quantity estimate its epoch mean well
GRAD_NORM_STEPS = 32


@dataclass(frozen=True)
class EpochEnd:
    """What a callback sees after each epoch.

    grad_norms: mean of the per-step ‖∂C/∂W(l)‖, ‖∂C/∂b(l)‖ (Frobenius, L2 term included) over
    every k-th step of the epoch, k = ⌈steps per epoch / GRAD_NORM_STEPS⌉ (every step when an
    epoch has at most GRAD_NORM_STEPS steps), keyed "W1", "b1", ...; weight_norms: ‖W(l)‖,
    ‖b(l)‖ at the end of the epoch.
    """

    epoch: int  # 1-based
    step: int  # optimiser steps so far, all epochs
    train_loss: float  # mean of the per-batch losses over the epoch
    val_loss: float | None
    lr: float
    grad_norms: dict[str, float]
    weight_norms: dict[str, float]
    seconds: float  # wall time of the epoch (training steps, validation and norms)


@dataclass
class History:
    """Per-epoch record of a ``fit``.

    best_epoch: epoch of the lowest validation loss (of the lowest training loss without
    validation data); stopped_epoch: the last epoch that ran (< epochs when stopped early).
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_epoch: int = 0
    cores: int = 1  # the cores the steps ran on, and how: "threads" or "processes" (parallel.py, processes.py)
    backend: str = "threads"


def balanced_class_weights(y, n_classes: int) -> np.ndarray:
    """Per-class weights n / (k · count_c), shape (n_classes,), as sklearn's "balanced".

    y: class indices (n,) in [0, n_classes).  Classes absent from y get weight 0.
    Per-sample weights are ``balanced_class_weights(y, k)[y]``.
    """
    y = np.asarray(y)
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    if len(counts) != n_classes:
        raise ValueError(f"class indices must lie in [0, {n_classes})")
    weights = np.zeros(n_classes)
    present = counts > 0
    weights[present] = len(y) / (n_classes * counts[present])
    return weights


def _batch_scale(sw: np.ndarray | None, starts: np.ndarray, n: int, dtype) -> np.ndarray:
    """Column (n, 1) of each row's weight in its mini-batch's cost: 1 / batch size, or with
    sample weights sᵢ / (batch size · s̄), s̄ the mean weight of all n rows.

    Normalising by the epoch's mean weight, not by the batch's own Σ s, keeps each batch's cost an
    unbiased estimate of the weighted mean over all rows: a batch holding only rows of weight
    0.0001 moves the network 0.0001 as much, not as much as any other batch.
    """
    sizes = np.diff(np.append(starts, n))
    if sw is None:
        return np.repeat(1.0 / sizes, sizes).astype(dtype).reshape(n, 1)
    mean = float(sw.mean()) if n else 0.0
    scale = sw / (np.repeat(sizes, sizes) * mean) if mean > 0 else np.zeros(n)
    return scale.astype(dtype).reshape(n, 1)


def _check_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if len(sw) != n or not np.all(np.isfinite(sw)) or (n and sw.min() < 0):
        raise ValueError(f"sample_weight must hold {n} finite non-negative numbers")
    return sw


def _diverged(epoch: int, step: int, what: str, value: float, lr: float) -> TrainingDiverged:
    return TrainingDiverged(
        f"training diverged at epoch {epoch}, step {step}: the {what} became {value}; "
        f"try a lower learning rate (it was {lr:g})"
    )


class EpochClose:
    """What ends every epoch of a fit loop (:func:`fit`, ``batches.fit_batches``).

    Records the training loss and rate, scores the validation data, keeps the best epoch's weights,
    hands the callbacks an :class:`EpochEnd`; returns True when training should stop (``patience``
    epochs without improvement, or a callback said so). :meth:`restore` puts the best weights back.
    """

    def __init__(self, net: Network, optimizer, history: History, *, X_val, Y_val, val_sample_weight,
                 patience: int | None, restore_best: bool, callbacks: tuple) -> None:
        self.net, self.optimizer, self.history = net, optimizer, history
        self.X_val, self.Y_val, self.val_sample_weight = X_val, Y_val, val_sample_weight
        self.has_val = X_val is not None and Y_val is not None
        self.patience, self.restore_best, self.callbacks = patience, restore_best, callbacks
        self.names, self.offsets = net.segments()
        self.best_loss, self.best_params, self.wait = np.inf, None, 0

    def __call__(self, epoch: int, step: int, train_loss: float, grad_norms: np.ndarray, t0: float) -> bool:
        """End epoch ``epoch`` (``step`` steps so far, begun at ``t0``); ``grad_norms``: its mean
        per-segment gradient norms. True: stop training."""
        history, optimizer, theta = self.history, self.optimizer, self.net.params
        history.train_loss.append(train_loss)
        history.lr.append(optimizer.lr)
        val_loss = None
        if self.has_val:
            val_loss = self.net.loss(self.X_val, self.Y_val, self.val_sample_weight)
            if not np.isfinite(val_loss):
                raise _diverged(epoch, step, "validation loss", val_loss, optimizer.lr)
            history.val_loss.append(val_loss)
        monitored = train_loss if val_loss is None else val_loss
        if monitored < self.best_loss:
            self.best_loss, history.best_epoch, self.wait = monitored, epoch, 0
            if self.has_val and self.restore_best:
                self.best_params = theta.copy()
        else:
            self.wait += 1
        history.stopped_epoch = epoch
        stop = self.patience is not None and self.wait >= self.patience
        history.seconds.append(time.perf_counter() - t0)
        if self.callbacks:
            weight_norms = np.sqrt(np.add.reduceat(theta * theta, self.offsets))
            event = EpochEnd(
                epoch=epoch, step=step, train_loss=train_loss, val_loss=val_loss, lr=optimizer.lr,
                grad_norms=dict(zip(self.names, grad_norms.tolist())),
                weight_norms=dict(zip(self.names, weight_norms.tolist())),
                seconds=time.perf_counter() - t0,
            )
            for callback in self.callbacks:
                stop = bool(callback(event)) or stop
        return stop

    def restore(self) -> None:
        if self.best_params is not None:
            self.net.params[...] = self.best_params


def fit(
    net: Network,
    X,
    Y,
    optimizer,
    epochs: int = 10,
    batch_size: int = 256,
    rng: np.random.Generator | None = None,
    X_val=None,
    Y_val=None,
    sample_weight=None,
    val_sample_weight=None,
    l2: float = 0.0,
    schedule: Callable[[int], float] | None = None,
    patience: int | None = None,
    callbacks: Iterable[Callable[[EpochEnd], bool | None]] = (),
    restore_best: bool = True,
    threads: int | None = None,
    backend: str | None = None,
) -> History:
    """Train ``net`` in place by mini-batch gradient descent and return its History.

    X: (n, n_0); Y: class indices (n,) for softmax, else (n, n_L).  Each step minimises the
    batch's mean cost (rows weighted by sample_weight / its mean over all rows) + ½·l2·Σ‖W(l)‖²
    (biases not decayed).  With validation data,
    the validation loss is computed each epoch; ``patience`` stops after that many epochs
    without improvement, and ``restore_best`` puts back the weights of the best epoch at the
    end (stopped early or not).  A callback returning True stops training after that epoch.
    Raises TrainingDiverged when a loss becomes NaN or infinite.

    ``threads``: the cores training uses, each running forward and backprop on a shard of every
    mini-batch with one BLAS thread; ``backend``: on threads of this process ("threads", see
    parallel.py) or on helper processes ("processes", see processes.py).  None chooses both from
    the problem size (``parallel.choose_parallel``: one core for small nets, two processes for
    larger steps on a 2-core machine, threads where a step is big enough for more than two); an
    explicit ``threads`` without ``backend`` means threads, a ``backend`` without ``threads`` gets
    the cores chosen for that backend.  BLAS runs single-threaded during ``fit`` either way: a
    multi-threaded BLAS on small matmuls loses to one thread, badly on a busy machine.  Results
    equal the one-core ones up to floating-point summation order.
    """
    X, T = net.inputs(X), net.targets(Y)
    n = len(X)
    if n != len(T) or n == 0:
        raise ValueError(f"need as many targets as input rows (> 0), got {n} and {len(T)}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(T))):
        raise ValueError("training inputs and targets must be finite (impute or drop NaN first)")
    has_val = X_val is not None and Y_val is not None
    if patience is not None and not has_val:
        raise ValueError("early stopping (patience) needs X_val and Y_val")
    sw = _check_sample_weight(sample_weight, n)
    weighted = sw is not None  # else every row weighs 1/batch size: a scalar, cheaper than a column
    rng = np.random.default_rng() if rng is None else rng
    callbacks = tuple(callbacks)

    B = min(int(batch_size), n)
    starts = np.arange(0, n, B)
    if backend not in (None, "threads", "processes"):
        raise ValueError(f"backend must be 'threads' or 'processes', got {backend!r}")
    if threads is None:
        chosen, threads = choose_parallel(net.sizes, B, n, epochs)
        if backend not in (None, chosen):  # the backend asked for; the cores chosen for it
            threads = choose_threads(net.sizes, B) if backend == "threads" else 2
        backend = backend or chosen
    threads, backend = max(1, int(threads)), backend or "threads"
    n_w = net.n_weights
    l2_buf = np.empty(n_w, net.dtype) if l2 else None
    names, offsets = net.segments()
    sq = np.empty_like(net.params) if callbacks else None
    every = -(-len(starts) // GRAD_NORM_STEPS)  # grad norms on steps 0, k, 2k, ... of each epoch
    n_sampled = len(range(0, len(starts), every))

    history, step = History(), 0
    close = EpochClose(net, optimizer, history, X_val=X_val, Y_val=Y_val, val_sample_weight=val_sample_weight,
                       patience=patience, restore_best=restore_best, callbacks=callbacks)

    def decay(lo: int, hi: int) -> None:
        """Parameters [lo, hi) of the gradient: + λ W, the L2 term (weights only, biases not decayed)."""
        add_l2_gradient(theta, parallel.grad, l2, n_w, l2_buf, lo, hi)

    with (_open_parallel(net, B, threads, backend, n, weighted, optimizer, l2) as parallel, blas_threads(1),
          np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore")):
        theta = net.params
        history.backend, history.cores = parallel.backend, parallel.cores
        # inputs and targets side by side: one shuffling gather per epoch moves a row's 4(n_0 + n_L)
        # bytes together (two gathers, one per array, take ≈ 1.6× as long: twice the cache misses)
        np.concatenate([np.asarray(X, net.dtype), T], axis=1, out=parallel.source)
        del X, T
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            if schedule is not None:
                optimizer.lr = float(schedule(epoch))
            order = rng.permutation(n)
            parallel.shuffle(order)  # the epoch's shuffled copy of the rows
            if weighted or epoch == 1:  # without weights, the same every epoch
                scale = _batch_scale(None if sw is None else sw[order], starts, n, net.dtype)
            if weighted:
                parallel.scale[...] = scale
            grad_norm_sum = np.zeros(len(names))

            for i, s in enumerate(starts.tolist()):
                e = min(s + B, n)
                # forward (a(L) kept in outputs for the epoch's training loss) and backprop
                norms = callbacks and i % every == 0
                if parallel.split_update and not norms:  # gradient sum, L2 and update split over the threads
                    parallel.run_update(s, e, theta, optimizer, decay if l2 else None)
                    step += 1
                    continue
                grad = parallel.run(s, e)
                if l2:
                    decay(0, n_w)
                if norms:
                    np.multiply(grad, grad, out=sq)
                    grad_norm_sum += np.sqrt(np.add.reduceat(sq, offsets))  # ‖∂C/∂W(l)‖, ‖∂C/∂b(l)‖
                optimizer.step(theta, grad)
                step += 1

            costs = parallel.costs()  # C(a(L), y) per row, from the a(L) the forward passes kept
            batch_loss = np.add.reduceat(costs * scale[:, 0], starts)
            if not np.all(np.isfinite(batch_loss)):
                first = int(np.argmin(np.isfinite(batch_loss)))
                raise _diverged(epoch, step - len(starts) + first + 1, "training loss",
                                batch_loss[first], optimizer.lr)
            train_loss = float(batch_loss.mean())
            if close(epoch, step, train_loss, grad_norm_sum / n_sampled, t0):
                break

    close.restore()
    return history


def _open_parallel(net, batch_size: int, threads: int, backend: str, rows: int, weighted: bool, optimizer, l2):
    """The step runner: helper processes when asked and available, else threads of this process."""
    if backend == "processes" and threads > 1:
        try:
            return ProcessParallel(net, batch_size, rows, weighted, optimizer, l2)
        # helpers busy with another fit or not startable (in a daemon process), no shared memory
        except (RuntimeError, OSError, ValueError, AssertionError):
            threads = 1
    return DataParallel(net, batch_size, threads, rows, weighted)
