"""Parameter sweeps: plan, run in process (points sharing the batch), resume, collect.

A sweep is declared in an experiment's `sweep` block (a grid, or a Latin hypercube over
named keys with ranges). In process, parameter points whose keys are batchable
(`model.is_batchable`) share one batch: every replicate of every point runs in lockstep.
Points are simulated `points_per_batch` at a time and each finished batch is saved, so
re-running the same command after an interruption skips what is done.

The same sweep can run through Hydra's multirun (`caucasus-sim -m key=a,b ...`), one
job per point, on any launcher; each job writes `points/<point id>/` and `collect`
merges them. Both ways write `sweep_outcomes.parquet` with one row per (point, path,
replicate, client, outcome date), the swept values as columns and the job that produced
each row, and the same figures.

A sweep's folder is `results/<experiment>/sweep-<id>/`, the id a hash of everything that
determines its results, so the same command finds its earlier work; a lock keeps two runs
of the same sweep from writing it at once.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fcntl
import hashlib
import itertools
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from .model import CaucasusModel, is_batchable
from .results import write_atomic
from .schema import SWEEP_METHODS, ConfigError, validate

SWEEP_FILE = "sweep.json"
OUTCOMES_FILE = "sweep_outcomes.parquet"
SUMMARY_FILE = "sweep_summary.csv"
NOT_RESULTS = ("progress", "output_root")  # keys that do not change what a run computes
_NOT_SET = object()


@dataclass
class SweepPlan:
    """The points of a sweep: axis keys and one {key: value} per point."""

    axes: list[str]
    points: list[dict]
    batchable: bool


# ------------------------------------------------------------------------ planning


def numeric_value(cfg, key: str, where: str) -> int | float:
    """The current value of a numeric configuration key, or a ConfigError naming it."""
    current = OmegaConf.select(cfg, key, default=_NOT_SET)
    if current is _NOT_SET:
        raise ConfigError(f"{where}: unknown key {key!r}; name an existing numeric configuration key")
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise ConfigError(f"{where}: {key!r} holds {current!r}, not a number; only numeric keys can vary")
    return current


def _axis_values(cfg, i: int, axis, method: str) -> list[float] | tuple[float, float]:
    key = axis.key
    where = f"sweep.axes[{i}] ({key})"
    numeric_value(cfg, key, where)
    listed = axis["values"]  # item access: `.values` is the mapping method
    if listed is not None:
        if method == "lhs":
            raise ConfigError(f"{where}: a Latin hypercube needs low and high, not values")
        if len(listed) == 0:
            raise ConfigError(f"{where}: empty list of values; give at least one")
        return [float(v) for v in listed]
    if axis.low is None or axis.high is None:
        raise ConfigError(f"{where}: give values, or low and high")
    if not axis.low <= axis.high:
        raise ConfigError(f"{where}: empty range low={axis.low} > high={axis.high}")
    if method == "lhs":
        if axis.low == axis.high:
            raise ConfigError(f"{where}: empty range low = high = {axis.low}")
        return (float(axis.low), float(axis.high))
    if axis.num is None or axis.num < 1:
        raise ConfigError(f"{where}: num {axis.num!r} must be a positive number of grid values")
    return [float(v) for v in np.linspace(axis.low, axis.high, axis.num)]


def _typed(values, current, where: str):
    """Axis values in the type of the key: integral values for an integer key."""
    if not isinstance(current, int) or isinstance(values, tuple):
        return values
    bad = [v for v in values if v != int(v)]
    if bad:
        raise ConfigError(f"{where}: {bad[0]!r} is not an integer, as the key needs")
    return [int(v) for v in values]


def plan_sweep(cfg) -> SweepPlan:
    """Check the sweep block and list its points; every point's configuration is
    validated here, before anything runs."""
    sw = cfg.sweep
    if sw.method not in SWEEP_METHODS or sw.method == "none":
        raise ConfigError(f"sweep.method: {sw.method!r} is not a sweep; expected one of grid, lhs")
    if not sw.axes:
        raise ConfigError("sweep.axes: no axes; name at least one key to sweep")
    axes = [a.key for a in sw.axes]
    if len(set(axes)) != len(axes):
        raise ConfigError(f"sweep.axes: a key is swept twice: {axes}")
    values = {a.key: _typed(_axis_values(cfg, i, a, sw.method), OmegaConf.select(cfg, a.key),
                            f"sweep.axes[{i}] ({a.key})")
              for i, a in enumerate(sw.axes)}
    if sw.method == "grid":
        combos = list(itertools.product(*(values[k] for k in axes)))
    else:
        from scipy.stats import qmc

        if sw.samples < 1:
            raise ConfigError(f"sweep.samples: {sw.samples!r} must be a positive number of points")
        rng = np.random.default_rng(np.random.SeedSequence(int(cfg.seed), spawn_key=(2**32 - 1,)))
        unit = qmc.LatinHypercube(d=len(axes), rng=rng).random(sw.samples)
        lo = np.array([values[k][0] for k in axes])
        hi = np.array([values[k][1] for k in axes])
        combos = [tuple(row) for row in qmc.scale(unit, lo, hi)]
    if sw.points_per_batch < 0:
        raise ConfigError(f"sweep.points_per_batch: {sw.points_per_batch!r} must be 0 (all) or positive")
    # every constraint on a numeric key is a range, so checking each axis at its smallest
    # and largest value checks every point (and costs two validations per axis, not one
    # per point)
    for i, key in enumerate(axes):
        column = [c[i] for c in combos]
        for value in {min(column), max(column)}:
            point_config(cfg, {key: value})
    points = [dict(zip(axes, combo)) for combo in combos]
    return SweepPlan(axes=axes, points=points, batchable=all(is_batchable(k) for k in axes))


def point_config(cfg, point: dict):
    """A copy of the configuration with one point's values set (typed and validated)."""
    from .experiment import describe_config_exception

    out = copy.deepcopy(cfg)
    for key, value in point.items():
        try:
            OmegaConf.update(out, key, value, merge=False)
        except Exception as exc:
            raise ConfigError(f"sweep axis {key}: value {value!r}: {describe_config_exception(exc, [])}") from None
    try:
        validate(out)
    except ConfigError as exc:
        raise ConfigError(f"sweep point {point}: {exc}") from None
    return out


