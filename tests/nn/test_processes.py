"""Data-parallel steps on helper processes (geonet/nn/processes.py): same training as one process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from geonet.nn import Network, fit, make_optimizer
from geonet.nn import processes
from geonet.nn.processes import ProcessParallel
from geonet.nn.parallel import choose_parallel


def _data(rng, n=1000, d=6, k=4):
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (X[:, 0] * 2 + np.sin(X[:, 1] * 3) > 0).astype(int) + 2 * (X[:, 2] > 0.5)
    return X, y % k


SMALL, LARGER = (16, 12), (48, 40)  # 368 and 2,460 parameters


def _fit(backend, threads, X, y, hidden=SMALL, **kw):
    net = Network([X.shape[1], *hidden, 4], "relu", "softmax", dtype="float64", rng=np.random.default_rng(3))
    params = net.params
    history = fit(net, X, y, make_optimizer(kw.pop("optimizer", "adam"), lr=0.01), epochs=3, batch_size=96,
                  rng=np.random.default_rng(5), threads=threads, backend=backend, **kw)
    return net, params, history


@pytest.mark.parametrize("hidden", [SMALL, LARGER])
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "nesterov"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_on_helper_processes_matches_one_process(rng, hidden, optimizer, weighted):
    X, y = _data(rng)  # 1000 rows at batch 96: a ragged last batch of 40
    sw = rng.uniform(0.1, 3.0, len(X)) if weighted else None
    one, _, h1 = _fit("threads", 1, X, y, hidden, optimizer=optimizer, l2=1e-3, sample_weight=sw)
    two, params, h2 = _fit("processes", 2, X, y, hidden, optimizer=optimizer, l2=1e-3, sample_weight=sw)
    np.testing.assert_allclose(two.params, one.params, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(h2.train_loss, h1.train_loss, rtol=1e-10)
    assert (h1.backend, h1.cores, h2.backend, h2.cores) == ("threads", 1, "processes", 2)
    assert two.params is params  # the network's own array again, not the shared block
    fresh = Network([6, *hidden, 4], dtype="float64", rng=np.random.default_rng(3))
    assert not np.allclose(two.params, fresh.params)


@pytest.mark.parametrize("hidden", [SMALL, LARGER])
def test_gradient_norms_match_one_process(rng, hidden):
    """With callbacks, steps that sample gradient norms take the whole summed gradient here."""
    X, y = _data(rng, n=4000)  # 42 steps an epoch: norms on every 2nd step, the others split
    norms = {"one": [], "two": []}
    one, _, _ = _fit("threads", 1, X, y, hidden, l2=1e-3, callbacks=[lambda e: norms["one"].append(e.grad_norms)])
    two, _, _ = _fit("processes", 2, X, y, hidden, l2=1e-3, callbacks=[lambda e: norms["two"].append(e.grad_norms)])
    np.testing.assert_allclose(two.params, one.params, rtol=1e-9, atol=1e-11)
    for a, b in zip(norms["two"], norms["one"]):
        np.testing.assert_allclose(list(a.values()), list(b.values()), rtol=1e-9)


def test_optimizer_state_comes_back_and_continues(rng):
    """Adam's moments and step count live in shared memory during the fit and are the optimiser's
    own again after it: a second fit continues the first, as in one process."""
    X, y = _data(rng)
    results = {}
    for backend, threads in (("threads", 1), ("processes", 2)):
        net = Network([6, *LARGER, 4], dtype="float64", rng=np.random.default_rng(3))
        opt = make_optimizer("adam", lr=0.01)
        for seed in (5, 6):
            fit(net, X, y, opt, epochs=1, batch_size=96, rng=np.random.default_rng(seed), threads=threads,
                backend=backend)
        results[backend] = (net.params.copy(), opt.t, [b.copy() for b in opt._buffers])
        assert all(b.base is None or not isinstance(b.base, memoryview) for b in opt._buffers)
    (p1, t1, b1), (p2, t2, b2) = results["threads"], results["processes"]
    assert t1 == t2 == 2 * 11
    np.testing.assert_allclose(p2, p1, rtol=1e-9, atol=1e-11)
    for a, b in zip(b2, b1):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)


def _shm_names() -> set[str]:
    """Shared-memory blocks in /dev/shm (not the helpers' semaphores)."""
    return {n for n in os.listdir("/dev/shm") if n.startswith("psm_")} if os.path.isdir("/dev/shm") else set()


def test_helpers_and_small_blocks_are_reused_and_leave_no_shared_memory(rng):
    X, y = _data(rng)
    processes._stop_helpers()
    before = _shm_names()
    _fit("processes", 2, X, y)
    pids = [h.process.pid for h in processes._POOL]
    block = processes._POOL[0].block.name
    _fit("processes", 2, X[:500], y[:500])  # fits in the kept block
    assert pids and [h.process.pid for h in processes._POOL] == pids
    assert processes._POOL[0].block.name == block
    if os.path.isdir("/dev/shm"):
        assert _shm_names() - before == {block.lstrip("/")}  # the one kept block
    processes._stop_helpers()
    assert _shm_names() <= before


def test_a_block_too_big_to_keep_is_freed_when_its_fit_ends(rng, monkeypatch):
    X, y = _data(rng)
    processes._stop_helpers()
    before = _shm_names()
    monkeypatch.setattr(processes, "KEEP_BYTES", 1024)
    two, _, history = _fit("processes", 2, X, y)
    assert history.backend == "processes"
    assert processes._POOL[0].block is None
    assert _shm_names() <= before
    one, _, _ = _fit("processes", 2, X, y)  # a new block: the helper maps it afresh
    np.testing.assert_array_equal(one.params, two.params)


def test_a_dead_helper_is_an_error_and_the_next_fit_starts_a_new_one(rng):
    X, y = _data(rng)
    _fit("processes", 2, X, y)  # make sure the pool is up
    victim = processes._POOL[0].process.pid

    def kill(event):
        if event.epoch == 1:
            os.kill(victim, signal.SIGKILL)
            processes._POOL[0].process.join(10)  # dead, not only signalled

    with pytest.raises(RuntimeError, match="helper process died"):
        _fit("processes", 2, X, y, callbacks=[kill])
    net, params, _ = _fit("processes", 2, X, y)
    assert processes._POOL[0].process.pid != victim
    assert net.params is params and np.all(np.isfinite(params))


@pytest.mark.parametrize("hidden", [SMALL, LARGER])
def test_a_stopped_helper_does_not_stall_training(rng, hidden):
    """A helper that gets no CPU (here SIGSTOP) leaves its shards (and update ranges) to this
    process: same result."""
    X, y = _data(rng)
    _fit("processes", 2, X, y, hidden)
    helper = processes._POOL[0].process

    def stop(event):
        if event.epoch == 1:
            os.kill(helper.pid, signal.SIGSTOP)

    try:
        two, _, _ = _fit("processes", 2, X, y, hidden, callbacks=[stop])
    finally:
        os.kill(helper.pid, signal.SIGCONT)
    one, _, _ = _fit("threads", 1, X, y, hidden)
    np.testing.assert_allclose(two.params, one.params, rtol=1e-9, atol=1e-11)
    again, _, _ = _fit("processes", 2, X, y, hidden)  # the helper catches up and serves the next fit
    np.testing.assert_allclose(again.params, one.params, rtol=1e-9, atol=1e-11)
    assert helper.is_alive()


def test_an_error_in_this_process_leaves_the_helpers_usable(rng):
    X, y = _data(rng)

    def boom(event):
        raise ValueError("callback failed")

    with pytest.raises(ValueError, match="callback failed"):
        _fit("processes", 2, X, y, callbacks=[boom])
    one, _, _ = _fit("threads", 1, X, y)
    two, _, _ = _fit("processes", 2, X, y)
    np.testing.assert_allclose(two.params, one.params, rtol=1e-9, atol=1e-11)


def test_an_unguarded_script_runs_once(tmp_path: Path):
    """Spawned helpers must not re-run the caller's __main__ (a script without a __name__ guard)."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from geonet.nn import Network, fit, make_optimizer
        print("script body ran", flush=True)
        X = np.random.default_rng(0).normal(size=(500, 5))
        y = (X[:, 0] > 0).astype(int)
        net = Network([5, 8, 2], dtype="float64", rng=np.random.default_rng(0))
        fit(net, X, y, make_optimizer("adam"), epochs=2, batch_size=50, threads=2, backend="processes")
        from geonet.nn import processes
        print("helpers", len(processes._POOL), flush=True)
    """))
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("script body ran") == 1
    assert "helpers 1" in out.stdout


