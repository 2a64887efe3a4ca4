"""Lithology skill honestly measured: nested leave-wells-out CV over all 22 FORCE 2020 wells.

    .venv/bin/python benchmarks/force_nested_cv.py                    # 5 outer × 3 inner folds
    .venv/bin/python benchmarks/force_nested_cv.py --max-rows-per-well 1500 --outer 5 --inner 3

Outer loop: the 22 wells in ``--outer`` folds of whole wells (geonet.train.cv.well_folds: stratified
by well size, seed 0). For each outer fold, on its training wells only:

* **inner choice**: ``geonet cv``'s loop (geonet.train.cv.cross_validate, ``--inner`` folds over
  the outer fold's training wells) scores each geonet candidate — DEFAULT (``geonet train`` with
  no options) and BEST (pipelines/force2020_lithology.toml's recipe: its curves with DEPTH_M, 40
  bagged members, 6 epochs, least-penalty decisions) — and picks the better mean FORCE penalty;
* every candidate is then trained on all the outer fold's training wells and scored once on its
  held-out wells ("nested" is the inner choice's score: the number to quote, since the held-out
  wells chose nothing); scikit-learn's HistGradientBoostingClassifier is trained on the same rows
  and the same curves (the default's chosen curves, and the BEST recipe's curves).

``--max-rows-per-well`` thins the *training* rows of every model alike (evenly spaced; geonet's depth
windows still see whole wells); held-out wells are always scored on all their labelled rows.
Prints one line per outer fold and the mean ± spread. A script, not a test (2 shared cores: tens of
minutes).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from force_skill import CHOSEN, load_table  # noqa: E402

from geonet.spec import TrainSpec  # noqa: E402
from geonet.train.cv import cross_validate, summarize, task_scores, well_folds  # noqa: E402
from geonet.train.fitting import fit_model, prepare  # noqa: E402

TARGET = "LITHOLOGY"
#: the pipeline's recipe (benchmarks/force_skill.py CHOSEN), without its fixed validation wells
BEST = {k: v for k, v in CHOSEN.items() if k not in ("val_wells",)} | {"val_fraction": 0.0}
CANDIDATES = {"default": {"val_fraction": 0.0}, "best": BEST}


def spec_of(options: dict, max_rows: int | None) -> TrainSpec:
    return TrainSpec.from_options({**options, **({"max_rows_per_well": max_rows} if max_rows else {})})


def fit_and_score(df, train_wells, held_wells, spec):
    """Train on ``train_wells`` only; scores on all labelled rows of ``held_wells``; the input curves used."""
    ordered = df.sort_values(["WELL", "DEPTH_M"], kind="stable")
    train = ordered[ordered["WELL"].isin(train_wells)]
    prepared = prepare(train, spec, source="force2020")
    model = fit_model(train, spec, prepared=prepared).model
    held = ordered[ordered["WELL"].isin(held_wells)]
    pred = model.predict_frame(held, source="force2020")[model.pred_column]
    ok = held[TARGET].notna() & pred.notna()
    return task_scores("classify", held.loc[ok, TARGET], pred[ok]), prepared.features, prepared.train.rows


def hgb_score(df, train_rows, held_wells, curves):
    """HistGradientBoosting on ``curves`` of the same training rows; scored on all labelled held-out rows."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    held = df[df["WELL"].isin(held_wells) & df[TARGET].notna()]
    model = HistGradientBoostingClassifier(random_state=0)
    model.fit(train_rows[curves].to_numpy(np.float64), train_rows[TARGET].to_numpy(np.float64))
    return task_scores("classify", held[TARGET], model.predict(held[curves].to_numpy(np.float64)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outer", type=int, default=5)
    parser.add_argument("--inner", type=int, default=3)
    parser.add_argument("--max-rows-per-well", type=int, default=1500)
    args = parser.parse_args()
    df = load_table()
    labelled = df[df[TARGET].notna()]
    sizes = {str(w): int(n) for w, n in labelled.groupby("WELL").size().items()}
    outer = well_folds(sizes, args.outer, rng=np.random.default_rng(0), source="force2020")
    columns = ["nested", "default", "best", "hgb_default_curves", "hgb_best_curves"]
    print(f"nested leave-wells-out CV: {args.outer} outer × {args.inner} inner folds over {len(sizes)} wells; "
          f"training rows thinned to ≤ {args.max_rows_per_well} per well; FORCE penalty (0 is perfect)")
    print(f"{'fold':>4s} {'chose':>8s} " + " ".join(f"{c:>18s}" for c in columns) + "  seconds  held-out wells")
    results = {c: [] for c in columns}
    for fold in outer:
        t0 = time.perf_counter()
        inner = {}
        for name, options in CANDIDATES.items():
            spec = spec_of(options, args.max_rows_per_well)
            cv = cross_validate(df[df["WELL"].astype(str).isin(fold.train)], spec, folds=args.inner, source="force2020")
            inner[name] = cv.summary()["penalty"]["mean"]
        chosen = max(inner, key=inner.get)
        row = {}
        for name, options in CANDIDATES.items():
            scores, curves, rows = fit_and_score(df, fold.train, fold.held_out, spec_of(options, args.max_rows_per_well))
            row[name] = scores["penalty"]
            key = "hgb_default_curves" if name == "default" else "hgb_best_curves"
            row[key] = hgb_score(df, rows, fold.held_out, [c for c in curves])["penalty"]
        row["nested"] = row[chosen]
        for c in columns:
            results[c].append(row[c])
        print(f"{fold.index:4d} {chosen:>8s} " + " ".join(f"{row[c]:18.3f}" for c in columns)
              + f"  {time.perf_counter() - t0:7.0f}  {', '.join(fold.held_out)}"
              + f"   (inner: {', '.join(f'{k} {v:.3f}' for k, v in inner.items())})", flush=True)
    stats = {c: summarize(v) for c, v in results.items()}
    print(f"{'mean':>13s} " + " ".join(f"{stats[c]['mean']:18.3f}" for c in columns))
    print(f"{'std':>13s} " + " ".join(f"{stats[c]['std']:18.3f}" for c in columns))
    ahead = sum(n > h for n, h in zip(results["nested"], results["hgb_default_curves"]))
    print(f"nested geonet ahead of the trees on the default's curves in {ahead} of {len(outer)} folds")


if __name__ == "__main__":
    main()
