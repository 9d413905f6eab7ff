"""Benchmark: one parameter sweep run three ways (docs/architecture.md, "Replicates are a batch
dimension" and "Scale").

The sweep is experiment strategy_sweep on a 10 x 10 grid
(decisions.strategies.rus_coercive.intensity x decisions.strategies.tur_engaged.intensity,
each np.linspace(0, 3, 10)) with 200 replicates per point over the full default horizon
(to the scenario's end, 2028-12-31): 100 points x 200 replicates = 20,000 replicate runs.
It is measured three ways:

1. In process, batched: `caucasus_sim.run(cfg)` of a sweep experiment through the Python API, timed
   end to end (planning, simulation, per-batch Parquet files, merged table, summary,
   figures, manifest), with `sweep.points_per_batch` = 0 (all points in one batch) and
   = 10 (the experiment's own setting is 7, a divisor of its 7 x 7 grid; 10 is the
   analogue for a 10 x 10 grid). Each setting is repeated in fresh output folders; the
   table shows the median. Parts are timed on their own too: `plan_sweep(cfg)` (which
   run_sweep calls first; it builds and validates every point's configuration), and the
   simulation alone: one `CaucasusModel(cfg, path=..., points=<all points>,
   replicates=200)` and its `.run()`, and the same as batches of 10 points (construction
   timed separately). For a like-for-like comparison with the Hydra command, the
   in-process sweep is also run once as a command (`caucasus-sim experiment=strategy_sweep
   ... sweep.points_per_batch=0` in a subprocess, interpreter start-up and config checks
   included).
2. Hydra multirun, one job per point, basic launcher: `caucasus-sim -m
   experiment=strategy_sweep sweep.method=none ... key1=<10 values> key2=<10 values>` in a
   subprocess (values are repr() of the np.linspace floats, so they are the same floats),
   timed as the wall clock of the whole command (jobs plus the automatic collect).
   The per-job wall times and the collect time recorded in the manifests are shown as
   a breakdown. The merged tables of (1) and (2) are then compared after dropping the
   `job` column (pandas assert_frame_equal, check_exact=True).
3. mesa.batch_run with one model per replicate (the conventional Mesa way): running all
   20,000 runs would take about an hour, so the per-run cost is measured on a sample of
   runs spread over points and replicates (one batch_run call per sampled point,
   number_processes=1, the DataCollector model of benchmarks/replicates.py, each point's
   intensities set in a copy of the configuration by `point_config`), and the total is
   ESTIMATED as per-run cost x 20,000. Each sampled run's per-step balance is checked
   against the same row of the batched sweep model. The estimate leaves out writing any
   merged table or figures, so it flatters batch_run.

Throughput is replicate-steps per second (points x replicates x steps / wall seconds) and
points per second.

Target check printed at the end: in-process batched sweep (end to end) at least 20x faster
than the mesa.batch_run estimate; the ratio against the Hydra basic launcher is printed
too (no target).

Run:  .venv/bin/python benchmarks/sweeps.py           (full, several minutes; the Hydra
                                                        multirun of 100 jobs is the longest part)
      .venv/bin/python benchmarks/sweeps.py --quick   (4 x 4 grid x 50 replicates, 10-run sample)

Everything is written to a temporary folder that is removed at the end.
Nothing printed is hard-coded: every number is measured in the run that prints it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from mesa.batchrunner import batch_run
from omegaconf import OmegaConf

from caucasus_sim import load_config
from caucasus_sim.model import CaucasusModel
from caucasus_sim import run
from caucasus_sim.analysis.points import point_config
from caucasus_sim.analysis.sweep import OUTCOMES_FILE, plan_sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replicates import CLIENT, MINUS, PLUS, ConventionalModel, machine_info  # noqa: E402

EXPERIMENT = "strategy_sweep"
LOW, HIGH = 0.0, 3.0


# ---------------------------------------------------------------------- helpers


def cli_executable() -> str:
    here = Path(sys.executable).parent / "caucasus-sim"
    if here.is_file():
        return str(here)
    found = shutil.which("caucasus-sim")
    if not found:
        raise SystemExit("caucasus-sim command not found next to this Python or on PATH")
    return found


def base_overrides(n: int, R: int, root: Path) -> list[str]:
    return ["experiment=" + EXPERIMENT, f"sweep.axes.0.num={n}", f"sweep.axes.1.num={n}",
            f"replicates={R}", "progress=off", f"output_root={root}"]


def quiet_run_sweep(cfg) -> Path:
    with contextlib.redirect_stdout(io.StringIO()):
        return run(cfg).folder


def only_folder(root: Path, pattern: str) -> Path:
    found = sorted((root / EXPERIMENT).glob(pattern))
    if len(found) != 1:
        raise RuntimeError(f"expected one {pattern} folder under {root / EXPERIMENT}, found {found}")
    return found[0]


def run_command(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    gc.collect()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"command failed (exit {proc.returncode}): {' '.join(cmd[:4])} ...\n{tail}")
    return wall, proc


def compare_tables(a: Path, b: Path) -> str:
    """Bit-identical after dropping `job`? Returns 'identical' or what differs."""
    ta = pd.read_parquet(a / OUTCOMES_FILE).drop(columns=["job"])
    tb = pd.read_parquet(b / OUTCOMES_FILE).drop(columns=["job"])
    try:
        pd.testing.assert_frame_equal(ta, tb, check_exact=True)
    except AssertionError as exc:
        msg = " ".join(str(exc).split())
        return f"DIFFERENT ({ta.shape} vs {tb.shape}): {msg[:400]}"
    return f"bit-identical ({ta.shape[0]:,} rows x {ta.shape[1]} columns, check_exact=True)"


# ---------------------------------------------------------------------- measurements


def time_simulation(cfg, path: str, points: list[dict], R: int, per_batch: int, repeats: int,
                    keep_rows=None):
    """Build and run batched models of `per_batch` points each; time construction and
    `.run()` separately. `keep_rows` (row numbers of the all-point batch) returns the
    per-step balance of those rows from the first repeat."""
    builds, runs, kept, n_steps = [], [], None, None
    for rep in range(repeats):
        b_total = r_total = 0.0
        for i in range(0, len(points), per_batch):
            gc.collect()
            t0 = time.perf_counter()
            model = CaucasusModel(cfg, path=path, points=points[i:i + per_batch], replicates=R)
            t1 = time.perf_counter()
            model.run()
            t2 = time.perf_counter()
            assert not model.running and model.steps == model.n_steps
            b_total += t1 - t0
            r_total += t2 - t1
            n_steps = model.n_steps
            if rep == 0 and keep_rows is not None and per_batch >= len(points):
                c = model.clients.index(CLIENT)
                kept = model.balance(PLUS, MINUS)[:, keep_rows, c].copy()
            del model
        builds.append(b_total)
        runs.append(r_total)
    gc.collect()
    return dict(per_batch=per_batch, batches=-(-len(points) // per_batch), repeats=repeats,
                build=statistics.median(builds), run=statistics.median(runs), runs=runs,
                n_steps=n_steps, kept=kept)


def time_run_sweep(n: int, R: int, ppb: int, root: Path, repeats: int, keep: Path):
    """run_sweep end to end, each repeat in a fresh output_root; the first folder is kept."""
    walls, folders, loads = [], [], []
    for rep in range(repeats):
        out = root / f"inproc-ppb{ppb}-{rep}"
        gc.collect()
        t0 = time.perf_counter()
        cfg = load_config(base_overrides(n, R, out) + [f"sweep.points_per_batch={ppb}"])
        t1 = time.perf_counter()
        folder = quiet_run_sweep(cfg)
        t2 = time.perf_counter()
        loads.append(t1 - t0)
        walls.append(t2 - t1)
        folders.append(folder)
    info = json.loads((folders[0] / "manifest.json").read_text())
    kept = keep / f"inproc-ppb{ppb}"
    shutil.copytree(folders[0], kept)
    for rep in range(repeats):
        shutil.rmtree(root / f"inproc-ppb{ppb}-{rep}", ignore_errors=True)
    return dict(ppb=ppb, batches=int(info["chunks"]), repeats=repeats, wall=statistics.median(walls),
                walls=walls, load=statistics.median(loads), folder=kept)


def sample_rows(P: int, R: int, n_sample: int) -> np.ndarray:
    """Rows (point * R + replicate) spread evenly over the sweep's points and replicates."""
    return np.unique(np.round(np.linspace(0, P * R - 1, n_sample)).astype(int))


