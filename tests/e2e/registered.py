"""A small registered forecast folder, made by hand for the scoring command's tests: the
shipped targets' series, a cut-off at 2019, the baselines from the data up to it and a
`model` whose quantiles are a normal around persistence's median."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from caucasus_sim.analysis import scores
from caucasus_sim.model.observation import ObservationSettings, observation_variance, read_targets

SHIPPED = Path(str(resources.files("caucasus_sim") / "data" / "calibration" / "targets.csv"))
CLIENTS, PATRONS = ["ARM", "AZE", "GEO"], ["RUS", "TUR", "WEST"]
CUTOFF, LAST = 2019, 2028


def shipped_targets() -> pd.DataFrame:
    t = read_targets(SHIPPED, CLIENTS, PATRONS)
    return t.assign(obs_var=observation_variance(t, ObservationSettings()))


def write_forecast(folder: Path, model_sd: dict[str, float] | None = None) -> Path:
    """forecast.csv, forecast.json and manifest.json in `folder`; the model's sd per kind
    (shares, ideal-point units) defaults to 0.08 and 0.15."""
    sd = model_sd or {"survey": 0.08, "ideal_point": 0.15}
    t = shipped_targets()
    series = t.drop_duplicates("series")[["series", "client", "kind", "patron", "sign"]]
    predict = series.merge(pd.DataFrame({"year": range(CUTOFF + 1, LAST + 1)}), how="cross")
    predict = predict.assign(horizon=predict["year"] - CUTOFF)
    quantiles = dict(scores.baselines(t, predict, CUTOFF))
    median = quantiles["persistence"][:, scores.level_index(0.5)]
    model = scores.quantiles_from_normal(median, predict["kind"].map(sd).to_numpy())
    survey = (predict["kind"] == "survey").to_numpy()
    model[survey] = np.clip(model[survey], 0.0, 1.0)
    quantiles["model"] = model
    rows = [pd.concat([predict.assign(method=m).reset_index(drop=True),
                       pd.DataFrame(q, columns=scores.quantile_columns())], axis=1) for m, q in quantiles.items()]
    table = pd.concat(rows, ignore_index=True)
    folder.mkdir(parents=True, exist_ok=True)
    table[["method", "series", "client", "kind", "patron", "sign", "year", "horizon", *scores.quantile_columns()]] \
        .to_csv(folder / "forecast.csv", index=False)
    meta = {"cutoff": CUTOFF, "model_version": "v2", "path": "status_quo", "events_after_cutoff": [],
            "levels": [float(x) for x in scores.LEVELS]}
    (folder / "forecast.json").write_text(json.dumps(meta, indent=2))
    files = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("forecast.csv", "forecast.json")}
    (folder / "manifest.json").write_text(json.dumps({"analysis": "forecast", "files": files}, indent=2))
    return folder


def write_later_data(path: Path, years=(2020, 2021, 2022)) -> Path:
    """The shipped targets of `years`, as a targets file of their own."""
    raw = pd.read_csv(SHIPPED, dtype=str)
    raw[raw["year"].astype(int).isin(years)].to_csv(path, index=False)
    return path
