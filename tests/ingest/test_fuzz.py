"""A seeded fuzz of the LAS reader: mutants of the small fixtures give a table or a one-line refusal.

Never a traceback, an "unexpected" internal error, more than a few seconds per file, or runaway
memory (issue 15). 300 mutants, well under a minute; the seed is fixed so a failure reproduces
(the failing case's seed and operations are in the assertion message).
"""

from __future__ import annotations

import random
import resource
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geonet.cli.app import app
from geonet.errors import GeonetError
from geonet.features.loaders import load_well

from .conftest import FIXTURES

CASES = 300
SEED = 20261202
MAX_SECONDS_PER_FILE = 5.0
MAX_GROWTH_MB = 600

TOKENS = [b"", b"-inf", b"inf", b"nan", b"1e400", b"-1e400", b"-999.25", b"abc", b"#", b"~A", b"~", b"::", b".",
          b"\x00", b"\xff\xfe", b"1,5", b"--", b"0x10", b"1e-400", b"\t", b"\r", b"9" * 40]


def _tokens(line: bytes) -> list[bytes]:
    return line.split(b" ")


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """Apply 1–4 random operations; returns the mutant and their names (for the failure message)."""
    lines = data.split(b"\n")
    ops = []
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(["del_line", "dup_line", "swap_lines", "token", "token", "truncate", "bytes", "flip",
                         "section", "long_token", "long_line", "many_columns", "empty_values"])
        ops.append(op)
        i = rng.randrange(len(lines))
        if op == "del_line" and len(lines) > 1:
            del lines[i]
        elif op == "dup_line":
            lines[i:i] = [lines[i]] * rng.randint(1, 50)
        elif op == "swap_lines":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "token":
            parts = _tokens(lines[i])
            parts[rng.randrange(len(parts))] = rng.choice(TOKENS)
            lines[i] = b" ".join(parts)
        elif op == "truncate":
            joined = b"\n".join(lines)
            lines = joined[: rng.randrange(len(joined) + 1)].split(b"\n")
        elif op == "bytes":
            lines[i] += bytes(rng.randrange(256) for _ in range(rng.randint(1, 12)))
        elif op == "flip" and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + bytes([lines[i][k] ^ (1 << rng.randrange(8))]) + lines[i][k + 1:]
        elif op == "section":
            lines[i] = rng.choice([b"~A", b"~C", b"~W", b"~V", b"~P", b"~O", b"~Z", b"~ASCII DEPTH GR", b"~Log_Data"])
        elif op == "long_token":
            parts = _tokens(lines[i])
            parts[rng.randrange(len(parts))] = b"7" * rng.choice([300, 3000])
            lines[i] = b" ".join(parts)
        elif op == "long_line":
            lines[i] += b" :" + b"x" * rng.choice([5000, 20000])
        elif op == "many_columns":
            lines[i] += b" 1.0" * rng.choice([50, 500])
        elif op == "empty_values":
            lines[i] = b" ".join(b"" for _ in _tokens(lines[i]))
    return b"\n".join(lines), ops


def _mutants(folder: Path) -> list[tuple[Path, str]]:
    fixtures = sorted(p for p in FIXTURES.glob("*.las") if p.stat().st_size < 20_000)
    rng = random.Random(SEED)
    cases = []
    for n in range(CASES):
        source = rng.choice(fixtures)
        data, ops = mutate(source.read_bytes(), rng)
        if rng.random() < 0.03:
            data = data.decode("latin-1").encode("utf-16")
        path = folder / f"m{n:03d}_{source.stem}.las"
        path.write_bytes(data)
        cases.append((path, f"case {n} from {source.name}: {ops}"))
    return cases


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_fuzzed_las_files_give_a_table_or_a_one_line_refusal(tmp_path):
    cases = _mutants(tmp_path)
    rss_before = _max_rss_mb()
    outcomes = {"table": 0, "refused": 0}
    for path, what in cases:
        start = time.perf_counter()
        try:
            df = load_well(path)
        except GeonetError as exc:
            message = str(exc)
            assert "\n" not in message and "unexpected" not in message, f"{what}: {message}"
            assert path.name in message, f"{what}: the refusal does not name the file: {message}"
            outcomes["refused"] += 1
        except Exception as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{what}: internal error {type(exc).__name__}: {exc}")
        else:
            assert list(df.columns)[:2] == ["WELL", "DEPTH_M"], what
            assert df["DEPTH_M"].notna().all() and len(df) > 0, what
            outcomes["table"] += 1
        assert time.perf_counter() - start < MAX_SECONDS_PER_FILE, f"{what}: took too long"
    assert _max_rss_mb() - rss_before < MAX_GROWTH_MB
    assert outcomes["table"] > 20 and outcomes["refused"] > 20, outcomes  # the mutator is neither too kind nor too cruel


@pytest.mark.slow
def test_fuzzed_batch_through_the_cli_never_shows_an_internal_error(tmp_path):
    cases = _mutants(tmp_path)
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--out", str(tmp_path / "out" / "t.parquet"),
                                      "--jobs", "1", "--no-progress"])
    assert result.exit_code in (0, 3), result.output[-2000:]
    assert "Traceback" not in result.output and "unexpected" not in result.output, result.output[-2000:]
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) < len(cases)
