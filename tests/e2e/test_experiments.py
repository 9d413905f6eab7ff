"""Every experiment file runs end to end, shrunk, and the Python API works as documented."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from caucasus_sim import CaucasusModel, load_config, run

EXPERIMENTS = sorted(p.stem for p in (Path(__file__).parents[2] / "experiments").glob("*.yaml"))


def test_experiments_are_found():
    assert {"alignment_paths", "fj_known_answer", "yekaterinburg_counterfactual"} <= set(EXPERIMENTS)


SHRINK = {"sensitivity": ["sensitivity.base_samples=4"]}  # 4 (D + 2) points, not 512 (D + 2)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_runs_shrunk(name, tmp_results):
    cfg = load_config([f"experiment={name}", "replicates=4", "progress=off", *SHRINK.get(name, [])])
    assert cfg.experiment == name
    results = run(cfg)
    assert results.folder.parent == tmp_results / "results" / name
    assert (results.folder / "report.md").is_file()
    if cfg.sensitivity.method != "none":  # one row per sampled point, one index row per parameter
        assert (results.outcomes["replicates"] == 4).all()
        assert list(results.summary["param"]) == [p.key for p in cfg.sensitivity.params]
        return
    assert results.outcomes["replicate"].nunique() == 4
    if cfg.attribution.enabled:  # one effect per attributed event and per other path
        assert set(results.summary["kind"]) == {"event", "path"}
        assert set(results.outcomes["path"]) >= set(cfg.paths)
        return
    assert set(results.summary["path"]) == set(cfg.paths)


def test_python_api_returns_tables_and_folder(tmp_results):
    cfg = load_config(["replicates=10", "scenario.end=2025-12-31", "progress=off"])
    results = run(cfg)
    for table in (results.summary, results.trajectories, results.events, results.outcomes):
        assert isinstance(table, pd.DataFrame) and len(table)
    assert results.folder.is_dir() and results.manifest["replicates"] == 10
    shares = results.trajectories.groupby(["path", "replicate", "step", "client"], observed=True)[
        "alignment_share"].sum()
    assert (shares - 1.0).abs().max() < 1e-12
    # a model can be stepped by hand
    model = CaucasusModel(cfg, path="turkish", replicates=3)
    model.step()
    assert model.steps == 1 and model.alignment_record[1].shape == (3, 3, 3)
