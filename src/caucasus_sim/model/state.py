"""The batched state of R replicates and the submodels that change it.

Every state variable carries a leading replicate axis:
- `attitude` (R, N, N): x[r, a, b] in [-1, 1], actor a's attitude toward actor b;
- ties T[r, c, p, k] in [0, 1] of client c with patron p on channel k, stored as the
  deviation from their baseline (channel-major, `tie_dev` (K, R, C, P));
- `grievance` (R, N, N): G[r, a, b] >= 0, a's unresolved grievance toward b.
The submodels are the steps of the schedule (docs/odd.md, section 7).
"""

from __future__ import annotations

import numpy as np

from ..config import CHANNELS
from .events import EventBatch
from .network import Network
from .parameters import BATCHABLE_PARAMS, at
from .streams import centred_uniforms, normals, stream_id

_NOISE_STREAM = stream_id("attitude_noise")


class State:
    """Attitudes, ties and grievance of every replicate, and the submodels.

    `value(key, default)` gives a parameter's value, one number or one per row (a batch of
    parameter points); `keys` are the replicate keys of the rows; `quiet` switches noise off.
    """

    def __init__(self, net: Network, params, value, keys: np.ndarray, dt_days: int, quiet: bool) -> None:
        self.net, self.keys, self.R = net, keys, len(keys)
        N, C, P, K = net.N, len(net.clients), len(net.patrons), len(CHANNELS)
        self.channel_weight = np.array([params.channel_weight[k] for k in CHANNELS])
        self.tie_decay = 0.5 ** (dt_days / np.array([params.tie_half_life_days[k] for k in CHANNELS]))
        par = {name: value(f"params.{name}", params[name]) for name in BATCHABLE_PARAMS}
        self.grievance_decay = 0.5 ** (dt_days / par["grievance_half_life_days"])
        self.attitude_step = par["attitude_step"]
        self.source_share = par["source_share"]
        self.tie_step = par["tie_step"]
        self.grievance_gain = par["grievance_gain"]
        self.grievance_drag = par["grievance_drag"]
        self.effect_noise_sd = 0.0 if quiet else par["effect_noise_sd"]
        self.attitude_noise_sd = 0.0 if quiet else par["attitude_noise_sd"]

        T0 = net.ties_baseline
        self.attitude = np.broadcast_to(net.x_init, (self.R, N, N)).copy()
        self._spare = np.empty_like(self.attitude)
        self.tie_dev = np.zeros((K, self.R, C, P))  # channel-major: one contiguous block per channel
        # deviation bounds such that baseline + deviation stays in [0, 1] in floating point
        self._tie_low = -T0.transpose(2, 0, 1)[:, None]  # (K, 1, C, P)
        high = 1.0 - T0
        while np.any(T0 + high > 1.0):
            high = np.where(T0 + high > 1.0, np.nextafter(high, -np.inf), high)
        self._tie_high = high.transpose(2, 0, 1)[:, None]
        self._baseline_weighted = T0 @ self.channel_weight
        self.grievance = np.zeros((self.R, N, N))
        self.grievance_pairs: set[tuple[int, int]] = set()
        self._ci = net.client_idx[:, None]
        self._pi = net.patron_idx[None, :]

    @property
    def ties(self) -> np.ndarray:
        """T[r, c, p, k] in [0, 1]: baseline plus the current deviation (a new array)."""
        return self.net.ties_baseline + np.moveaxis(self.tie_dev, 0, -1)

    def client_attitude(self) -> np.ndarray:
        """x[r, c, p]: each client's attitude toward each patron (a new array)."""
        return self.attitude[:, self._ci, self._pi]

    def client_grievance(self) -> np.ndarray:
        """G[r, c, p]: each client's grievance toward each patron (a new array)."""
        return self.grievance[:, self._ci, self._pi]

    # ------------------------------------------------------------------ submodels

    def relax(self) -> None:
        """Ties relax toward their baseline by channel half-life; grievance is forgotten.

        Ties are stored as deviations from baseline, so relaxing is one multiplication;
        grievance is non-zero only on pairs some event has aggrieved, the only ones touched.
        """
        self.tie_dev *= self.tie_decay[:, None, None, None]
        G = self.grievance
        for a, b in self.grievance_pairs:
            G[:, a, b] *= self.grievance_decay

    def diffuse(self) -> None:
        """Friedkin-Johnsen: x[:, b] <- Lambda W x[:, b] + (I - Lambda) x0[:, b], per replicate."""
        np.matmul(self.net.LW, self.attitude, out=self._spare)
        self._spare += self.net.anchor
        self.attitude, self._spare = self._spare, self.attitude

    def drag(self) -> None:
        """Unresolved grievance pulls the aggrieved actor's attitude down."""
        if np.any(self.grievance_drag > 0.0):
            x, G = self.attitude, self.grievance
            for a, b in self.grievance_pairs:
                x[:, a, b] -= self.grievance_drag * G[:, a, b]

    def apply(self, b: EventBatch) -> None:
        """Apply one event to its replicates (all, or those listed in `b.replicates`)."""
        sel = slice(None) if b.replicates is None else b.replicates
        mag = b.magnitude
        if np.any(self.effect_noise_sd > 0.0):
            keys = self.keys if b.replicates is None else self.keys[b.replicates]
            z = normals(keys, b.noise_step, b.noise_stream, 1)[0]
            mag = mag * np.maximum(0.0, 1.0 + at(self.effect_noise_sd, sel) * z)
        g = b.kind.goldstein / 10.0
        eff = g * mag
        s, tg = b.source, b.target
        hits = [(tg, 1.0)]
        if self.net.state_of[tg] != tg:
            hits.append((int(self.net.state_of[tg]), self.net.salience[tg]))
        step = at(self.attitude_step, sel) * eff
        self.attitude[sel, s, tg] += at(self.source_share, sel) * step
        chans = [CHANNELS.index(k) for k in b.kind.channels]
        for a, w in hits:
            if a != s:
                self._hit(a, s, w, sel, step, eff, mag, chans, b)

    def _hit(self, a: int, s: int, w: float, sel, step, eff, mag, chans: list[int], b: EventBatch) -> None:
        """The effect on actor a (the target, or a diaspora target's origin state at weight
        w) of an event from s: attitude, ties on the hit channels, grievance."""
        G = self.grievance
        self.attitude[sel, a, s] += w * step
        pos = self.net.tie_pos.get((a, s))
        if pos is not None:
            i, j = pos
            for k in chans:
                dev = self.tie_dev[k, sel, i, j] + (w * at(self.tie_step, sel)) * eff
                self.tie_dev[k, sel, i, j] = np.clip(dev, self._tie_low[k, 0, i, j], self._tie_high[k, 0, i, j])
        if b.kind.grievance > 0.0 and b.kind.goldstein < 0.0:
            G[sel, a, s] -= (w * at(self.grievance_gain, sel) * b.kind.grievance) * eff
            self.grievance_pairs.add((a, s))
        if b.kind.resolves > 0.0:
            G[sel, a, s] *= 1.0 - np.minimum(1.0, (w * b.kind.resolves) * mag)

    def perturb(self, t: int) -> None:
        """Unmodelled drift of clients' attitudes toward patrons: independent uniform
        draws with mean 0 and standard deviation `attitude_noise_sd` per step."""
        if not np.any(self.attitude_noise_sd > 0.0):
            return
        C, P = len(self.net.clients), len(self.net.patrons)
        z = centred_uniforms(self.keys, t, _NOISE_STREAM, C * P)  # (C*P, R)
        z *= self.attitude_noise_sd
        self.attitude[:, self._ci, self._pi] += z.T.reshape(self.R, C, P)

    def bound(self) -> None:
        """Keep attitudes in [-1, 1] (ties are kept in [0, 1] as each event moves them)."""
        np.clip(self.attitude, -1.0, 1.0, out=self.attitude)

    # ------------------------------------------------------------------ observables

    def tie_strength(self) -> np.ndarray:
        """sum_k w_k T[r, c, p, k]: the channel-weighted tie of each client with each patron."""
        # an explicit sum over channels, not BLAS: the result of each replicate must not
        # depend on how many replicates share the batch (BLAS kernels vary with size)
        weighted = self._baseline_weighted + self.channel_weight[0] * self.tie_dev[0]
        for k in range(1, len(self.channel_weight)):
            weighted += self.channel_weight[k] * self.tie_dev[k]
        return weighted

    def influence(self, x_cp: np.ndarray | None = None, tie: np.ndarray | None = None) -> np.ndarray:
        """I[r, c, p] = sum_k w_k T[r, c, p, k] (1 + x[r, c, p]) / 2."""
        if x_cp is None:
            x_cp = self.client_attitude()
        weighted = self.tie_strength() if tie is None else tie.copy()
        weighted *= 1.0 + x_cp
        weighted *= 0.5
        return weighted

    @staticmethod
    def alignment(influence: np.ndarray) -> np.ndarray:
        """A[r, c, p] = I[r, c, p] / sum_q I[r, c, q]; equal shares where all I are 0."""
        total = influence.sum(axis=-1, keepdims=True)
        if np.all(total > 0.0):
            return influence / total
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0.0, influence / np.where(total > 0.0, total, 1.0),
                             1.0 / influence.shape[-1])
        return share
