"""Proper scores of quantile forecasts and the baselines they are judged against: known
answers (the normal CRPS, hand-computed interval scores), a random walk's variance and an
AR(1)'s forecast recovered from simulated series, and baselines that never see the data
after their cut-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scoringrules as sr

from caucasus_sim.analysis import scores as s

UNIFORM = np.tile(s.LEVELS, (1, 1))  # the quantiles of a uniform forecast on 0-1: q at level p is p


def test_the_levels_and_their_columns():
    assert len(s.LEVELS) == 99 and s.LEVELS[0] == 0.01 and s.LEVELS[-1] == 0.99
    cols = s.quantile_columns()
    assert cols[0] == "q01" and cols[49] == "q50" and cols[-1] == "q99" and len(set(cols)) == 99


def test_quantile_crps_of_normal_forecasts_is_within_1_1_percent_above_the_closed_form():
    """The mean pinball loss over 99 levels stands for an integral over 0-1; measured on
    observations within 5 sd of the mean, it is 0.2-1.03% above the closed form."""
    y = np.linspace(-5.0, 5.0, 2001)
    for mu, sd in ((0.0, 1.0), (0.3, 0.05), (-2.0, 4.0)):
        obs = mu + sd * y
        q = s.quantiles_from_normal(np.full_like(obs, mu), np.full_like(obs, sd))
        exact = sr.crps_normal(obs, mu, sd, backend="numpy")
        rel = s.crps(q, obs) / exact - 1.0
        assert rel.min() > 0.0 and rel.max() < 0.011, (mu, sd, rel.min(), rel.max())


def test_quantiles_from_samples_of_a_normal_match_its_quantiles():
    draws = np.random.default_rng(3).standard_normal((2, 200_000))
    q = s.quantiles_from_samples(draws)
    assert q.shape == (2, 99)
    # the sample 5% quantile's standard error at n = 200,000 is about 0.005
    np.testing.assert_allclose(q, s.quantiles_from_normal([0.0, 0.0], [1.0, 1.0]), atol=0.02)


@pytest.mark.parametrize(("y", "is50", "is90", "in50", "in90"), [
    (0.5, 0.5, 0.9, True, True),                      # inside both: the width
    (1.0, 0.5 + 4 * 0.25, 0.9 + 20 * 0.05, False, False),  # above: width + 2 / alpha x the excess
    (0.0, 0.5 + 4 * 0.25, 0.9 + 20 * 0.05, False, False),  # below, the same distance
    (0.95, 0.5 + 4 * 0.20, 0.9, False, True),         # on the 90% interval's end: covered
])
def test_interval_score_and_coverage_of_a_uniform_forecast(y, is50, is90, in50, in90):
    obs = np.array([y])
    assert s.interval_score(UNIFORM, obs, 0.5)[0] == pytest.approx(is50)
    assert s.interval_score(UNIFORM, obs, 0.9)[0] == pytest.approx(is90)
    assert s.covered(UNIFORM, obs, 0.5)[0] == in50 and s.covered(UNIFORM, obs, 0.9)[0] == in90


def test_pit_is_the_level_at_which_the_observation_falls():
    q = s.quantiles_from_normal([2.0, 2.0, 2.0, 2.0], [0.5, 0.5, 0.5, 0.5])
    pit = s.pit(q, np.array([2.0, 2.0 + 0.5 * 1.6448536, -10.0, 10.0]))
    np.testing.assert_allclose(pit, [0.5, 0.95, 0.0, 1.0], atol=1e-6)
    assert s.pit(UNIFORM, np.array([0.333]))[0] == pytest.approx(0.333)


def test_a_level_off_the_grid_is_refused():
    with pytest.raises(ValueError, match="coverage 0.95: the central interval's ends are not forecast levels"):
        s.covered(UNIFORM, np.array([0.5]), 0.95)


# ------------------------------------------------------------------------ baselines


def targets(rows: list[tuple], kind: str = "ideal_point") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["series", "year", "value", "obs_var"]).assign(kind=kind)


def test_persistence_is_the_last_value_with_the_random_walks_variance():
    # one pair: ((1 - 0)^2 - 0.1 - 0.1) / 2 years = 0.4 per year; two years ahead:
    # 0.4 x 2 + 0.1 (the last value's noise) + 0.1 (the new value's) = 1.0
    history = targets([("a", 2010, 0.0, 0.1), ("a", 2012, 1.0, 0.1)])
    b = s.baselines(history, pd.DataFrame({"series": ["a"], "kind": ["ideal_point"], "year": [2014]}), 2012)
    assert b.sigma2 == {"ideal_point": pytest.approx(0.4)}
    q = b["persistence"][0]
    assert q[s.level_index(0.5)] == pytest.approx(1.0)
    assert q[s.level_index(0.95)] - q[s.level_index(0.5)] == pytest.approx(1.6448536, rel=1e-6)


def test_the_random_walk_variance_is_recovered_from_noisy_gappy_series():
    rng = np.random.default_rng(20250627)
    sigma2, n_series = 0.004, 400
    rows, var_sum, dt_sum = [], 0.0, 0.0
    for k in range(n_series):
        years = np.sort(rng.choice(np.arange(2000, 2020), size=8, replace=False))
        walk = np.cumsum(rng.standard_normal(len(years)) * np.sqrt(sigma2 * np.diff(years, prepend=years[0])))
        v = rng.uniform(0.0005, 0.002, len(years))
        values = walk + rng.standard_normal(len(years)) * np.sqrt(v)
        rows += [(f"s{k}", int(t), float(y), float(w)) for t, y, w in zip(years, values, v)]
        # the variance of the sum of (dy^2 - var_i - var_j): 2 E[dy^2]^2 per pair, plus
        # 2 x 2 var_j^2 for each two pairs that share observation j (their dy are correlated)
        dt = np.diff(years)
        var_sum += (2 * (sigma2 * dt + v[1:] + v[:-1]) ** 2).sum() + 4 * (v[1:-1] ** 2).sum()
        dt_sum += dt.sum()
    estimate = s.random_walk_variance(targets(rows))["ideal_point"]
    se = np.sqrt(var_sum) / dt_sum  # about 4% of sigma2 with 2,800 pairs
    assert abs(estimate - sigma2) < 4 * se, (estimate, sigma2, se)


def ar1_history(rng, n: int = 60, phi: float = 0.6, mean: float = 1.0, sd: float = 0.1) -> pd.DataFrame:
    y = np.empty(n)
    y[0] = mean
    for t in range(1, n):
        y[t] = mean + phi * (y[t - 1] - mean) + sd * rng.standard_normal()
    rows = [("x", 1960 + t, float(y[t]), 0.0001) for t in range(n)]
    return targets([r for i, r in enumerate(rows) if i not in (10, 11, 30)])  # three missing years


def test_the_ar1_baseline_forecasts_a_simulated_ar1_near_its_true_predictive_mean():
    history = ar1_history(np.random.default_rng(7))
    last = history["value"].iloc[-1]
    b = s.baselines(history, pd.DataFrame({"series": ["x", "x"], "kind": "ideal_point", "year": [2020, 2022]}), 2019)
    assert b.fallback["ar1"] == []
    median = b["ar1"][:, s.level_index(0.5)]
    truth = 1.0 + 0.6 ** np.array([1, 3]) * (last - 1.0)  # one and three years ahead
    # estimation error of the mean and of phi from 57 values: a few hundredths here;
    # half the innovation sd (0.05) is a wide margin that a wrong model would still miss
    np.testing.assert_allclose(median, truth, atol=0.05)
    sd_1 = (b["ar1"][0, s.level_index(0.95)] - median[0]) / 1.6448536
    assert 0.07 < sd_1 < 0.13  # the innovation sd is 0.1


def test_a_series_too_short_for_a_trend_or_an_ar1_takes_persistences_distribution_and_says_so():
    rng = np.random.default_rng(1)
    history = pd.concat([ar1_history(rng), targets([("short", 2015, 0.2, 0.001), ("short", 2018, 0.3, 0.001)])])
    predict = pd.DataFrame({"series": ["x", "short"], "kind": "ideal_point", "year": [2021, 2021]})
    b = s.baselines(history, predict, 2019)
    assert b.fallback == {"trend": ["short"], "ar1": ["short"]}
    for method in ("trend", "ar1"):
        np.testing.assert_array_equal(b[method][1], b["persistence"][1])
        assert not np.allclose(b[method][0], b["persistence"][0])


def test_no_baseline_sees_a_value_after_the_cutoff():
    rng = np.random.default_rng(11)
    history = ar1_history(rng)
    history = pd.concat([history, targets([("y", 2000 + t, 0.3 + 0.02 * t, 0.001) for t in range(12)])])
    predict = history[history["year"] > 2015][["series", "kind", "year"]]
    before = s.baselines(history, predict, 2015)
    changed = history.copy()
    late = changed["year"] > 2015
    changed.loc[late, "value"] = rng.uniform(-5, 5, late.sum())
    after = s.baselines(changed, predict, 2015)
    assert set(before) == set(after) == {"persistence", "trend", "ar1"}
    for method in before:
        np.testing.assert_array_equal(before[method], after[method])


def test_survey_forecasts_stay_shares():
    history = targets([("p", 2010 + t, v, 0.01) for t, v in enumerate((0.05, 0.5, 0.02, 0.9, 0.03))], "survey")
    b = s.baselines(history, pd.DataFrame({"series": ["p"], "kind": ["survey"], "year": [2020]}), 2014)
    for q in b.values():
        assert q.min() >= 0.0 and q.max() <= 1.0
        assert np.all(np.diff(q[0]) >= 0)


def test_a_target_at_or_before_the_cutoff_is_refused():
    history = targets([("a", 2010, 0.0, 0.1), ("a", 2012, 1.0, 0.1)])
    with pytest.raises(ValueError, match="'a', 2012.*cut-off 2012"):
        s.baselines(history, pd.DataFrame({"series": ["a"], "kind": ["ideal_point"], "year": [2012]}), 2012)


# ------------------------------------------------------------------------ tables


def scored_frame() -> tuple[pd.DataFrame, dict]:
    frame = pd.DataFrame({"series": ["a", "a", "b", "b"], "kind": "ideal_point", "origin": [2019, 2019, 2020, 2020],
                          "year": [2020, 2021, 2021, 2022], "horizon": [1, 2, 1, 2], "observed": [0.1, 0.4, 0.2, 0.9]})
    wide = s.quantiles_from_normal(np.zeros(4), np.ones(4))
    sharp = s.quantiles_from_normal(frame["observed"], np.full(4, 0.05))
    return frame, {"model": sharp, "persistence": wide}


def test_the_score_table_pools_origins_and_horizons():
    frame, quantiles = scored_frame()
    table = s.score_table(frame, quantiles)
    rows = table.set_index(["origin", "horizon", "method"])
    assert rows.loc[("2019", "1", "model"), "n"] == 1
    assert rows.loc[("all", "1", "model"), "n"] == 2 and rows.loc[("2020", "all", "model"), "n"] == 2
    assert rows.loc[("all", "all", "model"), "n"] == 4
    per_target = s.crps(quantiles["persistence"], frame["observed"].to_numpy())
    assert rows.loc[("all", "all", "persistence"), "crps"] == pytest.approx(per_target.mean())
    assert rows.loc[("all", "all", "persistence"), "mae"] == pytest.approx(frame["observed"].abs().mean())
    assert rows.loc[("all", "all", "model"), "coverage_50"] == 1.0


def test_skill_is_zero_against_itself_and_positive_for_the_sharper_right_forecast():
    frame, quantiles = scored_frame()
    skill = s.skill_table(s.score_table(frame, {**quantiles, "copy": quantiles["model"]}))
    pooled = skill[skill["origin"] == "all"].set_index("baseline")
    assert pooled.loc["copy", "crps_skill"] == pytest.approx(0.0)
    assert pooled.loc["persistence", "crps_skill"] > 0.9
    assert set(skill["origin"]) == {"2019", "2020", "all"}
