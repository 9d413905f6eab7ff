"""Calibration to surveys and UN votes (docs/odd.md, section 8): history matching and
model choice (`matching`), ABC-SMC (`abc`), and validation (`validation`), into one
results folder:

- `design.parquet`: every design point of every structure compared, its values, its implausibility
  by each measure (`implausibility_max`, `_second`, `_third`), the measure it is screened by
  and whether it is non-implausible;
- `model_choice.csv`: the posterior probability of each structure, its bootstrap standard
  error and, where every accepted draw is one structure's, one-sided 95% bounds;
- `posterior.parquet`: equally weighted posterior draws of the fitted structure (the run's
  `model_version`, v2 or v3; resampled from the last ABC population, or the
  non-implausible points without stage 2);
  `abc_populations.csv`: each population's threshold and simulations;
- `parameters.csv`: prior and posterior of each parameter, and posterior sd / prior sd;
- `predictive.csv`: every target with its posterior-predictive mean and 90% interval,
  window (fit or hold-out) and the two baselines; `skill.csv`: hold-out coverage, errors
  and skill; `recovery.csv` and `coverage.csv`: synthetic recovery; `loco.csv`: leave one
  client out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..outputs import Bundle
from . import abc, validation
from .matching import (CalibrationPlan, design_table, driver_array, history_match, model_choice,
                       run_designs, simulate_drivers)
from .matching import calibration_bundle, cost  # noqa: F401  (the runner's entry points)
from .matching import prepare as prepare_designs
from .pool import Pool, open_pool, require_dask
from .result import TablesResult

FILES = {"design": "design.parquet", "choice": "model_choice.csv", "posterior": "posterior.parquet",
         "populations": "abc_populations.csv", "parameters": "parameters.csv", "predictive": "predictive.csv",
         "skill": "skill.csv", "recovery": "recovery.csv", "coverage": "coverage.csv", "loco": "loco.csv",
         "implausibility": "implausibility.csv"}


def probability_value(row) -> str:
    """One structure's posterior probability (a row of `model_choice.csv`): the estimate
    with its Monte Carlo standard error, to the digits the error allows ("0.62 ± 0.03"), or
    the one-sided 95% bound where every accepted draw is one structure's ("≥ 0.990",
    "≤ 0.010"); never odds, which are infinite there."""
    if not pd.isna(row.get("lower_95", np.nan)):
        return f"≥ {row['lower_95']:.3f}"
    if not pd.isna(row.get("upper_95", np.nan)):
        return f"≤ {row['upper_95']:.3f}"
    se = float(row["probability_se"])
    digits = 2 if se >= 0.01 or se == 0 else min(4, -math.floor(math.log10(se)))
    return f"{row['posterior_probability']:.{digits}f} ± {se:.{digits}f}"


SHORT_NAMES = {"v2": "v2", "v1": "v1 structure", "v3": "v3"}  # a structure in a sentence


def probability_text(row) -> str:
    """"P(v2) = 0.62 ± 0.03", "P(v1 structure) ≤ 0.010" (`probability_value`)."""
    name = f"P({SHORT_NAMES[row['structure']]})"
    value = probability_value(row)
    return f"{name} {value}" if value[0] in "≥≤" else f"{name} = {value}"


def preference(choice: pd.DataFrame) -> str:
    """Which structure the calibration prefers: the one with the largest posterior
    probability (`probability_text`), and whether the next is within two standard errors of
    the difference of it, in which case the draws do not tell them apart."""
    order = choice.sort_values("posterior_probability", ascending=False, kind="stable")
    best = order.iloc[0]
    out = f"the calibration prefers {SHORT_NAMES[best['structure']]} ({probability_text(best)})"
    if len(order) > 1 and pd.isna(best.get("lower_95", np.nan)):
        nxt = order.iloc[1]
        # the difference's error is at most the sum of the two (the shares are anticorrelated)
        gap, se = best["posterior_probability"] - nxt["posterior_probability"], best["probability_se"] + nxt["probability_se"]
        if gap <= 2 * se:
            out += (f", but {SHORT_NAMES[nxt['structure']]} is within two standard errors of it "
                    f"({probability_text(nxt)}): the draws do not tell them apart")
    return out


def choice_statement(choice: pd.DataFrame) -> str:
    """Every structure's probability (`probability_text`); where every accepted draw is one
    structure's, what the bound rests on."""
    out = ", ".join(probability_text(r) for _, r in choice.iterrows())
    alone = choice[choice["lower_95"].notna()] if "lower_95" in choice else choice.iloc[:0]
    none = choice[choice["upper_95"].notna()] if "upper_95" in choice else choice.iloc[:0]
    if len(alone):
        r = alone.iloc[0]
        out += (f" (every accepted draw is {r['structure']}'s: {int(r['accepted']):,} draws at "
                f"{int(r['accepted_points']):,} design points; a one-sided 95% bound, not an estimate)")
    elif len(none):
        names = " or ".join(f"{SHORT_NAMES[s]}'s" for s in none["structure"])
        out += (f" (no accepted draw is {names}: of {int(choice['accepted'].sum()):,} draws at "
                f"{int(choice['accepted_points'].sum()):,} design points, none; ≤ is a one-sided 95% bound, "
                "not an estimate)")
    return out


