"""Global sensitivity analysis: known answers, invariants, bad input, resume, rebuilt reports.

The known answer: on a path with no strategies, after scheduled events that create no
grievance, the intensity of a strategy that no path follows and the grievance drag
provably change nothing (the model never reads them), so with common random numbers
across points their Sobol' indices and Morris effects are exactly 0, and the one
parameter that does act (the attitude step) carries all the variance.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf, open_dict

from caucasus_sim import ConfigError, report, run
from caucasus_sim.analysis.sensitivity import (
    BOXES_FILE,
    INDICES_FILE,
    SAMPLES_FILE,
    check_sensitivity,
    evaluate_chunk,
    sample,
)
from caucasus_sim.config.schema import UncertainParam
from caucasus_sim.outputs import sha256

from helpers import FAST_FIGURES, V1, compose, set_events, set_paths

RELEVANT = "params.attitude_step"
UNUSED_STRATEGY = "decisions.strategies.rus_coercive.intensity"  # on no path
NO_GRIEVANCE = "params.grievance_drag"  # no event creates grievance
EVENTS = [  # no CAMEO code here creates grievance (only 173 and roots 18-20 do)
    {"id": "visit", "date": "2025-01-10", "source": "TUR", "target": "AZE", "cameo": "042"},
    {"id": "accuse", "date": "2025-02-10", "source": "RUS", "target": "AZE", "cameo": "112"},
    {"id": "talks", "date": "2025-03-12", "source": "RUS", "target": "AZE", "cameo": "036"},
]


def set_params(cfg, params: list[tuple[str, float, float]]):
    with open_dict(cfg):
        cfg.sensitivity.params = [OmegaConf.merge(OmegaConf.structured(UncertainParam),
                                                  {"key": k, "low": lo, "high": hi}) for k, lo, hi in params]
    return cfg


def small(*overrides: str, params=((RELEVANT, 0.05, 0.3), (UNUSED_STRATEGY, 0.5, 2.0),
                                   (NO_GRIEVANCE, 0.0, 0.05))):
    """Timeline off, three scheduled events, no decisions before the end, noise on."""
    cfg = compose(V1, "scenario.timeline=null", "scenario.end=2025-06-30", "scenario.decisions_from=2026-01-05",
                  "scenario.outcome_dates=[2025-04-01]", "replicates=8", "progress=off",
                  "sensitivity.method=sobol", "sensitivity.base_samples=16", "sensitivity.statistic=mean",
                  "sensitivity.points_per_batch=32", FAST_FIGURES, *overrides)
    set_paths(cfg, {"timeline_only": {}})
    set_events(cfg, EVENTS)
    return set_params(cfg, list(params))


def indices_of(results) -> pd.DataFrame:
    return results.indices.set_index("param")


def test_sobol_known_answer_irrelevant_parameters_have_zero_indices(tmp_results):
    results = run(small())
    ind = indices_of(results)
    for key in (UNUSED_STRATEGY, NO_GRIEVANCE):
        # f(A) and f(AB_i) are bit-identical when parameter i is never read
        assert ind.loc[key, "ST"] == 0.0 and abs(ind.loc[key, "S1"]) < 1e-12, ind
    assert ind.loc[RELEVANT, "ST"] > 0.8 and ind.loc[RELEVANT, "S1"] > 0.8, ind
    samples = results.samples
    assert len(samples) == 16 * (3 + 2) and (samples["replicates"] == 8).all()
    # Y is the mean balance over the replicates, and it moves with the relevant parameter only
    assert np.array_equal(samples["Y"], samples["balance_mean"])
    by_step = samples.groupby(RELEVANT)["Y"].nunique()
    assert (by_step == 1).all()
    manifest = results.manifest
    assert manifest["analysis"] == "sensitivity" and manifest["points"] == 80
    assert manifest["replicates"] == 8 and len(manifest["replicate_keys"]) == 8
    assert set(manifest["files"]) >= {SAMPLES_FILE, INDICES_FILE, BOXES_FILE, "report.md"}


def test_morris_known_answer_irrelevant_parameters_have_no_effect(tmp_results):
    results = run(small("sensitivity.method=morris", "sensitivity.base_samples=6"))
    ind = indices_of(results)
    for key in (UNUSED_STRATEGY, NO_GRIEVANCE):
        assert ind.loc[key, "mu_star"] == 0.0 and ind.loc[key, "sigma"] == 0.0, ind
    assert ind.loc[RELEVANT, "mu_star"] > 0.0
    assert (results.folder / "figures" / "morris_mu_star_by_param.svg").is_file()


def test_constant_outcome_has_zero_sensitivity_and_no_discovery(tmp_results):
    results = run(small(params=((UNUSED_STRATEGY, 0.5, 2.0), (NO_GRIEVANCE, 0.0, 0.05))))
    ind = indices_of(results)
    assert (ind[["S1", "S1_conf", "ST", "ST_conf"]] == 0.0).all().all()
    assert results.samples["Y"].nunique() == 1
    assert pd.read_csv(results.folder / BOXES_FILE).empty
    text = (results.folder / "report.md").read_text()
    assert "at every point" in text and "No box was searched" in text


def test_points_sharing_a_batch_equal_one_model_per_point(tmp_results):
    cfg = small(params=((RELEVANT, 0.05, 0.3), ("params.tie_step", 0.05, 0.2)))
    plan = check_sensitivity(cfg)
    X = sample(cfg, plan)
    ids = [0, 3, 7, 11]
    batched = evaluate_chunk(cfg, plan, X, ids)
    plan.batchable = False
    one_by_one = evaluate_chunk(cfg, plan, X, ids)
    pd.testing.assert_frame_equal(batched, one_by_one, check_exact=True)


BAD = [
    (["params.no_such_parameter", 0.0, 1.0], [], "unknown key 'params.no_such_parameter'"),
    ([RELEVANT, 0.3, 0.1], [], "low=0.3 >= high=0.1"),
    ([RELEVANT, 0.2, 0.2], [], "low=0.2 >= high=0.2"),
    (["scenario.start", 0.0, 1.0], [], "not a number"),
    (["scenario.dt_days", 1.0, 14.0], [], "integer 7"),
    (["params.source_share", 0.5, 1.5], [], "high=1.5 is not allowed"),
    ([RELEVANT, 0.05, 0.3], ["sensitivity.client=RUS"], "'RUS' is not a client"),
    ([RELEVANT, 0.05, 0.3], ["sensitivity.outcome=2030-01-01"], "'2030-01-01'"),
    ([RELEVANT, 0.05, 0.3], ["sensitivity.path=nowhere"], "'nowhere'"),
    ([RELEVANT, 0.05, 0.3], ["sensitivity.method=fast"], "'fast'"),
    ([RELEVANT, 0.05, 0.3], ["sensitivity.statistic=median"], "'median'"),
    ([RELEVANT, 0.05, 0.3], ["sensitivity.base_samples=100"], "100 is not a power of 2"),
    ([RELEVANT, 0.05, 0.3], ["sensitivity.discovery_quantile=1.0"], "1.0"),
]


@pytest.mark.parametrize("param, overrides, message", BAD, ids=[b[2] for b in BAD])
def test_bad_input_fails_before_any_folder(tmp_results, param, overrides, message):
    cfg = small(*overrides, params=[tuple(param)])
    with pytest.raises(ConfigError) as err:
        run(cfg)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_results / "results").exists()


def test_no_parameters_is_an_error(tmp_results):
    with pytest.raises(ConfigError, match="no uncertain parameters"):
        run(small(params=()))
    assert not (tmp_results / "results").exists()


def test_report_rebuilds_from_saved_files_alone(tmp_results):
    folder = run(small()).folder
    text = (folder / "report.md").read_text(encoding="utf-8")
    figures = sorted(p.name for p in (folder / "figures").iterdir())
    assert "sobol_index_by_param.svg" in figures and "prim_density_by_coverage.svg" in figures
    (folder / "report.md").unlink()
    for p in (folder / "figures").iterdir():
        p.unlink()
    report.rebuild(folder)  # configuration from the folder's config.yaml
    assert (folder / "report.md").read_text(encoding="utf-8") == text
    assert sorted(p.name for p in (folder / "figures").iterdir()) == figures
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["report.md"] == sha256(folder / "report.md")
    # the reading quotes the numbers of the saved tables
    ind = pd.read_csv(folder / INDICES_FILE).set_index("param")
    assert f"ST = {ind.loc[RELEVANT, 'ST']:.2f}" in text


def test_interrupted_analysis_resumes_without_rewriting_finished_chunks(tmp_results):
    cfg = small("sensitivity.points_per_batch=20")
    folder = run(cfg).folder
    chunks = sorted((folder / "chunks").glob("chunk-*.parquet"))
    assert len(chunks) == 4
    before = pd.read_parquet(folder / SAMPLES_FILE)
    stamps = {p.name: os.stat(p).st_mtime_ns for p in chunks}
    chunks[2].unlink()  # as if the run had stopped during the third chunk
    (folder / SAMPLES_FILE).unlink()
    again = run(cfg).folder
    assert again == folder
    for p in chunks:
        if p != chunks[2]:
            assert os.stat(p).st_mtime_ns == stamps[p.name]
    pd.testing.assert_frame_equal(pd.read_parquet(folder / SAMPLES_FILE), before, check_exact=True)
