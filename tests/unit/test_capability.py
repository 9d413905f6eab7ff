"""Capability as a state (docs/odd.md 7.26): the capability factor follows its yearly series
and its shocks, and influence follows the factor to the power gamma."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import typed, v3_events

from caucasus_sim import CaucasusModel
from caucasus_sim.config.schema import CapabilityConfig
from caucasus_sim.model.capability import capability_factors


def test_the_factor_follows_its_series_by_calendar_year_and_each_shock_from_its_date():
    spec = typed(CapabilityConfig, {"series": {"RUS": {"2014": 1.0, "2015": 0.8, "2016": 1.2}},
                                    "shocks": [{"patron": "RUS", "date": "2015-07-01", "change": -0.5},
                                               {"patron": "TUR", "date": "2016-01-01", "change": 0.25}]})
    dates = [dt.date(2013, 6, 1), dt.date(2015, 6, 30), dt.date(2015, 7, 1), dt.date(2016, 1, 1), dt.date(2020, 1, 1)]
    f = capability_factors(spec, ["RUS", "TUR", "WEST"], dates)
    assert f[:, 0].tolist() == [1.0, 0.8, 0.4, 0.6, 0.6]  # before the series: its first; after: its last
    assert f[:, 1].tolist() == [1.0, 1.0, 1.0, 1.25, 1.25]
    assert f[:, 2].tolist() == [1.0] * 5
    assert capability_factors(typed(CapabilityConfig, {}), ["RUS"], dates) is None


def test_influence_follows_the_capability_factor_to_the_power_gamma():
    shock = "scenario.capability.shocks=[{patron: RUS, date: '2013-06-01', change: -0.36}]"
    with_shock = CaucasusModel(v3_events([], shock, "params.capability_exponent=0.5")).run()
    without = CaucasusModel(v3_events([], "params.capability_exponent=0.5")).run()
    rus = with_shock.patrons.index("RUS")
    before, after = with_shock.step_at(dt.date(2013, 5, 1)), with_shock.step_at(dt.date(2013, 6, 1))
    ratio = with_shock.influence_record[:, :, :, rus] / without.influence_record[:, :, :, rus]
    assert np.all(ratio[:after] == 1.0)
    assert np.allclose(ratio[after:], 0.8, rtol=0, atol=1e-12)  # 0.64 ** 0.5
    other = with_shock.influence_record[:, :, :, 1:]
    assert np.array_equal(other, without.influence_record[:, :, :, 1:])  # no events: nothing else moves
    assert before < after


def test_with_gamma_zero_capability_does_not_weigh():
    shock = "scenario.capability.shocks=[{patron: RUS, date: '2013-06-01', change: -0.36}]"
    m = CaucasusModel(v3_events([], shock, "params.capability_exponent=0"))
    assert not m.state.capability.on
