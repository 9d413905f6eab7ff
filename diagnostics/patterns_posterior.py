"""Diagnostic: do Model v3's patterns hold where the data put its parameters (and v2's)?

The patterns of v3 (docs/odd.md, section 1; tests/regression/test_patterns_v3.py) are
tested at its documented defaults, which are assumptions. This script measures them again
on the draws of a v3 posterior: run `caucasus-sim experiment=calibration model=v3` first
(its fit window ends in 2019, so Armenia's fall after 2020 and the 2021-2023 distance are
outside what the fit saw), then pass its folder. Both runs use the same seed, 300
replicates of the status quo path by default, shared evenly among the posterior's first
`--draws` draws. With `--model v2` and a calibration of v2 (`experiment=calibration`), the
same measures for v2 on its own timeline.

Run:  .venv/bin/python diagnostics/patterns_posterior.py results/calibration/<v3 calibration> [--model v3]
          [--replicates 300] [--draws 100]
Nothing printed is hard-coded: every number is measured in the run that prints it.
"""

from __future__ import annotations

import argparse

import numpy as np

from caucasus_sim import CaucasusModel, load_config
from caucasus_sim.analysis.matching import observation_settings, targets_file
from caucasus_sim.analysis.patterns import (DISTANCE_GOAL, armenia_falls, armenia_mapped_distance, azerbaijan_rises,
                                            georgia_falls)
from caucasus_sim.analysis.runs import posterior_draws
from caucasus_sim.model.observation import read_targets


def share(holds: np.ndarray, draws: int) -> str:
    """The share of replicates where a pattern holds, with its standard error: binomial
    without draws; over the draws' own shares with them (replicate r runs draw r // (R / draws))."""
    if draws <= 1:
        se = np.sqrt(holds.mean() * (1 - holds.mean()) / len(holds))
    else:
        per_draw = holds.reshape(draws, -1).mean(axis=1)
        se = per_draw.std(ddof=1) / np.sqrt(draws)
    return f"{holds.mean():.0%} (SE {se:.1%})"


def measure(name: str, overrides: list[str]) -> None:
    cfg = load_config(["progress=off", "scenario.end=2025-08-31", *overrides])
    draws = posterior_draws(cfg)
    m = CaucasusModel(cfg, path="status_quo", draws=draws).run()
    d = len(draws) if draws else 1
    arm, a13, a20, a23 = armenia_falls(m)
    geo, g13, g24 = georgia_falls(m)
    aze = azerbaijan_rises(m)
    targets = read_targets(targets_file(""), m.clients, m.patrons)
    settings = observation_settings(load_config(["experiment=calibration", f"model={cfg.model_version}"]))
    distance, kappa = armenia_mapped_distance(m, targets, settings)
    print(f"\n{name}:\n"
          f"  ARM attitude toward RUS 2013 {np.median(a13):.3f}, 2020 {np.median(a20):.3f}, end-2023 "
          f"{np.median(a23):.3f}: falls >= 0.2, most of it after 2020, in {share(arm, d)}\n"
          f"  GEO attitude toward RUS {np.median(g13):+.3f} -> {np.median(g24):+.3f} (end-2024), "
          f"lower in {share(geo, d)}\n"
          f"  AZE TUR-RUS balance 2020 -> 31 Jul 2025 {np.median(aze):+.3f}, up in {share(aze > 0, d)}\n"
          f"  ARM-RUS UN distance mapped from the state, 2021 -> 2023: {np.median(distance):+.3f} (slope {kappa:.2f} "
          f"fitted to <= 2019), >= {DISTANCE_GOAL:.3f} in {np.mean(distance >= DISTANCE_GOAL):.0%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("posterior", help="the folder of a calibration of the model (experiment=calibration model=v3)")
    ap.add_argument("--model", default="v3", choices=("v2", "v3"), help="the model the posterior was fitted for")
    ap.add_argument("--replicates", type=int, default=300)
    ap.add_argument("--draws", type=int, default=100)
    a = ap.parse_args()
    base = [f"model={a.model}", f"replicates={a.replicates}"]
    measure(f"{a.model} at its defaults", base)
    measure(f"{a.model} on {a.draws} draws of the posterior in {a.posterior}",
            [*base, f"posterior={a.posterior}", f"posterior_draws={a.draws}"])


if __name__ == "__main__":
    main()
