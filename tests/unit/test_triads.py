"""The friend of my enemy (docs/odd.md 7.25): a patron's cooperation with a client's
adversary moves the client's attitude toward the patron by the formula, and the reverse
for a friend; who is whose adversary is configuration."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import v3_events

from caucasus_sim import CaucasusModel

ARMS = {"id": "arms", "date": "2013-03-01", "source": "RUS", "target": "AZE", "cameo": "062", "magnitude": 0.8}


def attitude_after(cfg, event_date: dt.date, pair=("ARM", "RUS")):
    """x[pair] (every replicate) and G[pair] at the step of the event."""
    m = CaucasusModel(cfg)
    m.run(until=m.step_at(event_date))
    a, b = m.index[pair[0]], m.index[pair[1]]
    return m.state.attitude[:, a, b].copy(), m.state.grievance[:, a, b].copy()


def test_russias_arms_for_azerbaijan_move_armenias_attitude_toward_russia_by_the_formula():
    on = v3_events([ARMS], "params.triads.attitude_step=0.05", "params.triads.grievance_gain=0.3")
    off = v3_events([ARMS], "params.triads.attitude_step=0", "params.triads.grievance_gain=0")
    x_on, g_on = attitude_after(on, dt.date(2013, 3, 1))
    x_off, g_off = attitude_after(off, dt.date(2013, 3, 1))
    g = 7.4  # CAMEO 062, the Goldstein table
    assert x_on - x_off == pytest.approx(np.full(2, -0.05 * g / 10 * 0.8), abs=1e-12)
    assert g_on - g_off == pytest.approx(np.full(2, 0.3 * g / 10 * 0.8), abs=1e-12)


def test_cooperation_with_a_friend_raises_the_attitude_and_an_unrelated_dyad_does_nothing():
    friends = ("actors.adversaries=[]", "actors.friends=[[ARM,AZE]]", "params.triads.attitude_step=0.05")
    x_on, _ = attitude_after(v3_events([ARMS], *friends), dt.date(2013, 3, 1))
    x_off, _ = attitude_after(v3_events([ARMS], *friends[:2], "params.triads.attitude_step=0"), dt.date(2013, 3, 1))
    assert x_on - x_off == pytest.approx(np.full(2, 0.05 * 0.74 * 0.8), abs=1e-12)
    # Georgia has no relation to Azerbaijan: its attitude toward Russia does not move
    x_geo, _ = attitude_after(v3_events([ARMS], "params.triads.attitude_step=0.05"), dt.date(2013, 3, 1), ("GEO", "RUS"))
    x_geo0, _ = attitude_after(v3_events([ARMS], "params.triads.attitude_step=0"), dt.date(2013, 3, 1), ("GEO", "RUS"))
    assert np.array_equal(x_geo, x_geo0)


def test_without_adversaries_the_mechanism_is_off():
    m = CaucasusModel(v3_events([ARMS], "actors.adversaries=[]", "params.triads.attitude_step=0.05"))
    assert not m.state.triads.on
