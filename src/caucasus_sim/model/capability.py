"""Capability as a state: a patron's capability over time (docs/odd.md 7.26).

A patron's capability K_p (`actors.states.<p>.capability`) weighs its influence as
K_p^gamma (v2, `params.capability_exponent`). In v3 it changes with time:

    K_p(t) = K_p * S_p(year of t) * prod over shocks of p dated on or before t of (1 + change)

S_p is a yearly series (`scenario.capability.series`, e.g. military expenditure relative to a
reference year, with its citation): the value of the calendar year of the step's date; before
the first year the first value, after the last the last. A shock is a dated event outside the
model's dyads that changes what a patron can bring to the region (a war it wages elsewhere,
sanctions): `scenario.capability.shocks`. Both are deterministic, the same in every
replicate, so K(t) is computed once per run, one row per step. No series and no shocks
(neutral) give K_p(t) = K_p, as in v2.
"""

from __future__ import annotations

import numpy as np

from ..config import parse_date


def capability_factors(spec, patrons: list[str], dates) -> np.ndarray | None:
    """S_p(year) * prod (1 + change) at each date: (steps, P); None when neither is given."""
    if not spec.series and not spec.shocks:
        return None
    factor = np.ones((len(dates), len(patrons)))
    years = np.array([d.year for d in dates])
    for patron, series in spec.series.items():
        j = patrons.index(patron)
        by_year = {int(y): float(v) for y, v in series.items()}
        first, last = min(by_year), max(by_year)
        factor[:, j] *= [by_year[min(max(y, first), last)] for y in years]
    for i, shock in enumerate(spec.shocks):
        when = parse_date(shock.date, f"scenario.capability.shocks[{i}].date")
        j = patrons.index(shock.patron)
        factor[[d >= when for d in dates], j] *= 1.0 + float(shock.change)
    return factor


class Capability:
    """K(t)^gamma / K^gamma for the step being recorded: what multiplies v2's capability weight."""

    def __init__(self, spec, net, dates) -> None:
        factor = capability_factors(spec, net.patrons, dates)
        gamma = net.capability_exponent
        self.on = factor is not None and net.capability_weight is not None
        # (steps, P), or (steps, R, P) when the points of a batch vary gamma
        self.weight = np.power(factor[:, None, :], np.asarray(gamma)[..., None]) if self.on else None
        if self.on and np.ndim(gamma) == 0:
            self.weight = self.weight[:, 0, :]
        self.now = None  # the row of the current step

    def at_step(self, t: int) -> None:
        if self.on:
            self.now = self.weight[min(t, len(self.weight) - 1)]
