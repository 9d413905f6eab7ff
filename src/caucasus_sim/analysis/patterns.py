"""The patterns of Model v3 (docs/odd.md, section 1), measured on a run of the status quo
path to at least 31 Aug 2025: each returns per-replicate values, so that a caller can read
the share of replicates that show a pattern, pair two runs by common random numbers, or
compare the defaults with a posterior's draws."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..model.observation import ObservationSettings
from .validation import mapped_distance_change

START, Y2020 = dt.date(2013, 1, 6), dt.date(2020, 1, 1)
END_2023, END_2024 = dt.date(2023, 12, 31), dt.date(2024, 12, 31)
AZE_FROM, AZE_TO = dt.date(2020, 1, 1), dt.date(2025, 7, 31)
OBSERVED_DISTANCE_CHANGE = 0.5  # ARM-RUS UN ideal-point distance, 2021 -> 2023 (Bailey, Strezhnev and Voeten)
DISTANCE_GOAL = OBSERVED_DISTANCE_CHANGE / 3  # the goal for the change mapped from the state


def attitude(m, client: str, date: dt.date, patron: str = "RUS") -> np.ndarray:
    """A client's attitude toward a patron on a date, per replicate."""
    return m.attitude_record[m.step_at(date), :, m.clients.index(client), m.patrons.index(patron)]


def armenia_falls(m) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whether Armenia's attitude toward Russia falls by at least 0.2 from 2013 to the end of
    2023 with most of the fall after 2020, per replicate, and its values in 2013, 2020 and at
    the end of 2023."""
    start, y2020, y2023 = (attitude(m, "ARM", d) for d in (START, Y2020, END_2023))
    fall, late = start - y2023, y2020 - y2023
    return (fall >= 0.2) & (late > fall / 2), start, y2020, y2023


def georgia_falls(m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether Georgia's attitude toward Russia is lower at the end of 2024 than in 2013, per
    replicate, and its two values."""
    start, end = attitude(m, "GEO", START), attitude(m, "GEO", END_2024)
    return end < start, start, end


def azerbaijan_rises(m, start: dt.date = AZE_FROM, end: dt.date = AZE_TO) -> np.ndarray:
    """The change of Azerbaijan's TUR-RUS balance from `start` to `end`, per replicate."""
    c = m.clients.index("AZE")
    b = m.balance()
    return b[m.step_at(end), :, c] - b[m.step_at(start), :, c]


def armenia_mapped_distance(m, targets: pd.DataFrame, settings: ObservationSettings,
                            fit_until: int = 2019) -> tuple[np.ndarray, float]:
    """The change 2021 -> 2023 of Armenia's UN ideal-point distance to Russia that the
    observation model maps from the state, per replicate, and the link's slope."""
    return mapped_distance_change(m, targets, settings, "ARM", "RUS", fit_until=fit_until)
