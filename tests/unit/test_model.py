"""The submodels do what docs/odd.md says, checked one event at a time."""

from __future__ import annotations

import datetime as dt

import mesa
import numpy as np
import pytest
from helpers import V1, compose, quiet_single_event, set_events

from caucasus_sim import CaucasusModel, DiasporaAgent, StateAgent
from caucasus_sim.config import CHANNELS


def run_pair(event: dict, *overrides: str):
    """The same quiet configuration with and without one event, run to the end."""
    with_event = CaucasusModel(quiet_single_event(event, *overrides)).run()
    cfg = quiet_single_event(event, *overrides)
    cfg.scenario.events = []
    without = CaucasusModel(cfg).run()
    return with_event, without


def test_model_is_a_mesa_model_of_state_and_diaspora_agents():
    m = CaucasusModel(compose(V1, "replicates=3", "progress=off"), path="status_quo")
    assert isinstance(m, mesa.Model)
    states = m.agents_by_type[StateAgent]
    assert sorted(a.code for a in states) == ["ARM", "AZE", "GEO", "RUS", "TUR", "WEST"]
    assert [a.code for a in m.agents_by_type[DiasporaAgent]] == ["AZE_diaspora_RUS"]
    before = m.attitude.copy()
    m.step()
    m.step()
    assert m.steps == 2
    assert m.attitude.shape == (3, m.N, m.N)
    assert not np.array_equal(before, m.attitude)


def test_hostile_event_moves_target_attitude_by_step_times_goldstein():
    e = {"date": "2025-01-10", "source": "RUS", "target": "AZE", "cameo": "190"}
    m, base = run_pair(e)
    t = m.step_of(m.events[0].date)
    c, p = m.clients.index("AZE"), m.patrons.index("RUS")
    diff = m.attitude_record[t, :, c, p] - base.attitude_record[t, :, c, p]
    assert np.allclose(diff, 0.15 * (-10.0 / 10.0), atol=1e-12)
    assert np.array_equal(m.attitude_record[:t], base.attitude_record[:t])
    # a shootdown is a grievance type: grievance = gain * |g|/10
    assert np.allclose(m.grievance_record[t, :, c, p], 1.0)
    # and it hits the security tie
    k = CHANNELS.index("security")
    decay = 0.5 ** (m.dt_days / m.cfg.params.tie_half_life_days.security)  # per step (docs/odd.md 7.2)
    assert np.allclose(m.ties[:, c, p, k] - base.ties[:, c, p, k], -0.1 * decay ** (m.n_steps - t), atol=1e-12)


def test_hit_on_diaspora_reaches_origin_scaled_by_salience():
    e = {"date": "2025-01-10", "source": "RUS", "target": "AZE_diaspora_RUS", "cameo": "173"}
    m, base = run_pair(e)
    t = m.step_of(m.events[0].date)
    c, p = m.clients.index("AZE"), m.patrons.index("RUS")
    sal = 0.5
    diff = m.attitude_record[t, :, c, p] - base.attitude_record[t, :, c, p]
    assert np.allclose(diff, sal * 0.15 * (-0.5), atol=1e-12)
    assert np.allclose(m.grievance_record[t, :, c, p], sal * 1.0 * 0.5 * 0.5)
    d = m.index["AZE_diaspora_RUS"]
    assert m.grievance[0, d, m.index["RUS"]] > 0


def test_apology_resolves_a_fraction_of_grievance():
    cfg = quiet_single_event({"date": "2025-01-10", "source": "RUS", "target": "AZE", "cameo": "190"})
    set_events(cfg, [
        {"id": "shootdown", "date": "2025-01-10", "source": "RUS", "target": "AZE", "cameo": "190"},
        {"id": "apology", "date": "2025-02-10", "source": "RUS", "target": "AZE", "cameo": "055"},
    ])
    m = CaucasusModel(cfg).run()
    t = m.step_of(m.events[1].date)
    c, p = m.clients.index("AZE"), m.patrons.index("RUS")
    ratio = m.grievance_record[t, :, c, p] / (m.grievance_record[t - 1, :, c, p] * m.state.grievance_decay)
    assert np.allclose(ratio, 1.0 - 0.3)


