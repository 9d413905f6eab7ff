"""Influence diffusion is exactly Friedkin-Johnsen when events and decisions are off."""

from __future__ import annotations

import numpy as np
from helpers import V1, compose

from caucasus_sim import CaucasusModel

# Published example of the R package SINT (see conf/actors/fj_example.yaml)
W = np.array([[0.5, 0.5, 0.0], [0.2, 0.6, 0.2], [0.0, 0.3, 0.7]])
LAM = np.diag([0.8, 0.5, 0.9])
X0 = np.array([0.0, 0.5, 1.0])
PUBLISHED = np.array([0.3295820, 0.4943730, 0.6310289])


def closed_form(W, lam, x0):
    n = len(x0)
    return np.linalg.solve(np.eye(n) - lam @ W, (np.eye(n) - lam) @ x0)


def test_closed_form_matches_published_example():
    assert np.allclose(closed_form(W, LAM, X0), PUBLISHED, atol=5e-8)


def test_three_actor_network_defined_only_in_yaml_converges_to_fixed_point():
    cfg = compose("experiment=fj_known_answer")
    assert cfg.quiet
    m = CaucasusModel(cfg).run()
    abc = [m.index[a] for a in "ABC"]
    x = m.attitude[0, abc, m.index["T"]]
    assert np.all(np.abs(x - closed_form(W, LAM, X0)) < 1e-9)
    assert np.all(np.abs(x - PUBLISHED) < 5e-8)  # published to 7 decimals
    # it starts from x(0), not at the answer: the test sees convergence, not a copy
    assert np.allclose(m.attitude_record[0, 0, :, 0], X0)


def test_default_actor_set_quiet_converges_to_fixed_point():
    cfg = compose(V1, "quiet=true", "actors.start_at_equilibrium=false", "scenario.end=2034-12-31",
                  "scenario.outcome_dates=[]", "replicates=3", "progress=off")
    m = CaucasusModel(cfg, path="turkish")
    net = m.network
    lam = np.diag(net.susceptibility)
    expected = np.linalg.solve(np.eye(m.N) - lam @ net.W, (np.eye(m.N) - lam) @ net.x0)
    assert not np.allclose(m.attitude[0], expected, atol=1e-3)
    m.run()
    assert m.n_steps > 500
    for r in range(3):
        assert np.max(np.abs(m.attitude[r] - expected)) < 1e-9
    assert m.event_log == []


def test_start_at_equilibrium_stays_there_when_quiet():
    cfg = compose(V1, "quiet=true", "replicates=2", "progress=off")
    m = CaucasusModel(cfg, path="status_quo")
    x_star = m.network.equilibrium()
    assert np.allclose(m.attitude[0], x_star, atol=0)
    for _ in range(50):
        m.step()
        assert np.max(np.abs(m.attitude - x_star)) < 1e-12
