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
too few wells.

Model selection (``--cv``): 4 folds over the 16 training wells (FOLDS, 4 wells each; each fold's
wells held out in turn, the other 12 train). Every candidate in CANDIDATES trains one network per
fold for a fixed number of epochs (no early stopping — nothing looks at held-out wells while
training); both decision rules (argmax, least expected FORCE penalty) are scored from the same
probabilities. The candidate with the best mean CV penalty is CHOSEN; the validation wells are
then scored once by the default mode. The CV that chose it (mean over the 4 folds; penalty per fold;
run in three batches with ``--only``, one network per fold unless "ens"; all share BASE):

    candidate                          rule          acc    mF1  penalty   per-fold penalty
    base (ctx ±4×4, sqrt cw, 20 ep)    argmax      0.603  0.371  -1.099   -1.419 -1.089 -0.526 -1.362
    cw none                            argmax      0.639  0.346  -1.026   -1.203 -0.847 -0.629 -1.424
    cw penalty                         argmax      0.631  0.341  -1.049   -1.091 -1.052 -0.602 -1.450
    cw none + wellnorm GR              argmax      0.594  0.322  -1.142   -0.763 -1.302 -0.599 -1.904
    cw none + ctx ±8×4                 argmax      0.613  0.339  -1.072   -1.000 -1.213 -0.565 -1.509
    cw none + 128x128 l2 1e-5          argmax      0.611  0.361  -1.055   -1.132 -1.199 -0.546 -1.342
    cw none, no context                argmax      0.638  0.334  -1.055   -1.208 -1.100 -0.604 -1.307
    cw none, 6 epochs                  argmax      0.644  0.360  -0.993   -1.029 -0.841 -0.666 -1.436
    cw none, l2 1e-3                   argmax      0.639  0.368  -1.014   -1.210 -0.811 -0.562 -1.472
    cw none, no DEPTH_M                argmax      0.570  0.308  -1.140   -1.343 -1.114 -0.756 -1.349
    cw none, 6 ep, ens 5               argmax      0.651  0.364  -0.955   -0.909 -1.017 -0.517 -1.377
    cw none, 6 ep, ens 5               min_penalty 0.650  0.370  -0.954   -0.919 -1.009 -0.513 -1.377  <- CHOSEN
    cw none, 6 ep, ens 5, l2 1e-3      argmax      0.650  0.361  -0.957   -0.840 -1.092 -0.542 -1.353
    cw none, 6 ep, ens 5, wellnorm GR  argmax      0.600  0.377  -1.116   -0.694 -1.264 -0.613 -1.894
    cw none, 6 ep, ens 5, 128x128      argmax      0.652  0.376  -0.956   -1.015 -1.014 -0.531 -1.265
    cw sqrt, 6 ep, ens 5               argmax      0.614  0.376  -1.060   -1.199 -1.053 -0.538 -1.451
    sklearn HistGradientBoosting raw   argmax      0.682  0.312  -0.920   -0.957 -1.053 -0.636 -1.032

