"""The actor network: who is who, who listens to whom, the anchors and the baseline ties.

Everything here is the same for every replicate: the actors (states, then diaspora
groups) and their indices, the row-stochastic listening matrix W, susceptibilities
Lambda, the anchors x0 with the Friedkin-Johnsen fixed point, and the baseline ties
T0[c, p, k] between clients and patrons.
"""

from __future__ import annotations

import numpy as np

from ..config import CHANNELS, ConfigError


class Network:
    """The fixed structure of the model, built from the `actors` block of a configuration."""

    def __init__(self, spec) -> None:
        self.actors: list[str] = list(spec.states) + list(spec.diasporas)
        self.index = {a: i for i, a in enumerate(self.actors)}
        self.N = len(self.actors)
        self.patrons = [c for c, s in spec.states.items() if s.role == "patron"]
        self.clients = [c for c, s in spec.states.items() if s.role == "client"]
        self.patron_idx = np.array([self.index[p] for p in self.patrons], dtype=np.intp)
        self.client_idx = np.array([self.index[c] for c in self.clients], dtype=np.intp)
        # the state an actor stands for: itself, or a diaspora's origin
        self.state_of = np.arange(self.N)
        self.salience = np.zeros(self.N)
        for code, d in spec.diasporas.items():
            self.state_of[self.index[code]] = self.index[d.origin]
            self.salience[self.index[code]] = float(d.salience)
        self.susceptibility = np.array(
            [float(s.susceptibility) for s in list(spec.states.values()) + list(spec.diasporas.values())]
        )
        self.W = self._listening(spec.listening)
        self.x0 = self._anchors(spec.attitude)
        lam = self.susceptibility
        self.LW = lam[:, None] * self.W
        self.anchor = (1.0 - lam)[:, None] * self.x0
        self.x_init = self.equilibrium() if spec.start_at_equilibrium else self.x0
        self.ties_baseline = self._baseline_ties(spec.ties)
        self.tie_pos = {}  # (actor, actor) in either order -> (client position, patron position)
        for i, c in enumerate(self.clients):
            for j, q in enumerate(self.patrons):
                self.tie_pos[(self.index[c], self.index[q])] = (i, j)
                self.tie_pos[(self.index[q], self.index[c])] = (i, j)

    def _listening(self, listening) -> np.ndarray:
        """Row-stochastic W: each configured row normalised, self only where none is given."""
        W = np.zeros((self.N, self.N))
        for i in range(self.N):
            W[i, i] = 1.0
        for src, row in listening.items():
            i = self.index[src]
            W[i] = 0.0
            for b, w in row.items():
                W[i, self.index[b]] = float(w)
            W[i] /= W[i].sum()
        return W

    def _anchors(self, attitude) -> np.ndarray:
        x0 = np.eye(self.N)  # self-regard 1 unless configured
        for src, row in attitude.items():
            for b, v in row.items():
                x0[self.index[src], self.index[b]] = float(v)
        return x0

    def _baseline_ties(self, ties) -> np.ndarray:
        T0 = np.zeros((len(self.clients), len(self.patrons), len(CHANNELS)))
        for i, c in enumerate(self.clients):
            for j, q in enumerate(self.patrons):
                chans = ties.get(c, {}).get(q) or ties.get(q, {}).get(c) or {}
                for k, v in chans.items():
                    T0[i, j, CHANNELS.index(k)] = float(v)
        return T0

    def equilibrium(self) -> np.ndarray:
        """The Friedkin-Johnsen fixed point x* = (I - Lambda W)^-1 (I - Lambda) x0."""
        M = np.eye(self.N) - self.LW
        if np.linalg.cond(M) > 1e12:
            raise ConfigError(
                "actors.start_at_equilibrium: the network has no unique equilibrium (an actor "
                "with susceptibility 1 listens only to itself or its group); set it to false"
            )
        return np.linalg.solve(M, self.anchor)
