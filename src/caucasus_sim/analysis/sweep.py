"""Parameter sweeps: plan, run in process (points sharing the batch), resume, collect.

A sweep is declared in an experiment's `sweep` block (a grid, or a Latin hypercube over
named keys with ranges). In process, parameter points whose keys are batchable
(`model.is_batchable`) share one batch: every replicate of every point runs in lockstep.
Points are simulated `points_per_batch` at a time and each finished chunk is saved, so
re-running the same command after an interruption skips what is done.

The same sweep can run through Hydra's multirun (`caucasus-sim -m key=a,b ...`), one
job per point, on any launcher; each job writes `points/<point id>/` and `collect`
merges them. Both ways write `sweep_outcomes.parquet` with one row per (point, path,
replicate, client, outcome date), the swept values as columns and the job that produced
each row, and `sweep_summary.csv` with one row per point.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from ..config import ConfigError
from ..config.schema import SWEEP_METHODS
from ..model import CaucasusModel, check_points, is_batchable
from ..outputs import BALANCE, Bundle, config_digest
from ..outputs.bundle import MANIFEST, NOT_RESULTS, PLAN, read_json
from ..outputs.preflight import BASE_MEMORY, OUTCOME_ROW_BYTES, REPORT_BYTES, Cost, model_bytes, shape_of
from ..outputs.tables import model_outcomes
from .points import chunked, numeric_value, point_config, run_chunks
from .result import Result
from .runs import simulate

OUTCOMES_FILE = "sweep_outcomes.parquet"
SUMMARY_FILE = "sweep_summary.csv"


@dataclass
class SweepPlan:
    """The points of a sweep: axis keys and one {key: value} per point."""

    axes: list[str]
    points: list[dict]
    batchable: bool


@dataclass(repr=False)
class SweepResult(Result):
    """A sweep's merged table (`outcomes`, one row per point, path, replicate, client and
    outcome date) and its per-point `summary`."""

    kind = "sweep"
    axes: list[str]
    outcomes: pd.DataFrame
    summary: pd.DataFrame
    client: str
    how: dict

    def facts(self) -> list[str]:
        out = [f"sweep of {self.outcomes['point'].nunique()} points x {self.outcomes['replicate'].nunique()} "
               "replicates"]
        end = self.summary[(self.summary["client"] == self.client) & (self.summary["outcome"] == "end")]
        if len(end):
            out.append(f"axes: {', '.join(self.axes)}")
            out.append(f"{self.client} P(balance > 0) at the end: {end['p_positive'].min():.2f} to "
                       f"{end['p_positive'].max():.2f}; median balance {end['q50'].min():+.3f} to "
                       f"{end['q50'].max():+.3f} over the points")
        return out

    def provenance(self) -> dict:
        return {"axes": self.axes, "points": int(self.outcomes["point"].nunique()),
                "swept_values": self.outcomes[["point", *self.axes]].drop_duplicates().to_dict(orient="records"),
                "jobs": sorted(self.outcomes["job"].unique().tolist()), **self.how}


# ------------------------------------------------------------------------ planning


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
        combos = _latin_hypercube(cfg, axes, values)
    if sw.points_per_batch < 0:
        raise ConfigError(f"sweep.points_per_batch: {sw.points_per_batch!r} must be 0 (all) or positive")
    # every constraint on a numeric key is a range, so checking each axis at its smallest
    # and largest value checks every point (and costs two validations per axis, not one
    # per point); only a start solved from targets depends on combinations (check_points)
    for i, key in enumerate(axes):
        column = [c[i] for c in combos]
        for value in {min(column), max(column)}:
            point_config(cfg, {key: value})
    for path in cfg.paths:
        CaucasusModel(cfg, path=path, replicates=1)  # bad paths or events fail before any work
    points = [dict(zip(axes, combo)) for combo in combos]
    check_points(cfg, points)  # a start that is infeasible only in combination
    return SweepPlan(axes=axes, points=points, batchable=all(is_batchable(k) for k in axes))


def _latin_hypercube(cfg, axes: list[str], ranges: dict) -> list[tuple]:
    if cfg.sweep.samples < 1:
        raise ConfigError(f"sweep.samples: {cfg.sweep.samples!r} must be a positive number of points")
    from scipy.stats import qmc  # scipy.stats takes ~1.5 s to import: only where a design is drawn

    rng = np.random.default_rng(np.random.SeedSequence(int(cfg.seed), spawn_key=(2**32 - 1,)))
    unit = qmc.LatinHypercube(d=len(axes), rng=rng).random(cfg.sweep.samples)
    lo = np.array([ranges[k][0] for k in axes])
    hi = np.array([ranges[k][1] for k in axes])
    return [tuple(row) for row in qmc.scale(unit, lo, hi)]


def cost(cfg, plan: SweepPlan) -> Cost:
    """One chunk of points at a time (outcome steps recorded), and the merged table."""
    steps, outcomes, C, P = shape_of(cfg)
    paths, R, n = len(cfg.paths), int(cfg.replicates), len(plan.points)
    per_chunk = (cfg.sweep.points_per_batch or n) if plan.batchable else 1
    rows = paths * n * R * C * outcomes
    memory = (BASE_MEMORY + paths * model_bytes(min(per_chunk, n) * R, outcomes + 1, C, P)
              + 2 * rows * OUTCOME_ROW_BYTES["memory"])
    disk = REPORT_BYTES + 2 * rows * OUTCOME_ROW_BYTES["parquet"]
    return Cost(memory, disk, f"a sweep of {n:,} points x {paths} path(s) x {R:,} replicates",
                "replicates, the number of points or sweep.points_per_batch")


# ------------------------------------------------------------------------ tables


def outcome_rows(models: dict[str, CaucasusModel], cfg, points: list[dict], job: str,
                 point_ids: list[int]) -> pd.DataFrame:
    """One row per (point, path, replicate, client, outcome date) of a batch: a run's
    outcome rows with the point and its swept values in front and the job at the end."""
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


def summarise(df: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """Per point, path, client and outcome: replicates, P(balance > 0), mean and quantiles."""
    g = df.groupby(["point", *axes, "path", "client", "outcome"], sort=True, observed=True)[BALANCE]
    out = g.agg(replicates="size", mean="mean",
                q05=lambda v: v.quantile(0.05), q50="median", q95=lambda v: v.quantile(0.95))
    out.insert(1, "p_positive", g.apply(lambda v: float((v > 0).mean())))
    return out.reset_index()


def finish(bundle: Bundle, cfg, merged: pd.DataFrame, axes: list[str], how: dict) -> SweepResult:
    """Write the merged table and its per-point summary into the bundle."""
    summary = summarise(merged, axes)
    bundle.write_table(OUTCOMES_FILE, merged)
    bundle.write_table(SUMMARY_FILE, summary)
    return SweepResult(experiment=str(cfg.experiment), axes=axes, outcomes=merged, summary=summary,
                       client=str(cfg.sweep.client), how=how)


# ------------------------------------------------------------------------ in process


def sweep_bundle(cfg) -> Bundle:
    return Bundle.resumable(Path(cfg.output_root) / cfg.experiment / f"sweep-{config_digest(cfg)}", "sweep")


def run_sweep(cfg, plan: SweepPlan, bundle: Bundle) -> SweepResult:
    """Run the planned sweep in process; resume a sweep interrupted earlier."""
    per_batch = cfg.sweep.points_per_batch if plan.batchable else 1
    chunks = chunked(len(plan.points), per_batch)
    if not (bundle.path / PLAN).exists():
        bundle.write_json(PLAN, {
            "kind": "in_process", "axes": plan.axes, "points": plan.points, "total": len(plan.points),
            "points_per_batch": len(chunks[0]),
            "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})

    def evaluate(i: int, ids: list[int]) -> pd.DataFrame:
        pts = [plan.points[j] for j in ids]
        if plan.batchable:
            models = {p: CaucasusModel(cfg, path=p, points=pts, record="outcomes").run() for p in cfg.paths}
        else:
            pcfg = point_config(cfg, pts[0])
            models = {p: CaucasusModel(pcfg, path=p, record="outcomes").run() for p in cfg.paths}
        return outcome_rows(models, cfg, pts, f"chunk-{i:04d}", ids)

    rows = run_chunks(cfg, bundle, chunks, evaluate, f"{cfg.experiment} sweep")
    return finish(bundle, cfg, sort_outcomes(rows, plan.axes), plan.axes,
                  {"kind": "in_process", "chunks": len(chunks)})


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


def start_multirun(bundle: Bundle, axes: list[str], total: int) -> None:
    """Record a multirun's plan (in the launching process, before any job)."""
    points = bundle.path / "points"
    done = sum(1 for _ in points.glob(f"*/{MANIFEST}")) if points.exists() else 0
    bundle.write_json(PLAN, {
        "kind": "multirun", "axes": axes, "total": total, "done_at_start": done, "started_epoch": time.time(),
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})