def test_ties_relax_toward_baseline_with_channel_half_life():
    e = {"date": "2025-01-10", "source": "AZE", "target": "RUS", "cameo": "160", "channels": ["cultural"]}
    m, base = run_pair(e, "scenario.end=2025-12-31")
    t = m.step_of(m.events[0].date)
    c, p, k = m.clients.index("AZE"), m.patrons.index("RUS"), CHANNELS.index("cultural")
    T = m.ties[0, c, p, k]
    dev_end = T - m.network.ties_baseline[c, p, k]
    days = (m.n_steps - t) * m.dt_days
    assert dev_end == pytest.approx(0.1 * -0.4 * 0.5 ** (days / 90.0), rel=1e-9)


def test_influence_and_alignment_follow_their_formulas():
    m = CaucasusModel(compose(V1, "replicates=5", "progress=off"), path="turkish")
    for _ in range(40):
        m.step()
    x = m.attitude[:, m.network.client_idx][:, :, m.network.patron_idx]
    w = np.array([m.cfg.params.channel_weight[k] for k in CHANNELS])
    inf = np.einsum("rcpk,k->rcp", m.ties, w) * (1 + x) / 2
    assert np.allclose(m.state.influence(), inf, atol=1e-14)
    share = inf / inf.sum(axis=-1, keepdims=True)
    assert np.allclose(m.alignment_record[m.steps], share, atol=1e-14)
    bal = m.balance()[m.steps]
    assert np.allclose(bal, share[..., m.patrons.index("TUR")] - share[..., m.patrons.index("RUS")])


def test_alignment_is_equal_shares_when_no_patron_has_influence():
    m = CaucasusModel(compose(V1, "replicates=2", "progress=off"), path="status_quo")
    a = m.state.alignment(np.zeros((2, 3, 3)))
    assert np.array_equal(a, np.full((2, 3, 3), 1 / 3))


def test_event_takes_effect_at_first_step_on_or_after_its_date():
    m = CaucasusModel(compose(V1, "replicates=1", "progress=off"), path="status_quo")
    assert m.dates[0] == dt.date(2024, 12, 1)
    assert m.step_of(dt.date(2024, 12, 8)) == 1
    assert m.step_of(dt.date(2024, 12, 9)) == 2
    assert m.step_at(dt.date(2025, 7, 1)) == 31  # 2025-07-06, after every recorded event
    assert m.dates[m.step_at(dt.date(2025, 7, 1))] == dt.date(2025, 7, 6)


def test_once_action_fires_at_most_once_per_replicate():
    cfg = compose(V1, "replicates=300", "progress=off", "scenario.end=2028-12-31")
    m = CaucasusModel(cfg, path="russian").run()
    ack = [(t, reps) for t, b, reps in m.event_log if b.id == "RUS:acknowledge_shootdown"]
    fired = np.concatenate([reps for _, reps in ack])
    assert len(fired) == len(np.unique(fired))
    assert len(fired) > 250  # rate 2/yr over 3.5 years: nearly every replicate


def test_strategy_events_only_from_decisions_from():
    m = CaucasusModel(compose(V1, "replicates=50", "progress=off"), path="turkish").run()
    decided = [t for t, b, _ in m.event_log if b.origin in ("strategy", "reaction")]
    assert decided, "the Turkish path decides events"
    assert min(m.dates[t] for t in decided) >= m.calendar.decisions_from


def test_recording_only_outcome_steps_changes_nothing_simulated():
    cfg = compose(V1, "replicates=20", "progress=off", "scenario.end=2026-06-30", "scenario.outcome_dates=[2025-07-01]")
    full = CaucasusModel(cfg, path="turkish").run()
    lean = CaucasusModel(cfg, path="turkish", record="outcomes").run()
    assert lean.recorded_steps.tolist() == [0, full.step_at(dt.date(2025, 7, 1)), full.n_steps]
    assert lean.alignment_record.shape == (3, 20, 3, 3)
    for t in lean.recorded_steps:
        for name in ("alignment", "attitude", "influence", "grievance", "tie"):
            assert np.array_equal(getattr(lean, f"{name}_record")[lean.row_of(t)], getattr(full, f"{name}_record")[t])
    assert np.array_equal(lean.attitude, full.attitude) and np.array_equal(lean.ties, full.ties)
    with pytest.raises(ValueError, match="not recorded"):
        lean.row_of(5)
