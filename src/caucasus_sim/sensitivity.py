"""Global sensitivity analysis (Sobol', Morris) and scenario discovery (PRIM).

Which uncertain parameters drive a client's alignment balance, and which combinations of
them bring it back toward the `balance.minus` patron (Russia)? In the vocabulary of EMA
Workbench: the *uncertainties* are `sensitivity.params` (a numeric configuration key
with a range), sampled by SALib — Sobol' (Saltelli's scheme without second-order terms:
N (D + 2) points) or Morris (N trajectories of D + 1 points); the *outcome* Y of a point
is a statistic (`mean`, or `p_positive` = share > 0) over `replicates` replicates of one
path of the client's balance at an outcome date. Points run through the batched engine,
sharing one batch `points_per_batch` at a time when every key is batchable, with common
random numbers across points.

Running and analysing are kept apart. `run_sensitivity` evaluates the points in chunks,
each saved atomically as it finishes (a re-run of the same command resumes), then writes
the analysis tables: `samples.parquet` (one row per point: values, replicates, balance
statistics, Y, whether the point is a case of interest), `indices.csv` (Sobol' S1 and ST
or Morris mu, mu*, sigma, with confidence intervals) and `prim_boxes.csv` (every box on
each PRIM peeling trajectory, the selected one marked). `write_sensitivity_report` draws
the figures and `report.md` from those three files only.

The folder is `results/<experiment>/sensitivity-<id>/`, the id a hash of the
configuration, locked while a run writes it.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from .model import CaucasusModel, is_batchable
from .schema import SENSITIVITY_METHODS, STATISTICS, ConfigError, validate
from .sweep import numeric_value

PLAN_FILE = "sensitivity.json"
SAMPLES_FILE = "samples.parquet"
INDICES_FILE = "indices.csv"
BOXES_FILE = "prim_boxes.csv"
CHUNKS = "chunks"
CONF_LEVEL = 0.95
NUM_RESAMPLES = 1000  # bootstrap resamples of the confidence intervals
MAX_BOXES = 3  # PRIM boxes found one after another, at most
MIN_COVERAGE = 0.1  # a PRIM box must hold at least this share of the cases of interest
QUASI_P = 0.05  # a PRIM restriction is kept only if its quasi-p-value is at most this

INDEX_COLUMNS = {
    "sobol": ["param", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["param", "mu", "mu_star", "sigma", "mu_star_conf"],
}


@dataclass
class SensitivityPlan:
    """The checked analysis: keys and ranges of the uncertain parameters, what is read."""

    method: str
    keys: list[str]
    bounds: list[tuple[float, float]]
    path: str
    client: str
    outcome: str
    statistic: str
    batchable: bool

    @property
    def problem(self) -> dict:
        """The SALib problem definition."""
        return {"num_vars": len(self.keys), "names": list(self.keys),
                "bounds": [[lo, hi] for lo, hi in self.bounds]}


# ------------------------------------------------------------------------ checking


def _with_value(cfg, key: str, value: float):
    """A copy of the configuration with one key set and validated (as `sweep.point_config`)."""
    from .experiment import describe_config_exception

    out = copy.deepcopy(cfg)
    try:
        OmegaConf.update(out, key, value, merge=False)
    except Exception as exc:
        raise ConfigError(describe_config_exception(exc, [])) from None
    validate(out)
    return out


def check_sensitivity(cfg) -> SensitivityPlan:
    """Check the `sensitivity` block; raise a one-line ConfigError before any work.

    Each uncertain parameter is checked at both ends of its range: every check of
    `schema.validate` on these keys is a range, so a range whose ends validate holds
    only valid values.
    """
    s = cfg.sensitivity
    if s.method not in SENSITIVITY_METHODS or s.method == "none":
        raise ConfigError(f"sensitivity.method: {s.method!r} is not an analysis; expected one of "
                          f"{', '.join(m for m in SENSITIVITY_METHODS if m != 'none')}")
    if s.statistic not in STATISTICS:
        raise ConfigError(f"sensitivity.statistic: unknown value {s.statistic!r}; expected one of "
                          f"{', '.join(STATISTICS)}")
    validate(cfg)
    if cfg.sweep.method != "none":
        raise ConfigError("sweep.method: a sensitivity analysis samples its own points; "
                          "set sweep.method=none or sensitivity.method=none")
    if cfg.balance is None:
        raise ConfigError("balance: null; the sensitivity analysis reads the balance, "
                          "so set balance.plus and balance.minus")
    path = s.path or next(iter(cfg.paths))
    if path not in cfg.paths:
        raise ConfigError(f"sensitivity.path: unknown path {path!r}; expected one of {', '.join(cfg.paths)}")
    clients = [c for c, st in cfg.actors.states.items() if st.role == "client"]
    if s.client not in clients:
        raise ConfigError(f"sensitivity.client: {s.client!r} is not a client; expected one of "
                          f"{', '.join(clients)}")
    labels = [str(d) for d in cfg.scenario.outcome_dates] + ["end"]
    if str(s.outcome) not in labels:
        raise ConfigError(f"sensitivity.outcome: unknown outcome {s.outcome!r}; expected one of "
                          f"{', '.join(labels)} (a date of scenario.outcome_dates, or end)")
    n = s.base_samples
    if n < 1:
        raise ConfigError(f"sensitivity.base_samples: {n!r} must be a positive number of samples")
    if s.method == "sobol" and n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise ConfigError(f"sensitivity.base_samples: {n} is not a power of 2; the Sobol' sequence "
                          f"keeps its balance only for N = 2^k: use {lower} or {2 * lower}")
    if s.method == "morris" and n < 2:
        raise ConfigError(f"sensitivity.base_samples: {n} Morris trajectory is too few to estimate "
                          "the spread of the elementary effects; give at least 2")
    if s.method == "morris" and s.morris_levels < 2:
        raise ConfigError(f"sensitivity.morris_levels: {s.morris_levels!r} must be at least 2 "
                          "(an even number such as 4 is usual)")
    if s.points_per_batch < 0:
        raise ConfigError(f"sensitivity.points_per_batch: {s.points_per_batch!r} must be 0 (all) or positive")
    q = s.discovery_quantile
    if not 0.0 <= q < 1.0:
        raise ConfigError(f"sensitivity.discovery_quantile: {q!r} is out of range; allowed [0, 1) "
                          "(0 switches scenario discovery off)")
    if q > 0 and importlib.util.find_spec("ema_workbench") is None:
        raise ConfigError("sensitivity.discovery_quantile: scenario discovery uses EMA Workbench's PRIM, "
                          "which is not installed; pip install -e '.[discovery]', or set "
                          "sensitivity.discovery_quantile=0")
    if not s.params:
        raise ConfigError("sensitivity.params: no uncertain parameters; give at least one {key, low, high}")
    keys, bounds = [], []
    for i, p in enumerate(s.params):
        key = p.key
        where = f"sensitivity.params[{i}] ({key})"
        current = numeric_value(cfg, key, where)
        if isinstance(current, int):
            raise ConfigError(f"{where}: {key!r} holds the integer {current!r}; sampled values are real "
                              "numbers, so only real-valued keys can be uncertain parameters")
        if key in keys:
            raise ConfigError(f"{where}: {key!r} is listed twice; give each key once")
        lo, hi = float(p.low), float(p.high)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ConfigError(f"{where}: range [{p.low}, {p.high}] must be finite")
        if not lo < hi:
            raise ConfigError(f"{where}: empty range low={p.low} >= high={p.high}; give low < high")
        for end, value in (("low", lo), ("high", hi)):
            try:
                _with_value(cfg, key, value)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {end}={value!r} is not allowed: {exc}") from None
        keys.append(key)
        bounds.append((lo, hi))
    return SensitivityPlan(method=s.method, keys=keys, bounds=bounds, path=path, client=s.client,
                           outcome=str(s.outcome), statistic=s.statistic,
                           batchable=all(is_batchable(k) for k in keys))


# ------------------------------------------------------------------------ sampling


def _salib_seed(cfg) -> int:
    return int(cfg.seed) % 2**32


def sample(cfg, plan: SensitivityPlan) -> np.ndarray:
    """The sample matrix (points x parameters), seeded from `cfg.seed`."""
    s = cfg.sensitivity
    if plan.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(plan.problem, int(s.base_samples), calc_second_order=False,
                            seed=_salib_seed(cfg))
    from SALib.sample import morris

    return morris.sample(plan.problem, int(s.base_samples), num_levels=int(s.morris_levels),
                         seed=_salib_seed(cfg))


# ------------------------------------------------------------------------ evaluating


def _stat_columns(bname: str) -> dict[str, str]:
    return {stat: f"{bname}_{stat}" for stat in ("mean", "sd", "p_positive")}


def evaluate_chunk(cfg, plan: SensitivityPlan, X: np.ndarray, ids: list[int]) -> pd.DataFrame:
    """Run the points `ids` (rows of X) and summarise the client's balance per point."""
    from .results import balance_name, outcome_dates
    from .sweep import point_config

    points = [{k: float(v) for k, v in zip(plan.keys, X[i])} for i in ids]
    if plan.batchable:
        models = [CaucasusModel(cfg, path=plan.path, points=points).run()]
    else:
        models = [CaucasusModel(point_config(cfg, p), path=plan.path).run() for p in points]
    R = int(cfg.replicates)
    parts, date = [], None
    for m in models:
        t = dict(outcome_dates(m))[plan.outcome]
        date = m.dates[t]
        ci = m.clients.index(plan.client)
        parts.append(m.balance(cfg.balance.plus, cfg.balance.minus)[t, :, ci].reshape(-1, R))
    b = np.concatenate(parts)  # (points, replicates), point-major as the batch
    cols = _stat_columns(balance_name(cfg))
    out = pd.DataFrame({"point": np.asarray(ids, dtype=np.int64)})
    for j, key in enumerate(plan.keys):
        out[key] = X[ids, j]
    out["replicates"] = R
    out["date"] = pd.Timestamp(date)
    out[cols["mean"]] = b.mean(axis=1)
    out[cols["sd"]] = b.std(axis=1, ddof=1) if R > 1 else 0.0
    out[cols["p_positive"]] = (b > 0).mean(axis=1)
    return out


