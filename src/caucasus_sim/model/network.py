"""The actor network: who is who, who listens to whom, the anchors and the baseline ties.

The actors (states, then diaspora groups) and their indices are the same for every
replicate. The numbers -- the row-stochastic listening matrix W, susceptibilities Lambda,
the anchors x0 with the Friedkin-Johnsen fixed point, the baseline ties T0[c, p, k]
between clients and patrons, channel weights, capability and the outside option -- are
too, unless the parameter points of a batch vary them (`network_of`): then each is an
array with a leading row axis, built point by point with the same arithmetic as a run of
that point alone.
"""

from __future__ import annotations

import numpy as np
from omegaconf import OmegaConf

from ..config import CHANNELS, ConfigError
from .parameters import is_structural


class Network:
    """The fixed structure of the model, built from the `actors` block of a configuration
    (and the parameters that weigh it: `channel_weight`, `capability_exponent`,
    `diaspora_size_exponent`). `point` gives structure keys (`is_structural`) other
    values than the configuration's."""

    def __init__(self, spec, params=None, point: dict | None = None) -> None:
        point = point or {}

        def value(key: str, default) -> float:
            return float(point.get(key, default))

        self._value = value
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
            self.salience[self.index[code]] = value(f"actors.diasporas.{code}.salience", d.salience)
        self.susceptibility = np.array(
            [value(f"actors.states.{c}.susceptibility", s.susceptibility) for c, s in spec.states.items()]
            + [value(f"actors.diasporas.{c}.susceptibility", d.susceptibility) for c, d in spec.diasporas.items()])
        self.W = self._listening(spec.listening, spec.diasporas, params)
        lam = self.susceptibility
        self.LW = lam[:, None] * self.W
        if spec.solve_anchors:
            self.x_init = self._targets(spec.attitude)
            self.x0 = self._solve_anchors(self.x_init)
            self.anchor = (1.0 - lam)[:, None] * self.x0
        else:
            self.x0 = self._anchors(spec.attitude)
            self.anchor = (1.0 - lam)[:, None] * self.x0
            self.x_init = self.equilibrium() if spec.start_at_equilibrium else self.x0
        if params is not None and params.anchor_drift_per_year > 0 and np.any(lam >= 1.0):
            a = self.actors[int(np.argmax(lam >= 1.0))]
            raise ConfigError(f"params.anchor_drift_per_year: {a} has susceptibility 1, so no anchor holds its "
                              "attitudes; give it a susceptibility below 1 or set the drift to 0")
        gamma = 0.0 if params is None else value("params.capability_exponent", params.capability_exponent)
        capability = np.array([value(f"actors.states.{p}.capability", spec.states[p].capability)
                               for p in self.patrons])
        # a patron's influence weighed by capability^gamma (None: gamma = 0, as in v1)
        self.capability_weight = capability ** gamma if gamma else None
        self.capability_exponent = np.float64(gamma)  # v3: capability over time is weighed the same
        nonalignment = np.array([value(f"actors.states.{c}.nonalignment", spec.states[c].nonalignment)
                                 for c in self.clients])
        self.nonalignment = nonalignment if np.any(nonalignment > 0) else None
        self.ties_baseline = self._baseline_ties(spec.ties)
        if params is not None:
            self.channel_weight = np.array([value(f"params.channel_weight.{k}", params.channel_weight[k])
                                            for k in CHANNELS])
            self.baseline_weighted = self.ties_baseline @ self.channel_weight  # sum_k w_k T0[c, p, k]
        self.relation = self._relations(spec)
        self.tie_pos = {}  # (actor, actor) in either order -> (client position, patron position)
        for i, c in enumerate(self.clients):
            for j, q in enumerate(self.patrons):
                self.tie_pos[(self.index[c], self.index[q])] = (i, j)
                self.tie_pos[(self.index[q], self.index[c])] = (i, j)

    def _relations(self, spec) -> dict[int, dict[int, float]]:
        """v3: actor -> {other actor: -1 adversary, +1 friend}, both ways (`actors.adversaries`,
        `actors.friends`); read by the triads and credibility."""
        out: dict[int, dict[int, float]] = {}
        for name, sign in (("adversaries", -1.0), ("friends", 1.0)):
            for a, b in (tuple(pair) for pair in getattr(spec, name)):
                out.setdefault(self.index[a], {})[self.index[b]] = sign
                out.setdefault(self.index[b], {})[self.index[a]] = sign
        return out

    def _listening(self, listening, diasporas, params) -> np.ndarray:
        """Row-stochastic W: each configured row normalised, self only where none is given; a
        diaspora's weight in its origin's row scaled by (size / reference)^delta first."""
        value = self._value
        delta = 0.0 if params is None else value("params.diaspora_size_exponent", params.diaspora_size_exponent)
        W = np.zeros((self.N, self.N))
        for i in range(self.N):
            W[i, i] = 1.0
        for src, row in listening.items():
            i = self.index[src]
            W[i] = 0.0
            for b, w in row.items():
                W[i, self.index[b]] = value(f"actors.listening.{src}.{b}", w)
                if delta and b in diasporas and diasporas[b].origin == src:
                    size = value(f"actors.diasporas.{b}.size", diasporas[b].size)
                    reference = value("params.diaspora_size_reference", params.diaspora_size_reference)
                    W[i, self.index[b]] *= (size / reference) ** delta
            W[i] /= W[i].sum()
        return W

    def _targets(self, attitude) -> np.ndarray:
        """Target attitudes x*: as configured off the diagonal (0 where not listed); each
        actor's self-attitude is the equilibrium one, given a self-anchor of 1."""
        x = np.zeros((self.N, self.N))
        for src, row in attitude.items():
            for b, v in row.items():
                if b != src:
                    x[self.index[src], self.index[b]] = self._value(f"actors.attitude.{src}.{b}", v)
        lam, W = self.susceptibility, self.W
        for b in range(self.N):  # row b of column b of x* = Lambda W x* + (I - Lambda) x0, x0[b, b] = 1
            others = lam[b] * (W[b] @ x[:, b])  # x[b, b] is still 0 here
            x[b, b] = (others + 1.0 - lam[b]) / (1.0 - lam[b] * W[b, b])
        return x

    def _solve_anchors(self, target: np.ndarray) -> np.ndarray:
        """Inverse Friedkin-Johnsen: x0 = (I - Lambda)^-1 (I - Lambda W) x*, self-anchors 1;
        a pair whose anchor falls outside [-1, 1] is refused, naming the susceptibility that
        would make it feasible."""
        lam = self.susceptibility
        if np.any(lam >= 1.0):
            a = self.actors[int(np.argmax(lam >= 1.0))]
            raise ConfigError(f"actors.solve_anchors: {a} has susceptibility 1, so no anchor can hold its "
                              "target attitudes; give it a susceptibility below 1")
        mean = self.W @ target  # what each actor hears about each target
        x0 = (target - lam[:, None] * mean) / (1.0 - lam)[:, None]
        np.fill_diagonal(x0, 1.0)
        bad = np.argwhere(np.abs(x0) > 1.0 + 1e-12)
        if len(bad):
            a, b = bad[0]
            m, t = mean[a, b], target[a, b]
            feasible = min((1.0 - t) / (1.0 - m) if m < 1 else 1.0, (1.0 + t) / (1.0 + m) if m > -1 else 1.0)
            raise ConfigError(
                f"actors.attitude.{self.actors[a]}.{self.actors[b]}: the target {t:+.3f} needs an anchor of "
                f"{x0[a, b]:+.3f} (outside [-1, 1]) with susceptibility {lam[a]:g}; it is feasible with "
                f"susceptibility at most {feasible:.3f}, or a target nearer {m:+.3f}, what {self.actors[a]} hears")
        return np.clip(x0, -1.0, 1.0)

    def _anchors(self, attitude) -> np.ndarray:
        x0 = np.eye(self.N)  # self-regard 1 unless configured
        for src, row in attitude.items():
            for b, v in row.items():
                x0[self.index[src], self.index[b]] = self._value(f"actors.attitude.{src}.{b}", v)
        return x0

    def _baseline_ties(self, ties) -> np.ndarray:
        T0 = np.zeros((len(self.clients), len(self.patrons), len(CHANNELS)))
        for i, c in enumerate(self.clients):
            for j, q in enumerate(self.patrons):
                first, second = (c, q) if ties.get(c, {}).get(q) else (q, c)
                chans = ties.get(first, {}).get(second) or {}
                for k, v in chans.items():
                    T0[i, j, CHANNELS.index(k)] = self._value(f"actors.ties.{first}.{second}.{k}", v)
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


