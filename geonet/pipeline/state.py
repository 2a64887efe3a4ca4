"""What a pipeline remembers between runs, to skip steps whose inputs have not changed.

The state file ``<pipeline dir>/.geonet-state/<pipeline name>.json`` holds, per step, the
fingerprint it ran with, its outputs (so a skipped step still feeds later steps) and its output
files; plus a cache of file hashes keyed by (path, size, mtime) so unchanged files are not re-read.

A step's fingerprint is the sha256 of canonical JSON of: its kind, its resolved options (with
references already replaced by the upstream outputs), the sha256 of every input file (every file
of a folder or glob), the geonet version, and a hash of the geonet source code the step runs
(:data:`STEP_CODE`), so that changing how geonet ingests or trains re-runs the affected steps.
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

STATE_VERSION = 1


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass
class PipelineState:
    """The JSON state of one pipeline; ``load``/``save`` it, ``hash_file`` uses its cache."""

    path: Path
    steps: dict[str, dict] = field(default_factory=dict)
    file_hashes: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "PipelineState":
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, json.JSONDecodeError):
            return cls(path)  # a damaged state only costs a re-run
        if raw.get("state_version") != STATE_VERSION:
            return cls(path)
        return cls(path, raw.get("steps", {}), raw.get("file_hashes", {}))

    def save(self) -> None:
        """Write atomically (temp file + rename) so an interrupted run never corrupts it."""
        data = {
            "state_version": STATE_VERSION, "geonet_version": __version__,
            "steps": self.steps, "file_hashes": self.file_hashes,
        }
        write_text_atomic(self.path, json.dumps(data, indent=2, sort_keys=True, default=str))

    def hash_file(self, path: Path) -> str:
        """sha256 of a file, reusing the cached value while its size and mtime are unchanged."""
        st = path.stat()
        key = str(path)
        cached = self.file_hashes.get(key)
        if cached and cached["size"] == st.st_size and cached["mtime_ns"] == st.st_mtime_ns:
            return cached["sha256"]
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        sha = digest.hexdigest()
        self.file_hashes[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
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


#: the geonet packages whose code decides each step's result
_DATA = ("errors.py", "io", "features")
_MODEL = (*_DATA, "nn", "train", "tracking", "workflows")
STEP_CODE = {"ingest": _DATA, "derive": _DATA, "train": _MODEL, "evaluate": _MODEL, "predict": _MODEL,
             "sweep": (*_MODEL, "pipeline/sweep.py")}


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


def fingerprint(kind: str, options: dict, input_hashes: dict[str, str]) -> str:
    payload = {"kind": kind, "options": options, "inputs": input_hashes, "geonet_version": __version__,
               "code": code_hash(STEP_CODE.get(kind, _MODEL))}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
