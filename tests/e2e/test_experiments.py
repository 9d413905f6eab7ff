"""Every experiment file runs end to end, shrunk, and the Python API works as documented."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import FAST_FIGURES, SHORT_HISTORY, compose

from caucasus_sim import (AttributionResult, CalibrationResult, CaucasusModel, ForecastResult, RunResult,
                          SensitivityResult, SweepResult, run)

EXPERIMENTS = sorted(p.stem for p in (Path(__file__).parents[2] / "experiments").glob("*.yaml"))


def test_experiments_are_found():
    assert {"alignment_paths", "fj_known_answer", "yekaterinburg_counterfactual"} <= set(EXPERIMENTS)


# few replicates; the history 2013-2025 of Model v2 for the default experiment, the shorter
# one of 2024-2025 for the others (their analyses, not their history, are tested here)
SHRINK = {"sensitivity": ["sensitivity.base_samples=4"],  # 4 (D + 2) points, not 512 (D + 2)
          # the experiment end to end without ABC-SMC (ELFI), whose run tests/unit/test_calibration.py checks
          "calibration": ["calibration.abc.enabled=false", "calibration.design_points=6",
                          "calibration.abc.particles=8", "calibration.abc.batch_size=8",
                          "calibration.abc.populations=0", "calibration.recovery_datasets=2",
                          "calibration.choice_quantile=0.5", "calibration.fit_until=2014", "calibration.holdout_until=2015"],
          "forecast": ["forecast.design_points=6", "forecast.particles=12", "forecast.accept_quantile=0.5",
                       "forecast.origins=[2019]", "forecast.until=2023", "forecast.synthetic_datasets=1"]}
FULL_HISTORY = ("alignment_paths", "fj_known_answer", "calibration", "forecast")  # these need the 2013 start
RESULT_TYPES = {"run": RunResult, "sweep": SweepResult, "attribution": AttributionResult,
                "sensitivity": SensitivityResult, "calibration": CalibrationResult, "forecast": ForecastResult}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_runs_shrunk(name, tmp_results):
    history = [] if name in FULL_HISTORY else [SHORT_HISTORY]
    cfg = compose(f"experiment={name}", *history, "replicates=4", "progress=off", FAST_FIGURES, *SHRINK.get(name, []))
    assert cfg.experiment == name
    results = run(cfg)
    assert type(results) is RESULT_TYPES[results.manifest["analysis"]]
    assert results.folder.parent == tmp_results / "results" / name
    assert (results.folder / "report.md").is_file()
    # a short summary for the console and for notebooks: what ran, the headline, where it is
    text, page = repr(results), results._repr_html_()
    assert len(text.splitlines()) <= 8 and name in text and str(results.folder) in text
    assert len(page) < 2000 and name in page and str(results.folder) in page
    if isinstance(results, SensitivityResult):  # one row per sampled point, one index row per parameter
        assert (results.samples["replicates"] == 4).all()
        assert list(results.indices["param"]) == [p.key for p in cfg.sensitivity.params]
        return
    if isinstance(results, ForecastResult):  # the origin's hindcasts and the registration to its last year
        assert set(results.tables["hindcast"]["origin"]) == {2019}
        assert results.tables["forecast"]["year"].max() == 2023
        return
    if isinstance(results, CalibrationResult):  # every structure compared, a posterior over v2's keys
        assert list(results.tables["choice"]["structure"]) == list(cfg.calibration.structures) == ["v2", "v1", "v3"]
        assert list(results.tables["parameters"]["param"]) == [p.key for p in cfg.calibration.params]
        return
    assert results.outcomes["replicate"].nunique() == 4
    if name == "event_driven":  # the README's GDELT sample: no event above the attention threshold acts
        first_lines = (results.folder / "report.md").read_text().split("## 1.")[0]
        assert "**Warning:**" in first_lines and "none acts, so path imported runs with no scheduled event" in \
            first_lines.replace("\\", "")
        assert any("none acts" in w for w in results.manifest["warnings"])
    if isinstance(results, AttributionResult):  # one effect per attributed event and per other path
        assert set(results.effects["kind"]) == {"event", "path"}
        assert set(results.outcomes["path"]) >= set(cfg.paths)
        return
    assert set(results.summary["path"]) == set(cfg.paths)


def test_python_api_returns_tables_and_folder(tmp_results):
    cfg = compose(SHORT_HISTORY, "replicates=10", "scenario.end=2025-12-31", "progress=off", FAST_FIGURES,
                  "store.trajectory_precision=float64", "store.trajectory_stride=1")
    results = run(cfg)
    for table in (results.summary, results.trajectories, results.events, results.outcomes):
        assert isinstance(table, pd.DataFrame) and len(table)
    assert results.folder.is_dir() and results.manifest["replicates"] == 10
    shares = results.trajectories.groupby(["path", "replicate", "step", "client"], observed=True)[
        "alignment_share"].sum()
    assert (shares <= 1.0 + 1e-12).all()  # the patrons' shares; the rest is non-alignment
    out = results.outcomes
    total = out[[c for c in out.columns if c.startswith("alignment_share_")]].sum(axis=1)
    assert "alignment_share_none" in out and (total - 1.0).abs().max() < 1e-12
    # a model can be stepped by hand
    model = CaucasusModel(cfg, path="turkish", replicates=3)
    model.step()
    assert model.steps == 1 and model.alignment_record[1].shape == (3, 3, 3)