# ------------------------------------------------------------------------ analysing


def analyse(cfg, plan: SensitivityPlan, X: np.ndarray, Y: np.ndarray) -> pd.DataFrame:
    """Sobol' (S1, ST) or Morris (mu, mu*, sigma) indices with confidence intervals.

    A constant Y has zero sensitivity to every parameter (SALib would divide by its
    variance of 0): every index is 0.
    """
    cols = INDEX_COLUMNS[plan.method]
    if np.ptp(Y) == 0.0:
        return pd.DataFrame({c: plan.keys if c == "param" else 0.0 for c in cols})
    seed = _salib_seed(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if plan.method == "sobol":
            from SALib.analyze import sobol

            S = sobol.analyze(plan.problem, Y, calc_second_order=False, num_resamples=NUM_RESAMPLES,
                              conf_level=CONF_LEVEL, print_to_console=False, seed=seed)
        else:
            from SALib.analyze import morris

            S = morris.analyze(plan.problem, X, Y, num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL,
                               num_levels=int(cfg.sensitivity.morris_levels), print_to_console=False,
                               seed=seed)
    out = pd.DataFrame({"param": plan.keys})
    for c in cols[1:]:
        out[c] = np.asarray(S[c], dtype=float)
    return out


def cases_of_interest(Y: np.ndarray, quantile: float) -> np.ndarray:
    """The points whose Y is at or below its `quantile` quantile (none if quantile is 0)."""
    if quantile <= 0:
        return np.zeros(len(Y), dtype=bool)
    return Y <= np.quantile(Y, quantile)


def _selected_step(trajectory: pd.DataFrame) -> int:
    """The box on a peeling trajectory with the best balance of coverage and density
    (their harmonic mean); the earlier box on a tie."""
    c, d = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    f = np.where(c + d > 0, 2 * c * d / np.where(c + d > 0, c + d, 1.0), 0.0)
    return int(np.argmax(f))


def _prune(box, i: int) -> int:
    """Drop, least significant first, each restriction of box i on the trajectory whose
    quasi-p-value (EMA Workbench; Bryant and Lempert 2010) exceeds QUASI_P on every side it
    restricts; each drop appends the wider box to the trajectory. The index of the final box."""
    while True:
        qp = {k: min(v for v in sides if v >= 0) for k, sides in box.p_values[i].items()
              if any(v >= 0 for v in sides)}
        weak = {k: v for k, v in qp.items() if v > QUASI_P}
        if not weak:
            return i
        box.drop_restriction(max(weak, key=weak.get), i=i)
        i = len(box.box_lims) - 1


def discover(samples: pd.DataFrame, bounds: dict[str, tuple[float, float]], cases: np.ndarray) -> pd.DataFrame:
    """PRIM (EMA Workbench): up to MAX_BOXES boxes, one after another, each among the
    points the earlier boxes left. On each peeling trajectory the box with the best
    balance of coverage and density (their harmonic mean) is picked, and its restrictions
    that are not significant (quasi-p > QUASI_P) are dropped; a box that then covers less
    than MIN_COVERAGE of the cases, or is no denser in cases than the points it was found
    among, is discarded and the search stops.

    One row per box on each trajectory (`stage` peel for PRIM's own peeling and pasting,
    prune for the boxes widened by dropping a restriction): its limits on every parameter
    (a side PRIM did not restrict is the parameter's own bound), coverage, density, mass,
    restricted parameters; `selected` marks the box chosen."""
    keys = list(bounds)
    columns = ["box", "step", "stage", "selected", "coverage", "density", "mass", "res_dim", "n", "restricted"]
    columns += [f"{k}_{end}" for k in keys for end in ("low", "high")]
    rows: list[dict] = []
    if cases.all() or not cases.any():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's own import-time and pandas notices
        from ema_workbench.analysis import prim

        x = samples[keys].astype(float).reset_index(drop=True)
        p = prim.Prim(x, np.asarray(cases, dtype=bool), peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        init = p.box_init
        for b in range(1, MAX_BOXES + 1):
            box = p.find_box()
            if box is None:
                break
            peeled = len(box.box_lims)
            pick = _selected_step(box.peeling_trajectory.reset_index(drop=True))
            box.select(pick)
            chosen = _prune(box, pick)
            traj = box.peeling_trajectory.reset_index(drop=True)
            base = float(cases[box.yi_initial].mean())  # density of cases among the points left
            if traj.at[chosen, "coverage"] < MIN_COVERAGE or traj.at[chosen, "density"] <= base:
                break
            for j, lims in enumerate(box.box_lims):
                low = {k: float(lims[k].iloc[0]) for k in keys}
                high = {k: float(lims[k].iloc[1]) for k in keys}
                low = {k: v if v > init[k].iloc[0] else bounds[k][0] for k, v in low.items()}
                high = {k: v if v < init[k].iloc[1] else bounds[k][1] for k, v in high.items()}
                restricted = [k for k in keys if (low[k], high[k]) != bounds[k]]
                row = {"box": b, "step": j, "stage": "peel" if j < peeled else "prune",
                       "selected": j == chosen, "coverage": float(traj.at[j, "coverage"]),
                       "density": float(traj.at[j, "density"]), "mass": float(traj.at[j, "mass"]),
                       "res_dim": len(restricted), "n": int(traj.at[j, "n"]),
                       "restricted": ";".join(restricted)}
                for k in keys:
                    row[f"{k}_low"] = low[k]
                    row[f"{k}_high"] = high[k]
                rows.append(row)
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------------ the run


def sensitivity_folder(cfg) -> Path:
    from .sweep import config_digest

    return Path(cfg.output_root) / cfg.experiment / f"sensitivity-{config_digest(cfg)}"


def run_sensitivity(cfg) -> Path:
    """Sample, evaluate (resuming finished chunks), analyse, discover, report; the folder."""
    from tqdm.auto import tqdm

    from .experiment import progress_disabled
    from .results import balance_name, git_commit, sha256, versions, write_atomic
    from .streams import replicate_keys
    from .sweep import sweep_lock

    t0 = time.perf_counter()
    plan = check_sensitivity(cfg)
    CaucasusModel(cfg, path=plan.path, replicates=1)  # bad events or paths fail before any work
    X = sample(cfg, plan)
    n_points = len(X)
    s = cfg.sensitivity
    per_chunk = s.points_per_batch or n_points
    chunks = [list(range(i, min(i + per_chunk, n_points))) for i in range(0, n_points, per_chunk)]
    folder = sensitivity_folder(cfg)
    bname = balance_name(cfg)
    with sweep_lock(folder):
        if not (folder / PLAN_FILE).exists():
            write_atomic(folder / PLAN_FILE, lambda f: f.write_text(json.dumps({
                "method": plan.method, "keys": plan.keys, "bounds": plan.bounds, "points": n_points,
                "points_per_chunk": per_chunk,
                "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }, indent=2), encoding="utf-8"))
        (folder / CHUNKS).mkdir(exist_ok=True)

        def chunk_file(i: int) -> Path:
            return folder / CHUNKS / f"chunk-{i:04d}.parquet"

        todo = [(i, ids) for i, ids in enumerate(chunks) if not chunk_file(i).exists()]
        done = n_points - sum(len(ids) for _, ids in todo)
        disable = progress_disabled(cfg)
        with tqdm(total=n_points, initial=done, unit="point", desc=f"{cfg.experiment} {plan.method}",
                  disable=disable) as bar:
            for i, ids in todo:
                rows = evaluate_chunk(cfg, plan, X, ids)
                write_atomic(chunk_file(i), lambda f: rows.to_parquet(f, index=False))
                bar.update(len(ids))
        if disable and todo:
            print(f"caucasus-sim: {folder.name}: {n_points} points ({done} already done, "
                  f"{n_points - done} run)")
        samples = pd.concat([pd.read_parquet(chunk_file(i)) for i in range(len(chunks))],
                            ignore_index=True).sort_values("point", ignore_index=True)
        if len(samples) != n_points or not np.array_equal(samples[plan.keys].to_numpy(), X):
            raise ConfigError(f"{folder}: its saved chunks hold other points than this analysis samples "
                              "(written by another version?); remove the folder and run again")
        Y = samples[_stat_columns(bname)[plan.statistic]].to_numpy()
        samples["Y"] = Y
        cases = cases_of_interest(Y, float(s.discovery_quantile))
        samples["case_of_interest"] = cases
        write_atomic(folder / SAMPLES_FILE, lambda f: samples.to_parquet(f, index=False))
        indices = analyse(cfg, plan, X, Y)
        write_atomic(folder / INDICES_FILE, lambda f: indices.to_csv(f, index=False, float_format="%.6g"))
        boxes = discover(samples, dict(zip(plan.keys, plan.bounds)), cases)
        write_atomic(folder / BOXES_FILE, lambda f: boxes.to_csv(f, index=False, float_format="%.6g"))
        (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True), encoding="utf-8")
        write_sensitivity_report(folder, cfg)
        ids = list(range(int(cfg.replicates)))
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                       and p.name != "manifest.json" and CHUNKS not in p.relative_to(folder).parts)
        wall = time.perf_counter() - t0
        manifest = {
            "analysis": "sensitivity", "experiment": cfg.experiment, "sensitivity_id": folder.name,
            "seed": int(cfg.seed), "salib_seed": _salib_seed(cfg), "method": plan.method,
            "params": [{"key": k, "low": lo, "high": hi} for k, (lo, hi) in zip(plan.keys, plan.bounds)],
            "base_samples": int(s.base_samples), "points": n_points,
            "path": plan.path, "client": plan.client, "outcome": plan.outcome,
            "statistic": plan.statistic, "Y": f"{bname}_{plan.statistic}",
            "discovery_quantile": float(s.discovery_quantile),
            "replicates_per_point": int(cfg.replicates), "replicate_ids": ids,
            "replicate_keys": [int(k) for k in replicate_keys(int(cfg.seed), ids)],
            "batched": plan.batchable, "points_per_chunk": per_chunk, "chunks": len(chunks),
            "chunks_run_now": len(todo),
            "versions": versions(), "git_commit": git_commit(),
            "command": [Path(sys.argv[0]).name] + sys.argv[1:],
            "wall_time_s": round(wall, 3),
            "files": {str(p.relative_to(folder)): sha256(p) for p in files},
        }
        write_atomic(folder / "manifest.json",
                      lambda f: f.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8"))
    print(f"caucasus-sim: {cfg.experiment}: {plan.method} analysis of {n_points} points x "
          f"{cfg.replicates} replicates in {wall:.1f} s -> {os.path.relpath(folder)}")
    return folder


# ------------------------------------------------------------------------ the report


def _num(v: float) -> str:
    """3 significant digits, but every digit before the decimal point (1460, not 1.46e+03)."""
    digits = max(3, int(math.log10(abs(v))) + 1) if v else 3
    return f"{v:.{digits}g}"


def _range(lo: float, hi: float) -> str:
    return f"[{_num(lo)}, {_num(hi)}]"


def _interval(v: float, conf: float, digits: int = 2) -> str:
    return f"{v:.{digits}f} (95% interval {v - conf:.{digits}f} to {v + conf:.{digits}f})"


def _restricted(row) -> list[str]:
    value = row["restricted"]
    return [k for k in str(value).split(";") if k] if isinstance(value, str) else []


@dataclass
class _Saved:
    """What the report reads: the saved tables and the few settings that describe them."""

    cfg: object
    samples: pd.DataFrame
    indices: pd.DataFrame
    boxes: pd.DataFrame
    figdir: Path

    def __post_init__(self) -> None:
        from . import plots
        from .results import balance_name

        s = self.cfg.sensitivity
        self.method = str(s.method)
        self.keys = list(self.indices["param"])
        self.bounds = {p.key: (float(p.low), float(p.high)) for p in s.params}
        self.short = {k: plots.param_label(k) for k in self.keys}
        self.n_points = len(self.samples)
        self.R = int(self.samples["replicates"].iloc[0])
        self.bname = balance_name(self.cfg)
        self.client = str(s.client)
        self.path = (str(s.path) or next(iter(self.cfg.paths))).replace("_", " ")
        self.Y = self.samples["Y"].to_numpy()
        self.cases = self.samples["case_of_interest"].to_numpy(bool)
        label = plots.metric_label(self.bname)
        date = pd.Timestamp(self.samples["date"].iloc[0]).date()
        self.when = f"on {date}" + (" (end of the scenario)" if str(s.outcome) == "end" else "")
        if s.statistic == "mean":
            self.ylabel = f"mean {label}"
            self.y_text = f"the mean over the {self.R} replicates of {self.client}'s {label} {self.when}"
        else:
            self.ylabel = f"P({label} > 0)"
            self.y_text = (f"the share of the {self.R} replicates in which {self.client}'s {label} is "
                           f"above 0 {self.when}")
        self.design = f"{self.n_points} points x {self.R} replicates"

    def noise_text(self) -> str:
        """Spread of Y, and the share of its variance that is noise from finite replicates."""
        Y, R = self.Y, self.R
        var_y = float(Y.var(ddof=1)) if self.n_points > 1 else 0.0
        if var_y == 0:
            return (f"Y is {Y[0]:.3f} at every point: within these ranges no parameter changes it, "
                    "and every index is 0.")
        if self.cfg.sensitivity.statistic == "mean":
            noise = float((self.samples[f"{self.bname}_sd"] ** 2).mean() / R)
        else:
            noise = float((Y * (1 - Y)).mean() / R)
        return (f"Y ranges from {Y.min():.3f} to {Y.max():.3f} over the points (standard deviation "
                f"{math.sqrt(var_y):.3f}); noise from the finite number of replicates accounts for "
                f"about {100 * noise / var_y:.1f}% of its variance.")


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sobol_section(d: _Saved):
    import matplotlib.pyplot as plt

    from . import plots
    from .report import save_figure

    s = d.cfg.sensitivity
    fig, ax = plt.subplots(figsize=(6.4, 0.42 * len(d.keys) + 1.4))
    plots.plot_sobol_indices(d.indices, ax=ax)
    ax.set_title(f"{d.client}: Sobol' indices of Y = {d.ylabel}\n{d.when}, {d.path} path; {d.design}",
                 fontsize=9)
    img = save_figure(fig, d.figdir, "sobol_index_by_param")
    order = d.indices.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    top = order.iloc[0]
    reading = [f"The largest total index is that of {d.short[top['param']]}: ST = "
               f"{_interval(top['ST'], top['ST_conf'])}, first-order S1 = "
               f"{_interval(top['S1'], top['S1_conf'])}."]
    nxt = order.iloc[1:3]
    if len(nxt):
        reading.append(f"Next come {_names([d.short[k] for k in nxt['param']])}, with ST "
                       + _names([f"{v:.2f} ± {c:.2f}" for v, c in zip(nxt['ST'], nxt['ST_conf'])])
                       + " (± half the 95% interval).")
    small = [d.short[r["param"]] for _, r in order.iterrows() if r["ST"] + r["ST_conf"] < 0.01]
    if small:
        reading.append(f"The total index is below 0.01, interval included, for {_names(small)}: within the "
                       f"ranges studied {'it hardly matters' if len(small) == 1 else 'they hardly matter'}.")
    s1_sum = float(d.indices["S1"].sum())
    reading.append(f"The first-order indices sum to {s1_sum:.2f}, so interactions between parameters "
                   f"account for about {max(0.0, 1 - s1_sum):.0%} of the variance of Y.")
    reading.append(d.noise_text())
    caption = (f"First-order (S1) and total (ST) Sobol' indices of Y, {d.y_text}, for each uncertain "
               f"parameter, with 95% bootstrap intervals ({NUM_RESAMPLES} resamples); Saltelli sampling "
               f"(SALib) with N = {int(s.base_samples)} base samples, N (D + 2) = {d.n_points} points, "
               f"{d.R} replicates each. Parameters sorted by ST; intervals beyond the axis are cut.")
    return "Sobol' indices", img, caption, " ".join(reading)


def _morris_section(d: _Saved):
    import matplotlib.pyplot as plt

    from . import plots
    from .report import save_figure

    s = d.cfg.sensitivity
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    plots.plot_morris(d.indices, ax=ax)
    ax.set_title(f"{d.client}: Morris screening of Y = {d.ylabel}\n{d.when}, {d.path} path; {d.design}",
                 fontsize=9)
    img = save_figure(fig, d.figdir, "morris_mu_star_by_param")
    order = d.indices.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    top = order.iloc[0]
    reading = [f"The largest mean absolute elementary effect is that of {d.short[top['param']]}: mu* = "
               f"{_interval(top['mu_star'], top['mu_star_conf'], 3)}, sigma = {top['sigma']:.3f}."]
    if top["mu_star"] > 0:
        ratio = top["sigma"] / top["mu_star"]
        kind = "non-linear or interacting" if ratio > 0.5 else "close to linear and additive"
        reading.append(f"Its sigma/mu* = {ratio:.2f}: its effect is {kind}.")
    nxt = order.iloc[1:3]
    if len(nxt):
        reading.append(f"Next come {_names([d.short[k] for k in nxt['param']])}, with mu* "
                       + _names([f"{v:.3f}" for v in nxt["mu_star"]]) + ".")
    reading.append(d.noise_text())
    caption = (f"Mean absolute elementary effect mu* (with its 95% bootstrap interval) against the "
               f"standard deviation sigma of the elementary effects of each uncertain parameter on Y, "
               f"{d.y_text}; {int(s.base_samples)} Morris trajectories over {int(s.morris_levels)} levels, "
               f"{d.n_points} points, {d.R} replicates each. The dashed line is sigma = mu*.")
    return "Morris screening", img, caption, " ".join(reading)


def _discovery_sections(d: _Saved) -> list:
    import matplotlib.pyplot as plt

    from . import plots
    from .report import save_figure

    q = float(d.cfg.sensitivity.discovery_quantile)
    if q <= 0:
        return []
    selected = d.boxes[d.boxes["selected"].astype(bool)] if len(d.boxes) else d.boxes
    if not len(selected):
        return [("Scenario discovery (PRIM)", None, "",
                 "No box was searched: Y does not separate the points (every point, or none, is a case "
                 "of interest).")]
    Y, cases = d.Y, d.cases
    threshold = float(Y[cases].max())
    nb = int(selected["box"].nunique())
    fig, axs = plt.subplots(1, nb, figsize=(4.6 * nb, 3.6), squeeze=False)
    for ax, (b, traj) in zip(axs[0], d.boxes.groupby("box", sort=True)):
        plots.plot_prim_tradeoff(traj, ax=ax)
        ax.set_title(f"box {b}", fontsize=9)
    for ax in axs[0][1:]:
        ax.set_ylabel("")
    fig.suptitle(f"{d.client}: PRIM peeling trajectories; cases of interest are the {cases.sum()} of "
                 f"{d.n_points} points with Y ≤ {threshold:.3f}", fontsize=9)
    fig.tight_layout()
    img = save_figure(fig, d.figdir, "prim_density_by_coverage")
    parts = []
    for _, r in selected.iterrows():
        lims = "; ".join(f"{d.short[k]} to {_range(r[f'{k}_low'], r[f'{k}_high'])} (of {_range(*d.bounds[k])})"
                         for k in _restricted(r)) or "nothing"
        parts.append(f"Box {r['box']} restricts {lims}: it holds {r['coverage']:.0%} of the cases "
                     f"(coverage), {r['density']:.0%} of its {r['n']} points are cases (density), and "
                     f"it spans {r['mass']:.0%} of all points (mass).")
    reading = (f"The question: which combinations of the uncertain parameters bring {d.client} back toward "
               f"{d.cfg.balance.minus}? Cases of interest are the {cases.sum()} points ({cases.mean():.0%}) "
               f"whose Y is at or below its {q:.0%} quantile, {threshold:.3f}. " + " ".join(parts))
    sections = [(
        "Scenario discovery (PRIM)", img,
        f"Density (share of the box's points that are cases of interest) against coverage (share of the "
        f"cases inside the box) of every box on each PRIM peeling trajectory (EMA Workbench), coloured by "
        f"the number of restricted parameters. On each trajectory the box with the best harmonic mean of "
        f"coverage and density is picked, then its restrictions with a quasi-p-value above {QUASI_P} are "
        f"dropped (crosses); the ringed box is the one selected. Boxes are found one after another, each "
        f"among the points the earlier ones left, while they hold at least {MIN_COVERAGE:.0%} of the cases; "
        f"{d.n_points} points, {d.R} replicates each.", reading)]

    first = selected.iloc[0]
    restricted = _restricted(first)
    if not restricted:
        return sections
    width = {k: (first[f"{k}_high"] - first[f"{k}_low"]) / (d.bounds[k][1] - d.bounds[k][0])
             for k in restricted}
    dims = sorted(restricted, key=lambda k: width[k])[:2]
    xk, yk = dims[0], (dims[1] if len(dims) > 1 else "Y")
    limits = {k: (float(first[f"{k}_low"]), float(first[f"{k}_high"])) for k in dims}
    fig, ax = plt.subplots(figsize=(6.2, 4.0))
    plots.plot_prim_box(d.samples, xk, yk, cases, limits, ax=ax)
    ax.set_xlabel(d.short[xk])
    ax.set_ylabel(d.short[yk] if yk != "Y" else f"Y ({d.ylabel})")
    ax.set_title(f"{d.client}: box 1 and the cases of interest (Y ≤ {threshold:.3f})\n{d.design}", fontsize=9)
    img = save_figure(fig, d.figdir, "prim_box_by_param")
    inside = np.ones(d.n_points, dtype=bool)
    for k in restricted:
        inside &= d.samples[k].between(first[f"{k}_low"], first[f"{k}_high"]).to_numpy()
    reading = (f"Inside box 1, Y averages {Y[inside].mean():.3f}, against {Y[~inside].mean():.3f} outside it."
               if inside.any() and (~inside).any() else "")
    shown = (f"its values of {d.short[xk]} and {d.short[yk]}" if yk != "Y"
             else f"its value of {d.short[xk]} and its Y")
    more = (f" (box 1 restricts {len(restricted)} parameters; the two it narrows most are shown)"
            if len(restricted) > 2 else "")
    sections.append((
        "The first box", img,
        f"Every point by {shown}; cases of interest (Y at or below its {q:.0%} quantile) in vermillion, "
        f"other points in grey; the rectangle is box 1's restriction{more}. {d.design}.", reading))
    return sections


def write_sensitivity_report(folder: Path, cfg=None) -> Path:
    """Draw the figures and write report.md from samples.parquet, indices.csv and
    prim_boxes.csv in `folder` (and its config.yaml when `cfg` is None); never runs the model."""
    folder = Path(folder)
    if cfg is None:
        cfg = OmegaConf.load(folder / "config.yaml")
    (folder / "figures").mkdir(exist_ok=True)
    d = _Saved(cfg=cfg, samples=pd.read_parquet(folder / SAMPLES_FILE),
               indices=pd.read_csv(folder / INDICES_FILE), boxes=pd.read_csv(folder / BOXES_FILE),
               figdir=folder / "figures")
    s = cfg.sensitivity
    sections = [_sobol_section(d) if d.method == "sobol" else _morris_section(d), *_discovery_sections(d)]
    if d.method == "sobol":
        design = "Sobol' (Saltelli sampling; first-order and total indices"
    else:
        design = f"Morris ({int(s.base_samples)} trajectories over {int(s.morris_levels)} levels"
    md = [f"# {cfg.experiment} (sensitivity analysis)", "", str(cfg.description or "").strip(), "",
          f"- Question: which uncertain parameters drive Y, {d.y_text}, on the {d.path} path, and which "
          "combinations of them give the lowest Y?",
          f"- Uncertain parameters (D = {len(d.keys)}): "
          + ", ".join(f"`{k}` {_range(*d.bounds[k])}" for k in d.keys) + ".",
          f"- Design: {design}; SALib), {d.design} (common random numbers across points); seed {cfg.seed}.",
          f"- Tables: `{SAMPLES_FILE}` (one row per point: parameter values, replicates, mean, standard "
          f"deviation and P(> 0) of {d.client}'s balance, Y, `case_of_interest`), `{INDICES_FILE}` "
          f"(the indices), `{BOXES_FILE}` (every box on each PRIM peeling trajectory; `selected` marks the "
          "box chosen).", ""]
    figure = 0
    for i, (title, img, caption, reading) in enumerate(sections, start=1):
        md += [f"## {i}. {title}", ""]
        if img:
            figure += 1
            md += [f"![{title}]({img})", "", f"*Figure {figure}.* {caption}", ""]
        md += [reading, ""]
    out = folder / "report.md"
    out.write_text("\n".join(md), encoding="utf-8")
    from .report import write_html

    write_html(folder, out.read_text(encoding="utf-8"))
    return out