# ------------------------------------------------------------------------ folders


def config_digest(cfg) -> str:
    """A short hash of everything that determines the results of a configuration."""
    plain = OmegaConf.to_container(cfg, resolve=True)
    for key in (*NOT_RESULTS, "hydra"):
        plain.pop(key, None)
    text = json.dumps(plain, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@contextlib.contextmanager
def sweep_lock(folder: Path):
    """Hold the sweep folder's lock; a second run of the same sweep is refused."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"sweep folder {folder} is in use by another run of the same sweep; "
                              "wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_json(path: Path, data) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8"))


# ------------------------------------------------------------------------ tables


def outcome_rows(models: dict[str, CaucasusModel], cfg, points: list[dict], job: str,
                 point_ids: list[int]) -> pd.DataFrame:
    """One row per (point, path, replicate, client, outcome date) of a batch: a run's
    outcome rows with the point and its swept values in front and the job at the end."""
    from .results import model_outcomes

    axes = list(points[0]) if points and points[0] else []
    frames = []
    for path, m in models.items():
        rows = model_outcomes(m, cfg, path)
        per_row = np.repeat(m.point_of_row, len(m.clients))  # rows are (replicate, client)
        per_row = np.tile(per_row, len(rows) // len(per_row))  # ... for each outcome date
        rows.insert(0, "point", np.asarray(point_ids)[per_row])
        for i, k in enumerate(axes, start=1):
            rows.insert(i, k, [points[j][k] for j in per_row])
        rows["job"] = job
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def sort_outcomes(df: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    keys = list(axes) + ["path", "outcome", "client", "replicate"]
    return df.sort_values(keys, kind="stable", ignore_index=True)


def summarise(df: pd.DataFrame, axes: list[str], bname: str) -> pd.DataFrame:
    """Per point, path, client and outcome: replicates, P(balance > 0), mean and quantiles."""
    g = df.groupby(["point", *axes, "path", "client", "outcome"], sort=True, observed=True)[bname]
    out = g.agg(replicates="size", mean="mean",
                q05=lambda v: v.quantile(0.05), q50="median", q95=lambda v: v.quantile(0.95))
    out.insert(1, "p_positive", g.apply(lambda v: float((v > 0).mean())))
    return out.reset_index()


# ------------------------------------------------------------------------ in process


def run_sweep(cfg) -> Path:
    """Run the experiment's sweep in process; resume a sweep interrupted earlier."""
    from tqdm.auto import tqdm

    from .experiment import progress_disabled

    t0 = time.perf_counter()
    plan = plan_sweep(cfg)
    for path in cfg.paths:
        CaucasusModel(cfg, path=path, replicates=1)  # bad paths or events fail before any work
    folder = Path(cfg.output_root) / cfg.experiment / f"sweep-{config_digest(cfg)}"
    per_batch = cfg.sweep.points_per_batch or len(plan.points)
    if not plan.batchable:
        per_batch = 1
    batches = [list(range(i, min(i + per_batch, len(plan.points))))
               for i in range(0, len(plan.points), per_batch)]
    with sweep_lock(folder):
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if not (folder / SWEEP_FILE).exists():
            _write_json(folder / SWEEP_FILE, {
                "kind": "in_process", "axes": plan.axes, "points": plan.points,
                "total": len(plan.points), "points_per_batch": per_batch, "started_utc": started,
            })
        (folder / "batches").mkdir(exist_ok=True)
        todo = [(i, b) for i, b in enumerate(batches)
                if not (folder / "batches" / f"batch-{i:04d}.parquet").exists()]
        done_points = len(plan.points) - sum(len(b) for _, b in todo)
        disable = progress_disabled(cfg)
        with tqdm(total=len(plan.points), initial=done_points, unit="point", desc=f"{cfg.experiment} sweep",
                  disable=disable) as bar:
            for i, ids in todo:
                pts = [plan.points[j] for j in ids]
                if plan.batchable:
                    models = {p: CaucasusModel(cfg, path=p, points=pts).run() for p in cfg.paths}
                else:
                    pcfg = point_config(cfg, pts[0])
                    models = {p: CaucasusModel(pcfg, path=p).run() for p in cfg.paths}
                rows = outcome_rows(models, cfg, pts, f"batch-{i:04d}", ids)
                write_atomic(folder / "batches" / f"batch-{i:04d}.parquet",
                              lambda f: rows.to_parquet(f, index=False))
                bar.update(len(ids))
        if disable and todo:
            print(f"caucasus-sim: sweep {folder.name}: {len(plan.points)} points "
                  f"({done_points} already done, {len(plan.points) - done_points} run)")
        frames = [pd.read_parquet(folder / "batches" / f"batch-{i:04d}.parquet") for i in range(len(batches))]
        merged = sort_outcomes(pd.concat(frames, ignore_index=True), plan.axes)
        finish(folder, cfg, merged, plan.axes, t0, {"kind": "in_process", "batches": len(batches)})
    return folder


# ------------------------------------------------------------------------ Hydra multirun


def identity(overrides: list[str]) -> list[str]:
    """The overrides that determine results (without Hydra's and display settings)."""
    return [o for o in overrides
            if not o.lstrip("+~").startswith("hydra") and o.lstrip("+~").split("=")[0] not in NOT_RESULTS]


def multirun_folder(cfg, overrides: list[str]) -> Path:
    """The folder of a multirun: the base configuration (first value of each sweep) and
    the command's overrides decide it, so the same command finds its earlier jobs."""
    digest = hashlib.sha256(
        (config_digest(cfg) + "\n" + "\n".join(sorted(identity(overrides)))).encode()).hexdigest()[:12]
    return Path(cfg.output_root) / cfg.experiment / f"multirun-{digest}"


def run_point(cfg, folder: Path, job_overrides: list[str], swept: list[str]) -> Path | None:
    """One job of a multirun: simulate one point into `points/<point id>/`, or skip it
    if an earlier run finished it."""
    from .experiment import simulate
    from .results import git_commit, versions

    t0 = time.perf_counter()
    point_id = hashlib.sha256("\n".join(sorted(identity(job_overrides))).encode()).hexdigest()[:12]
    final = folder / "points" / point_id
    if (final / "manifest.json").exists():
        print(f"caucasus-sim: point {point_id} already done, skipped")
        return None
    values = {k: OmegaConf.select(cfg, k) for k in swept}
    models = simulate(cfg, progress="off")
    rows = outcome_rows(models, cfg, [values], point_id, [0])
    rows = rows.drop(columns=["point"])
    staging = folder / "points" / f".{point_id}.{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        rows.to_parquet(staging / "outcomes.parquet", index=False)
        (staging / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True), encoding="utf-8")
        first = next(iter(models.values()))
        _write_json(staging / "manifest.json", {
            "point_id": point_id, "overrides": sorted(job_overrides), "swept": values,
            "seed": int(cfg.seed), "replicate_keys": [int(k) for k in first.keys],
            "versions": versions(), "git_commit": git_commit(), "pid": os.getpid(),
            "wall_time_s": round(time.perf_counter() - t0, 3),
        })
        if final.exists():  # a concurrent job finished the same point
            shutil.rmtree(staging)
            return final
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report_progress(folder)
    return final