@dataclass(repr=False)
class CalibrationResult(TablesResult):
    """The tables of a calibration (see the module's docstring)."""

    kind = "calibration"

    def facts(self) -> list[str]:
        out = [f"calibration of {len(self.tables['predictive'])} targets, {self.how['design_points']} design points "
               f"x {self.how['replicates']} replicates per structure"]
        out.append(choice_statement(self.tables["choice"]))
        said = preference(self.tables["choice"])
        out.append(said[0].upper() + said[1:])
        for _, r in self.tables["skill"].iterrows():
            out.append(f"hold-out {r['kind']}: coverage {r['coverage_90']:.2f}, error {r['mae_model']:.2f} "
                       f"{r['unit']} (persistence {r['mae_persistence']:.2f}, trend {r['mae_trend']:.2f})")
        return out

    @property
    def posterior(self) -> pd.DataFrame:
        return self.tables["posterior"]


def prepare(cfg):
    """Check the calibration (ELFI there, if stage 2 is on) and draw its designs, before any output."""
    if cfg.calibration.abc.enabled:
        abc.require_elfi()
    if cfg.calibration.client == "dask":
        require_dask()
    return prepare_designs(cfg)


def parameter_table(plan: CalibrationPlan, posterior: pd.DataFrame) -> pd.DataFrame:
    """Prior and posterior of each key of the fitted structure."""
    rows = []
    for key, (lo, hi) in zip(plan.keys_of(plan.fitted), plan.bounds_of(plan.fitted)):
        v = posterior[key].to_numpy()
        prior_sd = (hi - lo) / np.sqrt(12.0)
        rows.append({"param": key, "prior_low": lo, "prior_high": hi, "prior_sd": prior_sd,
                     "posterior_mean": float(v.mean()), "posterior_sd": float(v.std(ddof=1)),
                     "q05": float(np.quantile(v, 0.05)), "q95": float(np.quantile(v, 0.95)),
                     "sd_ratio": float(v.std(ddof=1) / prior_sd)})
    return pd.DataFrame(rows)


def implausibility_table(plan: CalibrationPlan, matches: dict) -> pd.DataFrame:
    """Per target of the fit window and structure: the smallest and median implausibility
    over the design, and the share of points below the cutoff (what no point can match)."""
    t = plan.targets[plan.fit]
    rows = []
    for s, m in matches.items():
        imp = m.implausibility[:, plan.fit]
        rows.append(t[["series", "client", "kind", "year", "value"]].assign(
            structure=s, smallest=imp.min(axis=0), median=np.median(imp, axis=0),
            share_below_cutoff=(imp < m.cutoff).mean(axis=0)))
    return pd.concat(rows, ignore_index=True)


