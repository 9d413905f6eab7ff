"""Parameter points sharing one batch (a sweep, a sensitivity analysis).

A batch can hold every replicate of several parameter points, point-major (row = point *
replicates + replicate). A *batchable* key can take a different value in each row; any
other key needs a model of its own per value.
"""

from __future__ import annotations

import numpy as np

from ..config import CHANNELS, ConfigError

BATCHABLE_PARAMS = ("attitude_step", "source_share", "tie_step", "grievance_gain",
                    "grievance_drag", "grievance_half_life_days", "effect_noise_sd",
                    "attitude_noise_sd", "anchor_drift_per_year", "goodwill_gain", "goodwill_lift",
                    "goodwill_half_life_days", "attention_scale", "attention_threshold",
                    "institutionalisation_per_year")
# v3 (docs/odd.md 7.24-7.28): the mechanisms' rates, and every event class's magnitude
BATCHABLE_V3_BLOCKS = {"credibility": ("refusal_drop", "unanswered_drop", "support_gain", "anchor_shift"),
                       "triads": ("attitude_step", "grievance_gain")}
BATCHABLE_ACTION_FIELDS = ("rate_per_year", "tension_gain", "grievance_gain", "magnitude", "own_grievance_gain",
                           "goodwill_gain", "threat_gain")


# structure keys: the network is built once per point of a batch (`network.network_of`)
STRUCTURE_PARAMS = ("capability_exponent", "diaspora_size_exponent", "diaspora_size_reference")
STRUCTURE_STATE_FIELDS = ("susceptibility", "capability", "nonalignment")
STRUCTURE_DIASPORA_FIELDS = ("susceptibility", "salience", "size")


def is_structural(key: str) -> bool:
    """Whether a key is part of the network: susceptibilities, listening weights, attitudes
    (targets or anchors), baseline ties, channel weights, capability, the outside option,
    diaspora size and salience, and the exponents that weigh them."""
    parts = key.split(".")
    if parts[0] == "params":
        return (len(parts) == 2 and parts[1] in STRUCTURE_PARAMS
                or len(parts) == 3 and parts[1] == "channel_weight" and parts[2] in CHANNELS)
    if parts[0] != "actors" or len(parts) < 4:
        return False
    if parts[1] == "states":
        return len(parts) == 4 and parts[3] in STRUCTURE_STATE_FIELDS
    if parts[1] == "diasporas":
        return len(parts) == 4 and parts[3] in STRUCTURE_DIASPORA_FIELDS
    if parts[1] in ("listening", "attitude"):
        return len(parts) == 4
    return parts[1] == "ties" and len(parts) == 5 and parts[4] in CHANNELS


def is_batchable(key: str) -> bool:
    """Whether a configuration key can take a different value in each row of one batch."""
    if is_structural(key):
        return True
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "params" and parts[1] == "tie_half_life_days":
        return parts[2] in CHANNELS
    if len(parts) == 3 and parts[0] == "params" and parts[1] == "class_magnitude":
        return True
    if len(parts) == 2 and parts[0] == "params":
        return parts[1] in BATCHABLE_PARAMS
    if len(parts) == 3 and parts[0] == "params" and parts[1] in BATCHABLE_V3_BLOCKS:
        return parts[2] in BATCHABLE_V3_BLOCKS[parts[1]]
    if len(parts) == 4 and parts[:2] == ["decisions", "strategies"]:
        return parts[3] == "intensity"
    if len(parts) == 6 and parts[:2] == ["decisions", "strategies"] and parts[3] == "actions":
        return parts[5] in BATCHABLE_ACTION_FIELDS
    return False


class Points:
    """The points of a batch and the value each row takes for a key.

    `points` is a list of {key: value} with batchable keys (none: one point, the
    configuration's own values); `replicates` is the number of replicates per point. With
    `split`, the points share out the replicates instead (draws from a posterior): point i
    takes replicates i * m .. (i + 1) * m - 1 of `replicates`, m = replicates / points."""

    def __init__(self, points, replicates: int, split: bool = False) -> None:
        self.points = [dict(p) for p in points] if points else []
        for key in {k for p in self.points for k in p}:
            if not is_batchable(key):
                raise ConfigError(f"points: {key!r} cannot vary inside one batch")
        self.n = max(1, len(self.points))
        self.split = split and bool(self.points)
        if self.split and replicates % self.n:
            raise ConfigError(f"replicates: {replicates} cannot be split evenly among {self.n} parameter sets; "
                              f"use a multiple of {self.n}")
        self.replicates = replicates // self.n if self.split else replicates
        self.of_row = np.repeat(np.arange(self.n), self.replicates)

    def value(self, key: str, default):
        """A parameter's value: one number, or one per row when the points vary it (the
        network's keys are read by `network.network_of`)."""
        if self.points and key in self.points[0]:
            values = np.array([float(p[key]) for p in self.points])
            return np.repeat(values, self.replicates)
        return float(default)


def at(value, sel):
    """A per-row parameter on the selected rows (scalars, and arrays of none, pass through)."""
    if value.__class__ is np.ndarray and value.ndim:  # the hot path of every event: no np.ndim
        return value[sel]
    return value
