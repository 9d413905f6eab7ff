"""Benchmark: simulations per second of the forecast's assimilation at 500, 1,000, 2,000
and 4,000 particles, or the counts given with --particles (docs/odd.md, 7.30).

One origin of the default forecast (`experiment=forecast`; by default 2021, the longest
window: the most observation dates and resamplings) is fitted, assimilated and forecast
with each particle count, each in a fresh process over the same design drivers (computed
once here). Printed per count: the wall time of the whole origin (fit, walk posterior,
assimilation, forecast), of its particle filter and forecast run alone, the simulations
the filter ran (each particle once from 2013 to the end of the targets, plus once more up
to each resampling for the rebuilt batches, counted as whole simulations: an upper bound
on the work), simulations per second and the ratio to the first count, the process's peak
resident memory, and how many distinct particles the filter's resamplings leave of those it
started with (each carries its own slopes, which are not jittered) and how many accepted
draws they carry. Every number is measured in the run that prints it; on a machine shared
with other work the rates move together, so read the ratios, and repeat.

With --synthetic N, instead: the synthetic-truth check (7.30) with N data sets per origin
(the default experiment's, with any further overrides given after --), its 90% and 50%
coverage per origin and the Monte Carlo standard error of each (the sd of the data sets'
coverages over sqrt(N): every data set has the same targets), the data sets' table written
to synthetic-N.csv in the working folder.

Run:  .venv/bin/python benchmarks/forecast.py                 (about a minute on 2 cores)
      .venv/bin/python benchmarks/forecast.py --origin 2015   (another origin)
      .venv/bin/python benchmarks/forecast.py --particles 4000 16000   (other particle counts)
      .venv/bin/python benchmarks/forecast.py --synthetic 100 -- forecast.particles=500
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from caucasus_sim import load_config
from caucasus_sim.analysis import forecast
from caucasus_sim.analysis.hindcast import later_targets

from calibration import in_child  # the sibling benchmark's: a fresh process per measurement

BASE = ["experiment=forecast", "progress=off"]
SIZES = (500, 1000, 2000, 4000)


def one_origin(plan, Z, origin: int, particles: int) -> tuple[float, float, int, int, int, int]:
    """(wall s of the origin, wall s of its filter and forecast run, resamplings, distinct
    particle starts left at the end (each with its own slopes: they are not jittered), the
    accepted draws among them, peak RSS) with `particles` particles (in a fresh process)."""
    f = load_config([*BASE, f"forecast.particles={particles}"]).forecast
    assimilate, spent, starts = forecast.pf.assimilate, [], []

    def timed(*args, **kwargs):
        t = time.perf_counter()
        out = assimilate(*args, **kwargs)
        out.model.run()  # the forecast run (origin_forecast's next line then finds it done)
        spent.append(time.perf_counter() - t)
        starts.append(np.unique(out.lineage.draw))
        return out

    forecast.pf.assimilate = timed  # a benchmark's probe, in its own process only
    y = plan.targets["value"].to_numpy()
    t0 = time.perf_counter()
    fc = forecast.origin_forecast(plan, Z, y, origin, later_targets(plan.targets, origin), f, 20250627)
    wall = time.perf_counter() - t0
    draws = np.unique(forecast._carried(particles, fc.accepted)[starts[0]])  # the accepted draw each start carries
    return (wall, spent[0], fc.resamplings, len(starts[0]), len(draws),
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def synthetic(n: int, overrides: list[str]) -> None:
    from caucasus_sim.analysis.hindcast import synthetic_check, synthetic_summary
    from caucasus_sim.analysis.pool import open_pool

    cfg = load_config([*BASE, f"forecast.synthetic_datasets={n}", *overrides])
    plan = forecast.prepare(cfg)
    Z = forecast.design_drivers(plan, int(cfg.replicates))
    t0 = time.perf_counter()
    with open_pool(cfg.calibration) as pool:
        table = synthetic_check(plan, Z, cfg.forecast, int(cfg.seed), pool)
    table.to_csv(f"synthetic-{n}.csv", index=False)
    print(f"synthetic check, {n} data sets per origin, {cfg.forecast.particles} particles "
          f"{' '.join(overrides)}: {time.perf_counter() - t0:.0f} s")
    def se(v: float) -> str:  # one data set has no standard error
        return f" (SE {v:.3f})" if np.isfinite(v) else " (no SE: one data set)"

    for o, r in synthetic_summary(table).iterrows():
        print(f"  origin {o}: {int(r['targets'])} targets per data set; 90% coverage {r['coverage_90']:.3f}"
              f"{se(r['se_90'])}, 50% coverage {r['coverage_50']:.3f}{se(r['se_50'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--origin", type=int, default=2021, help="the origin to time (default 2021)")
    ap.add_argument("--particles", type=int, nargs="+", metavar="N",
                    help="the particle counts to time (default 500 1000 2000 4000)")
    ap.add_argument("--synthetic", type=int, metavar="N", help="the synthetic-truth check with N data sets instead")
    ap.add_argument("overrides", nargs="*", help="with --synthetic: further overrides, after --")
    a = ap.parse_args()
    if a.overrides and a.synthetic is None:
        ap.error(f"overrides ({' '.join(a.overrides)}) go with --synthetic N only")
    if a.synthetic is not None and a.particles:
        ap.error("--particles times the filter; with --synthetic N give forecast.particles=N after --")
    sizes = a.particles or SIZES
    if min(sizes) < 1:
        ap.error(f"--particles {' '.join(map(str, sizes))}: each count must be a positive integer")
    if a.synthetic is not None:
        return synthetic(a.synthetic, a.overrides)
    origin = a.origin
    cfg = load_config(BASE)
    plan = forecast.prepare(cfg)
    t0 = time.perf_counter()
    Z = forecast.design_drivers(plan, int(cfg.replicates))
    print(f"design drivers ({len(plan.design)} points x {cfg.replicates} replicates): "
          f"{time.perf_counter() - t0:.1f} s; origin {origin}")
    print(f"{'particles':>9} {'origin s':>9} {'filter s':>9} {'resamplings':>11} {'simulations':>11} "
          f"{'simulations/s':>13} {'x ' + str(sizes[0]):>6} {'peak RSS':>9} "
          f"{'distinct starts (draws) at the end':>35}")
    first = None
    for n in sizes:
        wall, filt, resamplings, distinct, draws, peak = in_child(one_origin, plan, Z, origin, n)
        sims = n * (1 + resamplings)
        rate = sims / filt
        first = first or rate
        print(f"{n:9,} {wall:9.1f} {filt:9.1f} {resamplings:11d} {sims:11,} {rate:13.1f} {rate / first:5.2f}x "
              f"{peak / 1e9:7.2f} GB {distinct:>24,} ({draws})")


if __name__ == "__main__":
    main()
