"""Wars as the shocks they were: a magnitude per event class (docs/odd.md 7.28).

A catalog entry can give its CAMEO codes an `event_class` (v3: `war` for conventional
military force, 190-196 and 20; `blockade` for 191). Every event of a class has its
magnitude multiplied by `params.class_magnitude.<class>`: one factor per class, never one
per event, so that the calibration can scale the wars as a whole (the April 2016 war, the
2020 war, the September 2023 offensive). A class without a factor, or a factor of 1
(neutral), leaves its events as in v2.
"""

from __future__ import annotations

import numpy as np


class ClassMagnitudes:
    """The factor of each event class (a number, or one per row of a batch)."""

    def __init__(self, value, params) -> None:
        factors = {str(k): value(f"params.class_magnitude.{k}", v) for k, v in params.class_magnitude.items()}
        self.factor = {k: v for k, v in factors.items() if np.ndim(v) or v != 1.0}

    def of(self, event_class: str | None):
        """The factor of a class (None: it acts as in v2)."""
        return None if event_class is None else self.factor.get(event_class)
