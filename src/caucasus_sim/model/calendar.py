"""The calendar: discrete steps of `dt_days` on real dates, from `start` to `end`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..config import ConfigError, parse_date


@dataclass(frozen=True)
class Calendar:
    """Step t is the date start + t * dt_days, for t = 0 .. n_steps (the last step on or
    before `end`); decisions act on steps dated on or after `decisions_from`."""

    start: dt.date
    end: dt.date
    dt_days: int
    decisions_from: dt.date
    n_steps: int = field(init=False)
    dates: list[dt.date] = field(init=False)

    def __post_init__(self) -> None:
        n = (self.end - self.start).days // self.dt_days
        object.__setattr__(self, "n_steps", n)
        object.__setattr__(self, "dates", [self.start + dt.timedelta(days=self.dt_days * t)
                                           for t in range(n + 1)])

    @classmethod
    def from_config(cls, sc) -> Calendar:
        return cls(start=parse_date(sc.start, "scenario.start"), end=parse_date(sc.end, "scenario.end"),
                   dt_days=int(sc.dt_days),
                   decisions_from=parse_date(sc.decisions_from, "scenario.decisions_from"))

    def step_of(self, date: dt.date) -> int:
        """The step at which an event on `date` takes effect (dates in (d[t-1], d[t]])."""
        return max(1, -(-(date - self.start).days // self.dt_days))

    def outcome_steps(self, outcome_dates) -> list[tuple[str, int]]:
        """(label, step) of each outcome date, then ("end", the last step)."""
        out = [(str(d), self.step_at(parse_date(d, "scenario.outcome_dates"))) for d in outcome_dates]
        return out + [("end", self.n_steps)]

    def step_at(self, date: dt.date) -> int:
        """The step at which the state includes every event up to `date`: the first step
        whose date is on or after it (capped at the last step)."""
        return min(self.n_steps, max(0, -(-(date - self.start).days // self.dt_days)))

    def event_steps(self, date: dt.date, month_only: bool) -> list[tuple[int, float]]:
        """The steps at which an event dated `date` acts, with the share of its magnitude at
        each: its step; or, for an event known only to the month (`month_only`), every step
        whose interval (d[t-1], d[t]] meets that month, evenly, from the month's first day
        whatever day the date names (a month-precision event dated 10 Oct acts over October,
        not from 12 Oct to 2 Nov). Steps after the last are left out."""
        if not month_only:
            t = self.step_of(date)
            return [(t, 1.0)] if t <= self.n_steps else []
        last = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        first, end = self.step_of(date.replace(day=1)), self.step_of(last)
        return [(t, 1.0 / (end - first + 1)) for t in range(first, end + 1) if t <= self.n_steps]

    def recorded_steps(self, record: str, outcome_steps: list[tuple[str, int]]) -> np.ndarray:
        """The steps a model records: "all", or "outcomes" (step 0, the outcome dates and the end)."""
        if record == "all":
            return np.arange(self.n_steps + 1)
        if record == "outcomes":
            return np.array(sorted({0, self.n_steps, *(t for _, t in outcome_steps)}))
        raise ConfigError(f"record: unknown value {record!r}; expected one of all, outcomes")
