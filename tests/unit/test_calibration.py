"""The calibration (docs/odd.md, section 8): the implausibility screen, synthetic recovery,
ABC-SMC resuming from its saved batches, and posterior-driven runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import SHORT, compose

from caucasus_sim import run
from caucasus_sim.analysis import abc, calibration, matching, validation
from caucasus_sim.analysis.runs import posterior_draws, uncertainty_table
from caucasus_sim.config import ConfigError
from caucasus_sim.outputs import Bundle

TINY = ["experiment=calibration", "progress=off", "replicates=3", "calibration.design_points=24",
        "calibration.points_per_batch=24", "calibration.abc.particles=16", "calibration.abc.batch_size=16",
        "calibration.abc.populations=1", "calibration.recovery_datasets=4", "calibration.choice_quantile=0.25",
        "calibration.fit_until=2014", "calibration.holdout_until=2015"]  # to 2015: 156 weekly steps, not 520


def refusal(*overrides: str) -> str:
    """The message with which the calibration refuses TINY with the overrides, checked to be
    one line."""
    with pytest.raises(ConfigError) as err:
        matching.check_calibration(compose(*TINY, *overrides))
    said = str(err.value)
    assert "\n" not in said
    return said


def small_design(*overrides: str):
    """A small v2 design: the plan, its points and drivers (points, replicates, targets)."""
    cfg = compose(*overrides)
    plan, designs = matching.prepare(cfg)
    X = designs["v2"]
    z = matching.simulate_drivers(plan, "v2", [dict(zip(plan.keys, map(float, row))) for row in X])
    return plan, X, z.reshape(len(X), int(cfg.replicates), -1)  # the batch is point-major


@pytest.fixture(scope="module")
def design():
    return small_design(*TINY)


def test_the_implausibility_screen_keeps_the_point_that_made_the_data(design):
    plan, X, Z = design
    truth = 5
    match = matching.history_match(plan, Z, cutoff=3.0)
    observed = match.mean[truth]  # what the model expects at the true point
    screened = matching.history_match(plan, Z, cutoff=3.0, observed=observed)
    assert screened.kept[truth] and screened.screened[truth] == screened.screened.min()
    assert screened.screened[truth] < 1.0


# fitted to 2017, so that the fit window holds Azerbaijan's 2017 UN distance to Russia
TO_2017 = [*TINY, "calibration.fit_until=2017", "calibration.holdout_until=2018"]


@pytest.fixture(scope="module")
def design_2017():
    plan, _, Z = small_design(*TO_2017)
    return plan, Z


def test_one_observation_rules_out_every_point_under_max_but_does_not_decide_under_second(design_2017):
    """Azerbaijan-Russia 2017 (0.99, against 0.13-0.69 in the years around it) is the
    largest implausibility of every point and above the cutoff: under `max` it alone rules
    out the whole design; under `second` it no longer decides (the screen is what the
    other targets say)."""
    plan, Z = design_2017
    t = plan.targets
    aze = int(np.flatnonzero((t["series"] == "AZE.un_ideal_distance.RUS").to_numpy() & (t["year"] == 2017).to_numpy())[0])
    by_max = matching.history_match(plan, Z, cutoff=3.0, measure="max")
    assert (by_max.implausibility[:, aze] == by_max.screened).all() and (by_max.screened >= 3.0).all()
    assert not by_max.kept.any()
    by_second = matching.history_match(plan, Z, cutoff=3.0, measure="second")
    others = plan.fit.copy()
    others[aze] = False
    assert np.array_equal(by_second.screened, by_max.implausibility[:, others].max(axis=1))
    assert by_second.kept.any()
    assert plan.measure == "second"  # the shipped experiment's screen


def test_each_measure_is_the_ranked_implausibility_over_the_fit_window():
    imp = np.array([[0.5, 4.0, 2.0, 9.0], [1.0, 1.0, 3.0, 0.0]])
    fit = np.array([True, True, True, False])  # the last target is held out: never screened
    assert matching.ranked_implausibility(imp, fit, "max").tolist() == [4.0, 3.0]
    assert matching.ranked_implausibility(imp, fit, "second").tolist() == [2.0, 1.0]
    assert matching.ranked_implausibility(imp, fit, "third").tolist() == [0.5, 1.0]


def test_synthetic_recovery_covers_the_truth(design):
    plan, X, Z = design
    rec = validation.recovery(plan, X, Z, datasets=8, quantile=0.25, seed=3)
    assert rec["dataset"].nunique() == 8 and set(rec["param"]) == set(plan.keys)
    assert rec["covered"].mean() >= 0.8  # the 90% intervals hold the truth for at least 80% of pairs
    table = validation.coverage_table(rec, dict(zip(plan.keys, plan.bounds)))
    assert (table["interval_width_share_of_prior"] <= 1.0).all()


@pytest.mark.elfi
def test_abc_resumes_from_its_saved_batches(tmp_path, monkeypatch):
    cfg = compose(*TINY, "calibration.abc.particles=8", "calibration.abc.batch_size=8", "calibration.abc.populations=0")
    plan, _ = matching.prepare(cfg)
    simulated = []  # the replicate ids of every particle the engine runs
    real = abc.simulate_drivers
    monkeypatch.setattr(abc, "simulate_drivers",
                        lambda *a, **k: simulated.extend(k["replicate_ids"].tolist()) or real(*a, **k))
    bundle = Bundle.resumable(tmp_path / "cal", "calibration")
    with bundle:
        first = abc.run_abc(cfg, plan, plan.bounds, bundle)
    ran_first = set(simulated)
    assert len(simulated) == first.simulations > 0  # the first round: whole batches, none dropped
    cfg.calibration.abc.populations = 1  # as if the first run had been stopped after its first generation
    simulated.clear()
    with bundle:
        second = abc.run_abc(cfg, plan, plan.bounds, bundle)
    assert len(simulated) >= second.simulations - first.simulations > 0
    assert not ran_first & set(simulated)  # nothing saved is simulated again
    pd.testing.assert_frame_equal(second.populations.iloc[:1], first.populations, check_exact=True)


@pytest.mark.elfi
def test_abc_on_local_cores_gives_the_posterior_of_one_process(tmp_path):
    cfg = compose(*TINY, "calibration.abc.particles=8", "calibration.abc.batch_size=8", "calibration.abc.populations=0")
    plan, _ = matching.prepare(cfg)
    out = {}
    for client, n in (("native", 1), ("multiprocessing", 2)):
        cfg.calibration.abc.client, cfg.calibration.abc.parallel_batches = client, n
        with Bundle.resumable(tmp_path / client, "calibration") as bundle:
            out[client] = abc.run_abc(cfg, plan, plan.bounds, bundle)
    pd.testing.assert_frame_equal(out["native"].posterior, out["multiprocessing"].posterior, check_exact=True)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    cfg = compose(*TINY, "figure_formats=[png]", "calibration.abc.populations=0")
    cfg.output_root = str(tmp_path_factory.mktemp("cal") / "results")
    return run(cfg)


@pytest.mark.elfi
def test_a_calibration_writes_its_tables_and_report(calibrated):
    folder = calibrated.folder
    choice = pd.read_csv(folder / "model_choice.csv")
    assert list(choice["structure"]) == ["v2", "v1", "v3"]  # calibration.structures, in its order
    assert choice["posterior_probability"].sum() == pytest.approx(1.0)
    post = pd.read_parquet(folder / "posterior.parquet")
    assert len(post) == 16 and set(matching.check_calibration(compose(*TINY)).keys) <= set(post.columns)
    skill = pd.read_csv(folder / "skill.csv")
    assert set(skill["kind"]) == {"survey", "ideal_point"} and skill["coverage_90"].between(0, 1).all()
    report = (folder / "report.md").read_text()
    assert "Model choice: v2 against the v1 structure and v3" in report and "the calibration prefers" in report.lower()
    assert "Validation" in report and "persistence" in report
    assert "P(v2) = " in report and " ± " in report or "P(v2) ≥ " in report or "P(v2) ≤ " in report
    assert "odds" not in report and "second-largest implausibility" in report
    design = pd.read_parquet(folder / "design.parquet")
    assert (design["screened_by"] == "second").all()
    assert (design["implausibility_second"] <= design["implausibility_max"]).all()
    assert json.loads((folder / "manifest.json").read_text())["analysis"] == "calibration"


@pytest.mark.elfi
def test_runs_from_a_posterior_are_reproducible_and_pair_their_paths(calibrated):
    over = [*SHORT, "replicates=8", f"posterior={calibrated.folder}", "posterior_draws=4"]
    a, b = run(compose(*over), write=False), run(compose(*over), write=False)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes, check_exact=True)
    # before decisions act the paths share their history, draw for draw: the paired difference is 0
    first = a.outcomes[a.outcomes["outcome"] == a.outcomes["outcome"].iloc[0]]
    wide = first.pivot_table(index=["replicate", "client"], columns="path", values="balance")
    assert (wide.sub(wide.iloc[:, 0], axis=0).abs().to_numpy() == 0).all()
    split = a.uncertainty
    assert set(split["path"]) == set(a.paths) and (split["draws"] == 4).all()
    assert np.allclose(split["variance"], split["parameter_variance"] + split["stochastic_variance"])
    plain = run(compose(*SHORT, "replicates=8"), write=False)
    assert not plain.outcomes["balance"].equals(a.outcomes["balance"])  # the draws change the run


def test_uncertainty_split_known_answer():
    # two draws of two replicates each: means 0 and 2 (parameter variance 1), within-draw sd 1
    out = pd.DataFrame({"path": "p", "client": "AZE", "outcome": "end", "replicate": [0, 1, 2, 3],
                        "balance": [-1.0 / np.sqrt(2), 1.0 / np.sqrt(2), 2 - 1.0 / np.sqrt(2), 2 + 1.0 / np.sqrt(2)]})
    row = uncertainty_table(out, draws=2).iloc[0]
    assert row["parameter_variance"] == pytest.approx(1.0) and row["stochastic_variance"] == pytest.approx(1.0)
    assert row["parameter_share"] == pytest.approx(0.5)


@pytest.mark.parametrize(("overrides", "needle"), [
    (["calibration.fit_until=2000"], "no target is dated 2000 or earlier"),
    (["calibration.params.0.low=0.5"], "low 0.5 >= high"),
    (["calibration.params.0.key=params.no_such"], "no_such"),
    (["calibration.v1_params=[params.goodwill_lift]"], "goodwill_lift"),
    (["calibration.targets=/no/such/targets.csv"], "no file"),
    (["calibration.abc.client=dask"], "unknown client 'dask'"),
    (["calibration.implausibility=fourth"], "unknown measure 'fourth'; expected one of max, second, third"),
    (["calibration.params.3.low=-0.1"], "params.anchor_drift_per_year: -0.1 is out of range"),
])
def test_bad_calibration_settings_are_refused_in_one_line(overrides, needle):
    assert needle in refusal(*overrides)


def test_a_folder_that_is_not_a_calibration_is_refused_as_a_posterior(tmp_path):
    with pytest.raises(ConfigError, match="not a finished calibration folder"):
        posterior_draws(compose(*SHORT, f"posterior={tmp_path}"))


def test_the_calibrations_description_follows_its_fit_window():
    """The report's first paragraph is the experiment's description: it names the run's own
    window (it said 'fielded up to 2019 ... 2020-2022' whatever the settings)."""
    cfg = compose("experiment=calibration", "calibration.fit_until=2021", "calibration.holdout_until=2022")
    assert "fielded up to 2021, validated on the later waves up to 2022" in " ".join(str(cfg.description).split())


def _choice(v2_points: int, v1_points: int, seed: int = 1) -> pd.DataFrame:
    """Model choice over two designs of 100 points x 10 replicates whose distances are 0 at
    the first `v2_points` (`v1_points`) points and 1 elsewhere; the quantile accepts those."""
    d = {"v2": np.ones((100, 10)), "v1": np.ones((100, 10))}
    d["v2"][:v2_points], d["v1"][:v1_points] = 0.0, 0.0
    kept = {s: np.ones(100, dtype=bool) for s in d}
    return matching.choice_table(d, kept, quantile=(v2_points + v1_points) / 200, seed=seed)


def test_model_choice_gives_a_probability_with_its_bootstrap_error_in_a_mixed_case():
    choice = _choice(6, 4).set_index("structure")
    assert choice["accepted"].tolist() == [60, 40] and choice["accepted_points"].tolist() == [6, 4]
    assert choice.loc["v2", "posterior_probability"] == pytest.approx(0.6)
    se = choice["probability_se"]
    assert se["v2"] == pytest.approx(se["v1"])  # the two shares add to 1 in every resample
    # accepted draws cluster in whole points (10 replicates each): the error is about that of
    # 10 independent points, sqrt(0.6 * 0.4 / 10) = 0.15, not of 100 draws (0.05)
    assert 0.10 < se["v2"] < 0.20
    assert choice["lower_95"].isna().all() and choice["upper_95"].isna().all()
    said = calibration.choice_statement(choice.reset_index())
    assert said == f"P(v2) = 0.60 ± {se['v2']:.2f}, P(v1 structure) = 0.40 ± {se['v1']:.2f}"
    row = choice.reset_index().iloc[0].to_dict()
    assert calibration.probability_text({**row, "probability_se": 0.0042}) == "P(v2) = 0.600 ± 0.004"


def test_model_choice_is_a_bound_when_every_accepted_draw_is_one_structures():
    """It printed "posterior odds ... inf" for 1,000 of 1,000 draws."""
    assert matching.one_sided_bound(1) == pytest.approx(0.05)
    assert 1 - matching.one_sided_bound(300) == pytest.approx(3 / 300, rel=0.01)  # the rule of three
    choice = _choice(30, 0)
    assert choice["posterior_probability"].tolist() == [1.0, 0.0]
    assert choice["lower_95"].tolist()[0] == pytest.approx(0.05 ** (1 / 30))  # 30 points, not 300 draws
    assert choice["upper_95"].tolist()[1] == pytest.approx(1 - 0.05 ** (1 / 30))
    said = calibration.choice_statement(choice)
    assert said.startswith("P(v2) ≥ 0.905, P(v1 structure) ≤ 0.095 (every accepted draw is v2's: 300 draws at 30 ")
    assert "inf" not in said and "odds" not in said and "±" not in said
    assert calibration.choice_statement(_choice(0, 12)).startswith("P(v2) ≤ 0.221, P(v1 structure) ≥ 0.779")
