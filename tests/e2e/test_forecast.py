"""The forecast experiment (docs/odd.md, 7.30) end to end on the shipped targets, small: its
folder, report and registered forecast, and the registered forecast scored with one
command against the waves that came after its cut-off."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import FAST_FIGURES, compose, run_main
from registered import SHIPPED, write_later_data

from caucasus_sim import run
from caucasus_sim.cli import score_main
from caucasus_sim.outputs.bundle import sha256

SMALL = ["experiment=forecast", "progress=off", FAST_FIGURES, "replicates=2", "forecast.design_points=12",
         "forecast.particles=24", "forecast.accept_quantile=0.3", "forecast.origins=[2017]", "forecast.cutoff=2019",
         "forecast.until=2023", "forecast.synthetic_datasets=1", "calibration.workers=1"]


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    out = tmp_path_factory.mktemp("forecast")
    return run(compose(*SMALL, f"output_root={out}"))


def test_a_forecast_writes_its_tables_report_and_registration(forecast):
    folder = forecast.folder
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in ("hindcast.parquet", "scores.csv", "skill.csv", "origins.csv", "synthetic.csv", "forecast.csv",
                 "forecast.json", "report.md"):
        assert (folder / name).is_file() and (name in manifest["files"] or name == "report.md"), name
    assert f"manifest.json SHA-256 {sha256(folder / 'manifest.json')}" in forecast.line()  # what a user registers
    report = (folder / "report.md").read_text()
    assert "Skill against probabilistic baselines" in report and "registered forecast" in report
    h = pd.read_parquet(folder / "hindcast.parquet")
    assert set(h["method"]) == {"model", "persistence", "trend", "ar1"} and (h["year"] > 2017).all()
    q = h[[f"q{k:02d}" for k in range(1, 100)]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()  # quantiles in order
    syn = pd.read_csv(folder / "synthetic.csv")
    assert len(syn) and syn["coverage_90"].between(0, 1).all()


def test_the_registration_holds_every_series_and_year_after_its_cutoff(forecast):
    f = pd.read_csv(forecast.folder / "forecast.csv")
    meta = json.loads((forecast.folder / "forecast.json").read_text())
    shipped = pd.read_csv(SHIPPED)
    seen = set(shipped.loc[shipped["year"] <= 2019, "series"])
    model = f[f["method"] == "model"]
    assert meta["cutoff"] == 2019 and set(model["series"]) == seen
    assert sorted(model["year"].unique()) == [2020, 2021, 2022, 2023]
    assert all(e["date"] > "2019-12-31" for e in meta["events_after_cutoff"]) and meta["events_after_cutoff"]
    assert set(meta["baseline_fallback"]) == {"trend", "ar1"} and set(meta["baseline_fallback"]["ar1"]) <= seen


def test_a_registered_forecast_is_scored_with_one_command(forecast, tmp_path, capsys):
    later = write_later_data(tmp_path / "later.csv")  # the shipped 2020-2022 waves
    proc = run_main(score_main, "caucasus-sim-score", [forecast.folder, later, "--out", tmp_path / "scored"], capsys)
    assert proc.returncode == 0, proc.stderr
    skill = pd.read_csv(tmp_path / "scored" / "skill.csv")
    assert set(skill["baseline"]) == {"persistence", "trend", "ar1"}
    scored = pd.read_csv(tmp_path / "scored" / "scores.csv")
    assert set(scored["year"]) == {2020, 2021, 2022} and np.isfinite(scored["crps"]).all()


def test_a_forecast_is_reproducible_and_the_same_on_every_core(forecast, tmp_path):
    """The fixture ran its origins in this process (calibration.workers=1); here they run in
    two processes, with the same numbers."""
    again = run(compose(*SMALL, "calibration.workers=2", f"output_root={tmp_path}"))
    for name in ("hindcast.parquet", "synthetic.csv", "forecast.csv"):
        read = pd.read_parquet if name.endswith("parquet") else pd.read_csv
        pd.testing.assert_frame_equal(read(forecast.folder / name), read(again.folder / name))


def test_a_forecast_without_the_synthetic_check_says_nothing_of_it(tmp_path):
    result = run(compose(*SMALL, "forecast.synthetic_datasets=0", f"output_root={tmp_path}"))
    assert pd.read_csv(result.folder / "synthetic.csv").empty
    assert "Synthetic truth" not in (result.folder / "report.md").read_text()