def report_progress(folder: Path) -> None:
    info = json.loads((folder / SWEEP_FILE).read_text())
    done = sum(1 for _ in (folder / "points").glob("*/manifest.json"))
    total = int(info["total"])
    elapsed = time.time() - info["started_epoch"]
    run_now = max(done - info.get("done_at_start", 0), 1)
    eta = elapsed / run_now * max(total - done, 0)
    print(f"caucasus-sim: sweep {folder.name}: {done}/{total} points done, {total - done} left, "
          f"about {eta:.0f} s to go", file=sys.stderr)


def collect(folder: Path) -> Path:
    """Merge the job folders of a multirun into one table with its figures and report."""
    t0 = time.perf_counter()
    folder = Path(folder)
    info_file = folder / SWEEP_FILE
    if not info_file.is_file():
        raise ConfigError(f"{folder} is not a sweep folder (no {SWEEP_FILE})")
    info = json.loads(info_file.read_text())
    manifests = sorted((folder / "points").glob("*/manifest.json"))
    if not manifests:
        raise ConfigError(f"{folder}: no finished points to collect")
    axes = list(info["axes"])
    frames = [pd.read_parquet(m.parent / "outcomes.parquet") for m in manifests]
    merged = pd.concat(frames, ignore_index=True)
    merged = sort_outcomes(merged, axes)
    point_of = merged[axes].drop_duplicates().reset_index(drop=True).reset_index()
    merged = merged.merge(point_of.rename(columns={"index": "point"}), on=axes, how="left")
    merged = merged[["point"] + [c for c in merged.columns if c != "point"]]
    cfg = OmegaConf.load(manifests[0].parent / "config.yaml")
    finish(folder, cfg, merged, axes, t0,
           {"kind": "multirun", "points_done": len(manifests), "total": info["total"]})
    return folder


