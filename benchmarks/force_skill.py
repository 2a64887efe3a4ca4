"""Lithology skill on the FORCE 2020 wells: geonet's NumPy MLP against scikit-learn's peers.

    .venv/bin/python benchmarks/force_skill.py          # chosen geonet config vs peers, validation wells
    .venv/bin/python benchmarks/force_skill.py --cv     # the leave-wells-out CV that chose the config

Data: the 22 wells in ../shared/data/force2020/las, ingested once with geonet.features.ingest to
benchmarks/.cache/force2020.parquet (gitignored). Split (the same as pipelines/force2020_lithology.toml):
16 training wells (TRAIN_WELLS) and 6 validation wells (VAL_WELLS), chosen once by hand to spread
over the quadrants (16, 25, 31, 34, 36) and hold every common class; never changed afterwards.

Inputs (every model): FEATURES = DEPTH_M, GR, RHOB, NPHI, DTC, PEF, RDEP, RMED, CALI, DRHO, SP.
DEPTH_M is kept on purpose: compaction trends (density, sonic, porosity change with burial) are
petrophysics, and the competition's solutions used it. X_LOC/Y_LOC/Z_LOC/DEPTH_MD are left out
(location proxies). BS, ROP, MUDWEIGHT, DTS, RSHA, RXO, SGR are drilling parameters or are logged in
too few wells. Round 4's CV also took PEF, SP and DRHO out of the chosen net's inputs (CORE); the peers
are then scored on both curve sets.

Model selection (``--cv``): 4 folds over the 16 training wells (FOLDS), run by ``geonet cv``'s own
loop (geonet.train.cv.cross_validate with these folds as its plan); every candidate in
CANDIDATES trains one network per fold with no early stopping (scored under its own decision rule); the best mean CV penalty is CHOSEN
and the validation wells are then scored once by the default mode against scikit-learn's
HistGradientBoosting and MLPClassifier on the same rows and curves. Scores: accuracy, macro-F1 and
the FORCE penalty score −mean(A[true, pred]) (0 is perfect). The rounds of CV, what each changed
and the validation results are in docs/force2020-recipe.md. A script, not a test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # share the 2 cores: single-process, single-thread
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geonet.spec import TrainSpec  # noqa: E402
from geonet.train.decision import class_penalty_matrix, min_penalty_decisions  # noqa: E402
from geonet.train.fitting import fit_model, prepare  # noqa: E402
from geonet.train.metrics import classification_report, force_penalty_score  # noqa: E402

HERE = Path(__file__).resolve().parent
LAS_DIR = HERE.parents[1] / "shared" / "data" / "force2020" / "las"
CACHE = HERE / ".cache" / "force2020.parquet"

FEATURES = ["DEPTH_M", "GR", "RHOB", "NPHI", "DTC", "PEF", "RDEP", "RMED", "CALI", "DRHO", "SP"]
VAL_WELLS = ["16/2-6", "25/11-5", "31/3-3", "31/6-8", "34/7-13", "36/7-3"]
TRAIN_WELLS = ["16/1-6 A", "16/2-11 A", "16/5-3", "25/11-15", "25/11-19 S", "31/2-1", "31/2-10",
               "31/2-7", "31/3-1", "31/3-4", "31/4-10", "31/5-4 S", "31/6-5", "32/2-1", "33/9-1", "34/7-20"]
FOLDS = [  # leave-wells-out CV over the training wells (each row: the held-out wells of one fold)
    ["16/1-6 A", "25/11-19 S", "31/2-10", "33/9-1"],
    ["16/2-11 A", "31/2-1", "31/4-10", "32/2-1"],
    ["16/5-3", "25/11-15", "31/2-7", "34/7-20"],
    ["31/3-1", "31/3-4", "31/5-4 S", "31/6-5"],
]

#: options shared by every geonet candidate
BASE = dict(target="LITHOLOGY", features=FEATURES, hidden=[64, 64], activation="relu", optimizer="adam",
            lr=1e-3, batch_size=256, epochs=20, patience=None, class_weight="sqrt", context=4,
            context_stride=4, seed=0,
            # as before the defaults changed (issue 10): no windows, one network, no bagging, last epoch
            context_windows=[], context_window_std=False, ensemble=1, bag_wells=0.0, restore_best=False)

#: round 1 (the table above, first block): each a change to BASE
ROUND1 = {
    "base (ctx ±4×4, sqrt cw)": {},
    "cw none": {"class_weight": "none"},
    "cw penalty": {"class_weight": "penalty"},
    "cw none + wellnorm GR": {"class_weight": "none", "well_norm": ["GR"]},
    "cw none + ctx ±8×4": {"class_weight": "none", "context": 8},
    "cw none + 128x128 l2": {"class_weight": "none", "hidden": [128, 128], "l2": 1e-5},
    "cw none, no context": {"class_weight": "none", "context": 0},
    "cw none, 6 epochs": {"class_weight": "none", "epochs": 6},
    "cw none, l2 1e-3": {"class_weight": "none", "l2": 1e-3},
    "cw none, no DEPTH_M": {"class_weight": "none", "features": FEATURES[1:]},
    "cw none, 6 ep, ens 5": {"class_weight": "none", "epochs": 6, "ensemble": 5},
    "cw none, 6 ep, ens 5, l2 1e-3": {"class_weight": "none", "epochs": 6, "ensemble": 5, "l2": 1e-3},
    "cw none, 6 ep, ens 5, wellnorm GR": {"class_weight": "none", "epochs": 6, "ensemble": 5,
                                          "well_norm": ["GR"]},
    "cw none, 6 ep, ens 5, 128x128": {"class_weight": "none", "epochs": 6, "ensemble": 5,
                                      "hidden": [128, 128]},
    "cw sqrt, 6 ep, ens 5": {"epochs": 6, "ensemble": 5},
}

#: round 2 starts from round 1's choice: no class weights, 6 epochs, ensemble of 5
R2 = {"class_weight": "none", "epochs": 6, "ensemble": 5}
#: depth windows of about 1, 5 and 20 m (0.152 m per sample)
WINDOWS = [7, 33, 131]
W4 = {"context_windows": [*WINDOWS, 395], "context_window_std": True}
ROUND2 = {
    "r2 + clip 5": {**R2, "clip": 5.0},
    "r2 + win 1/5/20 m, clip 5": {**R2, "clip": 5.0, "context_windows": WINDOWS},
    "r2 + win mean+std, clip 5": {**R2, "clip": 5.0, "context_windows": WINDOWS, "context_window_std": True},
    "r2 win only (no offsets), clip 5": {**R2, "clip": 5.0, "context": 0, "context_windows": WINDOWS},
    "r2 + win, clip 5, aug 1×0.5": {**R2, "clip": 5.0, "context_windows": WINDOWS, "missing_augment": 1},
    "r2 + clip 5, aug 1×0.5": {**R2, "clip": 5.0, "missing_augment": 1},
    "r2 + win mean+std, no clip": {**R2, "context_windows": WINDOWS, "context_window_std": True},
    "r2 + win mean+std 1/5/20/60 m, clip 5": {**R2, "clip": 5.0, "context_windows": [*WINDOWS, 395],
                                              "context_window_std": True},
    "r2 win mean+std only, clip 5": {**R2, "clip": 5.0, "context": 0, "context_windows": WINDOWS,
                                     "context_window_std": True},
    "r2 + win mean+std, clip 5, 10 ep": {**R2, "clip": 5.0, "context_windows": WINDOWS,
                                         "context_window_std": True, "epochs": 10},
    "r2 + win mean+std, clip 5, wellnorm GR": {**R2, "clip": 5.0, "context_windows": WINDOWS,
                                               "context_window_std": True, "well_norm": ["GR"]},
    # round 3: windows 1/5/20/60 m with mean and std, no clipping (W4)
    "W4 mean+std": {**R2, **W4},
    "W4 mean+std, seed 10": {**R2, **W4, "seed": 10},
    "W4 mean+std, 128x128": {**R2, **W4, "hidden": [128, 128]},
    "W4 mean+std, l2 1e-4": {**R2, **W4, "l2": 1e-4},
    "W4 mean+std, cw penalty": {**R2, **W4, "class_weight": "penalty"},
    "W4 mean+std, ens 10": {**R2, **W4, "ensemble": 10},
    "W4 mean+std, 4 ep": {**R2, **W4, "epochs": 4},
    "W4 + 150 m window": {**R2, "context_windows": [*WINDOWS, 395, 987], "context_window_std": True},
    "W4 mean+std, aug 1×0.3": {**R2, **W4, "missing_augment": 1, "missing_augment_rate": 0.3},
    "W4 mean+std, batch 128": {**R2, **W4, "batch_size": 128},
    "W4 mean+std, ctx ±8×4": {**R2, **W4, "context": 8},
    "W4 mean+std, robust scaler": {**R2, **W4, "scaler": "robust"},
}

#: round 4 starts from W4 (ensemble of 5, as in round 3's W4 row): well bagging, depth gradients,
#: fewer input curves
R4 = {**R2, **W4}
#: the input curves without the three with the poorest coverage (PEF, SP, DRHO)
CORE = [f for f in FEATURES if f not in ("PEF", "SP", "DRHO")]
ROUND4 = {
    "W4, bag wells 0.75": {**R4, "bag_wells": 0.75},
    "W4, bag wells 0.5": {**R4, "bag_wells": 0.5},
    "W4 + grad": {**R4, "context_window_grad": True},
    "W4, no PEF": {**R4, "features": [f for f in FEATURES if f != "PEF"]},
    "W4, no SP": {**R4, "features": [f for f in FEATURES if f != "SP"]},
    "W4, no DRHO": {**R4, "features": [f for f in FEATURES if f != "DRHO"]},
    "W4, no PEF/SP/DRHO": {**R4, "features": [f for f in FEATURES if f not in ("PEF", "SP", "DRHO")]},
    "W4, ens 20": {**R4, "ensemble": 20},
    "W4, bag wells 0.75, seed 10": {**R4, "bag_wells": 0.75, "seed": 10},
    "W4, bag wells 0.6": {**R4, "bag_wells": 0.6},
    "W4, bag wells 0.9": {**R4, "bag_wells": 0.9},
    "W4, bag 0.75, no PEF/SP/DRHO": {**R4, "bag_wells": 0.75, "features": CORE},
    "W4, bag 0.75, no PEF/SP/DRHO, seed 10": {**R4, "bag_wells": 0.75, "features": CORE, "seed": 10},
    "W4, no PEF/SP/DRHO, seed 10": {**R4, "features": CORE, "seed": 10},
    "W4, ens 20, bag 0.75": {**R4, "ensemble": 20, "bag_wells": 0.75},
    "W4, ens 20, bag 0.75, no PEF/SP/DRHO": {**R4, "ensemble": 20, "bag_wells": 0.75, "features": CORE},
    "W4, ens 20, no PEF/SP/DRHO": {**R4, "ensemble": 20, "features": CORE},
    "W4, ens 20, bag 0.6, no PEF/SP/DRHO": {**R4, "ensemble": 20, "bag_wells": 0.6, "features": CORE},
    "W4, ens 20, bag 0.9, no PEF/SP/DRHO": {**R4, "ensemble": 20, "bag_wells": 0.9, "features": CORE},
    "W4, ens 20, bag 0.6, no PEF/SP/DRHO, seed 20": {**R4, "ensemble": 20, "bag_wells": 0.6, "features": CORE,
                                                    "seed": 20},
    "W4, ens 40, bag 0.6, no PEF/SP/DRHO": {**R4, "ensemble": 40, "bag_wells": 0.6, "features": CORE},
    "W4, ens 40, bag 0.6, no PEF/SP/DRHO, seed 40": {**R4, "ensemble": 40, "bag_wells": 0.6, "features": CORE,
                                                    "seed": 40},
    "W4, ens 20, bag 0.5, no PEF/SP/DRHO": {**R4, "ensemble": 20, "bag_wells": 0.5, "features": CORE},
    "W4, ens 20, bag 0.5, no PEF/SP/DRHO, seed 20": {**R4, "ensemble": 20, "bag_wells": 0.5, "features": CORE,
                                                    "seed": 20},
}

#: candidates compared by --cv (each a change to BASE); the decision rule is scored for each
CANDIDATES = {**ROUND1, **ROUND2, **ROUND4}

#: the configuration chosen by --cv (see the module docstring)
CHOSEN = {**BASE, **R4, "features": CORE, "bag_wells": 0.6, "ensemble": 40, "decision": "min_penalty"}


def load_table():
    from geonet.features.table import read_feature_table

    if not CACHE.is_file():
        from geonet.features.ingest import ingest

        CACHE.parent.mkdir(parents=True, exist_ok=True)
        ingest([str(LAS_DIR)], CACHE)
    return read_feature_table(CACHE)


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """accuracy, macro-F1 (over the classes in y_true) and FORCE penalty of codes (n,)."""
    report = classification_report(y_true, y_pred, labels=np.unique(y_true))
    return {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
            "penalty": force_penalty_score(y_true, y_pred)}


def geonet_fit(df, train_wells, held_wells, options: dict):
    """Train on ``train_wells`` (no early stopping); probabilities (n, k) on ``held_wells``, true codes, classes."""
    config = TrainSpec.from_options({**options, "val_wells": held_wells})
    frame = df[df["WELL"].isin([*train_wells, *held_wells])]
    prepared = prepare(frame, config, source="force2020")
    blind = dataclasses.replace(prepared, val=None)  # held-out wells never seen in fit
    model = fit_model(frame, config, prepared=blind).model
    classes = np.asarray(prepared.encoder.classes)
    return model.predict_output(prepared.val.X), classes[prepared.val.Y], classes, prepared


def decide(proba, classes, rule: str) -> np.ndarray:
    if rule == "min_penalty":
        return classes[min_penalty_decisions(proba, class_penalty_matrix(classes))]
    return classes[proba.argmax(axis=1)]


def fmt(row: dict) -> str:
    return f"{row['accuracy']:8.3f} {row['macro_f1']:8.3f} {row['penalty']:8.3f}"


def run_cv(df, names: list[str] | None, peers: tuple[str, ...] = ("hgb",)) -> None:
    """Each candidate through ``geonet cv``'s loop (geonet.train.cv.cross_validate) over the fixed FOLDS."""
    from geonet.train.cv import Fold, cross_validate

    names = names or list(CANDIDATES)
    plan = [Fold(i, [w for w in TRAIN_WELLS if w not in held], list(held)) for i, held in enumerate(FOLDS)]
    train16 = df[df["WELL"].isin(TRAIN_WELLS)]
    print(f"leave-wells-out CV: {len(FOLDS)} folds over {len(TRAIN_WELLS)} training wells; "
          "mean over folds (accuracy, macro-F1, penalty)")
    print(f"{'candidate':34s} {'rule':12s} {'acc':>8s} {'mF1':>8s} {'penalty':>8s}   per-fold penalty")
    for name in names:
        t0 = time.perf_counter()
        spec = TrainSpec.from_options({**BASE, **CANDIDATES[name]})
        result = cross_validate(train16, spec, plan=plan, source="force2020")
        mean = {k: v["mean"] for k, v in result.summary().items()}
        folds = " ".join(f"{f.metrics['penalty']:.3f}" for f in result.folds)
        print(f"{name:34s} {spec.ensemble.decision.value:12s} {fmt(mean)}   {folds}  "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    if "hgb" in peers:
        _cv_peer(df)
    if "mlp" in peers:
        _cv_mlp_peer(df)


def _cv_peer(df) -> None:
    """HistGradientBoosting on the raw curves (all, and the CORE subset) over the same folds, for reference."""
    for label, features in (("raw", FEATURES), ("raw, no PEF/SP/DRHO", CORE)):
        rows = []
        for held in FOLDS:
            train = [w for w in TRAIN_WELLS if w not in held]
            rows.append(_hgb(df, train, held, features)[0])
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        folds = " ".join(f"{r['penalty']:.3f}" for r in rows)
        print(f"{'sklearn HistGradientBoosting ' + label:34s} {'argmax':12s} {fmt(mean)}   {folds}", flush=True)


def _cv_mlp_peer(df) -> None:
    """sklearn MLPClassifier on geonet's design matrix (round-1 context columns) over the same folds."""
    rows = []
    for held in FOLDS:
        train = [w for w in TRAIN_WELLS if w not in held]
        p = prepare(df[df["WELL"].isin([*train, *held])],
                    TrainSpec.from_options({**BASE, "class_weight": "none", "val_wells": held}), source="force2020")
        codes = np.asarray(p.encoder.classes)
        rows.append(_mlp(p.train.X, codes[p.train.Y], p.val.X, codes[p.val.Y]))
    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    folds = " ".join(f"{r['penalty']:.3f}" for r in rows)
    print(f"{'sklearn MLPClassifier context':34s} {'argmax':12s} {fmt(mean)}   {folds}", flush=True)


def _labelled(df, wells, features=FEATURES):
    rows = df[df["WELL"].isin(wells) & df["LITHOLOGY"].notna()]
    return rows[features].to_numpy(np.float64), rows["LITHOLOGY"].to_numpy(np.float64)


def _hgb(df, train, held, features, X_train=None, y_train=None, X_held=None, y_held=None):
    from sklearn.ensemble import HistGradientBoostingClassifier

    if X_train is None:
        X_train, y_train = _labelled(df, train, features)
        X_held, y_held = _labelled(df, held, features)
    model = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)
    return scores(y_held, model.predict(X_held)), model


