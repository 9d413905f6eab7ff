"""Tie baselines that follow the realised ties: institutionalisation (docs/odd.md 7.27).

Ties relax toward their baseline (section 7.3); a lasting event shifts the baseline for good
(7.15). Here, in addition, the baseline follows the realised tie slowly: each step the
lasting shift takes a share rho of the current deviation, which the deviation gives up,

    shift += rho * dev,   dev -= rho * dev,   rho = 1 - exp(-eta_I dt / 365),

so the tie itself (baseline + shift + dev) is unchanged at that moment, and what events
keep up for years becomes the level the tie relaxes to (treaties, bases and trade routes
outlive the events that built them). eta_I is `params.institutionalisation_per_year`; its
size is an assumption. 0 (neutral) leaves the baselines as in v2.
"""

from __future__ import annotations

import numpy as np


class Institutions:
    """The institutionalisation submodel: its per-step rate (a number, or one per row)."""

    def __init__(self, value, params, dt_days: int, net) -> None:
        eta = value("params.institutionalisation_per_year", params.institutionalisation_per_year)
        self.rate = -np.expm1(-np.asarray(eta) * dt_days / 365.0)
        self.on = bool(np.any(self.rate > 0.0))
        if self.on and np.ndim(self.rate):
            self.rate = self.rate[:, None, None]  # (R, 1, 1): per row of (R, C, P)
        # the shift keeps baseline + shift in [0, 1]: its bounds per channel, (K, C, P) or (K, R, C, P)
        base = np.moveaxis(net.ties_baseline, -1, 0)
        self._low, self._high = -base, 1.0 - base

    def settle(self, state) -> None:
        """Move a share of each tie's deviation into its lasting shift (`state.tie_shift`)."""
        if not self.on:
            return
        for k in range(state.tie_dev.shape[0]):
            moved = self.rate * state.tie_dev[k]
            state.tie_dev[k] -= moved
            shift = state.tie_shift[k]
            np.clip(shift + moved, self._low[k], self._high[k], out=shift)
