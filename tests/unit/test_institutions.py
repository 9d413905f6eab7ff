"""Tie baselines that follow realised ties (docs/odd.md 7.27): the known limit of the
lasting shift after one event, and nothing at rate 0."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import v3_events

from caucasus_sim import CaucasusModel

EXERCISE = {"id": "ex", "date": "2013-02-01", "source": "RUS", "target": "ARM", "cameo": "0312"}  # diplomatic, not lasting


def test_the_baseline_takes_the_known_share_of_one_events_deviation():
    eta, dt_days, half_life = 0.5, 7, 180.0
    m = CaucasusModel(v3_events([EXERCISE], f"params.institutionalisation_per_year={eta}", end="2030-12-31"))
    c, p, k = m.clients.index("ARM"), m.patrons.index("RUS"), 0  # diplomatic
    m.run(until=m.step_at(dt.date(2013, 2, 1)))
    dev0 = m.state.tie_dev[k, :, c, p] + m.state.tie_shift[k, :, c, p]  # the event's move, before any relaxing
    m.run()
    rho = -np.expm1(-eta * dt_days / 365.0)
    d = 0.5 ** (dt_days / half_life)
    # each step relaxes the deviation by d, then moves rho of it into the shift:
    # shift_inf = rho d dev0 / (1 - (1 - rho) d) + what the event's step itself moved (rho dev0)
    shift_after_event = rho * dev0  # the event's own step: no relaxing after the move
    rest = (1.0 - rho) * dev0
    limit = shift_after_event + rho * d * rest / (1.0 - (1.0 - rho) * d)
    assert m.state.tie_shift[k, :, c, p] == pytest.approx(limit, rel=1e-9)
    assert abs(m.state.tie_dev[k, 0, c, p]) < 1e-12


def test_rate_zero_leaves_the_baselines():
    m = CaucasusModel(v3_events([EXERCISE], "params.institutionalisation_per_year=0")).run()
    assert not m.state.institutions.on
    c, p = m.clients.index("ARM"), m.patrons.index("RUS")
    assert np.all(m.state.tie_shift[0, :, c, p] == 0.0)  # 0312 is not a lasting event
