"""Cleaning an export's records, each step counted (docs/odd.md, section 7.23).

Row by row, in this order, a row is left out as
1. not a root event (GDELT's IsRootEvent = 0, unless `eventdata.root_only` is false), or
   a PLOVER event type without a CAMEO code;
2. no actor of the model (neither actor maps to one);
3. an unknown CAMEO code;
4. no actor (one side empty) or an unmapped actor (one side maps to no model actor);
5. self-directed (both sides map to the same model actor: `AZEJUD` -> `AZE`);
6. a duplicate id (a record whose identifier was kept before: the same file twice,
   overlapping downloads). Only kept records' identifiers are held, so memory grows with
   the records between model actors, not with the export.
What is left is kept, and its sources count in its period's volume (the news between the
model's actors); a kept record of the same day, dyad and CAMEO code as an earlier
one is the same occurrence reported again and is collapsed into it, its sources added to
the occurrence's. Occurrences with fewer than `eventdata.min_sources` sources are dropped.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from ..config import ConfigError, cameo_table
from .readers import NO_CAMEO, NOT_ROOT, OUTSIDE, Record

DUPLICATE_ID = "duplicate id"
UNKNOWN_CODE = "unknown CAMEO code"
NO_ACTOR = "no actor"
UNMAPPED = "unmapped actor"
SELF = "self-directed"
# the reasons a row is left out, in the order they are checked
REASONS = (NOT_ROOT, NO_CAMEO, OUTSIDE, UNKNOWN_CODE, NO_ACTOR, UNMAPPED, SELF, DUPLICATE_ID)
KEPT, COLLAPSED = "kept", "collapsed"  # a new occurrence; another report of one


@dataclass(frozen=True)
class Periods:
    """Periods of `dt_days` on the scenario's calendar: period k is the interval
    (start + (k - 1) dt, start + k dt], the interval of step k (k <= 0 before the start)."""

    start: dt.date
    dt_days: int

    def of(self, day: dt.date) -> int:
        return -(-(day - self.start).days // self.dt_days)

    def end(self, k: int) -> dt.date:
        return self.start + dt.timedelta(days=k * self.dt_days)


@dataclass
class Occurrence:
    """One occurrence (day, dyad, CAMEO code): its sources, the records reporting it, and
    the citation of its best-sourced record."""

    day: dt.date
    source: str
    target: str
    cameo: str
    sources: int
    records: int
    citation: str
    best: int

    def add(self, r: Record) -> None:
        self.sources += r.sources
        self.records += 1
        if r.sources > self.best:
            self.citation, self.best = r.citation, r.sources


@dataclass
class Cleaning:
    """Records fed one at a time (`feed` says what became of each); the counts, the
    volume of each period and the occurrences."""

    periods: Periods
    fail_unmapped: bool = False
    actor_map: str = ""
    rows: int = 0
    dropped: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)  # unmapped actor codes of the export
    kept: int = 0
    collapsed: int = 0
    volume: Counter = field(default_factory=Counter)  # period -> sources
    occurrences: dict = field(default_factory=dict)  # (day, source, target, cameo) -> Occurrence
    _ids: set = field(default_factory=set)
    _days: dict = field(default_factory=dict)

    def feed(self, item: Record | str) -> str:
        """Count one row: a reason it was left out, or KEPT / COLLAPSED."""
        self.rows += 1
        if item.__class__ is str:
            self.dropped[item] += 1
            return item
        r: Record = item
        fate = self._check(r)
        if fate is not None:
            self.dropped[fate] += 1
            return fate
        self.kept += 1
        key = (self._days[r.day][0], r.source, r.target, r.cameo)
        occ = self.occurrences.get(key)
        if occ is not None:
            occ.add(r)
            self.collapsed += 1
            return COLLAPSED
        self.occurrences[key] = Occurrence(*key, sources=r.sources, records=1, citation=r.citation, best=r.sources)
        return KEPT

    def _check(self, r: Record) -> str | None:
        if r.cameo not in cameo_table():
            return UNKNOWN_CODE
        for actor, code in ((r.source, r.source_code), (r.target, r.target_code)):
            if actor is None:
                if not code.strip():
                    return NO_ACTOR
                if self.fail_unmapped:
                    raise ConfigError(f"{r.file} line {r.line}: actor {code!r} is not in the actor map "
                                      f"{self.actor_map} (unmapped: fail); map it, or set unmapped: drop")
                self.unmapped[code] += 1
                return UNMAPPED
        if r.source == r.target:
            return SELF
        if r.id in self._ids:
            return DUPLICATE_ID
        self._ids.add(r.id)
        self.volume[self._day(r)[1]] += r.sources
        return None

    def _day(self, r: Record) -> tuple[dt.date, int]:
        known = self._days.get(r.day)
        if known is None:
            known = self._days[r.day] = (day := parse_day(r.day, r.file, r.line)), self.periods.of(day)
        return known

    def finish(self, min_sources: int) -> tuple[list[Occurrence], int, int]:
        """The occurrences with at least `min_sources` sources (in order of day, dyad and
        code), and how many occurrences and records were dropped for too few sources."""
        occ = sorted(self.occurrences.values(), key=lambda o: (o.day, o.source, o.target, o.cameo))
        few = [o for o in occ if o.sources < min_sources]
        return [o for o in occ if o.sources >= min_sources], len(few), sum(o.records for o in few)


def parse_day(text: str, file: str, line: int) -> dt.date:
    """A day as exports write it: YYYYMMDD (GDELT) or an ISO date (its first ten characters)."""
    t = text.strip()
    try:
        if len(t) == 8 and t.isdigit():
            return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        raise ConfigError(f"{file} line {line}: date {text!r} is not a date; expected YYYYMMDD or "
                          "YYYY-MM-DD") from None
