"""The rolling-origin hindcasts of the forecast experiment on the shipped targets
(docs/odd.md, 7.30): each origin fitted and assimilated with the data up to it only. What
the issue asked of their calibration holds; their skill is measured, and where it falls
short the README and the ODD say so with these numbers."""

from __future__ import annotations

import pytest
from helpers import compose

from caucasus_sim.analysis import forecast, hindcast, scores


def _hindcasts(*overrides: str):
    # 500 particles, not the default's 4,000 (one engine batch, benchmarks/forecast.py): the
    # same protocol at an eighth of the time; the ODD (7.30) gives the numbers of both
    cfg = compose("experiment=forecast", "progress=off", "forecast.particles=500", *overrides)
    plan = forecast.prepare(cfg)
    Z = forecast.design_drivers(plan, int(cfg.replicates))
    frame, quantiles, origins = hindcast.hindcast(plan, Z, cfg.forecast, int(cfg.seed))
    table = scores.score_table(frame, quantiles)
    return table, scores.skill_table(table), origins


@pytest.fixture(scope="module")
def scored():
    return _hindcasts()


def _pooled(table, kind, method="model"):
    rows = table[(table["kind"] == kind) & (table["origin"] == "all") & (table["horizon"] == "all")]
    return rows[rows["method"] == method].iloc[0]


@pytest.mark.parametrize("kind", ["survey", "ideal_point"])
def test_the_intervals_cover_what_they_claim(scored, kind):
    row = _pooled(scored[0], kind)
    assert 0.80 <= row["coverage_90"] <= 0.97, row
    assert 0.40 <= row["coverage_50"] <= 0.60, row


def test_ideal_points_are_forecast_better_than_probabilistic_persistence(scored):
    skill = scored[1]
    pooled = skill[(skill["origin"] == "all") & (skill["baseline"] == "persistence")].set_index("kind")
    assert pooled.loc["ideal_point", "crps_skill"] > 0.05
    assert pooled.loc["ideal_point", "crps_model"] < pooled.loc["ideal_point", "crps_baseline"]


def test_every_origin_is_fitted_and_assimilated_from_its_own_window(scored):
    origins = scored[2]
    assert origins["origin"].tolist() == [2015, 2017, 2019, 2021]
    assert (origins["accepted_draws"] > 0).all()
    # the filter does not degenerate: unbounded importance weights once left 2-9 of 4,000 (7.30)
    assert (origins["smallest_ess"] >= 0.05 * 500).all(), origins["smallest_ess"].tolist()
    assert origins["targets"].tolist() == sorted(origins["targets"], reverse=True)  # fewer later waves each time


def test_v3_forecasts_the_surveys_no_worse_than_v2_pooled_over_origins(scored, capsys):
    """The evidence on v3 that data neither fit saw give (README, ODD section 1). Since the
    slopes are drawn, not profiled (7.30), v3 is no longer better at every origin (at 500
    particles: worse at 2015 and 2019); pooled over the origins it is, and the ideal points
    it forecasts as v2 does."""
    v2, v3 = scored[0], _hindcasts("model=v3")[0]

    def crps(table, kind):
        rows = table[(table["kind"] == kind) & (table["method"] == "model") & (table["horizon"] == "all")]
        return rows.set_index("origin")["crps"]

    with capsys.disabled():
        print("\n  survey CRPS per origin, v3 against v2: " + ", ".join(
            f"{o} {a:.4f}/{b:.4f}" for o, a, b in zip(crps(v3, "survey").index, crps(v3, "survey"),
                                                       crps(v2, "survey"))))
    assert crps(v3, "survey")["all"] <= crps(v2, "survey")["all"]
    assert crps(v3, "ideal_point")["all"] == pytest.approx(crps(v2, "ideal_point")["all"], rel=0.02)
