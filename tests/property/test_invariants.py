"""Invariants over random event sequences and parameters (hypothesis)."""

from __future__ import annotations

import numpy as np
from helpers import compose, set_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import open_dict

from caucasus_sim import CaucasusModel
from caucasus_sim.config import cameo_table

SHORT = ["replicates=6", "progress=off", "scenario.start=2024-12-01", "scenario.end=2025-04-30",
         "scenario.decisions_from=2024-12-15", "scenario.outcome_dates=[]", "scenario.timeline=null"]
V1, V2 = ("model=v1", *SHORT), ("model=v2", *SHORT)
BASE = compose(*V1)
ACTORS = list(BASE.actors.states) + list(BASE.actors.diasporas)
CODES = sorted(cameo_table())

event = st.fixed_dictionaries({
    "date": st.dates(min_value=__import__("datetime").date(2024, 12, 2),
                     max_value=__import__("datetime").date(2025, 4, 30)).map(str),
    "source": st.sampled_from(ACTORS),
    "target": st.sampled_from(ACTORS),
    "cameo": st.sampled_from(CODES),
    "magnitude": st.floats(0.0, 3.0),
})
unit = st.floats(0.0, 1.0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(event, max_size=25),
    attitude_step=st.floats(0.0, 2.0),
    tie_step=st.floats(0.0, 2.0),
    grievance_drag=st.floats(0.0, 0.5),
    effect_noise_sd=st.floats(0.0, 2.0),
    attitude_noise_sd=st.floats(0.0, 0.5),
    susceptibility=unit,
    salience=unit,
    path=st.sampled_from(["status_quo", "russian", "turkish"]),
)
def test_state_stays_in_bounds_and_shares_on_simplex(events, attitude_step, tie_step, grievance_drag,
                                                   effect_noise_sd, attitude_noise_sd,
                                                   susceptibility, salience, path):
    cfg = compose(*V1)  # a private copy
    with open_dict(cfg):
        p = cfg.params
        p.attitude_step, p.tie_step, p.grievance_drag = attitude_step, tie_step, grievance_drag
        p.effect_noise_sd, p.attitude_noise_sd = effect_noise_sd, attitude_noise_sd
        cfg.actors.states.AZE.susceptibility = susceptibility
        cfg.actors.diasporas.AZE_diaspora_RUS.salience = salience
    set_events(cfg, [dict(e, id=f"e{i}") for i, e in enumerate(events)])
    check_bounds(CaucasusModel(cfg, path=path))


def check_bounds(m: CaucasusModel) -> None:
    """Every step: attitudes and anchors in [-1, 1], ties in [0, 1], grievance and goodwill
    >= 0, nothing infinite; at the end, shares (with non-alignment) on the simplex."""
    while m.running:
        m.step()
        assert np.all(np.abs(m.attitude) <= 1.0)
        assert np.all((m.ties >= 0.0) & (m.ties <= 1.0))
        assert np.all(m.grievance >= 0.0) and np.all(m.goodwill >= 0.0)
        if m.state.anchor is not None:
            assert np.all(np.abs(m.state.anchor) <= 1.0)
        for arr in (m.attitude, m.ties, m.grievance, m.goodwill):
            assert np.isfinite(arr).all()
    A = m.alignment_record
    assert np.isfinite(A).all()
    assert np.all(A >= 0.0)
    none = m.nonalignment_record if "nonalignment" in m.records else 0.0
    assert np.all(np.asarray(none) >= 0.0)
    assert np.allclose(A.sum(axis=-1) + none, 1.0, atol=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(event, max_size=25),
    attitude_step=st.floats(0.0, 2.0),
    anchor_drift=st.floats(0.0, 5.0),
    goodwill_gain=st.floats(0.0, 3.0),
    goodwill_lift=st.floats(0.0, 0.5),
    capability_exponent=st.floats(0.0, 3.0),
    intensity=st.floats(0.0, 50.0),
    path=st.sampled_from(["status_quo", "russian", "turkish"]),
)
def test_v2_state_stays_in_bounds_and_shares_on_simplex(events, attitude_step, anchor_drift, goodwill_gain,
                                                      goodwill_lift, capability_exponent, intensity, path):
    cfg = compose(*V2)
    with open_dict(cfg):
        p = cfg.params
        p.attitude_step, p.anchor_drift_per_year, p.goodwill_gain = attitude_step, anchor_drift, goodwill_gain
        p.goodwill_lift, p.capability_exponent = goodwill_lift, capability_exponent
        for s in cfg.paths[path].strategies:
            cfg.decisions.strategies[s].intensity = intensity
    set_events(cfg, [dict(e, id=f"e{i}") for i, e in enumerate(events)])
    check_bounds(CaucasusModel(cfg, path=path))