def test_backend_choice_follows_problem_size():
    assert choose_parallel((10, 64, 64, 9), 256, 200_000, 10, cpus=2) == ("processes", 2)
    assert choose_parallel((10, 64, 64, 9), 256, 2_000, 10, cpus=2) == ("threads", 1)  # too short to pay
    assert choose_parallel((10, 64, 64, 9), 256, 200_000, 10, cpus=1) == ("threads", 1)
    assert choose_parallel((7, 32, 9), 64, 1_000_000, 100, cpus=2) == ("threads", 1)  # steps too small
    assert choose_parallel((10, 256, 256, 9), 1024, 200_000, 10, cpus=2) == ("processes", 2)  # wide, 2 cores
    assert choose_parallel((10, 256, 256, 9), 1024, 200_000, 10, cpus=8) == ("threads", 8)  # room for more threads


def test_unknown_backend_is_refused(rng):
    X, y = _data(rng, n=50)
    with pytest.raises(ValueError, match="backend"):
        _fit("gpu", 2, X, y)


def test_a_core_limit_keeps_training_on_one_core():
    """A sweep's trial workers run side by side: limit_cores(1) keeps each on one core."""
    from geonet.nn.blas import limit_cores

    try:
        limit_cores(1)
        assert choose_parallel((10, 64, 64, 9), 256, 200_000, 10) == ("threads", 1)
        assert choose_parallel((10, 256, 256, 9), 1024, 200_000, 10) == ("threads", 1)
    finally:
        limit_cores(None)


