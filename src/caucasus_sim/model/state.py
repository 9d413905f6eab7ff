"""The batched state of R replicates and the submodels that change it.

Every state variable carries a leading replicate axis:
- `attitude` (R, N, N): x[r, a, b] in [-1, 1], actor a's attitude toward actor b;
- ties T[r, c, p, k] in [0, 1] of client c with patron p on channel k, stored as the
  deviation from their baseline (channel-major, `tie_dev` (K, R, C, P)), plus, in v2,
  a lasting shift of the baseline (`tie_shift`, same shape) that never relaxes;
- `grievance` (R, N, N): G[r, a, b] >= 0, a's unresolved grievance toward b;
- `goodwill` (R, N, N): H[r, a, b] >= 0, a's goodwill toward b (v2);
- `anchor` (R, N, N): the anchors x0, per replicate once they can move (v2: anchor drift,
  lasting events); shared by every replicate otherwise.
The submodels are the steps of the schedule (docs/odd.md, section 7). Each v2 mechanism is
switched off by its neutral parameter, and then the arithmetic is exactly that of v1. The
v3 mechanisms are submodels in modules of their own (credibility, triads, capability,
institutions, magnitudes), kept here as `credibility`, `triads`, ...; each is off at its
neutral value, and then the arithmetic is exactly that of v2.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..config import CHANNELS
from ..config.schema import CapabilityConfig
from .capability import Capability
from .credibility import Credibility
from .events import EventBatch
from .institutions import Institutions
from .magnitudes import ClassMagnitudes
from .network import Network
from .parameters import BATCHABLE_PARAMS, at
from .streams import centred_uniforms, normals, stream_id
from .triads import Triads

_NOISE_STREAM = stream_id("attitude_noise")


def _clip(x, low, high):
    """np.clip(x, low, high) for low <= high, without its wrapper's cost (every event calls it)."""
    return np.minimum(np.maximum(x, low), high)


class Observables:
    """What the state shows (ties, each client's attitudes, grievance and goodwill toward the
    patrons, influence and alignment), read from a `State`'s arrays."""

    net: Network
    attitude: np.ndarray
    grievance: np.ndarray
    goodwill: np.ndarray
    tie_dev: np.ndarray
    tie_shift: np.ndarray | None
    _channel_weight: list
    _ci: np.ndarray
    _pi: np.ndarray

    @property
    def ties(self) -> np.ndarray:
        """T[r, c, p, k] in [0, 1]: baseline plus the lasting shift and the current deviation."""
        if self.tie_shift is None:
            return self.net.ties_baseline + np.moveaxis(self.tie_dev, 0, -1)
        # the shift and the deviation are each kept within bounds; their sum may round past one
        return np.clip(self.net.ties_baseline + np.moveaxis(self.tie_dev + self.tie_shift, 0, -1), 0.0, 1.0)

    def client_attitude(self) -> np.ndarray:
        """x[r, c, p]: each client's attitude toward each patron (a new array)."""
        return self.attitude[:, self._ci, self._pi]

    def client_grievance(self) -> np.ndarray:
        """G[r, c, p]: each client's grievance toward each patron (a new array)."""
        return self.grievance[:, self._ci, self._pi]

    def client_goodwill(self) -> np.ndarray:
        """H[r, c, p]: each client's goodwill toward each patron (a new array)."""
        return self.goodwill[:, self._ci, self._pi]

    def tie_strength(self) -> np.ndarray:
        """sum_k w_k T[r, c, p, k]: the channel-weighted tie of each client with each patron."""
        # an explicit sum over channels, not BLAS: the result of each replicate must not
        # depend on how many replicates share the batch (BLAS kernels vary with size)
        dev = self.tie_dev if self.tie_shift is None else self.tie_dev + self.tie_shift
        cw = self._channel_weight
        weighted = self.net.baseline_weighted + cw[0] * dev[0]
        for k in range(1, len(cw)):
            weighted += cw[k] * dev[k]
        return weighted

    def influence(self, x_cp: np.ndarray | None = None, tie: np.ndarray | None = None) -> np.ndarray:
        """I[r, c, p] = cap_p(t)^gamma (sum_k w_k T[r, c, p, k] - w_s (1 - C[r, c, p]) T[r, c, p, s])
        (1 + x[r, c, p]) / 2, with C the security credibility (v3; 1 in v2) and cap_p(t) the
        capability at the step (v3; constant in v2)."""
        if x_cp is None:
            x_cp = self.client_attitude()
        weighted = self.tie_strength() if tie is None else tie.copy()
        discount = self.credibility.security_discount(self)
        if discount is not None:
            weighted -= discount
        weighted *= 1.0 + x_cp
        weighted *= 0.5
        if self.net.capability_weight is not None:
            weighted *= self.net.capability_weight[..., None, :]
        if self.capability.now is not None:
            weighted *= self.capability.now[..., None, :]
        return weighted

    def security_tie(self) -> np.ndarray:
        """T[r, c, p, security] (a new array)."""
        k = CHANNELS.index("security")
        dev = self.tie_dev[k] if self.tie_shift is None else self.tie_dev[k] + self.tie_shift[k]
        return np.clip(self.net.ties_baseline[..., k] + dev, 0.0, 1.0)

    def channel_weight_of(self, k: int):
        """w_k: a number, or one per row as (R, 1, 1)."""
        return self._channel_weight[k]

    def alignment(self, influence: np.ndarray) -> np.ndarray:
        """A[r, c, p] = I[r, c, p] / (sum_q I[r, c, q] + u_c), u_c the client's utility of
        non-alignment (0 without an outside option); equal shares where all I are 0."""
        total = influence.sum(axis=-1, keepdims=True)
        if self.net.nonalignment is not None:
            total = total + self.net.nonalignment[..., None]
        if np.all(total > 0.0):
            return influence / total
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0.0, influence / np.where(total > 0.0, total, 1.0),
                             1.0 / influence.shape[-1])
        return share