# ------------------------------------------------------------------------ merged outputs


def finish(folder: Path, cfg, merged: pd.DataFrame, axes: list[str], t0: float, extra: dict) -> None:
    """Write the merged table, its summary, the sweep figures and report, then the manifest."""
    from .results import balance_name, git_commit, sha256, versions
    from .streams import replicate_keys
    from .sweep_report import build_sweep_report

    bname = balance_name(cfg)
    write_atomic(folder / OUTCOMES_FILE, lambda f: merged.to_parquet(f, index=False))
    summary = summarise(merged, axes, bname)
    write_atomic(folder / SUMMARY_FILE, lambda f: summary.to_csv(f, index=False, float_format="%.6g"))
    build_sweep_report(folder, cfg, axes)  # from the saved tables, as caucasus-sim-report does
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True), encoding="utf-8")
    ids = sorted(int(k) for k in merged["replicate"].unique())
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                   and p.name != "manifest.json" and "points" not in p.parts and "batches" not in p.parts)
    _write_json(folder / "manifest.json", {
        "analysis": "sweep", "experiment": cfg.experiment, "sweep_id": folder.name, "axes": axes,
        "points": int(merged["point"].nunique()), "seed": int(cfg.seed),
        "replicates_per_point": int(merged["replicate"].nunique()),
        "replicate_ids": ids,
        "replicate_keys": [int(k) for k in replicate_keys(int(cfg.seed), ids)],
        "swept_values": merged[["point", *axes]].drop_duplicates().to_dict(orient="records"),
        "jobs": sorted(merged["job"].unique().tolist()),
        "versions": versions(), "git_commit": git_commit(),
        "command": [Path(sys.argv[0]).name] + sys.argv[1:],
        "wall_time_s": round(time.perf_counter() - t0, 3),
        "files": {str(p.relative_to(folder)): sha256(p) for p in files}, **extra,
    })
    print(f"caucasus-sim: {cfg.experiment}: sweep of {merged['point'].nunique()} points x "
          f"{merged['replicate'].nunique()} replicates -> {os.path.relpath(folder)}")


def start_multirun(folder: Path, axes: list[str], total: int) -> None:
    """Record a multirun's plan (called in the launching process, before any job)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = sum(1 for _ in (folder / "points").glob("*/manifest.json")) if (folder / "points").exists() else 0
    _write_json(folder / SWEEP_FILE, {
        "kind": "multirun", "axes": axes, "total": total, "done_at_start": done,
        "started_epoch": time.time(),
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    })
