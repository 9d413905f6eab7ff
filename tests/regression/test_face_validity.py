"""Face validity of Model v1: the pattern of the source analysis (docs/odd.md, section 1)
appears in the historical scenario (Model v2's patterns: test_patterns.py)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import V1, compose

from caucasus_sim import CaucasusModel


@pytest.fixture(scope="module")
def history():
    cfg = compose(V1, "experiment=yekaterinburg_counterfactual", "progress=off")
    assert cfg.replicates == 1000
    return {p: CaucasusModel(cfg, path=p).run() for p in ("history", "no_raid")}


def shift(model) -> np.ndarray:
    """Azerbaijan's Turkey-Russia balance on 1 Jul 2025 minus on 1 Dec 2024, per replicate."""
    import datetime as dt

    c = model.clients.index("AZE")
    bal = model.balance("TUR", "RUS")[:, :, c]
    assert model.dates[0] == dt.date(2024, 12, 1)
    return bal[model.step_at(dt.date(2025, 7, 1))] - bal[0]


def test_azerbaijan_turns_from_russia_toward_turkey_by_july_2025(history):
    s = shift(history["history"])
    assert np.mean(s > 0) >= 0.95
    assert np.median(s) > 0.05


def test_without_the_yekaterinburg_raid_the_shift_is_smaller_pair_by_pair(history):
    full, cut = shift(history["history"]), shift(history["no_raid"])
    paired = full - cut
    assert np.mean(paired > 0) >= 0.95
    assert paired.mean() > 0
    # paired by common random numbers: identical until the raid
    t = history["history"].step_of(next(e.date for e in history["history"].events
                                        if e.id == "yekaterinburg_raid"))
    assert np.array_equal(history["history"].alignment_record[:t],
                          history["no_raid"].alignment_record[:t])
