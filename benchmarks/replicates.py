"""Benchmark: replicates as a batch dimension (docs/architecture.md, "Replicates are a batch
dimension").

Measures replicate-steps per second for the default scenario (`load_config(["progress=off"])`,
path "status_quo": recorded timeline, strategies and reactions) in two ways:

- batched: one CaucasusModel simulating R replicates in lockstep, R = 1, 100, 1,000 and
  10,000. Model construction is not timed: the model is built, then `.run()` over all
  steps is timed with time.perf_counter. Each R is repeated; the table reports the
  median (used for the checks) and the best of the repeats.
- conventional: one Mesa model per replicate (replicates=1 via replicate_ids=[k]) through
  `mesa.batch_run` (number_processes=1), each model collecting the per-step TUR-RUS
  balance of AZE with a mesa.DataCollector. Timed as the wall time of the whole
  batch_run call (construction included, since building one model per replicate is part
  of that way of working); the time spent in model construction is measured too and a
  construction-excluded figure is printed alongside.

Target checks printed at the end:
  (a) seconds per step at R=10,000 / seconds per step at R=1   (target < 20)
  (b) batched replicate-steps/s at R=1,000 / conventional replicate-steps/s at R=100
      (target >= 50)

Run:  .venv/bin/python benchmarks/replicates.py           (full, about 1-2 minutes)
      .venv/bin/python benchmarks/replicates.py --quick   (fewer repeats, conventional R=20)

Nothing printed is hard-coded: every number is measured in the run that prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np
from mesa.batchrunner import batch_run

from caucasus_sim import CaucasusModel, load_config

PATH = "status_quo"
CLIENT = "AZE"
PLUS, MINUS = "TUR", "RUS"


# ---------------------------------------------------------------------- conventional model


class ConventionalModel(CaucasusModel):
    """One replicate per model, with the model's own mesa.DataCollector: the conventional
    Mesa way.

    batch_run passes the parameters as keyword arguments plus `rng`; CaucasusModel takes
    `rng` as the root seed and `replicate_ids` picks the replicate, so run k reproduces
    replicate k of the batched engine. The DataCollector collects every step (its
    `balance_AZE` is the TUR-RUS balance of AZE, the mean over the model's one replicate).
    """

    construct_seconds: list[float] = []  # per-model construction times (class-level log)
    seen: list[tuple[int, tuple[int, ...]]] = []  # (seed, replicate_ids) of every model built

    def __init__(self, cfg=None, *, path=None, replicates=None, replicate_ids=None, rng=None):
        t0 = time.perf_counter()
        super().__init__(cfg, path=path, replicates=replicates, replicate_ids=replicate_ids, rng=rng)
        ConventionalModel.construct_seconds.append(time.perf_counter() - t0)
        ConventionalModel.seen.append((self.seed, tuple(self.replicate_ids.tolist())))


# ---------------------------------------------------------------------- measurements


def time_batched(cfg, R: int, repeats: int, keep: bool = False):
    """Build a batched model of R replicates and time `.run()`; `repeats` fresh models."""
    runs, builds, model = [], [], None
    for _ in range(repeats):
        model = None
        gc.collect()
        t0 = time.perf_counter()
        model = CaucasusModel(cfg, path=PATH, replicates=R)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        assert not model.running and model.steps == model.n_steps
        builds.append(t1 - t0)
        runs.append(t2 - t1)
    n_steps = model.n_steps
    out = dict(R=R, repeats=repeats, n_steps=n_steps, build=statistics.median(builds),
               run_median=statistics.median(runs), run_best=min(runs), runs=runs)
    if keep:
        out["model"] = model
    else:
        del model
        gc.collect()
    return out


def time_conventional(cfg, R: int, n_steps: int):
    """R single-replicate models through mesa.batch_run, one process, DataCollector on."""
    ConventionalModel.construct_seconds.clear()
    ConventionalModel.seen.clear()
    params = {
        "cfg": (cfg,),  # a 1-tuple: batch_run expands iterables, and a DictConfig is one
        "path": PATH,  # a str is passed as a single value
        "replicate_ids": [[k] for k in range(R)],  # one run per replicate
    }
    gc.collect()
    t0 = time.perf_counter()
    rows = batch_run(
        ConventionalModel,
        parameters=params,
        number_processes=1,
        rng=[int(cfg.seed)],  # every run gets the root seed; replicate_ids picks the replicate
        data_collection_period=1,
        max_steps=n_steps,
        display_progress=False,
    )
    wall = time.perf_counter() - t0
    return dict(R=R, wall=wall, construct=sum(ConventionalModel.construct_seconds),
                n_models=len(ConventionalModel.construct_seconds),
                seen=list(ConventionalModel.seen), rows=rows)


def check_conventional(conv, batched_model, n_steps: int) -> str:
    """Each batch_run run must be replicate k of the batched engine (common random numbers)."""
    R = conv["R"]
    key = f"balance_{CLIENT}"  # the DataCollector's name of AZE's balance on its own (TUR-RUS) axis
    seeds = {s for s, _ in conv["seen"]}
    ids = sorted(i for _, ids in conv["seen"] for i in ids)
    problems = []
    if conv["n_models"] != R or ids != list(range(R)):
        problems.append(f"models built for replicates {ids[:5]}... (expected 0..{R - 1}, one each)")
    if seeds != {batched_model.seed}:
        problems.append(f"seeds seen {sorted(seeds)} != batched seed {batched_model.seed}")
    series = {}
    for row in conv["rows"]:
        (k,) = row["replicate_ids"]
        series.setdefault(k, {})[row["Step"]] = row[key]
    ref = batched_model.balance(PLUS, MINUS)[:, :, batched_model.clients.index(CLIENT)]
    max_diff = 0.0
    for k in range(R):
        s = series.get(k, {})
        if sorted(s) != list(range(n_steps + 1)):
            problems.append(f"replicate {k}: steps collected {len(s)} != {n_steps + 1}")
            continue
        got = np.array([s[t] for t in range(n_steps + 1)])
        max_diff = max(max_diff, float(np.max(np.abs(got - ref[:, k]))))
    if max_diff > 1e-12:
        problems.append(f"balance differs from the batched engine by up to {max_diff:.3g}")
    if problems:
        return "MISMATCH: " + "; ".join(problems)
    return (f"ok: {R} runs, replicates 0..{R - 1}, seed {batched_model.seed}, "
            f"{len(conv['rows'])} DataCollector rows; per-step {CLIENT} {PLUS}-{MINUS} balance "
            f"matches the batched engine's replicate k (max |diff| = {max_diff:.1e})")


# ---------------------------------------------------------------------- reporting


def machine_info() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        root = Path(__file__).resolve().parents[1]
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        rev = f"{rev}{' (src/ has uncommitted changes)' if dirty else ''}" if rev else "?"
    except (OSError, subprocess.SubprocessError):
        rev = "?"
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
               if k in os.environ}
    return [
        f"date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"python:   {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"numpy:    {np.__version__}    mesa: {mesa.__version__}",
        f"CPU:      {cpu}; os.cpu_count() = {os.cpu_count()}, usable by this process = {usable}",
        f"threads:  {threads or 'no OMP/OPENBLAS/MKL_NUM_THREADS set'}",
        f"code:     git {rev}",
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="short version: fewer repeats, conventional batch_run at R=20")
    args = ap.parse_args(argv)

    if args.quick:
        plan = [(1, 3), (100, 3), (1_000, 1), (10_000, 1)]
        conv_R = 20
    else:
        plan = [(1, 7), (100, 5), (1_000, 3), (10_000, 3)]
        conv_R = 100

    t_start = time.perf_counter()
    print("caucasus-sim benchmark: replicates as a batch dimension" + (" (--quick)" if args.quick else ""))
    for line in machine_info():
        print("  " + line)

    cfg = load_config(["progress=off"])
    first_path = next(iter(cfg.paths))
    print(f"  scenario: experiment={cfg.experiment}, path={PATH!r} (first path: {first_path!r}), "
          f"seed={cfg.seed}, {cfg.scenario.start} .. {cfg.scenario.end}, dt={cfg.scenario.dt_days} d")

    # warm-up (not timed): first-call costs (catalog and CAMEO table caches, imports)
    warm = CaucasusModel(cfg, path=PATH, replicates=1).run()
    n_steps = warm.n_steps
    print(f"  steps per run: {n_steps}; agents: {warm.N} ({len(warm.clients)} clients x "
          f"{len(warm.patrons)} patrons recorded); one untimed warm-up run at R=1 first")
    del warm
    print()

    batched = {}
    for R, reps in plan:
        batched[R] = time_batched(cfg, R, reps, keep=(R == conv_R))
    conv = time_conventional(cfg, conv_R, n_steps)
    if conv_R not in batched:
        batched_ref = time_batched(cfg, conv_R, 1, keep=True)
    else:
        batched_ref = batched[conv_R]
    verdict = check_conventional(conv, batched_ref["model"], n_steps)

    # ------------------------------------------------------------------ the table
    hdr = (f"{'engine':<34} {'R':>7} {'reps':>4} {'build s':>8} {'run s (median)':>15} "
           f"{'s/step median':>14} {'s/step best':>12} {'rep-steps/s (median)':>21}")
    print("Replicate-steps per second (run time only; construction excluded; median of repeats)")
    print(hdr)
    print("-" * len(hdr))
    for R, b in batched.items():
        sps_med = b["run_median"] / n_steps
        sps_best = b["run_best"] / n_steps
        print(f"{'batched CaucasusModel.run()':<34} {R:>7,} {b['repeats']:>4} {b['build']:>8.3f} "
              f"{b['run_median']:>15.3f} {sps_med:>14.3e} {sps_best:>12.3e} "
              f"{R * n_steps / b['run_median']:>21,.0f}")
    conv_total = conv["R"] * n_steps
    conv_steps_only = conv["wall"] - conv["construct"]
    print(f"{'conventional mesa.batch_run':<34} {conv['R']:>7,} {1:>4} {'(incl.)':>8} "
          f"{conv['wall']:>15.3f} {conv['wall'] / n_steps:>14.3e} {'-':>12} "
          f"{conv_total / conv['wall']:>21,.0f}")
    print(f"{'  same, model construction removed':<34} {conv['R']:>7,} {1:>4} "
          f"{conv['construct']:>8.3f} {conv_steps_only:>15.3f} {conv_steps_only / n_steps:>14.3e} "
          f"{'-':>12} {conv_total / conv_steps_only:>21,.0f}")
    print()
    print("Notes: batched 'run s' is the time of model.run() over all steps of a freshly built model;")
    print("  's/step' = run s / steps; 'rep-steps/s' = R x steps / run s. All repeats' run times (s):")
    for R, b in batched.items():
        print(f"    R={R:>6,}: " + ", ".join(f"{x:.3f}" for x in b["runs"]))
    print(f"  conventional: batch_run wall time for {conv['R']} one-replicate models (1 process, "
          f"DataCollector collecting {CLIENT} {PLUS}-{MINUS} balance every step, batch_run result rows);")
    print(f"    of which {conv['construct']:.3f} s building the {conv['n_models']} models "
          f"({conv['construct'] / max(conv['n_models'], 1) * 1e3:.1f} ms each).")
    print(f"  replicate check: {verdict}")
    print()

    # ------------------------------------------------------------------ target checks
    r1, rbig = min(batched), max(batched)
    a = (batched[rbig]["run_median"] / n_steps) / (batched[r1]["run_median"] / n_steps)
    a_best = (batched[rbig]["run_best"] / n_steps) / (batched[r1]["run_best"] / n_steps)
    print("Target checks")
    print(f"  (a) step cost at R={rbig:,} / step cost at R={r1}: "
          f"{batched[rbig]['run_median'] / n_steps * 1e3:.3f} ms / "
          f"{batched[r1]['run_median'] / n_steps * 1e3:.3f} ms = {a:.1f}   (target < 20)  "
          f"-> {'PASS' if a < 20 else 'FAIL'}   [best-of-repeats ratio: {a_best:.1f}]")
    rb = 1_000
    thr_b = rb * n_steps / batched[rb]["run_median"]
    thr_c = conv_total / conv["wall"]
    thr_c_steps = conv_total / conv_steps_only
    b_ratio = thr_b / thr_c
    b_cons = thr_b / thr_c_steps
    print(f"  (b) batched throughput at R={rb:,} / conventional throughput at R={conv['R']}: "
          f"{thr_b:,.0f} / {thr_c:,.0f} rep-steps/s = {b_ratio:.1f}   (target >= 50)  "
          f"-> {'PASS' if b_ratio >= 50 else 'FAIL'}")
    print(f"      with the conventional models' construction removed: {thr_b:,.0f} / {thr_c_steps:,.0f} "
          f"= {b_cons:.1f} -> {'PASS' if b_cons >= 50 else 'FAIL'}")
    if verdict.startswith("MISMATCH"):
        print("  WARNING: the conventional runs did not reproduce the batched replicates (see above)")
    if args.quick:
        print(f"  (--quick: conventional measured at R={conv['R']}, not 100; fewer repeats)")
    print(f"\nTotal benchmark wall time: {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
