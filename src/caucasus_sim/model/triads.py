"""The friend of my enemy: structural balance in patron-client triads (docs/odd.md 7.25).

Heider (1946, "Attitudes and cognitive organization", J. Psychology 21) calls a triad
balanced when the product of its three signs is positive; Cartwright and Harary (1956,
"Structural balance: a generalization of Heider's theory", Psychological Review 63(5))
carry it to signed graphs. A client whose adversary receives a patron's material
cooperation sees the patron on the wrong side of a negative tie: the triad (client,
adversary, patron) is unbalanced until the client's tie to the patron turns negative.

When a patron p and a client d cooperate materially (a CAMEO code of `params.triads.cameo`:
arms, exercises, alliance declarations; either direction), every client c that has d as
an adversary (`actors.adversaries`) changes its attitude toward p by
`-attitude_step * g/10 * m` and its grievance toward p by `+grievance_gain * g/10 * m`
(g the Goldstein weight, m the magnitude times the count); a client that has d as a friend
(`actors.friends`) changes its attitude by `+attitude_step * g/10 * m`. Who is whose
adversary is configuration. The sizes are assumptions; attitude_step 0 and grievance_gain
0 (neutral) leave the model as v2.
"""

from __future__ import annotations

import numpy as np

from .events import EventBatch
from .parameters import at


def relations_of(net) -> dict[int, list[tuple[int, float]]]:
    """Actor d -> [(client c, sign)]: the clients that have d as an adversary (-1) or a friend
    (+1), from the network's relations (`actors.adversaries`, `actors.friends`)."""
    out: dict[int, list[tuple[int, float]]] = {}
    for c in (int(a) for a in net.client_idx):
        for d, sign in net.relation.get(c, {}).items():
            out.setdefault(d, []).append((c, sign))
    return out


class Triads:
    """The triad submodel: its parameters and the relations it reads."""

    def __init__(self, spec, net, value) -> None:
        self.step = value("params.triads.attitude_step", spec.attitude_step)
        self.grievance_gain = value("params.triads.grievance_gain", spec.grievance_gain)
        self.codes = tuple(str(c) for c in spec.cameo)
        self.patrons = {int(a) for a in net.patron_idx}
        self.relations = relations_of(net)
        self.on = bool(self.relations) and any(np.any(np.asarray(v) > 0.0) for v in (self.step, self.grievance_gain))

    def observe(self, state, b: EventBatch, t: int) -> None:
        """Move the attitudes (and grievance) of the clients related to the patron's partner."""
        if not self.on or not b.kind.cameo.startswith(self.codes):
            return
        s, tg = b.source, b.target
        if s in self.patrons and tg in self.relations:
            patron, partner = s, tg
        elif tg in self.patrons and s in self.relations:
            patron, partner = tg, s
        else:
            return
        sel = slice(None) if b.replicates is None else b.replicates
        amount = b.magnitude if b.count is None else b.magnitude * b.count
        effect = (b.kind.goldstein / 10.0) * amount
        for c, sign in self.relations[partner]:
            if c == patron:
                continue
            x = state.attitude[:, c, patron]
            x[sel] += sign * at(self.step, sel) * effect
            if sign < 0.0 and b.kind.goldstein > 0.0 and np.any(np.asarray(self.grievance_gain) > 0.0):
                G = state.grievance[:, c, patron]
                G[sel] += at(self.grievance_gain, sel) * effect
                state.grievance_pairs.add((c, patron))
