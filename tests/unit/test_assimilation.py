"""Sequential assimilation over replicates (docs/odd.md, 7.30): resampling,
derived keys, lineages that rebuild their ancestors' paths in any batch, and the random-walk
discrepancy's Kalman filter against its formulas."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SHORT, compose

from caucasus_sim.analysis import assimilation as pf
from caucasus_sim.model import CaucasusModel
from caucasus_sim.model.model import common_steps
from caucasus_sim.model.streams import derived_keys, replicate_keys

MODEL = [*SHORT, "model=v2", "replicates=8"]


def test_systematic_resampling_gives_each_particle_its_share():
    w = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    a = pf.systematic(w, 0.3)
    counts = np.bincount(a, minlength=5)
    assert (np.abs(counts - 5 * w / w.sum()) < 1).all() and counts[-1] == 0
    assert (np.diff(a) >= 0).all()


def test_copy_numbers_count_within_each_ancestor():
    assert pf.copy_numbers(np.array([0, 0, 2, 3, 3, 3])).tolist() == [0, 1, 0, 0, 1, 2]


def test_derived_keys_depend_on_ancestor_generation_and_copy_only():
    k = replicate_keys(1, [0, 1])
    a = derived_keys(k[[0, 0, 1]], 1, np.array([0, 1, 0]))
    assert len(set(a.tolist())) == 3 and not set(a.tolist()) & set(k.tolist())
    assert derived_keys(k[[1]], 1, np.array([0]))[0] == a[2]  # the same in a batch of one
    assert derived_keys(k[[0]], 2, np.array([0]))[0] != a[0]  # another generation: another key


def test_a_lineage_without_resampling_is_the_plain_run():
    cfg = compose(*MODEL)
    plain = CaucasusModel(cfg, replicates=8, record="outcomes").run()
    rebuilt = pf.build(cfg, plain.path, None, pf.Lineage.start(int(cfg.seed), 8, 1), until=plain.n_steps)
    np.testing.assert_array_equal(rebuilt.attitude_record, plain.attitude_record)


def _resampled(cfg, step: int) -> tuple[pf.Lineage, CaucasusModel]:
    lineage = pf.Lineage.start(int(cfg.seed), 8, 1).resampled(np.array([0, 0, 0, 3, 3, 5, 6, 7]), step)
    return lineage, pf.build(cfg, next(iter(cfg.paths)), None, lineage, until=step)


def test_resampled_particles_carry_their_ancestors_state_and_then_diverge():
    cfg = compose(*MODEL)
    plain = CaucasusModel(cfg, replicates=8).run(until=20)
    lineage, m = _resampled(cfg, 20)
    np.testing.assert_array_equal(m.attitude, plain.attitude[[0, 0, 0, 3, 3, 5, 6, 7]])
    m.run(until=40)
    x = m.attitude
    assert not np.array_equal(x[0], x[1]) and not np.array_equal(x[1], x[2])  # copies diverge


def test_a_particles_path_is_the_same_in_any_batch():
    cfg = compose(*MODEL)
    lineage, _ = _resampled(cfg, 20)
    full = pf.build(cfg, next(iter(cfg.paths)), None, lineage, until=60)
    sub = [1, 4, 7]
    alone = pf.build(cfg, next(iter(cfg.paths)), None,
                     pf.Lineage(lineage.draw[sub], lineage.keys[:, sub], lineage.steps), until=60)
    np.testing.assert_array_equal(alone.attitude, full.attitude[sub])


def test_the_resampling_uniform_comes_from_the_projects_streams():
    u = [pf.resample_uniform(5, g) for g in (1, 2)]
    assert u[0] == pf.resample_uniform(5, 1) and u[0] != u[1] and all(0 < v < 1 for v in u)


def test_the_discrepancy_filter_follows_the_kalman_formulas():
    d = pf.Discrepancy.fresh(2, step_var=np.array([0.01]), start_var=np.array([0.04]))
    ll = d.update(np.array([0]), 2015.0, np.array([[0.5], [0.6]]), np.array([0.55]), np.array([0.0025]))
    S = 0.04 + 0.0025
    gain = 0.04 / S
    np.testing.assert_allclose(d.mean[:, 0], gain * np.array([0.05, -0.05]))
    np.testing.assert_allclose(d.var[:, 0], 0.04 * (1 - gain))
    np.testing.assert_allclose(ll, -0.5 * (np.log(2 * np.pi * S) + 0.05 ** 2 / S))
    mean, var = d.forecast(np.array([0, 0]), np.array([2016.0, 2019.0]))  # the walk's variance grows by year
    np.testing.assert_allclose(var[0], 0.04 * (1 - gain) + 0.01 * np.array([1, 4]))
    np.testing.assert_allclose(mean[0], d.mean[0, [0, 0]])


def test_the_walks_variance_is_recovered_from_its_innovations():
    rng = np.random.default_rng(4)
    series, years, values = [], [], []
    for s in range(30):
        walk = np.cumsum(rng.normal(0, 0.1, 10))
        series += [s] * 10
        years += list(range(2010, 2020))
        values += list(walk + rng.normal(0, 0.05, 10))
    n = len(values)
    est = pf.estimate_step_var(np.zeros(n), np.array(values), np.array(series), np.array(years, float),
                               np.array(["x"] * n), np.full(n, 0.05 ** 2), np.full(30, 0.01), 30,
                               np.geomspace(1e-3, 0.5, 60) ** 2)
    assert np.sqrt(est["x"]) == pytest.approx(0.1, rel=0.2)  # 270 increments: the sd within 20%


def test_assimilation_is_deterministic_and_pulls_particles_toward_the_data():
    cfg = compose(*MODEL, "replicates=40")
    probe = CaucasusModel(cfg, replicates=1)
    step = probe.step_at(probe.calendar.dates[30])
    target = 0.3  # ARM's attitude toward RUS, observed exactly (small sampling variance)
    obs = pf.Observations(steps=[step], years=[2024], targets=[np.array([0])], series=np.array([0]),
                          value=np.array([target]), obs_var=np.array([1e-4]))
    i, j = probe.clients.index("ARM"), probe.patrons.index("RUS")

    def predict(m, idx, draw):
        return m.state.client_attitude()[:, i, j][:, None]

    def run():
        return pf.assimilate(cfg, probe.path, None, obs, predict, pf.Discrepancy.fresh(40, np.zeros(1), np.zeros(1)),
                             particles=40, seed=3, ess_threshold=0.5, origin_step=step)

    a, b = run(), run()
    np.testing.assert_array_equal(a.model.attitude, b.model.attitude)
    prior = CaucasusModel(cfg, replicates=40).run(until=step).state.client_attitude()[:, i, j]
    after = a.model.state.client_attitude()[:, i, j]
    assert np.abs(after - target).mean() < np.abs(prior - target).mean()


def test_filtered_particles_branch_into_other_paths_with_common_random_numbers():
    """Paths that agree up to a resampling branch from the filtered batch: each branch is the
    lineage run under its path from the start, bit for bit."""
    cfg = compose(*MODEL)
    assert common_steps(cfg) >= 20
    lineage, m = _resampled(cfg, 20)
    for path in list(cfg.paths)[1:]:
        branched = m.branch(path).run(until=60)
        direct = pf.build(cfg, path, None, lineage, until=60)
        np.testing.assert_array_equal(branched.attitude, direct.attitude)
