"""Security credibility: the fear of abandonment (docs/odd.md 7.24).

Per client c and patron p, a credibility C[r, c, p] in [0, 1], 1 at the start. A client that
leans on a patron for its security watches whether the patron keeps its word (Snyder 1984,
"The security dilemma in alliance politics", World Politics 36(4), 466: abandonment
includes the ally failing to make good on its explicit commitments or to support the
partner where support is expected). Here:

- an *appeal* (a CAMEO code of `appeal_cameo`, from c to p) opens a window of
  `appeal_window_days`; a *refusal* (`refusal_cameo`, from p to c) inside it lowers C by
  `refusal_drop` (times the event's magnitude and count);
- an *attack* on c by one of its adversaries (`actors.adversaries`; a code of
  `attack_cameo`) is a test of every patron: unless the patron *answers* within
  `answer_window_days` — support delivered to c (`support_cameo`, either direction) or an
  act toward the attacker at or below `coercion_goldstein` — C falls by `unanswered_drop`
  times the attack's magnitude times c's security tie with p when the window closes;
- delivered support (and an answer) raises C by `support_gain`.

C scales what the security channel contributes to influence (`State.influence`:
w_security T[c, p, security] becomes w_security C T[c, p, security]), and each change of C
moves the client's anchor toward the patron by `anchor_shift` times the change: a broken
promise is remembered (the anchors are per replicate in v2 and later). The codes, windows
and the weighting by the security tie are assumptions; the neutral values (all three rates
0) leave C at 1 and the model as v2.
"""

from __future__ import annotations

import numpy as np

from ..config import CHANNELS
from .events import EventBatch
from .parameters import at

_SECURITY = CHANNELS.index("security")


