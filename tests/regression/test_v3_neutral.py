"""Model v3 at the neutral values of its mechanisms is Model v2, bit for bit, on v2's
history and timeline (v1 stays bit for bit too: test_reproducibility pins both)."""

from __future__ import annotations

import numpy as np
from helpers import compose

from caucasus_sim import CaucasusModel
from caucasus_sim.model.model import RECORDS

NEUTRAL = ("params.credibility.refusal_drop=0", "params.credibility.unanswered_drop=0",
           "params.credibility.support_gain=0", "params.triads.attitude_step=0", "params.triads.grievance_gain=0",
           "params.institutionalisation_per_year=0", "params.class_magnitude.war=1",
           "params.class_magnitude.blockade=1", "scenario.capability.shocks=[]")
RUN = ("replicates=20", "progress=off", "scenario.end=2026-06-30")


def test_v3_with_neutral_mechanisms_on_v2s_timeline_is_v2_bit_for_bit():
    v2 = compose(*RUN)
    v3 = compose("model=v3", "scenario=history_2013_2025", *NEUTRAL, *RUN)
    assert v2.model_version == "v2" and v3.model_version == "v3"
    assert v3.actors.adversaries == [["ARM", "AZE"]]  # the relations are there, and do nothing
    a = CaucasusModel(v2, path="russian").run()
    b = CaucasusModel(v3, path="russian").run()
    assert not b.state.credibility.on and not b.state.triads.on and not b.state.institutions.on
    for name in RECORDS + ("goodwill", "nonalignment"):
        assert np.array_equal(getattr(a, f"{name}_record"), getattr(b, f"{name}_record")), name
    assert [(t, e.id) for t, e, _ in a.event_log] == [(t, e.id) for t, e, _ in b.event_log]
