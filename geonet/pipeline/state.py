"""What a pipeline remembers between runs, to skip steps whose inputs have not changed.

The state file ``<pipeline dir>/.geonet-state/<pipeline name>.json`` holds, per tracking store
(the MLflow URI the steps logged to) and per step, the fingerprint it ran with, its outputs (so a
skipped step still feeds later steps) and its output files; plus a cache of file hashes. Running
the same pipeline into another store runs every step again there: a skipped step's outputs point
at runs of the store it ran in.

A step's fingerprint is the SHA-256 of canonical JSON of: its kind, its resolved options (with
references already replaced by the upstream outputs), the SHA-256 of the content of every input
file (every file of a folder or glob), the geonet version, and a hash of the geonet source code
the step runs (``StepKind.code``), so that changing how geonet ingests or trains re-runs it.

When a file's content hash is recomputed (the rule): files up to :data:`VERIFY_BYTES` are hashed
on every run (≈ 10 ms per 16 MiB); a larger file's cached hash is reused only while its size,
mtime, ctime and inode are all unchanged. ctime cannot be set back by a user (``touch -d`` sets it
to now), so an edit that keeps the size and restores the mtime is still seen. Within one run a
file named by several steps is hashed once (while its stamp stays the same). Measured on the FORCE
pipeline (22 LAS files, 72 MB, all under 16 MiB): ≈ 0.6 s per run on a loaded 2-core machine,
against 0.2 ms for size + mtime alone (``benchmarks/pipeline_skip.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geonet import __version__
from geonet.atomic import write_text_atomic
from geonet.errors import ConfigError
from geonet.paths import sha256_file
from geonet.pipeline.context import StepKind

STATE_VERSION = 2
#: files up to this size are re-hashed on every run; larger ones when size/mtime/ctime/inode change
VERIFY_BYTES = 16 << 20
#: the state of runs given no tracking URI (tests with fake trackers)
NO_STORE = "-"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass
class PipelineState:
    """The JSON state of one pipeline; ``load``/``save`` it, ``hash_file`` uses its cache."""

    path: Path
    store: str = NO_STORE  # the tracking URI whose steps :attr:`steps` are
    stores: dict[str, dict[str, dict]] = field(default_factory=dict)
    file_hashes: dict[str, dict] = field(default_factory=dict)
    _hashed_now: set[str] = field(default_factory=set, repr=False)  # files hashed by this process

    @classmethod
    def load(cls, path: Path, store: str | None = None) -> "PipelineState":
        store = store or NO_STORE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, store)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return cls(path, store)  # a damaged state only costs a re-run
        if not isinstance(raw, dict) or raw.get("state_version") != STATE_VERSION:
            return cls(path, store)
        return cls(path, store, raw.get("stores", {}), raw.get("file_hashes", {}))

    @property
    def steps(self) -> dict[str, dict]:
        """``{step name: record}`` of the current tracking store."""
        return self.stores.setdefault(self.store, {})

    def save(self) -> None:
        """Write atomically (temp file + rename) so an interrupted run never corrupts it."""
        data = {
            "state_version": STATE_VERSION, "geonet_version": __version__,
            "stores": {k: v for k, v in self.stores.items() if v}, "file_hashes": self.file_hashes,
        }
        write_text_atomic(self.path, json.dumps(data, indent=2, sort_keys=True, default=str))

    def hash_file(self, path: Path) -> str:
        """SHA-256 of a file's content, under the rule of the module docstring."""
        st = path.stat()
        key = str(path)
        stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "inode": st.st_ino}
        cached = self.file_hashes.get(key)
        trusted = st.st_size > VERIFY_BYTES or key in self._hashed_now
        if trusted and cached and all(cached.get(k) == v for k, v in stamp.items()):
            return cached["sha256"]
        sha = sha256_file(path)
        self.file_hashes[key] = {**stamp, "sha256": sha}
        self._hashed_now.add(key)
        return sha

    def hash_paths(self, paths: list[str]) -> dict[str, str]:
        """``{file: sha256}`` for files, every file under folders; ``"missing"`` if absent."""
        hashes: dict[str, str] = {}
        for p in paths:
            path = Path(p)
            if path.is_dir():
                for f in sorted(x for x in path.rglob("*") if x.is_file()):
                    hashes[str(f)] = self.hash_file(f)
            elif path.is_file():
                hashes[str(path)] = self.hash_file(path)
            else:
                hashes[str(path)] = "missing"
        return hashes


def state_path(root: Path, pipeline_name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in pipeline_name)
    if not safe:
        raise ConfigError(f"pipeline name {pipeline_name!r} cannot name a state file")
    return root / ".geonet-state" / f"{safe}.json"


@functools.cache
def code_hash(parts: tuple[str, ...]) -> str:
    """sha256 over the source (.py, .toml, .npy) of the given geonet packages or modules."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for part in parts:
        target = root / part
        files = sorted(target.rglob("*")) if target.is_dir() else [target]
        for path in files:
            if path.suffix in (".py", ".toml", ".npy") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(kind: StepKind, options: dict, input_hashes: dict[str, str]) -> str:
    payload = {"kind": kind.kind, "options": options, "inputs": input_hashes, "geonet_version": __version__,
               "code": code_hash(kind.code)}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
