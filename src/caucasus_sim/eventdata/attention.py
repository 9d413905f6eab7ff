"""From cleaned occurrences to model events: aggregation per period, dyad and CAMEO code,
and the attention ratio that normalises them (docs/odd.md, section 7.23).

For period k (a model step), dyad d (source -> target) and CAMEO quad class q:
- W[k, d, q]: the sources of the dyad's occurrences of that class in the period;
- V[k]: the period's volume, the sources of every kept record between two model actors
  (whatever else the export holds, so a global export and a regional extract agree);
- p[k, d, q] = W / V, the share of the period's news that this cooperation or conflict
  takes; its baseline b[d, q] is the mean of p over the periods in which the export has
  any record; the attention ratio is rho = p / b.
One event per (period, dyad, CAMEO code) carries the code's share f of W[k, d, q] as its
magnitude and rho as its attention ratio; the model scales it by
`attention_magnitude(rho)` = attention_scale * max(0, ln(rho / attention_threshold)).

Both are ratios of sums of sources, so reporting every record twice, or doubling a
period's volume with the same mix, leaves every event as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..config import cameo_table, quad_class
from .cleaning import Occurrence, Periods
from .readers import FORMAT_NAMES


@dataclass(frozen=True)
class ImportedEvent:
    """A model event from an export: the dyad's occurrences of one CAMEO code in one
    period, dated the day of its last record (a day of the period, so it acts at the period's
    step; its description gives the first and last day)."""

    id: str
    date: dt.date
    source: str
    target: str
    cameo: str
    magnitude: float  # the code's share of its dyad and quad class in the period
    attention_ratio: float  # how unusual that dyad's cooperation or conflict was in the period
    description: str
    citation: str

    @property
    def goldstein(self) -> float:
        return cameo_table()[self.cameo][1]


def attention_magnitude(ratio, scale, threshold):
    """The magnitude an attention ratio gives: scale * max(0, ln(ratio / threshold)); scale
    and threshold may be arrays (one value per row of a batch of parameter points)."""
    value = np.asarray(scale) * np.maximum(0.0, np.log(ratio / np.asarray(threshold)))
    return float(value) if value.ndim == 0 else value


def aggregate(occurrences: list[Occurrence], volume: dict[int, int], periods: Periods,
              fmt: str) -> tuple[list[ImportedEvent], int]:
    """The events of an export (periods after the start only, in date order), and how many
    events fall on or before the start (dropped; their periods still count in baselines)."""
    by_code: dict[tuple, list[Occurrence]] = defaultdict(list)
    weight: dict[tuple, int] = defaultdict(int)  # (k, source, target, quad class) -> sources
    for o in occurrences:
        k = periods.of(o.day)
        by_code[(k, o.source, o.target, o.cameo)].append(o)
        weight[(k, o.source, o.target, quad_class(o.cameo))] += o.sources
    active = [k for k, v in volume.items() if v > 0]
    share = {key: w / volume[key[0]] for key, w in weight.items()}
    baseline: dict[tuple, float] = defaultdict(float)
    for (k, s, t, q), p in share.items():
        baseline[(s, t, q)] += p / len(active)
    events, before = [], 0
    for (k, s, t, code), occ in sorted(by_code.items()):
        if k <= 0:
            before += 1
            continue
        q = quad_class(code)
        sources = sum(o.sources for o in occ)
        ratio = share[(k, s, t, q)] / baseline[(s, t, q)]
        first, last = min(o.day for o in occ), max(o.day for o in occ)
        when = f"{first}" if first == last else f"{first} to {last}"
        best = max(occ, key=lambda o: o.best)
        events.append(ImportedEvent(  # dated its last record's own day: in period k, so it acts at step k
            id=f"{fmt}_{last}_{s}_{t}_{code}", date=last, source=s, target=t, cameo=code,
            magnitude=sources / weight[(k, s, t, q)], attention_ratio=ratio,
            description=(f"{FORMAT_NAMES[fmt]} {when}: {sum(o.records for o in occ)} record(s), {sources} "
                         f"source(s); {q} {s}->{t}, attention ratio {ratio:.3g}"),
            citation=best.citation))
    events.sort(key=lambda e: (e.date, e.source, e.target, e.cameo))
    return events, before
