"""The calibration fits the configured structure (docs/odd.md 7.22): with `model=v3`,
stage 2, the posterior and the validation are v3's over v2's keys and `calibration.v3_params`,
while model choice still compares every structure of `calibration.structures`; with
`model=v2` (the default) every number is what it was before v3 could be fitted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import SHORT, compose
from test_calibration import TINY

from caucasus_sim import run
from caucasus_sim.analysis import matching
from caucasus_sim.analysis.runs import posterior_draws
from caucasus_sim.config import ConfigError

# pinned from the code before a calibration could fit v3 (commit 0c3a154), TINY, one worker:
# the sum of each key's 16 posterior draws, the model choice and the hold-out errors
BEFORE_V3_FIT = {
    "posterior_sums": {
        "params.attitude_step": 3.04708004778655, "params.tie_step": 2.6673225216391003,
        "params.grievance_gain": 21.1791238932747, "params.anchor_drift_per_year": 9.363631941756061,
        "params.goodwill_gain": 11.51241235070325, "params.capability_exponent": 8.696743622128333,
        "decisions.strategies.arm_hedging.intensity": 27.419680550280212,
        "decisions.strategies.geo_westward.intensity": 23.73958094651379,
        "decisions.strategies.rus_history.intensity": 23.08775479308067,
        "decisions.strategies.west_history.intensity": 40.88928122668399},
    "choice": [0.018518518518518517, 0.8148148148148148, 0.16666666666666666],
    "mae_model": [0.17548939943196415, 10.64674703145052],  # ideal_point, survey
    "thresholds": [0.33441546372880604, 0.33396041575194263],
}


def _calibrate(tmp_path_factory, *overrides: str):
    cfg = compose(*TINY, "figure_formats=[png]", "calibration.workers=1", *overrides)
    cfg.output_root = str(tmp_path_factory.mktemp("cal") / "results")
    return run(cfg)


@pytest.fixture(scope="module")
def fitted_v2(tmp_path_factory):
    return _calibrate(tmp_path_factory)


@pytest.fixture(scope="module")
def fitted_v3(tmp_path_factory):
    return _calibrate(tmp_path_factory, "model=v3")


@pytest.mark.elfi
def test_a_v2_calibration_is_what_it_was_before_v3_could_be_fitted(fitted_v2):
    folder = fitted_v2.folder
    post = pd.read_parquet(folder / "posterior.parquet")
    assert {k: float(post[k].sum()) for k in post.columns if k != "draw"} == BEFORE_V3_FIT["posterior_sums"]
    assert pd.read_csv(folder / "model_choice.csv")["posterior_probability"].tolist() == BEFORE_V3_FIT["choice"]
    assert pd.read_csv(folder / "skill.csv")["mae_model"].tolist() == BEFORE_V3_FIT["mae_model"]
    assert pd.read_csv(folder / "abc_populations.csv")["threshold"].tolist() == BEFORE_V3_FIT["thresholds"]
    assert json.loads((folder / "manifest.json").read_text())["fitted"] == "v2"


@pytest.mark.elfi
def test_a_v3_calibration_fits_v3_over_its_own_keys_and_still_compares_every_structure(fitted_v2, fitted_v3):
    folder = fitted_v3.folder
    plan = matching.check_calibration(compose(*TINY, "model=v3"))
    keys = plan.keys_of("v3")
    assert plan.fitted == "v3" and len(keys) == len(plan.keys) + len(compose(*TINY).calibration.v3_params)
    post = pd.read_parquet(folder / "posterior.parquet")
    assert list(post.columns) == ["draw", *keys] and len(post) == 16
    lo, hi = (pd.Series(dict(zip(keys, b))) for b in zip(*plan.bounds_of("v3")))
    assert ((post[keys] >= lo) & (post[keys] <= hi)).all().all()
    assert pd.read_csv(folder / "parameters.csv")["param"].tolist() == keys
    assert set(pd.read_csv(folder / "recovery.csv")["param"]) == set(keys)
    assert set(pd.read_csv(folder / "skill.csv")["kind"]) == {"survey", "ideal_point"}
    # model choice and the designs do not depend on which structure is fitted
    for name in ("model_choice.csv", "design.parquet"):
        read = pd.read_parquet if name.endswith("parquet") else pd.read_csv
        pd.testing.assert_frame_equal(read(folder / name), read(fitted_v2.folder / name), check_exact=True)
    assert json.loads((folder / "manifest.json").read_text())["fitted"] == "v3"
    report = (folder / "report.md").read_text()
    assert "Model choice: v3 against v2 and the v1 structure" in report and "parameter of Model v3" in report


@pytest.mark.elfi
def test_a_posterior_runs_only_in_the_model_it_was_fitted_for(fitted_v2, fitted_v3):
    draws = posterior_draws(compose(*SHORT, "model=v3", "replicates=4", f"posterior={fitted_v3.folder}",
                                    "posterior_draws=4"))
    assert len(draws) == 4 and "params.credibility.refusal_drop" in draws[0]
    for folder, model, other in ((fitted_v3.folder, "v2", "v3"), (fitted_v2.folder, "v3", "v2")):
        with pytest.raises(ConfigError) as err:
            posterior_draws(compose(*SHORT, f"model={model}", "replicates=4", f"posterior={folder}",
                                    "posterior_draws=4"))
        said = str(err.value)
        assert f"a posterior of Model {other}" in said and f"run it with model={other}" in said and "\n" not in said


def test_the_fitted_structure_comes_from_the_model_and_v1_is_refused_in_one_line():
    plan = matching.check_calibration(compose(*TINY, "model=v3"))
    plan2 = matching.check_calibration(compose(*TINY))
    assert (plan.fitted, plan2.fitted) == ("v3", "v2")
    for s in plan.structures:  # each structure runs the same configuration whichever is fitted
        assert plan.configs[s] == plan2.configs[s], s
    with pytest.raises(ConfigError) as err:
        matching.check_calibration(compose(*TINY, "model=v1"))
    said = str(err.value)
    assert said == ("model_version: v1; the calibration fits Model v2 or v3 from 2013 (model=v2 or model=v3)")
    with pytest.raises(ConfigError, match=r"list v3 \(stage 2 fits it\)"):
        matching.check_calibration(compose(*TINY, "model=v3", "calibration.structures=[v2,v1]"))


@pytest.mark.elfi
def test_the_patterns_diagnostic_measures_the_defaults_and_the_draws_of_a_v3_posterior(fitted_v3):
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "diagnostics" / "patterns_posterior.py"), str(fitted_v3.folder),
                          "--replicates", "4", "--draws", "2"],
                         capture_output=True, text=True, check=True, cwd=root).stdout
    assert "v3 at its defaults:" in out and f"v3 on 2 draws of the posterior in {fitted_v3.folder}:" in out
    assert len(re.findall(r"falls >= 0\.2, most of it after 2020, in \d+%", out)) == 2
    assert len(re.findall(r"UN distance mapped from the state, 2021 -> 2023: [+-]\d\.\d{3} \(slope", out)) == 2