def point_bundle(folder: Path, job_overrides: list[str]) -> Bundle:
    """The bundle of one job of a multirun, `points/<point id>/`, named by its overrides."""
    point_id = hashlib.sha256("\n".join(sorted(identity(job_overrides))).encode()).hexdigest()[:12]
    return Bundle.staged(folder / "points" / point_id, "point")


def run_point(cfg, bundle: Bundle, job_overrides: list[str], swept: list[str]) -> dict:
    """One job of a multirun: simulate one point into its bundle; the manifest's own keys."""
    values = {k: OmegaConf.select(cfg, k) for k in swept}
    rows = outcome_rows(simulate(cfg, progress="off"), cfg, [values], bundle.id, [0]).drop(columns=["point"])
    bundle.write_table("outcomes.parquet", rows)
    return {"overrides": sorted(job_overrides), "swept": values}


def report_progress(folder: Path) -> None:
    info = read_json(folder / PLAN)
    done = sum(1 for _ in (folder / "points").glob(f"*/{MANIFEST}"))
    total = int(info["total"])
    elapsed = time.time() - info["started_epoch"]
    run_now = max(done - info.get("done_at_start", 0), 1)
    eta = elapsed / run_now * max(total - done, 0)
    print(f"caucasus-sim: sweep {folder.name}: {done}/{total} points done, {total - done} left, "
          f"about {eta:.0f} s to go", file=sys.stderr)


def collect(bundle: Bundle):
    """Merge the job folders of a multirun into one table; returns its configuration
    (that of the first point) and the result."""
    folder = bundle.path
    if not (folder / PLAN).is_file():
        raise ConfigError(f"{folder} is not a sweep folder (no {PLAN})")
    info = read_json(folder / PLAN)
    manifests = sorted((folder / "points").glob(f"*/{MANIFEST}"))
    if not manifests:
        raise ConfigError(f"{folder}: no finished points to collect")
    axes = list(info["axes"])
    merged = sort_outcomes(pd.concat([pd.read_parquet(m.parent / "outcomes.parquet") for m in manifests],
                                     ignore_index=True), axes)
    point_of = merged[axes].drop_duplicates().reset_index(drop=True).reset_index()
    merged = merged.merge(point_of.rename(columns={"index": "point"}), on=axes, how="left")
    merged = merged[["point"] + [c for c in merged.columns if c != "point"]]
    cfg = OmegaConf.load(manifests[0].parent / "config.yaml")
    return cfg, finish(bundle, cfg, merged, axes,
                       {"kind": "multirun", "points_done": len(manifests), "total": info["total"]})