class State(Observables):
    """Attitudes, ties, grievance and goodwill of every replicate, and the submodels.

    `value(key, default)` gives a parameter's value, one number or one per row (a batch of
    parameter points); `keys` are the replicate keys of the rows; `quiet` switches noise off;
    `lasting` and `lasting_anchor` say whether any event type leaves a lasting change.
    """

    def __init__(self, net: Network, params, value, keys: np.ndarray, dt_days: int, quiet: bool,
                 lasting: bool = False, lasting_anchor: bool = False, capability=None, dates=()) -> None:
        self.net, self.keys, self.R = net, keys, len(keys)
        self._submodels(net, params, value, capability, dates, dt_days)
        N, C, P, K = net.N, len(net.clients), len(net.patrons), len(CHANNELS)
        # channel weights: (K,) or, when the points of a batch vary them, (R, K)
        self._channel_weight = [net.channel_weight[..., k, None, None] if net.channel_weight.ndim > 1
                                else net.channel_weight[k] for k in range(K)]
        half_life = [value(f"params.tie_half_life_days.{k}", params.tie_half_life_days[k]) for k in CHANNELS]
        half_life = np.stack(np.broadcast_arrays(*half_life))  # (K,) or (K, R)
        self._tie_decay = (0.5 ** (dt_days / half_life)).reshape(K, -1, 1, 1)  # (K, 1 or R, 1, 1)
        self._parameters(params, value, dt_days, quiet)

        T0 = net.ties_baseline  # (C, P, K) or (R, C, P, K)
        self.attitude = np.broadcast_to(net.x_init, (self.R, N, N)).copy()
        self._spare = np.empty_like(self.attitude)
        self.tie_dev = np.zeros((K, self.R, C, P))  # channel-major: one contiguous block per channel
        self.tie_shift = np.zeros((K, self.R, C, P)) if lasting or self.institutions.on else None
        # deviation bounds such that baseline + deviation stays in [0, 1] in floating point:
        # [k, i, j] or [k, r, i, j]
        self._tie_low = -np.moveaxis(T0, -1, 0)
        high = 1.0 - T0
        while np.any(T0 + high > 1.0):
            high = np.where(T0 + high > 1.0, np.nextafter(high, -np.inf), high)
        self._tie_high = np.moveaxis(high, -1, 0)
        self._keep = (1.0 - net.susceptibility)[..., None]  # 1 - Lambda, (N, 1) or (R, N, 1)
        self.grievance = np.zeros((self.R, N, N))
        self.grievance_pairs: set[tuple[int, int]] = set()
        self.goodwill = np.zeros((self.R, N, N))
        self.goodwill_pairs: set[tuple[int, int]] = set()
        moving = lasting_anchor or self._on["drift"] or self.credibility.shifts_anchor
        self.anchor = np.broadcast_to(net.x0, (self.R, N, N)).copy() if moving else None
        self._ci = net.client_idx[:, None]
        self._pi = net.patron_idx[None, :]

    @classmethod
    def of(cls, net: Network, cfg, catalog, value, keys: np.ndarray, calendar) -> State:
        """The state of a model of `cfg` on `calendar` (`catalog`: whether events leave lasting change)."""
        return cls(net, cfg.params, value, keys, calendar.dt_days, bool(cfg.quiet), lasting=catalog.has("lasting"),
                   lasting_anchor=catalog.has("lasting_anchor"), capability=cfg.scenario.capability,
                   dates=calendar.dates)

    def _submodels(self, net: Network, params, value, capability, dates, dt_days: int) -> None:
        """The v3 submodels, each off at its neutral parameters (`capability`: the scenario's
        capability over time; None: constant)."""
        self.credibility = Credibility(params.credibility, net, value, self.R, dt_days)
        self.triads = Triads(params.triads, net, value)
        self.institutions = Institutions(value, params, dt_days, net)
        self.magnitudes = ClassMagnitudes(value, params)
        self.capability = Capability(CapabilityConfig() if capability is None else capability, net, dates)
        self.capability.at_step(0)

    def _parameters(self, params, value, dt_days: int, quiet: bool) -> None:
        par = {name: value(f"params.{name}", params[name]) for name in BATCHABLE_PARAMS}
        self.grievance_decay = 0.5 ** (dt_days / par["grievance_half_life_days"])
        self.goodwill_decay = 0.5 ** (dt_days / par["goodwill_half_life_days"])
        self.attitude_step = par["attitude_step"]
        self.source_share = par["source_share"]
        self.tie_step = par["tie_step"]
        self.grievance_gain = par["grievance_gain"]
        self.grievance_drag = par["grievance_drag"]
        self.goodwill_gain = par["goodwill_gain"]
        self.goodwill_lift = par["goodwill_lift"]
        # anchors move toward attitudes at rate eta per year: 1 - exp(-eta dt / 365) per step
        self.anchor_drift = -np.expm1(-np.asarray(par["anchor_drift_per_year"]) * dt_days / 365.0)
        self.effect_noise_sd = 0.0 if quiet else par["effect_noise_sd"]
        self.attitude_noise_sd = 0.0 if quiet else par["attitude_noise_sd"]
        # which mechanisms are on in some row (read every step, so decided once)
        on = {name: bool(np.any(np.asarray(v) > 0.0)) for name, v in (
            ("drag", self.grievance_drag), ("lift", self.goodwill_lift), ("drift", self.anchor_drift),
            ("effect_noise", self.effect_noise_sd), ("goodwill", self.goodwill_gain),
            ("attitude_noise", self.attitude_noise_sd))}
        self._on = on

    def mechanism_on(self, name: str) -> bool:
        """Whether a mechanism (drag, lift, drift, effect_noise, goodwill, attitude_noise) is
        on in some row of the batch."""
        return self._on[name]

    # ------------------------------------------------------------------ submodels

    def settle(self, t: int) -> None:
        """After the events (v3): unanswered attacks cost credibility, ties settle, capability moves on."""
        self.credibility.expire(self, t)
        self.institutions.settle(self)
        self.capability.at_step(t)

    def relax(self) -> None:
        """Ties relax toward their (possibly shifted) baseline by channel half-life; grievance
        and goodwill are forgotten.

        Ties are stored as deviations from baseline, so relaxing is one multiplication;
        grievance and goodwill are non-zero only on pairs some event has touched, the only
        ones updated.
        """
        self.tie_dev *= self._tie_decay
        G, H = self.grievance, self.goodwill
        for a, b in self.grievance_pairs:
            G[:, a, b] *= self.grievance_decay
        for a, b in self.goodwill_pairs:
            H[:, a, b] *= self.goodwill_decay

    def diffuse(self) -> None:
        """Friedkin-Johnsen: x[:, b] <- Lambda W x[:, b] + (I - Lambda) x0[:, b], per replicate."""
        np.matmul(self.net.LW, self.attitude, out=self._spare)
        if self.anchor is None:
            self._spare += self.net.anchor
        else:
            self._spare += self._keep * self.anchor
        self.attitude, self._spare = self._spare, self.attitude

    def drag(self) -> None:
        """Unresolved grievance pulls the aggrieved actor's attitude down; goodwill up."""
        x = self.attitude
        if self._on["drag"]:
            for a, b in self.grievance_pairs:
                x[:, a, b] -= self.grievance_drag * self.grievance[:, a, b]
        if self._on["lift"]:
            for a, b in self.goodwill_pairs:
                x[:, a, b] += self.goodwill_lift * self.goodwill[:, a, b]

    def drift(self) -> None:
        """Attitudes harden into identity: each anchor moves, at rate rho per step, toward the
        anchor that would hold the current attitudes in place (inverse Friedkin-Johnsen,
        (x - Lambda W x) / (1 - Lambda)). Without events the run stays at its equilibrium;
        what events moved becomes part of the anchors. rho = 0 leaves them fixed (v1)."""
        if self.anchor is None or not self._on["drift"]:
            return
        # in place, in the scratch array diffuse() left (the same arithmetic, no temporaries)
        held = np.matmul(self.net.LW, self.attitude, out=self._spare)
        np.subtract(self.attitude, held, out=held)
        held /= self._keep
        held -= self.anchor
        held *= self.anchor_drift if np.ndim(self.anchor_drift) == 0 else self.anchor_drift[:, None, None]
        self.anchor += held
        np.clip(self.anchor, -1.0, 1.0, out=self.anchor)

    def apply(self, b: EventBatch, t: int = 0) -> EventBatch:
        """Apply one event (or, with `b.count`, that many of its type) to its replicates at
        step t, then let the v3 submodels observe it; the event as applied (its magnitude
        times its class's factor, v3).

        The state is read and written through one-pair views (`x[:, a, b][sel]`), which
        hold the same numbers as `x[sel, a, b]` at half the indexing cost."""
        sel = slice(None) if b.replicates is None else b.replicates
        factor = self.magnitudes.of(b.kind.event_class)
        if factor is not None:
            b = dataclasses.replace(b, magnitude=b.magnitude * at(factor, sel))
        self._apply(b, sel)
        self.credibility.observe(self, b, t)
        self.triads.observe(self, b, t)
        return b

    def _apply(self, b: EventBatch, sel) -> None:
        mag = b.magnitude
        if self._on["effect_noise"]:
            z = b.noise
            if z is None:
                keys = self.keys if b.replicates is None else self.keys[b.replicates]
                z = normals(keys, b.noise_step, b.noise_stream, 1)[0]
            sd = at(self.effect_noise_sd, sel)
            # k events of one type: their noises add, sd * sqrt(k) around k
            mult = 1.0 + sd * z if b.count is None else b.count + sd * np.sqrt(b.count) * z
            mag = mag * np.maximum(0.0, mult)
        elif b.count is not None:
            mag = mag * b.count
        g = b.kind.goldstein / 10.0
        eff = g * mag
        s, tg = b.source, b.target
        step = at(self.attitude_step, sel) * eff
        own = self.attitude[:, s, tg]
        own[sel] += at(self.source_share, sel) * step
        if tg != s:
            self._hit(tg, s, 1.0, sel, step, eff, mag, b)
        origin = int(self.net.state_of[tg])
        if origin != tg and origin != s:  # a diaspora target: its origin state, by salience
            self._hit(origin, s, at(self.net.salience[..., tg], sel), sel, step, eff, mag, b)

    def _hit(self, a: int, s: int, w, sel, step, eff, mag, b: EventBatch) -> None:
        """The effect on actor a (the target, or a diaspora target's origin state at weight
        w) of an event from s: attitude, ties on the hit channels, grievance, goodwill and
        anchors."""
        kind = b.kind
        x = self.attitude[:, a, s]
        x[sel] += w * step
        pos = self.net.tie_pos.get((a, s))
        if pos is not None:
            self._move_ties(pos, w, sel, eff, kind.channel_index, kind.lasting)
        G = self.grievance[:, a, s]
        if kind.grievance > 0.0 and kind.goldstein < 0.0:
            G[sel] -= (w * at(self.grievance_gain, sel) * kind.grievance) * eff
            self.grievance_pairs.add((a, s))
        if kind.resolves > 0.0:
            G[sel] *= 1.0 - np.minimum(1.0, (w * kind.resolves) * mag)
        if kind.goldstein > 0.0 and self._on["goodwill"]:
            # cooperation resolves grievance first, and what is left becomes goodwill
            amount = (w * at(self.goodwill_gain, sel)) * eff
            resolved = np.minimum(G[sel], amount)
            G[sel] -= resolved
            H = self.goodwill[:, a, s]
            H[sel] += amount - resolved
            self.goodwill_pairs.add((a, s))
        if kind.lasting_anchor > 0.0 and self.anchor is not None:
            x0 = self.anchor[:, a, s]
            x0[sel] = _clip(x0[sel] + (w * kind.lasting_anchor) * eff, -1.0, 1.0)

    def _move_ties(self, pos: tuple[int, int], w, sel, eff, chans: tuple[int, ...], lasting: float) -> None:
        """Ties on the hit channels move by the tie step (and relax later); a lasting event
        also shifts their baseline for good."""
        i, j = pos
        move = (w * at(self.tie_step, sel)) * eff
        for k in chans:
            dev_k = self.tie_dev[k, :, i, j]
            dev = dev_k[sel] + move
            if self.tie_shift is None:
                dev_k[sel] = _clip(dev, at(self._tie_low[k, ..., i, j], sel), at(self._tie_high[k, ..., i, j], sel))
                continue
            base = at(self.net.ties_baseline[..., i, j, k], sel)
            shift_k = self.tie_shift[k, :, i, j]
            if lasting > 0.0:
                shift_k[sel] = _clip(shift_k[sel] + (w * lasting) * eff, -base, 1.0 - base)
            level = base + shift_k[sel]
            dev_k[sel] = _clip(dev, -level, 1.0 - level)

    def perturb(self, t: int) -> None:
        """Unmodelled drift of clients' attitudes toward patrons: independent uniform
        draws with mean 0 and standard deviation `attitude_noise_sd` per step."""
        if not self._on["attitude_noise"]:
            return
        C, P = len(self.net.clients), len(self.net.patrons)
        z = centred_uniforms(self.keys, t, _NOISE_STREAM, C * P)  # (C*P, R)
        z *= self.attitude_noise_sd
        self.attitude[:, self._ci, self._pi] += z.T.reshape(self.R, C, P)

    def bound(self) -> None:
        """Keep attitudes in [-1, 1] (ties are kept in [0, 1] as each event moves them)."""
        np.clip(self.attitude, -1.0, 1.0, out=self.attitude)
