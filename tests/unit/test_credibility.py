"""Security credibility (docs/odd.md 7.24): known answers of each rule, and its two effects
(the security channel's share of influence, the anchor toward the patron)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import v3_events

from caucasus_sim import CaucasusModel

APPEAL = {"id": "appeal", "date": "2013-03-01", "source": "ARM", "target": "RUS", "cameo": "0234"}
REFUSAL = {"id": "refusal", "date": "2013-04-01", "source": "RUS", "target": "ARM", "cameo": "1224"}
ATTACK = {"id": "attack", "date": "2013-03-01", "source": "AZE", "target": "ARM", "cameo": "190"}


def credibility(events, *overrides):
    """The model run to its end, and Armenia's credibility of Russia (None: mechanism off)."""
    m = CaucasusModel(v3_events(events, *overrides)).run()
    c, p = m.clients.index("ARM"), m.patrons.index("RUS")
    level = m.state.credibility.level
    return m, None if level is None else level[:, c, p]


def test_a_refusal_after_an_appeal_lowers_credibility_by_exactly_the_configured_amount():
    _, level = credibility([APPEAL, REFUSAL], "params.credibility.refusal_drop=0.3")
    assert level == pytest.approx(0.7, abs=0.0) and np.all(level == 1.0 - 0.3)


def test_a_refusal_without_an_appeal_in_the_window_leaves_credibility():
    late = dict(REFUSAL, date="2014-06-01")  # 15 months after the appeal: outside 365 days
    _, level = credibility([APPEAL, late], "params.credibility.refusal_drop=0.3")
    assert np.all(level == 1.0)
    _, level = credibility([REFUSAL], "params.credibility.refusal_drop=0.3")
    assert np.all(level == 1.0)


def test_an_unanswered_attack_costs_the_drop_times_the_security_tie_when_the_window_closes():
    m, level = credibility([ATTACK], "params.credibility.unanswered_drop=0.2")
    c, p = m.clients.index("ARM"), m.patrons.index("RUS")
    # the security tie at the attack's step: baseline (ARM-RUS is not hit by an AZE event)
    security = m.network.ties_baseline[c, p, 1]
    assert level == pytest.approx(1.0 - 0.2 * security, abs=1e-15)
    assert security > 0.5  # Armenia's arms come from Russia (SIPRI): the test means something


def test_credibility_falls_only_after_the_answer_window():
    cfg = v3_events([ATTACK], "params.credibility.unanswered_drop=0.2", "params.credibility.answer_window_days=56")
    m = CaucasusModel(cfg)
    c, p = m.clients.index("ARM"), m.patrons.index("RUS")
    t_attack = m.step_at(dt.date(2013, 3, 1))
    seen = []
    while m.steps < t_attack + 10:
        m.step()
        seen.append(float(m.state.credibility.level[0, c, p]))
    first_drop = next(i for i, v in enumerate(seen, start=1) if v < 1.0)
    assert first_drop == t_attack + 8  # 56 days = 8 weekly steps after the attack


def test_support_within_the_window_answers_the_attack_and_raises_credibility():
    support = {"id": "arms", "date": "2013-03-20", "source": "RUS", "target": "ARM", "cameo": "072"}
    _, level = credibility([dict(REFUSAL, id="r0", date="2013-02-01"), dict(APPEAL, date="2013-01-20"), ATTACK,
                            support], "params.credibility.unanswered_drop=0.2",
                           "params.credibility.refusal_drop=0.3", "params.credibility.support_gain=0.1")
    assert level == pytest.approx(1.0 - 0.3 + 0.1, abs=1e-15)  # the attack answered: no drop


def test_coercing_the_attacker_answers_the_attack():
    coerce = {"id": "threat", "date": "2013-03-20", "source": "RUS", "target": "AZE", "cameo": "1724"}
    _, level = credibility([ATTACK, coerce], "params.credibility.unanswered_drop=0.2")
    assert np.all(level == 1.0)


def test_lost_credibility_discounts_the_security_channel_and_moves_the_anchor():
    on = ("params.credibility.refusal_drop=0.5", "params.credibility.anchor_shift=0.4")
    m, level = credibility([APPEAL, REFUSAL], *on)
    m0, _ = credibility([APPEAL, REFUSAL], "params.credibility.refusal_drop=0.0")
    s = m.state
    c, p = m.clients.index("ARM"), m.patrons.index("RUS")
    a, q = m.index["ARM"], m.index["RUS"]
    # the anchor moved by anchor_shift x the change (0.2); drift moves both runs' anchors alike
    assert s.anchor[:, a, q] - m0.state.anchor[:, a, q] == pytest.approx([-0.2, -0.2], abs=0.005)
    tie = s.tie_strength()
    expected = (tie - s.channel_weight_of(1) * (1.0 - s.credibility.level) * s.security_tie())
    x = s.client_attitude()
    influence = s.influence(x)
    want = expected * (1.0 + x) * 0.5 * m.network.capability_weight[None, None, :]
    assert np.allclose(influence, want, rtol=0, atol=1e-15)
    assert level[0] == 0.5


def test_credibility_neutral_leaves_no_state():
    _, level = credibility([APPEAL, REFUSAL, ATTACK], "params.credibility.refusal_drop=0",
                           "params.credibility.unanswered_drop=0", "params.credibility.support_gain=0")
    assert level is None