# attributes that differ between the points of a batch become arrays with a leading row axis
ROW_ATTRIBUTES = ("susceptibility", "salience", "W", "LW", "x0", "anchor", "x_init", "capability_weight",
                  "capability_exponent",
                  "nonalignment", "ties_baseline", "channel_weight", "baseline_weighted")
# the neutral value of an attribute that is off (None) at some points: capability^0, no outside option
_NEUTRAL = {"capability_weight": 1.0, "nonalignment": 0.0, "capability_exponent": 0.0}


def network_of(spec, params, points: list[dict], of_row: np.ndarray) -> Network:
    """The network of a batch: one `Network` when no point varies a structure key; else one
    per point, stacked so that each row has its point's arrays (row r of an attribute is
    what a run of point `of_row[r]` alone computes, bit for bit)."""
    varied = [{k: v for k, v in p.items() if is_structural(k)} for p in points]
    if not any(varied):
        return Network(spec, params)
    # plain objects: reading a configuration node by node costs 30 times as much
    spec, params = OmegaConf.to_object(spec), OmegaConf.to_object(params)
    nets = []
    for i, point in enumerate(varied):
        try:
            nets.append(Network(spec, params, point))
        except ConfigError as exc:
            raise ConfigError(f"point {points[i]}: {exc}") from None
    net = nets[0]
    for name in ROW_ATTRIBUTES:
        values = [getattr(n, name) for n in nets]
        if all(v is None for v in values) or all(v is not None and np.array_equal(v, values[0]) for v in values):
            continue
        shape = next(v.shape for v in values if v is not None)
        values = [np.full(shape, _NEUTRAL[name]) if v is None else v for v in values]
        setattr(net, name, np.stack(values)[of_row])
    return net


def check_points(cfg, points: list[dict]) -> None:
    """Build every point's network once (a ConfigError names the first point whose start is
    infeasible), so that a sweep or an analysis fails before any work, not mid-way."""
    if any(is_structural(k) for p in points for k in p):
        network_of(cfg.actors, cfg.params, points, np.arange(len(points)))