def time_batch_run(cfg, path: str, points: list[dict], R: int, rows: np.ndarray, n_steps: int):
    """A sample of one-replicate models through mesa.batch_run, at the sweep's (point,
    replicate) `rows`; one batch_run call per sampled point."""
    by_point: dict[int, list[int]] = {}
    for row in rows:
        by_point.setdefault(int(row // R), []).append(int(row % R))
    ConventionalModel.construct_seconds.clear()
    ConventionalModel.seen.clear()
    results = []
    gc.collect()
    t0 = time.perf_counter()
    for i, ks in by_point.items():
        pcfg = point_config(cfg, points[i])
        out = batch_run(
            ConventionalModel,
            parameters={"cfg": (pcfg,), "path": path, "replicate_ids": [[k] for k in ks]},
            number_processes=1,
            rng=[int(cfg.seed)],
            data_collection_period=1,
            max_steps=n_steps,
            display_progress=False,
        )
        results.append((i, out))
    wall = time.perf_counter() - t0
    return dict(rows=rows, by_point=by_point, wall=wall, n=len(rows),
                construct=sum(ConventionalModel.construct_seconds),
                n_models=len(ConventionalModel.construct_seconds), results=results)


def check_batch_run(conv, kept: np.ndarray, R: int, n_steps: int) -> str:
    """Each sampled run must equal its row of the all-point batched model."""
    key = f"{CLIENT}_{PLUS}_{MINUS}"
    col = {int(r): j for j, r in enumerate(conv["rows"])}
    problems, max_diff, checked = [], 0.0, 0
    if conv["n_models"] != conv["n"]:
        problems.append(f"{conv['n_models']} models built for {conv['n']} sampled runs")
    for i, out in conv["results"]:
        series: dict[int, dict[int, float]] = {}
        for r in out:
            (k,) = r["replicate_ids"]
            series.setdefault(k, {})[r["Step"]] = r[key]
        for k in conv["by_point"][i]:
            s = series.get(k, {})
            if sorted(s) != list(range(n_steps + 1)):
                problems.append(f"point {i} replicate {k}: {len(s)} steps collected, expected {n_steps + 1}")
                continue
            got = np.array([s[t] for t in range(n_steps + 1)])
            max_diff = max(max_diff, float(np.max(np.abs(got - kept[:, col[i * R + k]]))))
            checked += 1
    if max_diff > 0:
        problems.append(f"per-step balance differs from the batched sweep by up to {max_diff:.3g}")
    if problems:
        return "MISMATCH: " + "; ".join(problems)
    return (f"ok: all {checked} sampled runs reproduce their row (point, replicate) of the "
            f"batched sweep model exactly (per-step {CLIENT} {PLUS}-{MINUS} balance, max |diff| = 0)")


# ---------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="short version: 4 x 4 grid x 50 replicates, a 10-run batch_run sample")
    args = ap.parse_args(argv)
    if args.quick:
        n, R, n_sample, repeats, sim_repeats = 4, 50, 10, 1, 1
    else:
        n, R, n_sample, repeats, sim_repeats = 10, 200, 50, 3, 3
    P = n * n

    t_start = time.perf_counter()
    print("caucasus-sim benchmark: a parameter sweep three ways" + (" (--quick)" if args.quick else ""))
    for line in machine_info():
        print("  " + line)

    root = Path(tempfile.mkdtemp(prefix="caucasus-sweeps-bench-"))
    try:
        return _run(args, n, R, P, n_sample, repeats, sim_repeats, root, t_start)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        print(f"(temporary folder {root} removed: {not root.exists()})")


def _run(args, n, R, P, n_sample, repeats, sim_repeats, root: Path, t_start: float) -> int:
    keep = root / "kept"
    keep.mkdir()
    cfg = load_config(base_overrides(n, R, root / "unused"))
    plan = plan_sweep(cfg)  # first call: not timed (its timed repeat is below, after the warm-up)
    paths = list(cfg.paths)
    if len(paths) != 1:
        raise SystemExit(f"expected one path in {EXPERIMENT}, found {paths}")
    path = paths[0]
    axes = plan.axes
    grid = np.linspace(LOW, HIGH, n)
    values = [repr(float(v)) for v in grid]
    # the CLI values must be the very floats the in-process plan uses
    for ax_i, key in enumerate(axes):
        planned = sorted({p[key] for p in plan.points})
        if [float(v) for v in values] != planned or cfg.sweep.axes[ax_i].low != LOW \
                or cfg.sweep.axes[ax_i].high != HIGH:
            raise SystemExit(f"axis {key}: planned values {planned} are not np.linspace({LOW}, {HIGH}, {n})")
    exp_default = load_config(["experiment=" + EXPERIMENT])
    print(f"  sweep:    experiment={EXPERIMENT}, path={path!r}, seed={cfg.seed}, "
          f"{cfg.scenario.start} .. {cfg.scenario.end}, dt={cfg.scenario.dt_days} d")
    print(f"            grid {n} x {n} = {P} points ({cfg.sweep.method}, batchable: {plan.batchable}) "
          f"x {R} replicates = {P * R:,} replicate runs")
    for key in axes:
        print(f"            {key} = {', '.join(values)}")
    print(f"            (experiment defaults: {exp_default.sweep.axes[0].num} x "
          f"{exp_default.sweep.axes[1].num} grid, replicates={exp_default.replicates}, "
          f"points_per_batch={exp_default.sweep.points_per_batch})")

    # warm-up (not timed): imports (matplotlib, pyarrow), catalog caches, first-call costs
    t0 = time.perf_counter()
    warm_cfg = load_config(["experiment=" + EXPERIMENT, "sweep.axes.0.num=2", "sweep.axes.1.num=2",
                            "replicates=2", "progress=off", f"output_root={root / 'warm'}"])
    quiet_run_sweep(warm_cfg)
    warm = CaucasusModel(cfg, path=path, replicates=1).run()
    n_steps = warm.n_steps
    del warm
    shutil.rmtree(root / "warm", ignore_errors=True)
    print(f"  steps per run: {n_steps}; untimed warm-up first (a 2 x 2 x 2 run_sweep and one "
          f"R=1 run, {time.perf_counter() - t0:.1f} s)")
    print(f"  temporary output folder: {root}")
    print()
    rep_steps = P * R * n_steps
    plan_walls = []
    for _ in range(sim_repeats):
        t0 = time.perf_counter()
        plan_sweep(cfg)
        plan_walls.append(time.perf_counter() - t0)
    plan_wall = statistics.median(plan_walls)

    # ------------------------------------------------------------------ 1. in process
    print(f"[1/3] in-process batched sweep: simulation only ({sim_repeats} repeats), "
          f"run_sweep end to end ({repeats} repeats per setting), and the CLI command once ...",
          flush=True)
    rows = sample_rows(P, R, n_sample)
    sim_all = time_simulation(cfg, path, plan.points, R, P, sim_repeats, keep_rows=rows)
    sim_n = time_simulation(cfg, path, plan.points, R, n, sim_repeats)
    assert sim_all["n_steps"] == n_steps
    e2e = {ppb: time_run_sweep(n, R, ppb, root, repeats, keep) for ppb in (0, n)}
    cli = cli_executable()
    cli_out = root / "cli-inproc"
    cli_wall, _ = run_command([cli, *base_overrides(n, R, cli_out), "sweep.points_per_batch=0"], cwd=root)
    cli_folder = only_folder(cli_out, "sweep-*")
    cli_batches = int(json.loads((cli_folder / "manifest.json").read_text())["chunks"])

    # ------------------------------------------------------------------ 2. Hydra multirun
    print(f"[2/3] Hydra multirun, {P} jobs, one per point (subprocess) ...", flush=True)
    mr_out = root / "multirun"
    mr_cmd = [cli, "-m", "experiment=" + EXPERIMENT, "sweep.method=none", f"replicates={R}",
              "progress=off", f"output_root={mr_out}"] + [f"{key}={','.join(values)}" for key in axes]
    mr_wall, _ = run_command(mr_cmd, cwd=root)
    mr_folder = only_folder(mr_out, "multirun-*")
    job_manifests = sorted((mr_folder / "points").glob("*/manifest.json"))
    job_walls = [json.loads(m.read_text())["wall_time_s"] for m in job_manifests]
    mr_info = json.loads((mr_folder / "manifest.json").read_text())
    launcher = OmegaConf.load(mr_folder / "multirun.yaml").hydra.launcher._target_

    same_mr = {ppb: compare_tables(e2e[ppb]["folder"], mr_folder) for ppb in e2e}
    same_ppb = compare_tables(e2e[0]["folder"], e2e[n]["folder"])
    same_cli = compare_tables(e2e[0]["folder"], cli_folder)

    # ------------------------------------------------------------------ 3. mesa.batch_run
    print(f"[3/3] mesa.batch_run, one model per replicate, sample of {n_sample} runs ...", flush=True)
    conv = time_batch_run(cfg, path, plan.points, R, rows, n_steps)
    verdict = check_batch_run(conv, sim_all["kept"], R, n_steps)
    per_run = conv["wall"] / conv["n"]
    est = per_run * P * R
    print()

    # ------------------------------------------------------------------ the table
    def row(label, runs, wall, note="", rates=True):
        rs, ps = (f"{rep_steps / wall:>13,.0f}", f"{P / wall:>9.2f}") if rates else (f"{'-':>13}", f"{'-':>9}")
        print(f"{label:<52} {runs:>9} {wall:>10.2f} {rs} {ps}  {note}")

    print(f"Sweep of {P} points x {R} replicates x {n_steps} steps = {rep_steps:,} replicate-steps")
    hdr = (f"{'way':<52} {'batches':>9} {'wall s':>10} {'rep-steps/s':>13} {'points/s':>9}  notes")
    print(hdr)
    print("-" * (len(hdr) + 30))
    for ppb, e in e2e.items():
        what = "0 (all)" if ppb == 0 else str(ppb)
        row(f"1. in process: run_sweep, points_per_batch={what}", e["batches"], e["wall"],
            f"end to end, median of {e['repeats']}")
    row("   of which (both): plan_sweep(cfg)", 1, plan_wall,
        f"timed alone, median of {len(plan_walls)}; run_sweep calls it first", rates=False)
    row("   in process: `caucasus-sim experiment=...` command", cli_batches, cli_wall,
        "subprocess wall, 1 run, points_per_batch=0, start-up incl.")
    row(f"   simulation only: 1 model of {P} points", 1, sim_all["run"],
        f".run() median of {sim_all['repeats']}; build {sim_all['build']:.3f} s")
    row(f"   simulation only: {sim_n['batches']} models of {n} points", sim_n["batches"], sim_n["run"],
        f".run() median of {sim_n['repeats']}; build {sim_n['build']:.3f} s")
    row(f"2. Hydra multirun, {len(job_manifests)} jobs", len(job_manifests), mr_wall,
        f"command wall, 1 run, launcher {launcher.rsplit('.', 1)[-1]}")
    row("   of which: the jobs' own wall time (sum)", len(job_walls), sum(job_walls),
        "run_point per job, from the job manifests")
    row("   of which: collect (merge, summary, figures)", 1, float(mr_info["wall_time_s"]),
        "from the multirun manifest", rates=False)
    rest = mr_wall - sum(job_walls) - float(mr_info["wall_time_s"])
    print(f"{'   of which: the rest (start-up, checks, Hydra per job)':<52} {'':>9} {rest:>10.2f}")
    row(f"3. mesa.batch_run ESTIMATE: {P * R:,} one-replicate runs", P * R, est,
        f"ESTIMATE = {per_run:.3f} s/run x {P * R:,}, from a measured sample of {conv['n']} runs")
    print()
    print("Notes:")
    for ppb, e in e2e.items():
        print(f"  run_sweep points_per_batch={ppb}: " + ", ".join(f"{x:.2f}" for x in e["walls"])
              + f" s (load_config beforehand: {e['load']:.2f} s, not included)")
    print(f"  simulation only, all {P} points in one model: .run() " + ", ".join(f"{x:.2f}" for x in sim_all["runs"])
          + f" s; in models of {n} points: " + ", ".join(f"{x:.2f}" for x in sim_n["runs"]) + " s")
    print("  plan_sweep(cfg) alone: " + ", ".join(f"{x:.2f}" for x in plan_walls)
          + f" s ({plan_wall / P * 1e3:.1f} ms per point)")
    print(f"  Hydra jobs: {len(job_walls)} point folders, per-job wall {min(job_walls):.2f} .. "
          f"{max(job_walls):.2f} s (median {statistics.median(job_walls):.2f} s)")
    print(f"  mesa.batch_run sample: {conv['n']} runs over {len(conv['by_point'])} points and replicates "
          f"{min(k for ks in conv['by_point'].values() for k in ks)}..{max(k for ks in conv['by_point'].values() for k in ks)}, "
          f"{conv['wall']:.2f} s in all ({per_run * 1e3:.1f} ms/run, of which "
          f"{conv['construct'] / max(conv['n_models'], 1) * 1e3:.1f} ms building the model); "
          f"1 process, DataCollector every step;")
    print("    the estimate covers the simulation only (no merged table, summary or figures).")
    print(f"  batch_run replicate check: {verdict}")
    print("Merged tables (sweep_outcomes.parquet, `job` column dropped):")
    for ppb, verdict_mr in same_mr.items():
        print(f"  in process (points_per_batch={ppb}) vs Hydra multirun: {verdict_mr}")
    print(f"  in process points_per_batch=0 vs points_per_batch={n}: {same_ppb}")
    print(f"  run_sweep (Python API) vs the `caucasus-sim` command (in process): {same_cli}")
    print()

    # ------------------------------------------------------------------ target checks
    print("Target checks")
    for ppb, e in e2e.items():
        ratio = est / e["wall"]
        print(f"  in-process batched (run_sweep end to end, points_per_batch={ppb}) vs mesa.batch_run "
              f"estimate: {est:,.1f} s / {e['wall']:.2f} s = {ratio:,.1f}x   (target >= 20x)  "
              f"-> {'PASS' if ratio >= 20 else 'FAIL'}")
    for ppb, e in e2e.items():
        print(f"  Hydra multirun (basic launcher) / in-process batched (points_per_batch={ppb}): "
              f"{mr_wall:.2f} s / {e['wall']:.2f} s = {mr_wall / e['wall']:.1f}x   (no target)")
    print(f"  Hydra multirun / the in-process `caucasus-sim` command (both subprocess wall): "
          f"{mr_wall:.2f} s / {cli_wall:.2f} s = {mr_wall / cli_wall:.1f}x")
    print(f"  mesa.batch_run estimate / Hydra multirun: {est:,.1f} s / {mr_wall:.2f} s = {est / mr_wall:.1f}x")
    bad = [v for v in [*same_mr.values(), same_ppb, same_cli] if not v.startswith("bit-identical")]
    if bad:
        print("  WARNING: the merged tables of the ways differ (see above)")
    if verdict.startswith("MISMATCH"):
        print("  WARNING: the mesa.batch_run runs did not reproduce the batched sweep rows (see above)")
    if args.quick:
        print(f"  (--quick: {n} x {n} grid x {R} replicates, a {n_sample}-run sample, one repeat)")
    print(f"\nTotal benchmark wall time: {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
