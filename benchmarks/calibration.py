"""Benchmark: simulations per second of the calibration, and the default calibration's cost.

1. Simulations per second (one simulation = one particle's trajectory, 2013 to the end of
   the hold-out window) when the particles are evaluated one at a time (as a sampler that
   simulates one particle per call, such as pyabc's, would) and in engine batches of 16 and
   250 (ELFI's batches, `calibration.abc.batch_size`).
2. The default `caucasus-sim experiment=calibration`, in a fresh process in a temporary
   folder: wall time and peak resident memory (the child's maximum RSS, from os.wait4).

Run:  .venv/bin/python benchmarks/calibration.py            (about 15 minutes on 2 cores)
      .venv/bin/python benchmarks/calibration.py --rates    (part 1 only)

Targets printed at the end: the default calibration under 30 minutes and 2 GB. Every
number printed is measured in the run that prints it.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from caucasus_sim import load_config
from caucasus_sim.analysis.matching import check_calibration, design, simulate_drivers

EXE = str(Path(sys.executable).with_name("caucasus-sim"))
WALL_TARGET, MEMORY_TARGET = 30 * 60, 2e9


def rates() -> None:
    cfg = load_config(["experiment=calibration", "progress=off"])
    plan = check_calibration(cfg)
    X = design(cfg, plan, "v2")
    points = [dict(zip(plan.keys, map(float, row))) for row in X]
    for size, repeats in ((1, 3), (16, 2), (250, 1)):
        t0 = time.perf_counter()
        for k in range(repeats):
            batch = points[k * size:(k + 1) * size]
            simulate_drivers(plan, "v2", batch, replicate_ids=np.arange(len(batch)), split=True)
        took = (time.perf_counter() - t0) / repeats
        print(f"  batch of {size:>4} particles: {took:6.2f} s per batch, {size / took:7.1f} simulations/s")


def default_run() -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with open(Path(tmp) / "out.txt", "wb") as so:
            proc = subprocess.Popen([EXE, "experiment=calibration", "progress=off"], cwd=tmp, stdout=so,
                                    stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if status != 0:
            sys.exit(f"calibration failed: {(Path(tmp) / 'out.txt').read_text()[-2000:]}")
        print("  " + (Path(tmp) / "out.txt").read_text().strip().splitlines()[-1])
    return wall, usage.ru_maxrss * 1024


def main() -> None:
    print(f"caucasus-sim calibration benchmark on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print("simulations per second (2013 to the end of the hold-out window):")
    rates()
    if "--rates" in sys.argv:
        return
    print("the default calibration (experiment=calibration):")
    wall, rss = default_run()
    print(f"  wall {wall / 60:.1f} min, peak RSS {rss / 1e9:.2f} GB")
    ok = wall < WALL_TARGET and rss < MEMORY_TARGET
    print(f"targets: under {WALL_TARGET / 60:.0f} min and {MEMORY_TARGET / 1e9:.0f} GB: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
