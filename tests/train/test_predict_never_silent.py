"""A row or well with no input value gets no prediction and a note; outputs never share a name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geonet.spec import TrainSpec
from geonet.train.fitting import fit_model
from geonet.train.model import QC_COLUMN
from geonet.workflows.predict import output_names


def _toy(n=180, seed=0):
    rng = np.random.default_rng(seed)
    gr = rng.uniform(20, 140, n)
    return pd.DataFrame({
        "WELL": np.repeat(["A", "B", "C"], n // 3), "DEPTH_M": np.tile(np.arange(n // 3, dtype=float), 3),
        "GR": gr, "RHOB": 2.65 - gr / 1000 + rng.normal(0, 0.01, n),
        "LITHOLOGY": np.where(gr < 60, 30000.0, np.where(gr < 100, 65030.0, 65000.0)),
    })


@pytest.fixture(scope="module", params=["classify", "regress"])
def model(request):
    target = "LITHOLOGY" if request.param == "classify" else "RHOB"
    features = ["GR", "RHOB"] if request.param == "classify" else ["GR"]
    spec = TrainSpec.from_options(dict(target=target, features=features, val_wells=["C"], hidden=[4], epochs=2,
                                       ensemble=1, patience=0, context=0, context_windows=[]))
    return fit_model(_toy(), spec).model


def test_rows_without_any_input_get_no_prediction(model):
    df = _toy().query("WELL == 'A'").reset_index(drop=True)
    for curve in model.preprocessor.features:
        df.loc[:9, curve] = np.nan
    df.loc[10:19, model.preprocessor.features[0]] = np.nan  # one input of several (or the only one) missing
    pred = model.predict_frame(df, source="a.las")
    blind = pred.loc[:9]
    assert blind[model.pred_column].isna().all() and (blind[QC_COLUMN] == 1.0).all()
    assert pred.loc[20:, model.pred_column].notna().all()
    if len(model.preprocessor.features) > 1:
        assert pred.loc[10:19, model.pred_column].notna().all()  # partly missing: imputed, predicted
    notes = model.imputation_notes(df, source="a.las")
    n_blind = 10 if len(model.preprocessor.features) > 1 else 20
    assert f"a.las: well A: {n_blind} row(s) without any input value get no prediction" in notes


def test_well_with_every_input_null_gets_no_prediction_and_one_note(model):
    df = _toy().query("WELL == 'B'").reset_index(drop=True)
    df[model.preprocessor.features] = np.nan
    pred = model.predict_frame(df, source="b.las")
    assert pred[model.pred_column].isna().all()
    prob = [c for c in pred.columns if c.startswith("PROB_")]
    assert pred[prob].isna().all().all()
    notes = model.imputation_notes(df, source="b.las")
    assert notes == [f"b.las: well B: none of the model's input curves ({', '.join(model.preprocessor.features)}) "
                     "has a value: no prediction"]


def test_output_names_are_unique():
    files = [Path("/d/a/well.las"), Path("/d/b/well.las"), Path("/d/c/other.las"), Path("/d/a/cube.nc"),
             Path("/d/b/cube.nc")]
    names = output_names(files)
    assert names == {files[0]: "a_well", files[1]: "b_well", files[2]: "other", files[3]: "a_cube", files[4]: "b_cube"}
    deep = [Path("/x/a/w.las"), Path("/y/a/w.las")]
    assert len(set(output_names(deep).values())) == 2