(min_penalty moved every candidate's penalty by ≤ 0.005 either way; shown for the chosen one only.)
Chosen: no class weights, 6 epochs (short training generalises across wells better than 20), an
ensemble of 5 seeds, least-expected-penalty decisions. Not chosen: well-wise GR normalisation (it
helps fold 1 a lot and ruins fold 4, whose wells have long partly-logged intervals), class weights,
wider context, l2, width — all within noise or worse. In CV the boosted trees stay ahead (−0.920).

Result on the validation wells (default mode, run once with CHOSEN; 2 shared cores):

    model                                        accuracy macro-F1  penalty  seconds
    geonet MLP chosen (ens 5, min-penalty)          0.638    0.370   -0.970       21
    geonet MLP chosen, argmax decision              0.640    0.350   -0.975       21
    sklearn HistGradientBoosting raw                0.674    0.375   -0.907        6
    sklearn HistGradientBoosting context            0.612    0.334   -1.082       10
    sklearn MLPClassifier curves                    0.640    0.337   -0.955       16
    sklearn MLPClassifier context                   0.653    0.350   -0.924       12

The goal (geonet beating the boosted trees on the penalty) is NOT reached: geonet is −0.970 against
−0.907. Single networks vary a lot between folds (well-to-well shift), ensembling and short training
helped most; sklearn's MLP (its L2 alpha 1e-4, 30 epochs) with the same context columns does better
than geonet's chosen config, which suggests regularisation/epochs still deserve a wider CV search.

Peers get the same training rows and input curves: HistGradientBoostingClassifier on the raw curves
(NaN handled natively) and on geonet's design matrix with the same depth-context columns;
MLPClassifier (sklearn, 64-64 ReLU, Adam, 30 epochs) on geonet's imputed, scaled curves without
and with the context columns. Scores: accuracy, macro-F1 (over the classes present in the
held-out wells' labels) and the FORCE penalty score −mean(A[true, pred]) (0 is perfect).
A script, not a test.
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

from geonet.train.config import TrainConfig  # noqa: E402
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
            context_stride=4, seed=0)

#: candidates compared by --cv (each a change to BASE); the decision rule is scored for each
CANDIDATES = {
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

#: the configuration chosen by --cv (see the module docstring)
CHOSEN = {**BASE, "class_weight": "none", "epochs": 6, "ensemble": 5, "decision": "min_penalty"}


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
    config = TrainConfig.from_dict({**options, "val_wells": held_wells})
    frame = df[df["WELL"].isin([*train_wells, *held_wells])]
    prepared = prepare(frame, config, source="force2020")
    blind = dataclasses.replace(prepared, X_val=None, Y_val=None)  # held-out wells never seen in fit
    model = fit_model(frame, config, prepared=blind).model
    classes = np.asarray(prepared.classes)
    return model.predict_output(prepared.X_val), classes[prepared.Y_val], classes, prepared


def decide(proba, classes, rule: str) -> np.ndarray:
    if rule == "min_penalty":
        return classes[min_penalty_decisions(proba, class_penalty_matrix(classes))]
    return classes[proba.argmax(axis=1)]


def fmt(row: dict) -> str:
    return f"{row['accuracy']:8.3f} {row['macro_f1']:8.3f} {row['penalty']:8.3f}"


def run_cv(df, names: list[str] | None) -> None:
    names = names or list(CANDIDATES)
    print(f"leave-wells-out CV: {len(FOLDS)} folds over {len(TRAIN_WELLS)} training wells; "
          "mean over folds (accuracy, macro-F1, penalty)")
    print(f"{'candidate':34s} {'rule':12s} {'acc':>8s} {'mF1':>8s} {'penalty':>8s}   per-fold penalty")
    for name in names:
        t0 = time.perf_counter()
        per_rule = {"argmax": [], "min_penalty": []}
        for held in FOLDS:
            train = [w for w in TRAIN_WELLS if w not in held]
            proba, y, classes, _ = geonet_fit(df, train, held, {**BASE, **CANDIDATES[name]})
            for rule in per_rule:
                per_rule[rule].append(scores(y, decide(proba, classes, rule)))
        for rule, rows in per_rule.items():
            mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
            folds = " ".join(f"{r['penalty']:.3f}" for r in rows)
            print(f"{name:34s} {rule:12s} {fmt(mean)}   {folds}", flush=True)
        print(f"{'':34s} ({time.perf_counter() - t0:.0f} s)", flush=True)
    _cv_peer(df)


def _cv_peer(df) -> None:
    """HistGradientBoosting on the raw curves over the same folds, for reference."""
    rows = []
    for held in FOLDS:
        train = [w for w in TRAIN_WELLS if w not in held]
        rows.append(_hgb(df, train, held, FEATURES)[0])
    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    folds = " ".join(f"{r['penalty']:.3f}" for r in rows)
    print(f"{'sklearn HistGradientBoosting raw':34s} {'argmax':12s} {fmt(mean)}   {folds}")


def _labelled(df, wells):
    rows = df[df["WELL"].isin(wells) & df["LITHOLOGY"].notna()]
    return rows[FEATURES].to_numpy(np.float64), rows["LITHOLOGY"].to_numpy(np.float64)


def _hgb(df, train, held, features, X_train=None, y_train=None, X_held=None, y_held=None):
    from sklearn.ensemble import HistGradientBoostingClassifier

    if X_train is None:
        X_train, y_train = _labelled(df, train)
        X_held, y_held = _labelled(df, held)
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
    # the same design matrix geonet sees (impute + indicators + context, scaled), for the peers
    ctx_cfg = {**BASE, "class_weight": "none"}
    ctx = prepare(df, TrainConfig.from_dict({**ctx_cfg, "val_wells": VAL_WELLS}), source="force2020")
    flat = prepare(df, TrainConfig.from_dict({**ctx_cfg, "context": 0, "val_wells": VAL_WELLS}),
                   source="force2020")
    t0 = time.perf_counter()
    codes = np.asarray(ctx.classes)
    s, _ = _hgb(df, None, None, None, ctx.X_train, codes[ctx.Y_train], ctx.X_val, codes[ctx.Y_val])
    rows.append(("sklearn HistGradientBoosting context", s, time.perf_counter() - t0))
    for label, p in (("curves", flat), ("context", ctx)):
        t0 = time.perf_counter()
        codes = np.asarray(p.classes)
        s = _mlp(p.X_train, codes[p.Y_train], p.X_val, codes[p.Y_val])
        rows.append((f"sklearn MLPClassifier {label}", s, time.perf_counter() - t0))

    print(f"train wells: {len(TRAIN_WELLS)} ({len(prepared.X_train)} rows); validation wells: "
          f"{', '.join(VAL_WELLS)} ({len(y)} rows)")
    print(f"{'model':44s} {'accuracy':>8s} {'macro-F1':>8s} {'penalty':>8s} {'seconds':>8s}")
    for name, s, sec in rows:
        print(f"{name:44s} {fmt(s)} {sec:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="run the leave-wells-out model selection")
    parser.add_argument("--only", nargs="*", help="CV: only these candidate names")
    args = parser.parse_args()
    df = load_table()
    if args.cv:
        run_cv(df, args.only)
    else:
        run_compare(df)


if __name__ == "__main__":
    main()
