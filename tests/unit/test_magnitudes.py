"""Wars as shocks (docs/odd.md 7.28): one factor per event class scales every event of the
class, and only them; an unknown class is refused."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import compose, v3_events

from caucasus_sim import CaucasusModel
from caucasus_sim.config import ConfigError, validate

WAR = {"id": "war", "date": "2013-03-01", "source": "AZE", "target": "ARM", "cameo": "190"}
PROTEST = {"id": "protest", "date": "2013-03-01", "source": "AZE", "target": "ARM", "cameo": "141"}


def change(event, factor: float) -> np.ndarray:
    m = CaucasusModel(v3_events([event], f"params.class_magnitude.war={factor}",
                                "params.credibility.unanswered_drop=0"))
    a, s = m.index["ARM"], m.index["AZE"]
    m.run(until=m.step_at(dt.date(2013, 3, 1)) - 1)
    before = m.state.attitude[:, a, s].copy()
    m.step()
    return m.state.attitude[:, a, s] - before, m


def test_the_class_factor_scales_a_war_and_not_a_protest():
    once, m = change(WAR, 1.0)
    twice, m2 = change(WAR, 2.0)
    diffusion, _ = change(dict(WAR, magnitude=0.0), 1.0)  # what the step does without the event
    assert twice - diffusion == pytest.approx(2.0 * (once - diffusion), rel=1e-9)
    logged = [b for _, b, _ in m2.event_log if b.id == "war"][0]
    assert logged.magnitude == 2.0  # the event log keeps the magnitude that acted
    assert np.array_equal(change(PROTEST, 1.0)[0], change(PROTEST, 3.0)[0])


def test_an_unknown_class_is_refused_naming_the_known_ones():
    cfg = compose("model=v3", "+params.class_magnitude.wars=2")
    with pytest.raises(ConfigError, match="unknown event class 'wars'; the catalog's classes are blockade, war"):
        validate(cfg)
