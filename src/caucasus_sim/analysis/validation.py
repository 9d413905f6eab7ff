"""Calibration, validation: what the posterior predicts that the fit did not see.

- *Hold-out*: every target after the fit window, predicted from the posterior (each draw
  one trajectory, its links fitted on the fit window, plus observation and discrepancy
  noise): the 90% predictive interval, whether it covers the observation, the error, and
  the error of two baselines that see the same fit window — the series' last fitted value
  carried forward (persistence) and a straight line through its fitted values (trend;
  persistence for a series with one fitted value).
- *Synthetic recovery*: data simulated by the model itself at a design point (its links
  fitted to the real data, one replicate, observation noise added) are fitted by ABC
  rejection over the other design points: does the 90% credible interval of each
  parameter hold the value that made the data?
- *Leave one client out*: the fit sees two clients (and only the first wave of each of the
  third's series, which sets its series' levels); the posterior predicts the third
  client's later waves, against persistence from its first wave.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..model.observation import ObservationSettings, drivers, fit_links
from .matching import CalibrationPlan, distances, history_match, observation_date

PREDICTIVE = (0.05, 0.95)


def predictive(plan: CalibrationPlan, Z: np.ndarray, seed: int) -> np.ndarray:
    """Posterior-predictive draws of every target (draws, targets) from one trajectory per
    posterior draw (Z: draws x targets), noise from the observation model added."""
    links = fit_links(Z, plan.targets, plan.fit, plan.settings)  # each draw's own levels and slopes
    values = links.predict(Z[:, None, :])[:, 0, :]
    noise = np.random.default_rng(seed).standard_normal(values.shape)
    return values + noise * np.sqrt(plan.obs_var + plan.disc_var)


def _baselines(plan: CalibrationPlan) -> tuple[np.ndarray, np.ndarray]:
    """Persistence and linear-trend predictions of every target from the fit window."""
    t = plan.targets
    persist, trend = np.full(len(t), np.nan), np.full(len(t), np.nan)
    for _, idx in t.groupby("series").groups.items():
        idx = np.asarray(idx)
        seen = idx[plan.fit[idx]]
        if len(seen) == 0:
            continue
        years, values = t["year"].to_numpy()[seen], t["value"].to_numpy()[seen]
        persist[idx] = values[np.argmax(years)]
        if len(seen) >= 2 and np.ptp(years) > 0:
            b, a = np.polyfit(years, values, 1)
            trend[idx] = a + b * t["year"].to_numpy()[idx]
        else:
            trend[idx] = persist[idx]
    return persist, trend


def series_bands(plan: CalibrationPlan, draws: np.ndarray) -> pd.DataFrame:
    """Per target: observed, predictive mean and 90% interval, window, baselines."""
    lo, hi = np.quantile(draws, PREDICTIVE, axis=0)
    persist, trend = _baselines(plan)
    t = plan.targets
    out = t[["series", "client", "kind", "patron", "year", "value"]].rename(columns={"value": "observed"}).copy()
    out["window"] = np.where(plan.fit, "fit", np.where(plan.holdout, "holdout", "other"))
    out["predicted"] = draws.mean(axis=0)
    out["q05"], out["q95"] = lo, hi
    out["covered"] = (t["value"].to_numpy() >= lo) & (t["value"].to_numpy() <= hi)
    out["persistence"], out["trend"] = persist, trend
    return out


def _scale(kind: str) -> tuple[float, str]:
    return (100.0, "percentage points") if kind == "survey" else (1.0, "ideal-point units")


def skill(bands: pd.DataFrame) -> pd.DataFrame:
    """Coverage and mean absolute error of the hold-out predictions, with the baselines'
    errors and the model's skill against each (1 - MAE_model / MAE_baseline)."""
    rows = []
    held = bands[bands["window"] == "holdout"]
    for kind, g in held.groupby("kind", sort=True):
        scale, unit = _scale(kind)
        err = {name: float((g[name] - g["observed"]).abs().mean() * scale)
               for name in ("predicted", "persistence", "trend")}
        rows.append({"kind": kind, "unit": unit, "targets": len(g), "coverage_90": float(g["covered"].mean()),
                     "mae_model": err["predicted"], "mae_persistence": err["persistence"],
                     "mae_trend": err["trend"],
                     "skill_vs_persistence": 1 - err["predicted"] / err["persistence"] if err["persistence"] else np.nan,
                     "skill_vs_trend": 1 - err["predicted"] / err["trend"] if err["trend"] else np.nan})
    return pd.DataFrame(rows)


def accept(plan: CalibrationPlan, Z: np.ndarray, quantile: float, fit: np.ndarray, observed: np.ndarray,
           exclude: int | None = None) -> np.ndarray:
    """ABC rejection over a design: the (point, replicate) draws in the lowest `quantile`
    of distance to `observed`; a bool (points, replicates)."""
    match = history_match(plan, Z, cutoff=np.inf, fit=fit, observed=observed)
    d = distances(plan, Z, match.links, fit=fit, observed=observed)
    if exclude is not None:
        d[exclude] = np.inf
    return d <= np.quantile(d[np.isfinite(d)], quantile)


