"""Model v2's mechanisms against known answers: the Friedkin-Johnsen closed form with every
new mechanism at its neutral value, anchor drift against the exact solution of the
augmented linear system, inverse Friedkin-Johnsen round trips, and Poisson event counts
that grow with the hazard without a ceiling."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import compose, set_paths
from omegaconf import OmegaConf, open_dict

from caucasus_sim import CaucasusModel, ConfigError
from caucasus_sim.config.schema import StrategyConfig
from caucasus_sim.model.network import Network

QUIET = ["quiet=true", "replicates=2", "progress=off", "scenario.outcome_dates=[]"]


def closed_form(net) -> np.ndarray:
    lam = np.diag(net.susceptibility)
    return np.linalg.solve(np.eye(net.N) - lam @ net.W, (np.eye(net.N) - lam) @ net.x0)


def test_v2_structure_with_neutral_mechanisms_converges_to_the_fj_closed_form():
    cfg = compose("model=v2", "params=default", "actors.solve_anchors=false", "actors.start_at_equilibrium=false",
                  "scenario.end=2024-12-31", *QUIET)
    m = CaucasusModel(cfg, path="status_quo")
    expected = closed_form(m.network)
    assert not np.allclose(m.attitude[0], expected, atol=1e-3)  # it starts away from the answer
    m.run()
    assert np.max(np.abs(m.attitude - expected)) < 1e-9


def augmented_step(net, rho: float) -> np.ndarray:
    """The 2N x 2N matrix of one step on a column [x; x0] of attitudes and anchors: x' = L x +
    D x0, then x0' = x0 + rho (D^-1 (I - L) x' - x0), with L = Lambda W and D = I - Lambda."""
    N, L = net.N, net.LW
    D = np.diag(1.0 - net.susceptibility)
    held = np.linalg.solve(D, np.eye(N) - L)  # x' -> the anchor that holds x' in place
    top = np.hstack([L, D])
    bottom = np.hstack([rho * held @ L, (1.0 - rho) * np.eye(N) + rho * held @ D])
    return np.vstack([top, bottom])


def test_anchor_drift_without_events_follows_the_augmented_linear_system():
    """Column by column the drift is linear, as long as no anchor reaches the clip at +-1:
    the attitudes toward T (anchors 0, 0.3, 0.6; susceptibility 0.5) stay inside."""
    cfg = compose("model=v1", "experiment=fj_known_answer", "params.anchor_drift_per_year=20.0",
                  "actors.attitude.B.T=0.3", "actors.attitude.C.T=0.6", "actors.states.A.susceptibility=0.5",
                  "actors.states.B.susceptibility=0.5", "actors.states.C.susceptibility=0.5",
                  "scenario.end=2027-12-31", "replicates=1", "progress=off")
    m = CaucasusModel(cfg)
    net, rho, T = m.network, float(m.state.anchor_drift), m.index["T"]
    column = np.concatenate([m.attitude[0, :, T], m.state.anchor[0, :, T]])
    m.run()
    expected = np.linalg.matrix_power(augmented_step(net, rho), m.n_steps) @ column
    assert np.max(np.abs(m.attitude[0, :, T] - expected[:net.N])) < 1e-9
    assert np.max(np.abs(m.state.anchor[0, :, T] - expected[net.N:])) < 1e-9
    assert np.max(np.abs(m.state.anchor[0, :, T] - column[net.N:])) > 0.01  # the anchors did move
    assert np.all(np.abs(np.delete(expected, [T, net.N + T])) < 1.0)  # A, B, C never reached the clip


def test_inverse_fj_round_trips_and_the_run_stays_at_its_targets():
    cfg = compose("model=v2", "params=default", "scenario.end=2020-12-31", *QUIET)
    m = CaucasusModel(cfg, path="status_quo")
    net = m.network
    assert np.max(np.abs(closed_form(net) - net.x_init)) < 1e-12  # solve anchors, recover targets
    aze, tur = net.index["AZE"], net.index["TUR"]
    assert net.x_init[aze, tur] == pytest.approx(cfg.actors.attitude.AZE.TUR, abs=1e-15)
    m.run()
    assert np.max(np.abs(m.attitude - net.x_init)) < 1e-9


def test_an_infeasible_target_names_the_pair_and_the_susceptibility_that_works():
    cfg = compose("model=v2", "actors.states.AZE.susceptibility=0.9", *QUIET)
    with pytest.raises(ConfigError, match=r"actors\.attitude\.AZE\.ARM: the target -0\.910 needs an anchor") as err:
        Network(cfg.actors, cfg.params)
    feasible = float(re.search(r"at most (\d\.\d+)", str(err.value)).group(1))
    cfg.actors.states.AZE.susceptibility = feasible - 0.001  # the susceptibility the message names works
    assert Network(cfg.actors, cfg.params).x0[1:].min() >= -1.0


def counting_path(cfg, rate: float):
    """One strategy from the start: Russia visits Azerbaijan at `rate` per year."""
    spec = OmegaConf.merge(OmegaConf.structured(StrategyConfig), {
        "actor": "RUS", "actions": {"visit": {"cameo": "042", "target": "AZE", "rate_per_year": rate}}})
    with open_dict(cfg):
        cfg.decisions.strategies.counter = spec
        cfg.decisions.always, cfg.decisions.history = [], []
    return set_paths(cfg, {"counting": {"strategies": ["counter"]}})


@pytest.mark.parametrize("counts", ["poisson", "bernoulli"])
def test_doubling_an_intensity_doubles_the_events_per_step_up_to_twenty(counts):
    means = {}
    for per_step in (10.0, 20.0):
        cfg = compose("model=v2", "replicates=2000", "progress=off", "scenario.start=2024-12-01",
                      "scenario.end=2025-02-28", "scenario.decisions_from=2024-12-01", "scenario.timeline=null",
                      "scenario.outcome_dates=[]", f"params.event_counts={counts}", "decisions.reactions={}")
        m = CaucasusModel(counting_path(cfg, per_step * 365.0 / 7.0), path="counting").run()
        visits = [(b.count if b.count is not None else np.ones(len(reps))) for _, b, reps in m.event_log
                  if b.id == "RUS:visit"]
        means[per_step] = float(np.concatenate(visits).sum()) / (m.R * m.n_steps)
    if counts == "poisson":  # the mean count is the hazard: 20 per step is twice 10
        assert means[10.0] == pytest.approx(10.0, rel=0.01) and means[20.0] == pytest.approx(20.0, rel=0.01)
    else:  # at most one per step: intensity saturates (v1's ceiling)
        assert means[10.0] == pytest.approx(1.0, abs=1e-3) and means[20.0] == pytest.approx(1.0, abs=1e-6)


STRUCTURE_POINTS = [  # every kind of structure key, and the v2 parameters, at three points
    {"actors.states.AZE.susceptibility": s, "actors.diasporas.AZE_diaspora_RUS.salience": sal,
     "actors.diasporas.AZE_diaspora_RUS.size": size, "actors.listening.AZE.TUR": w,
     "actors.attitude.ARM.RUS": x, "actors.ties.AZE.RUS.security": tie, "params.channel_weight.security": cw,
     "params.tie_half_life_days.economic": hl, "actors.states.TUR.capability": cap,
     "params.capability_exponent": gamma, "actors.states.GEO.nonalignment": none,
     "params.diaspora_size_exponent": delta, "params.anchor_drift_per_year": eta, "params.goodwill_gain": gg}
    for s, sal, size, w, x, tie, cw, hl, cap, gamma, none, delta, eta, gg in [
        (0.35, 0.5, 474576, 0.1, 0.83, 0.85, 0.25, 365.0, 0.7, 0.5, 0.1, 0.5, 0.15, 0.5),
        (0.2, 0.9, 2e6, 0.3, 0.6, 0.4, 0.5, 90.0, 1.4, 0.0, 0.0, 0.0, 0.0, 0.0),
        (0.5, 0.1, 1e5, 0.05, 0.4, 1.0, 0.1, 730.0, 0.3, 1.0, 0.3, 1.0, 0.5, 1.0)]]


def test_points_varying_the_structure_share_a_batch_bit_for_bit():
    """Susceptibility, listening, targets, ties, channel weights, capability, the outside
    option, diaspora size and salience vary per row: each point's rows of one batch equal a
    run of that point alone, bit for bit (with noise, Poisson counts and the timeline on)."""
    from caucasus_sim.analysis.points import point_config
    from caucasus_sim.model import is_batchable

    assert all(is_batchable(k) for k in STRUCTURE_POINTS[0])
    cfg = compose("scenario.end=2016-06-30", "scenario.outcome_dates=[2016-06-01]", "replicates=3",
                  "progress=off")
    batch = CaucasusModel(cfg, path="status_quo", points=STRUCTURE_POINTS).run()
    R = cfg.replicates
    for i, point in enumerate(STRUCTURE_POINTS):
        alone = CaucasusModel(point_config(cfg, point), path="status_quo").run()
        rows = slice(i * R, (i + 1) * R)
        for name in batch.records:  # a point without goodwill records none alone, and zeros in the batch
            got = getattr(batch, f"{name}_record")[:, rows]
            expected = getattr(alone, f"{name}_record") if name in alone.records else np.zeros_like(got)
            assert np.array_equal(got, expected), name
        assert np.array_equal(batch.attitude[rows], alone.attitude)
    assert not np.array_equal(batch.alignment_record[:, :R], batch.alignment_record[:, R:2 * R])


def test_a_point_with_an_infeasible_start_is_refused_naming_it():
    from caucasus_sim.analysis.sweep import plan_sweep

    cfg = compose("replicates=1", "progress=off")
    points = [{"actors.states.ARM.susceptibility": 0.6}, {"actors.states.ARM.susceptibility": 0.99}]
    message = (r"point \{'actors.states.ARM.susceptibility': 0.99\}: "
               r"actors.attitude.ARM.\w+: the target .* feasible with susceptibility at most")
    with pytest.raises(ConfigError, match=message):
        CaucasusModel(cfg, path="status_quo", points=points)
    sweep = compose("sweep.method=grid", "+sweep.axes=[{key: actors.states.ARM.susceptibility, low: 0.6, "
                    "high: 0.99, num: 2}]", "replicates=1", "progress=off")
    with pytest.raises(ConfigError, match=message):  # refused by the plan, before any run
        plan_sweep(sweep)