def _resample(draws: pd.DataFrame, keys: list[str], n: int, seed: int) -> pd.DataFrame:
    """n equally weighted draws (systematic resampling of weighted draws), in random order,
    so that the first k of them are a sample too (`posterior_draws`)."""
    rng = np.random.default_rng(seed)
    w = draws["weight"].to_numpy() if "weight" in draws else np.full(len(draws), 1.0 / len(draws))
    u = (rng.random() + np.arange(n)) / n
    idx = rng.permutation(np.minimum(np.searchsorted(np.cumsum(w / w.sum()), u), len(draws) - 1))
    out = draws.iloc[idx][keys].reset_index(drop=True)
    out.insert(0, "draw", np.arange(n, dtype=np.int64))
    return out


def _stage2(cfg, plan: CalibrationPlan, X: np.ndarray, kept: np.ndarray, bundle: Bundle, pool: Pool):
    """The posterior draws of the fitted structure (ABC-SMC on the box of the kept points, or
    the kept points)."""
    keys = plan.keys_of(plan.fitted)
    inside = X[kept] if kept.any() else X
    if cfg.calibration.abc.enabled:
        box = [(float(lo), float(hi)) if hi > lo else prior
               for lo, hi, prior in zip(inside.min(axis=0), inside.max(axis=0), plan.bounds_of(plan.fitted))]
        out = abc.run_abc(cfg, plan, box, bundle, pool)
        return out.posterior, out.populations, box
    draws = pd.DataFrame(inside, columns=keys)
    return draws, pd.DataFrame(columns=["population", "threshold", "simulations", "particles"]), None


def run_calibration(cfg, prepared, bundle: Bundle) -> CalibrationResult:
    """Every structure's design (resuming), history matching, model choice, ABC-SMC, validation."""
    plan, designs = prepared
    c = cfg.calibration
    with open_pool(c) as pool:
        table = run_designs(cfg, plan, designs, bundle, pool)
        n = len(plan.targets)
        Zs = {s: driver_array(table, s, n) for s in plan.structures}
        matches = {s: history_match(plan, Zs[s], float(c.cutoff)) for s in plan.structures}
        fitted = plan.fitted
        weighted, populations, box = _stage2(cfg, plan, designs[fitted], matches[fitted].kept, bundle, pool)
    tables = {"design": design_table(plan, designs, matches),
              "choice": model_choice(plan, Zs, matches, float(c.choice_quantile), int(cfg.seed)),
              "implausibility": implausibility_table(plan, matches), "populations": populations}
    size = int(c.abc.particles) if c.abc.enabled else len(weighted)
    keys = plan.keys_of(fitted)
    posterior = tables["posterior"] = _resample(weighted, keys, size, int(cfg.seed))
    tables["parameters"] = parameter_table(plan, posterior)
    points = posterior[keys].to_dict("records")
    Z_post = simulate_drivers(plan, fitted, points, replicate_ids=np.arange(len(points)), split=True)
    tables["predictive"] = validation.series_bands(plan, validation.predictive(plan, Z_post, int(cfg.seed)))
    tables["skill"] = validation.skill(tables["predictive"])
    tables["recovery"] = validation.recovery(plan, designs[fitted], Zs[fitted], int(c.recovery_datasets),
                                             float(c.choice_quantile), int(cfg.seed))
    tables["coverage"] = validation.coverage_table(tables["recovery"], dict(zip(keys, plan.bounds_of(fitted))))
    tables["loco"] = validation.leave_one_client_out(plan, Zs[fitted], float(c.choice_quantile))
    for name, t in tables.items():
        bundle.write_table(FILES[name], t)
    how = {"keys": plan.keys, "bounds": plan.bounds, "v1_keys": plan.v1_keys, "structures": list(plan.structures),
           "fitted": fitted,
           "structure_keys": {s: plan.keys_of(s) for s in plan.structures}, "design_points": int(c.design_points),
           "replicates": int(cfg.replicates), "fit_until": int(c.fit_until), "holdout_until": int(c.holdout_until),
           "targets": int(n), "cutoff": float(c.cutoff), "implausibility": plan.measure, "abc": bool(c.abc.enabled), "abc_box": box,
           "non_implausible": {s: int(matches[s].kept.sum()) for s in plan.structures}}
    return CalibrationResult(experiment=str(cfg.experiment), tables=tables, how=how)
