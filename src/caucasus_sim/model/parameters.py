"""Parameter points sharing one batch (a sweep, a sensitivity analysis).

A batch can hold every replicate of several parameter points, point-major (row = point *
replicates + replicate). A *batchable* key can take a different value in each row; any
other key needs a model of its own per value.
"""

from __future__ import annotations

import numpy as np

from ..config import ConfigError

BATCHABLE_PARAMS = ("attitude_step", "source_share", "tie_step", "grievance_gain",
                    "grievance_drag", "grievance_half_life_days", "effect_noise_sd",
                    "attitude_noise_sd")
BATCHABLE_ACTION_FIELDS = ("rate_per_year", "tension_gain", "grievance_gain", "magnitude")


def is_batchable(key: str) -> bool:
    """Whether a configuration key can take a different value in each row of one batch."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "params":
        return parts[1] in BATCHABLE_PARAMS
    if len(parts) == 4 and parts[:2] == ["decisions", "strategies"]:
        return parts[3] == "intensity"
    if len(parts) == 6 and parts[:2] == ["decisions", "strategies"] and parts[3] == "actions":
        return parts[5] in BATCHABLE_ACTION_FIELDS
    return False


class Points:
    """The points of a batch and the value each row takes for a key.

    `points` is a list of {key: value} with batchable keys (none: one point, the
    configuration's own values); `replicates` is the number of replicates per point."""

    def __init__(self, points, replicates: int) -> None:
        self.points = [dict(p) for p in points] if points else []
        for key in {k for p in self.points for k in p}:
            if not is_batchable(key):
                raise ConfigError(f"points: {key!r} cannot vary inside one batch")
        self.n = max(1, len(self.points))
        self.replicates = replicates
        self.of_row = np.repeat(np.arange(self.n), replicates)

    def value(self, key: str, default):
        """A parameter's value: one number, or one per row when the points vary it."""
        if self.points and key in self.points[0]:
            values = np.array([float(p[key]) for p in self.points])
            return np.repeat(values, self.replicates)
        return float(default)


def at(value, sel):
    """A per-row parameter on the selected rows (scalars pass through)."""
    return value if np.ndim(value) == 0 else value[sel]