class Credibility:
    """The credibility submodel: its parameters, and C with its open appeals and attacks.

    `value(key, default)` gives a parameter's value (a number, or one per row of a batch)."""

    def __init__(self, spec, net, value, R: int, dt_days: int) -> None:
        self.refusal_drop = value("params.credibility.refusal_drop", spec.refusal_drop)
        self.unanswered_drop = value("params.credibility.unanswered_drop", spec.unanswered_drop)
        self.support_gain = value("params.credibility.support_gain", spec.support_gain)
        self.anchor_shift = value("params.credibility.anchor_shift", spec.anchor_shift)
        self.on = any(np.any(np.asarray(v) > 0.0) for v in (self.refusal_drop, self.unanswered_drop,
                                                             self.support_gain))
        self.shifts_anchor = self.on and bool(np.any(np.asarray(self.anchor_shift) > 0.0))
        self.appeal_steps = float(spec.appeal_window_days) / dt_days
        self.answer_steps = max(1, int(round(float(spec.answer_window_days) / dt_days)))
        self.codes = {name: tuple(str(c) for c in spec[name])
                      for name in ("appeal_cameo", "refusal_cameo", "support_cameo", "attack_cameo")}
        self.coercion_goldstein = float(spec.coercion_goldstein)
        self.client = {int(a): i for i, a in enumerate(net.client_idx)}
        self.patron = {int(a): j for j, a in enumerate(net.patron_idx)}
        # actor -> its adversaries (the network's relations of sign -1)
        self.adversaries = {a: {b for b, sign in rel.items() if sign < 0} for a, rel in net.relation.items()}
        shape = (R, len(net.clients), len(net.patrons))
        # C, the step of the last appeal (-inf: none), the step an unanswered attack opened
        # (-1: none open) and the drop it will cost
        self.level = np.ones(shape) if self.on else None
        self.appealed = np.full(shape, -np.inf) if self.on else None
        self.attacked = np.full(shape, -1, dtype=np.int64) if self.on else None
        self.at_stake = np.zeros(shape) if self.on else None

    # ------------------------------------------------------------------ events

    def observe(self, state, b: EventBatch, t: int) -> None:
        """Update C for one applied event (appeal, refusal, support, answer or attack)."""
        if not self.on:
            return
        s, tg, code = b.source, b.target, b.kind.cameo
        sel = slice(None) if b.replicates is None else b.replicates
        amount = b.magnitude if b.count is None else b.magnitude * b.count
        codes = self.codes
        c, p = self.client.get(s), self.patron.get(tg)
        if c is not None and p is not None and code.startswith(codes["appeal_cameo"]):
            self.appealed[sel, c, p] = t
        c, p = self.client.get(tg), self.patron.get(s)
        if c is not None and p is not None and code.startswith(codes["refusal_cameo"]):
            appealed = (t - self.appealed[sel, c, p]) <= self.appeal_steps
            drop = np.where(appealed, at(self.refusal_drop, sel) * amount, 0.0)
            self._change(state, sel, c, p, -drop)
        pair = self._pair(s, tg)
        if pair is not None and code.startswith(codes["support_cameo"]) and b.kind.goldstein > 0.0:
            self._answer(state, sel, *pair, amount)
        p = self.patron.get(s)
        if p is not None and b.kind.goldstein <= self.coercion_goldstein:
            for c in (self.client[a] for a, foes in self.adversaries.items() if tg in foes and a in self.client):
                self._answer(state, sel, c, p, amount, only_open=True)
        c = self.client.get(tg)
        if c is not None and s in self.adversaries.get(tg, ()) and code.startswith(codes["attack_cameo"]):
            self._attack(state, sel, c, amount, t)

    def _pair(self, a: int, b: int) -> tuple[int, int] | None:
        """(client, patron) positions of a client-patron dyad in either order, else None."""
        if a in self.client and b in self.patron:
            return self.client[a], self.patron[b]
        if b in self.client and a in self.patron:
            return self.client[b], self.patron[a]
        return None

    def _answer(self, state, sel, c: int, p: int, amount, only_open: bool = False) -> None:
        """Support delivered (or the attacker coerced): open attacks on c are answered, C rises."""
        is_open = self.attacked[sel, c, p] >= 0
        if only_open and not np.any(is_open):
            return
        gain = at(self.support_gain, sel) * amount
        if only_open:
            gain = np.where(is_open, gain, 0.0)
        closed = self.attacked[:, c, p]
        closed[sel] = -1
        stake = self.at_stake[:, c, p]
        stake[sel] = 0.0
        self._change(state, sel, c, p, gain)

    def _attack(self, state, sel, c: int, amount, t: int) -> None:
        """An attack on client c: a test of every patron, answered or not within the window."""
        security = state.security_tie()[:, c, :]  # (R, P)
        for p in range(security.shape[1]):
            opened = self.attacked[:, c, p]
            opened[sel] = np.where(opened[sel] < 0, t, opened[sel])
            stake = self.at_stake[:, c, p]
            stake[sel] += at(self.unanswered_drop, sel) * amount * security[sel, p]

    def expire(self, state, t: int) -> None:
        """Attacks left unanswered for the whole window cost their drop now."""
        if not self.on:
            return
        due = (self.attacked >= 0) & (t - self.attacked >= self.answer_steps)
        if not due.any():
            return
        for c, p in zip(*np.nonzero(due.any(axis=0)), strict=True):
            rows = np.flatnonzero(due[:, c, p])
            self._change(state, rows, int(c), int(p), -self.at_stake[rows, c, p])
            self.attacked[rows, c, p] = -1
            self.at_stake[rows, c, p] = 0.0

    def _change(self, state, sel, c: int, p: int, delta) -> None:
        """C[sel, c, p] += delta within [0, 1]; the anchor follows by anchor_shift times the change."""
        level = self.level[:, c, p]
        before = level[sel].copy()  # a view when sel is a slice
        after = np.minimum(1.0, np.maximum(0.0, before + delta))
        level[sel] = after
        if not self.shifts_anchor:
            return
        a, q = int(state.net.client_idx[c]), int(state.net.patron_idx[p])
        x0 = state.anchor[:, a, q]
        x0[sel] = np.minimum(1.0, np.maximum(-1.0, x0[sel] + at(self.anchor_shift, sel) * (after - before)))

    # ------------------------------------------------------------------ influence

    def security_discount(self, state) -> np.ndarray | None:
        """w_security (1 - C[r, c, p]) T[r, c, p, security]: what lost credibility takes
        from the channel-weighted tie (None while C is 1 everywhere, or the mechanism is off)."""
        if not self.on:
            return None
        return state.channel_weight_of(_SECURITY) * (1.0 - self.level) * state.security_tie()
