"""Benchmark: simulations per second of the calibration, its ABC stage, and the default
calibration's cost.

1. Simulations per second (one simulation = one particle's trajectory, 2013 to the end of
   the hold-out window) in engine batches of 1 (a sampler that simulates one particle per
   call, such as pyabc's), 250 (ELFI's batch, `calibration.abc.batch_size`), 2,500, 10,000
   and the default engine batch (batch_size x parallel_batches), each size in a fresh
   process: its rate, the ratio to the batch of 250, and its peak resident memory.
2. The default ABC stage (500 particles, 4 populations after the first, on the whole prior
   box) as it ran before (ELFI's SMC and native client, one batch of 250 at a time, one
   process), with the proposals checked against the prior box by numpy (`abc.box_smc`),
   with the engine client (ELFI's batches in flight run as one engine batch) at 8, 16 and
   40 batches in flight in one process, and at the default on every core: wall time,
   simulations used and run (the batches in flight when a round ends are run and dropped),
   and whether the posterior is the one of the first, bit for bit. Then the default design
   stage in one process and on every core: wall time, and whether the table is the same.
3. The default `caucasus-sim experiment=calibration`, in a fresh process in a temporary
   folder: wall time and peak resident memory (the child's maximum RSS, from os.wait4).

Run:  .venv/bin/python benchmarks/calibration.py            (about 25 minutes on 2 cores)
      .venv/bin/python benchmarks/calibration.py --rates    (part 1 only, about a minute)
      .venv/bin/python benchmarks/calibration.py --abc      (parts 1 and 2, about 10 minutes)
      add --elfi-batches to part 2: the ABC stage with ELFI's own batch at 2,500 and 10,000
      (a different algorithm, docs/odd.md 7.22; about 15 minutes more)

Targets printed at the end: the default calibration under 30 minutes and 2 GB, and the
default engine batch at least 4 times the rate of batches of 250. Every number printed is
measured in the run that prints it; on a machine shared with other work the rates move
together, so read the ratios.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from caucasus_sim import load_config
from caucasus_sim.analysis.matching import check_calibration, design, simulate_drivers

EXE = str(Path(sys.executable).with_name("caucasus-sim"))
WALL_TARGET, MEMORY_TARGET, RATIO_TARGET = 30 * 60, 2e9, 4.0
BASE = ["experiment=calibration", "progress=off"]


def rate_of(size: int) -> tuple[float, float, float]:
    """(simulations/s, RSS before, peak RSS) of engine batches of `size` particles, at least
    2,500 simulations (1: 5), over the first design points (in a fresh process)."""
    total = 5 if size == 1 else max(size, 2500)
    cfg = load_config([*BASE, f"calibration.design_points={total}"])
    plan = check_calibration(cfg)
    points = [dict(zip(plan.keys, map(float, row))) for row in design(cfg, plan, "v2")]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    for k in range(0, total, size):
        simulate_drivers(plan, "v2", points[k:k + size], replicate_ids=np.arange(k, k + size), split=True)
    took = time.perf_counter() - t0
    return total / took, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def abc_stage(overrides: list[str], elfi_smc: bool = False) -> tuple[float, int, int, object, int]:
    """(wall s, simulations ELFI used, simulations the engine ran, posterior, peak RSS of the
    process or its largest worker) of the default ABC stage with `overrides` (in a fresh
    process); `elfi_smc`: ELFI's own SMC, which checks proposals through its graph."""
    from caucasus_sim.analysis import abc
    from caucasus_sim.analysis.pool import open_pool
    from caucasus_sim.outputs import Bundle

    if elfi_smc:
        abc.box_smc = lambda elfi, box: elfi.SMC

    cfg = load_config([*BASE, *overrides])
    plan = check_calibration(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with open_pool(cfg.calibration) as pool, Bundle.resumable(Path(tmp) / "cal", "calibration") as bundle:
            out = abc.run_abc(cfg, plan, plan.bounds, bundle, pool)
            ran = len(list((bundle.path / "abc").glob("*.npy"))) * int(cfg.calibration.abc.batch_size)
        wall = time.perf_counter() - t0
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return wall, out.simulations, ran, out.posterior, peak * 1024


def design_stage(workers: int) -> tuple[float, object]:
    """(wall s, table) of the default design stage (2 x 1,000 points x 10 replicates) on
    `workers` processes (0: one per core), in a fresh process."""
    from caucasus_sim.analysis.matching import prepare, run_designs
    from caucasus_sim.analysis.pool import open_pool
    from caucasus_sim.outputs import Bundle

    cfg = load_config([*BASE, f"calibration.workers={workers}"])
    plan, designs = prepare(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with open_pool(cfg.calibration) as pool, Bundle.resumable(Path(tmp) / "cal", "calibration") as bundle:
            table = run_designs(cfg, plan, designs, bundle, pool)
        return time.perf_counter() - t0, table


def _child(conn, fn, args) -> None:
    conn.send(fn(*args))
    conn.close()


def in_child(fn, *args):
    """fn(*args) in a fresh process (its own peak memory; it may start workers of its own)."""
    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(there, fn, args))
    proc.start()
    out = here.recv()
    proc.join()
    return out


def rates() -> bool:
    a = load_config(BASE).calibration.abc
    chosen = int(a.batch_size) * int(a.parallel_batches)
    print(f"{'particles per engine batch':>28} {'simulations/s':>14} {'x batch of 250':>15} {'peak RSS':>9} "
          f"{'of which the batch':>19}")
    sizes = (1, 250, 2500, 10000, chosen)
    measured = {size: in_child(rate_of, size) for size in dict.fromkeys(sizes)}
    for size in sizes:
        rate, before, peak = measured[size]
        label = f"{size:,}" + (" (default)" if size == chosen else "")
        print(f"{label:>28} {rate:14.1f} {rate / measured[250][0]:14.2f}x {peak / 1e9:7.2f} GB "
              f"{(peak - before) / 1e9:16.2f} GB")
    return measured[chosen][0] / measured[250][0] >= RATIO_TARGET


def abc_stages(elfi_batches: bool) -> None:
    one_at_a_time = ["calibration.abc.client=native", "calibration.abc.parallel_batches=1", "calibration.workers=1"]
    runs = {"before: ELFI's SMC and native client, 1 batch of 250 at a time, 1 process": (one_at_a_time, True),
            "ELFI's SMC with numpy's prior check, native client, 1 process": (one_at_a_time, False)}
    for k in (8, 16, 40):
        runs[f"engine client, {k} batches in flight ({k * 250:,} particles), 1 process"] = (
            ["calibration.abc.client=engine", f"calibration.abc.parallel_batches={k}", "calibration.workers=1"], False)
    runs["the default (engine client), every core"] = ([], False)
    if elfi_batches:  # ELFI's own batch raised instead (a different algorithm: docs/odd.md 7.22)
        for size in (2500, 10000):
            runs[f"ELFI's SMC and native client, ELFI batches of {size:,}, 1 process"] = (
                ["calibration.abc.client=native", f"calibration.abc.batch_size={size}",
                 "calibration.abc.parallel_batches=1", "calibration.workers=1"], True)
    first = None
    for name, (overrides, elfi_smc) in runs.items():
        wall, sims, ran, posterior, peak = in_child(abc_stage, overrides, elfi_smc)
        first = posterior if first is None else first
        same = "the same posterior" if posterior.equals(first) else "A DIFFERENT POSTERIOR"
        print(f"  {name}: {wall:6.1f} s, {sims:,} simulations used ({ran:,} run), peak RSS {peak / 1e9:.2f} GB, "
              f"{same}")


def design_stages() -> None:
    first = None
    for workers, name in ((1, "one process"), (0, "every core")):
        wall, table = in_child(design_stage, workers)
        first = table if first is None else first
        same = "the same table" if table.equals(first) else "A DIFFERENT TABLE"
        print(f"  {name}: {wall:6.1f} s, {same}")


def tree_rss(pid: int) -> tuple[int, int]:
    """Resident bytes of a process and all its descendants now, together and the largest
    one (Linux /proc; 0 elsewhere)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = (int(fields[1]), int(fields[21]))  # ppid, rss pages
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, (ppid, _) in parents.items() if ppid == p and c not in tree]
    pages = [parents.get(p, (0, 0))[1] for p in tree]
    return sum(pages) * os.sysconf("SC_PAGE_SIZE"), max(pages) * os.sysconf("SC_PAGE_SIZE")


def default_run() -> tuple[float, int, int]:
    """(wall s, peak RSS of the command and its workers together, and of the largest of
    them, sampled every half second) of the default calibration."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        peak = largest = 0
        with open(Path(tmp) / "out.txt", "wb") as so:
            proc = subprocess.Popen([EXE, *BASE], cwd=tmp, stdout=so, stderr=subprocess.STDOUT)
            while proc.poll() is None:
                together, one = tree_rss(proc.pid)
                peak, largest = max(peak, together), max(largest, one)
                time.sleep(0.5)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"calibration failed: {(Path(tmp) / 'out.txt').read_text()[-2000:]}")
        print("  " + (Path(tmp) / "out.txt").read_text().strip().splitlines()[-1])
    return wall, peak, largest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    part = ap.add_mutually_exclusive_group()
    part.add_argument("--rates", action="store_true", help="part 1 only")
    part.add_argument("--abc", action="store_true", help="parts 1 and 2")
    ap.add_argument("--elfi-batches", action="store_true", help="part 2 with ELFI's own batch at 2,500 and 10,000 too")
    a = ap.parse_args()
    print(f"caucasus-sim calibration benchmark on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print("simulations per second (2013 to the end of the hold-out window), each size in a fresh process:")
    fast = rates()
    print(f"target: the default engine batch at least {RATIO_TARGET:.0f}x batches of 250: {'PASS' if fast else 'FAIL'}")
    if a.rates:
        return
    print("the default ABC stage (500 particles, 5 populations, whole prior box), each in a fresh process:")
    abc_stages(a.elfi_batches)
    print("the default design stage (2 x 1,000 points x 10 replicates, chunks of 100), each in a fresh process:")
    design_stages()
    if a.abc:
        return
    print("the default calibration (experiment=calibration):")
    wall, together, largest = default_run()
    print(f"  wall {wall / 60:.1f} min, peak RSS {together / 1e9:.2f} GB (the command and its workers "
          f"together), {largest / 1e9:.2f} GB (the largest of them)")
    ok = wall < WALL_TARGET and together < MEMORY_TARGET
    print(f"targets: under {WALL_TARGET / 60:.0f} min and {MEMORY_TARGET / 1e9:.0f} GB: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