def test_too_little_shared_memory_trains_in_one_process(rng, monkeypatch):
    """Where /dev/shm is too small (a container's 64 MB), the fit runs alone instead of dying of SIGBUS."""
    X, y = _data(rng)
    check_room = processes._check_room
    for helper in processes._POOL:  # a block kept from an earlier fit needs no new room
        helper.free_block()
    monkeypatch.setattr(processes, "_check_room", lambda size: (_ for _ in ()).throw(RuntimeError("no room")))
    two, _, history = _fit("processes", 2, X, y)
    one, _, _ = _fit("threads", 1, X, y)
    assert (history.backend, history.cores) == ("threads", 1)
    np.testing.assert_array_equal(two.params, one.params)  # one process: the very same arithmetic
    with pytest.raises(RuntimeError, match="too little"):
        check_room(10**15)


def test_a_backend_without_threads_gets_its_own_core_count(rng):
    X, y = _data(rng, n=300)
    net = Network([6, 64, 64, 4], dtype="float32", rng=np.random.default_rng(0))
    history = fit(net, X, y, make_optimizer("adam"), epochs=1, batch_size=256, backend="threads")
    assert (history.backend, history.cores) == ("threads", 1)
    history = fit(net, X, y, make_optimizer("adam"), epochs=1, batch_size=256, backend="processes")
    assert (history.backend, history.cores) == ("processes", 2)


@pytest.mark.parametrize("hidden", [SMALL, LARGER])
def test_a_helper_back_mid_fit_takes_theta_again(rng, hidden):
    """Stopped for an epoch (its shards run here, it misses updates), the helper comes back, copies θ
    and the optimiser's state from the training process, and the fit still equals one process."""
    X, y = _data(rng, n=3000)
    _fit("processes", 2, X, y, hidden)
    helper = processes._POOL[0].process

    def pause(event):
        if event.epoch == 1:
            os.kill(helper.pid, signal.SIGSTOP)
        elif event.epoch == 2:
            os.kill(helper.pid, signal.SIGCONT)

    try:
        two, _, _ = _fit("processes", 2, X, y, hidden, l2=1e-3, callbacks=[pause])
    finally:
        os.kill(helper.pid, signal.SIGCONT)
    one, _, _ = _fit("threads", 1, X, y, hidden, l2=1e-3)
    np.testing.assert_allclose(two.params, one.params, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("n", [1, 2, 999])
def test_epoch_shuffle_and_costs_split_over_the_helper_equal_one_process(rng, n):
    """The epoch's gather and row costs, half here and half on the helper, give the very same
    numbers as one process (each row is computed the same way wherever it is)."""
    from geonet.nn.parallel import DataParallel

    net = Network([6, 16, 4], "relu", "softmax", dtype="float32", rng=np.random.default_rng(0))
    X, y = _data(rng, n=n)
    source = np.concatenate([X, net.targets(y)], axis=1)
    order = rng.permutation(n)
    outputs = rng.dirichlet(np.ones(4), size=n).astype(np.float32)
    results = []
    with ProcessParallel(net, 96, n) as two, DataParallel(net, 96, 1, n) as one:
        for parallel in (one, two):
            parallel.source[...] = source
            parallel.shuffle(order)
            parallel.outputs[...] = outputs
            results.append((parallel.rows.copy(), parallel.costs().copy()))
    (rows1, costs1), (rows2, costs2) = results
    np.testing.assert_array_equal(rows2, source[order])
    np.testing.assert_array_equal(rows2, rows1)
    np.testing.assert_array_equal(costs2, costs1)
    expected = -np.log(outputs[np.arange(n), y[order]].astype(np.float64))
    np.testing.assert_allclose(costs2, expected, rtol=1e-12)


def test_a_forked_child_leaves_the_helper_and_its_block_alone(rng):
    """A child forked after a fit inherits the pool's objects, not the helper: neither its exit nor
    its own fit may stop the parent's helper or free its kept block."""
    X, y = _data(rng)
    _fit("processes", 2, X, y)
    helper = processes._POOL[0]
    name = helper.block.name.lstrip("/")
    pid = os.fork()
    if pid == 0:  # the child: a fit of its own (a new helper), then what its exit runs
        code = 1
        try:
            _, _, history = _fit("processes", 2, X[:300], y[:300])
            code = 0 if history.backend == "processes" and processes._POOL[0] is not helper else 2
            processes._stop_helpers()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert helper.process.is_alive() and os.path.exists(f"/dev/shm/{name}")
    one, _, _ = _fit("threads", 1, X, y)
    two, _, _ = _fit("processes", 2, X, y)  # the parent's helper and block still serve
    assert processes._POOL[0] is helper and helper.block.name.lstrip("/") == name
    np.testing.assert_allclose(two.params, one.params, rtol=1e-9, atol=1e-11)
