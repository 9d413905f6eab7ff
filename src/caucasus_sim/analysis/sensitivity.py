"""Global sensitivity analysis (Sobol', Morris) with scenario discovery (PRIM).

Which uncertain parameters drive a client's alignment balance, and which combinations of
them bring it back toward the `balance.minus` patron (Russia)? In the vocabulary of EMA
Workbench: the *uncertainties* are `sensitivity.params` (a numeric configuration key
with a range), sampled by SALib — Sobol' (Saltelli's scheme without second-order terms:
N (D + 2) points) or Morris (N trajectories of D + 1 points); the *outcome* Y of a point
is a statistic (`mean`, or `p_positive` = share > 0) over `replicates` replicates of one
path of the client's balance at an outcome date. Points run through the batched engine,
sharing one batch `points_per_batch` at a time when every key is batchable, with common
random numbers across points.

The points are evaluated in chunks, each saved as it finishes (a re-run of the same
command resumes); then the tables: `samples.parquet` (one row per point: values,
replicates, balance statistics, Y, whether the point is a case of interest),
`indices.csv` (Sobol' S1 and ST or Morris mu, mu*, sigma, with confidence intervals) and
`prim_boxes.csv` (every box on each PRIM peeling trajectory, the selected one marked).
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ConfigError, validate
from ..config.schema import SENSITIVITY_METHODS, STATISTICS
from ..model import CaucasusModel, check_points, is_batchable
from ..outputs import BALANCE, Bundle, axis_names, config_digest
from ..outputs.bundle import PLAN
from ..outputs.preflight import BASE_MEMORY, REPORT_BYTES, Cost, model_bytes, shape_of
from .discovery import cases_of_interest, discover
from .points import chunked, numeric_value, point_config, run_chunks
from .result import Result

SAMPLES_FILE = "samples.parquet"
INDICES_FILE = "indices.csv"
BOXES_FILE = "prim_boxes.csv"
CONF_LEVEL = 0.95
NUM_RESAMPLES = 1000  # bootstrap resamples of the confidence intervals

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


@dataclass(repr=False)
class SensitivityResult(Result):
    """One row per sampled point (`samples`), the indices per parameter (`indices`) and
    the PRIM boxes (`boxes`)."""

    kind = "sensitivity"
    plan: SensitivityPlan
    samples: pd.DataFrame
    indices: pd.DataFrame
    boxes: pd.DataFrame
    how: dict

    def facts(self) -> list[str]:
        p = self.plan
        out = [f"{p.method} analysis of {len(self.samples)} points x {int(self.samples['replicates'].iloc[0])} "
               f"replicates"]
        order = "ST" if p.method == "sobol" else "mu_star"
        top = self.indices.sort_values(order, ascending=False, kind="stable").head(3)
        out.append(f"Y = {p.statistic} of {p.client}'s balance ({p.outcome}, path {p.path}); largest {order}: "
                   + ", ".join(f"{r['param']} {r[order]:.2f}" for _, r in top.iterrows()))
        return out

    def provenance(self) -> dict:
        return self.how


# ------------------------------------------------------------------------ checking


def check_sensitivity(cfg) -> SensitivityPlan:
    """Check the `sensitivity` block; raise a one-line ConfigError before any work."""
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
    _check_design(s)
    keys, bounds = _check_params(cfg)
    return SensitivityPlan(method=s.method, keys=keys, bounds=bounds, path=path, client=s.client,
                           outcome=str(s.outcome), statistic=s.statistic,
                           batchable=all(is_batchable(k) for k in keys))


def _check_design(s) -> None:
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
                          "which is not installed; pip install 'caucasus-sim[discovery]', or set "
                          "sensitivity.discovery_quantile=0")


def _check_params(cfg) -> tuple[list[str], list[tuple[float, float]]]:
    """Keys and ranges of the uncertain parameters. Each is checked at both ends of its
    range: every check of `config.validate` on these keys is a range, so a range whose
    ends validate holds only valid values."""
    if not cfg.sensitivity.params:
        raise ConfigError("sensitivity.params: no uncertain parameters; give at least one {key, low, high}")
    keys, bounds = [], []
    for i, p in enumerate(cfg.sensitivity.params):
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
                point_config(cfg, {key: value}, "sensitivity")
            except ConfigError as exc:
                raise ConfigError(f"{where}: {end}={value!r} is not allowed: {exc}") from None
        keys.append(key)
        bounds.append((lo, hi))
    return keys, bounds


# ------------------------------------------------------------------------ sampling


def _salib_seed(cfg) -> int:
    return int(cfg.seed) % 2**32


def sample(cfg, plan: SensitivityPlan) -> np.ndarray:
    """The sample matrix (points x parameters), seeded from `cfg.seed`."""
    # SALib (and the scipy.stats it imports, ~1.5 s) is imported where an analysis samples,
    # not by every command that imports the package
    from SALib.sample import morris as morris_sample  # (see above)
    from SALib.sample import sobol as sobol_sample  # (see above)

    s = cfg.sensitivity
    if plan.method == "sobol":
        return sobol_sample.sample(plan.problem, int(s.base_samples), calc_second_order=False,
                                   seed=_salib_seed(cfg))
    return morris_sample.sample(plan.problem, int(s.base_samples), num_levels=int(s.morris_levels),
                                seed=_salib_seed(cfg))


# ------------------------------------------------------------------------ evaluating


STAT_COLUMNS = {stat: f"{BALANCE}_{stat}" for stat in ("mean", "sd", "p_positive")}


def evaluate_chunk(cfg, plan: SensitivityPlan, X: np.ndarray, ids: list[int]) -> pd.DataFrame:
    """Run the points `ids` (rows of X) and summarise the client's balance per point."""
    points = [{k: float(v) for k, v in zip(plan.keys, X[i])} for i in ids]
    if plan.batchable:
        models = [CaucasusModel(cfg, path=plan.path, points=points, record="outcomes").run()]
    else:
        models = [CaucasusModel(point_config(cfg, p, "sensitivity"), path=plan.path, record="outcomes").run()
                  for p in points]
    R = int(cfg.replicates)
    parts, date = [], None
    for m in models:
        t = dict(m.outcome_steps)[plan.outcome]
        date = m.dates[t]
        ci = m.clients.index(plan.client)
        parts.append(m.balance()[m.row_of(t), :, ci].reshape(-1, R))
    b = np.concatenate(parts)  # (points, replicates), point-major as the batch
    cols = STAT_COLUMNS
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
    from SALib.analyze import morris, sobol  # see `sample`

    seed = _salib_seed(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if plan.method == "sobol":
            S = sobol.analyze(plan.problem, Y, calc_second_order=False, num_resamples=NUM_RESAMPLES,
                              conf_level=CONF_LEVEL, print_to_console=False, seed=seed)
        else:
            S = morris.analyze(plan.problem, X, Y, num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL,
                               num_levels=int(cfg.sensitivity.morris_levels), print_to_console=False,
                               seed=seed)
    out = pd.DataFrame({"param": plan.keys})
    for c in cols[1:]:
        out[c] = np.asarray(S[c], dtype=float)
    return out


# ------------------------------------------------------------------------ the run


def sensitivity_bundle(cfg) -> Bundle:
    folder = Path(cfg.output_root) / cfg.experiment / f"sensitivity-{config_digest(cfg)}"
    return Bundle.resumable(folder, "sensitivity")


def prepare(cfg) -> tuple[SensitivityPlan, np.ndarray]:
    """Check the analysis and sample its points, before any output."""
    plan = check_sensitivity(cfg)
    CaucasusModel(cfg, path=plan.path, replicates=1)  # bad events or paths fail before any work
    X = sample(cfg, plan)
    check_points(cfg, [dict(zip(plan.keys, row)) for row in X.tolist()])  # e.g. an infeasible start
    return plan, X


def cost(cfg, prepared) -> Cost:
    """One chunk of points at a time (outcome steps recorded); a row per point."""
    plan, X = prepared
    steps, outcomes, C, P = shape_of(cfg)
    n, R = len(X), int(cfg.replicates)
    per_chunk = (cfg.sensitivity.points_per_batch or n) if plan.batchable else 1
    return Cost(BASE_MEMORY + model_bytes(min(per_chunk, n) * R, outcomes + 1, C, P) + n * 1000,
                REPORT_BYTES + 2 * n * (len(plan.keys) + 8) * 8,
                f"a sensitivity analysis of {n:,} points x {R:,} replicates",
                "replicates, sensitivity.base_samples or sensitivity.points_per_batch")


def run_sensitivity(cfg, prepared, bundle: Bundle) -> SensitivityResult:
    """Evaluate every point (resuming finished chunks), analyse, discover; write the tables."""
    plan, X = prepared
    s = cfg.sensitivity
    chunks = chunked(len(X), s.points_per_batch)
    if not (bundle.path / PLAN).exists():
        bundle.write_json(PLAN, {"method": plan.method, "keys": plan.keys, "bounds": plan.bounds,
                                 "points": len(X), "points_per_chunk": len(chunks[0])})
    samples = run_chunks(cfg, bundle, chunks, lambda i, ids: evaluate_chunk(cfg, plan, X, ids),
                         f"{cfg.experiment} {plan.method}").sort_values("point", ignore_index=True)
    if len(samples) != len(X) or not np.array_equal(samples[plan.keys].to_numpy(), X):
        raise ConfigError(f"{bundle.path}: its saved chunks hold other points than this analysis samples "
                          "(written by another version?); remove the folder and run again")
    samples["Y"] = Y = samples[STAT_COLUMNS[plan.statistic]].to_numpy()
    samples["case_of_interest"] = cases = cases_of_interest(Y, float(s.discovery_quantile))
    indices = analyse(cfg, plan, X, Y)
    boxes = discover(samples, dict(zip(plan.keys, plan.bounds)), cases)
    for name, table in ((SAMPLES_FILE, samples), (INDICES_FILE, indices), (BOXES_FILE, boxes)):
        bundle.write_table(name, table)
    how = {"method": plan.method, "salib_seed": _salib_seed(cfg),
           "params": [{"key": k, "low": lo, "high": hi} for k, (lo, hi) in zip(plan.keys, plan.bounds)],
           "base_samples": int(s.base_samples), "points": len(X), "path": plan.path, "client": plan.client,
           "outcome": plan.outcome, "statistic": plan.statistic, "Y": STAT_COLUMNS[plan.statistic], "axis": axis_names(cfg)[plan.client],
           "discovery_quantile": float(s.discovery_quantile), "batched": plan.batchable,
           "points_per_chunk": len(chunks[0]), "chunks": len(chunks)}
    return SensitivityResult(experiment=str(cfg.experiment), plan=plan, samples=samples, indices=indices,
                             boxes=boxes, how=how)