def recovery(plan: CalibrationPlan, X: np.ndarray, Z: np.ndarray, datasets: int, quantile: float,
             seed: int) -> pd.DataFrame:
    """Synthetic recovery over `datasets` design points of the fitted structure (X, Z: its
    design and drivers): one row per point and
    parameter, with the 90% credible interval and whether it covers the truth."""
    rng = np.random.default_rng(seed)
    truth_points = rng.choice(len(X), size=min(datasets, len(X)), replace=False)
    real = history_match(plan, Z, cutoff=np.inf)
    keys = plan.keys_of(plan.fitted)
    survey = (plan.targets["kind"] == "survey").to_numpy()
    rows = []
    for j in truth_points:
        values = real.links.predict(Z[j:j + 1, :1, :])[0, 0]
        y = values + rng.standard_normal(values.shape) * np.sqrt(plan.obs_var)
        y = np.where(survey, np.clip(y, 1e-3, 1 - 1e-3), y)  # a share stays a share
        ok = accept(plan, Z, quantile, plan.fit, y, exclude=j)
        chosen = np.repeat(X[:, None, :], Z.shape[1], axis=1)[ok]  # (accepted, keys)
        lo, hi = np.quantile(chosen, PREDICTIVE, axis=0)
        for k, key in enumerate(keys):
            rows.append({"dataset": int(j), "param": key, "truth": float(X[j, k]), "q05": float(lo[k]),
                         "q95": float(hi[k]), "covered": bool(lo[k] <= X[j, k] <= hi[k]),
                         "accepted": int(ok.sum())})
    return pd.DataFrame(rows)


def coverage_table(rec: pd.DataFrame, bounds: dict) -> pd.DataFrame:
    g = rec.groupby("param", sort=False)
    out = g.agg(datasets=("dataset", "nunique"), coverage_90=("covered", "mean")).reset_index()
    width = g.apply(lambda d: float((d["q95"] - d["q05"]).mean()), include_groups=False).to_numpy()
    out["interval_width_share_of_prior"] = width / np.array([bounds[k][1] - bounds[k][0] for k in out["param"]])
    return out


def leave_one_client_out(plan: CalibrationPlan, Z: np.ndarray, quantile: float) -> pd.DataFrame:
    """For each client: fit the other two (and the first wave of each of its series), then
    predict its later waves; the error against persistence from its first wave."""
    t = plan.targets
    y = t["value"].to_numpy()
    first = t.groupby("series")["year"].transform("min").to_numpy() == t["year"].to_numpy()
    rows = []
    for client in sorted(t["client"].unique()):
        own = (t["client"] == client).to_numpy()
        fit = (plan.fit & ~own) | (own & first)
        ok = accept(plan, Z, quantile, fit, y)
        match = history_match(plan, Z, cutoff=np.inf, fit=fit)
        pred = match.links.predict(Z)[ok]  # (accepted draws, targets)
        later = own & ~first
        persist = pd.Series(np.where(first, y, np.nan)).groupby(t["series"]).transform("max").to_numpy()
        for kind in sorted(t.loc[later, "kind"].unique()):
            sel = later & (t["kind"] == kind).to_numpy()
            scale, unit = _scale(kind)
            mae = float(np.abs(pred[:, sel].mean(axis=0) - y[sel]).mean() * scale)
            mae_p = float(np.abs(persist[sel] - y[sel]).mean() * scale)
            rows.append({"client": client, "kind": kind, "unit": unit, "targets": int(sel.sum()),
                         "mae_model": mae, "mae_persistence": mae_p,
                         "skill_vs_persistence": 1 - mae / mae_p if mae_p else np.nan,
                         "trend_direction_right": float(np.mean(np.sign(pred[:, sel].mean(axis=0) - persist[sel])
                                                                == np.sign(y[sel] - persist[sel])))})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ mapped UN distances


def mapped_distance_change(m, targets: pd.DataFrame, settings: ObservationSettings, client: str, patron: str,
                           years: tuple[int, int] = (2021, 2023), fit_until: int = 2019) -> tuple[np.ndarray, float]:
    """The change `years[0]` -> `years[1]` of `client`'s UN ideal-point distance to `patron`
    that the observation model maps from the state of each replicate of the run `m` (kappa
    times the fall of its alignment share, read on 1 July), and kappa: the slope fitted to
    the ideal-point targets up to `fit_until` on the replicates' mean drivers, kept in
    [0, slope_max], with a level per series (the observation model, docs/odd.md 7.22). With
    targets whose distances hold each patron still (`observation.patron_held`) the slope
    rests on the clients' own moves only."""
    t = targets[(targets["year"] <= fit_until) & (targets["kind"] == "ideal_point")].reset_index(drop=True)
    start, end = m.dates[0], m.dates[-1]
    rows = np.array([m.step_at(observation_date(y, start, end)) for y in t["year"]])
    z = drivers(m.attitude_record, m.alignment_record, rows, t, m.clients, m.patrons).mean(axis=0)
    kappa = float(fit_links(z[None, :], t, np.ones(len(t), bool), settings).slope[0, 0])
    c, p = m.clients.index(client), m.patrons.index(patron)
    first, last = (m.alignment_record[m.step_at(dt.date(y, 7, 1)), :, c, p] for y in years)
    return kappa * (first - last), kappa  # sign -1: the less aligned, the farther