def _mlp(X_train, y_train, X_held, y_held):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(64, 64), batch_size=256, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    return scores(y_held, model.predict(X_held))


def run_compare(df) -> None:
    rows = []
    t0 = time.perf_counter()
    proba, y, classes, prepared = geonet_fit(df, TRAIN_WELLS, VAL_WELLS, CHOSEN)
    seconds = time.perf_counter() - t0
    rows.append((f"geonet MLP chosen (ens {CHOSEN['ensemble']}, min-penalty)",
                 scores(y, decide(proba, classes, "min_penalty")), seconds))
    rows.append(("geonet MLP chosen, argmax decision", scores(y, decide(proba, classes, "argmax")), seconds))

    t0 = time.perf_counter()
    s, _ = _hgb(df, TRAIN_WELLS, VAL_WELLS, FEATURES)
    rows.append(("sklearn HistGradientBoosting raw", s, time.perf_counter() - t0))
    if list(CHOSEN["features"]) != FEATURES:  # the trees on the chosen curve subset too
        t0 = time.perf_counter()
        s, _ = _hgb(df, TRAIN_WELLS, VAL_WELLS, list(CHOSEN["features"]))
        rows.append(("sklearn HistGradientBoosting raw, chosen curves", s, time.perf_counter() - t0))
    # the same design matrix geonet sees (impute + indicators + context, scaled), for the peers
    ctx_cfg = {**BASE, "class_weight": "none"}
    ctx = prepare(df, TrainSpec.from_options({**ctx_cfg, "val_wells": VAL_WELLS}), source="force2020")
    flat = prepare(df, TrainSpec.from_options({**ctx_cfg, "context": 0, "val_wells": VAL_WELLS}),
                   source="force2020")
    t0 = time.perf_counter()
    codes = np.asarray(ctx.encoder.classes)
    s, _ = _hgb(df, None, None, None, ctx.train.X, codes[ctx.train.Y], ctx.val.X, codes[ctx.val.Y])
    rows.append(("sklearn HistGradientBoosting context", s, time.perf_counter() - t0))
    win = prepare(df, TrainSpec.from_options({**CHOSEN, "val_wells": VAL_WELLS}), source="force2020")
    t0 = time.perf_counter()
    codes = np.asarray(win.encoder.classes)
    s, _ = _hgb(df, None, None, None, win.train.X, codes[win.train.Y], win.val.X, codes[win.val.Y])
    rows.append(("sklearn HistGradientBoosting windows", s, time.perf_counter() - t0))
    for label, p in (("curves", flat), ("context", ctx), ("windows", win)):
        t0 = time.perf_counter()
        codes = np.asarray(p.encoder.classes)
        s = _mlp(p.train.X, codes[p.train.Y], p.val.X, codes[p.val.Y])
        rows.append((f"sklearn MLPClassifier {label}", s, time.perf_counter() - t0))

    print(f"train wells: {len(TRAIN_WELLS)} ({len(prepared.train)} rows); validation wells: "
          f"{', '.join(VAL_WELLS)} ({len(y)} rows)")
    print(f"{'model':44s} {'accuracy':>8s} {'macro-F1':>8s} {'penalty':>8s} {'seconds':>8s}")
    for name, s, sec in rows:
        print(f"{name:44s} {fmt(s)} {sec:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="run the leave-wells-out model selection")
    parser.add_argument("--only", nargs="*", help="CV: only these candidate names")
    parser.add_argument("--peers", default="hgb", help="CV: comma-separated peers to score too (hgb, mlp; '' none)")
    args = parser.parse_args()
    df = load_table()
    if args.cv:
        run_cv(df, args.only, tuple(p for p in args.peers.split(",") if p))
    else:
        run_compare(df)


if __name__ == "__main__":
    main()
