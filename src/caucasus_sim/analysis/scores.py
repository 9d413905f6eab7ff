"""Probabilistic forecasts as quantiles, their proper scores, and the baselines they must beat.

A forecast of a target is its 99 quantiles at the levels `LEVELS` (0.01, 0.02, ..., 0.99),
stored in columns `q01` ... `q99` (`quantile_columns()`); an array of forecasts has shape
(targets, 99). Scores are in the target's own units: a survey share's as a share (0-1; a
report multiplies by 100 for percentage points), an ideal-point distance's in ideal-point
units. Lower is better for every score.

- `crps`: the continuous ranked probability score, from the quantiles (twice the mean
  pinball loss over the 99 levels; scoringrules' `crps_quantile`). The mean over 99
  levels stands for the integral over 0-1: for a normal forecast the result is 0.2-1.1%
  above the closed form for observations within 5 sd of the mean (measured in
  tests/unit/test_scores.py), the same for every method scored on the same levels.
- `interval_score`: the interval (Winkler) score of the central interval of `coverage`
  (50%: q25 to q75; 90%: q05 to q95): its width plus 2 / (1 - coverage) times how far the
  observation falls outside it.
- `covered`, `pit`: whether the central interval holds the observation; the level at
  which the observation falls (the probability integral transform; uniform on 0-1 for a
  calibrated forecast).

The baselines (`baselines`) see only what was observed up to a cut-off year and forecast
every target after it: `persistence` (the last value plus a random walk), `trend` (a
least-squares line with its prediction interval) and `ar1` (an autoregression of order 1
per series). `score_table` and `skill_table` summarise scores by kind, forecast origin and
horizon.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scoringrules as sr
from scipy.special import ndtri, stdtrit

LEVELS = np.round(np.arange(1, 100) / 100.0, 2)  # 0.01 ... 0.99
BASELINES = ("persistence", "trend", "ar1")
COVERAGES = (0.5, 0.9)
SIGMA2_FLOOR = 1e-8  # the random walk's variance per year is at least this (units^2 per year)
TREND_MIN, AR1_MIN = 3, 4  # fewer fit-window observations than this: persistence's distribution


def quantile_columns() -> list[str]:
    """The names of the quantile columns: q01 ... q99."""
    return [f"q{round(level * 100):02d}" for level in LEVELS]


def level_index(level: float) -> int:
    """The column of one level (0.05 -> 4); a level off the grid of `LEVELS` is an error."""
    i = int(round(level * 100)) - 1
    if not (0 <= i < len(LEVELS) and abs(LEVELS[i] - level) < 1e-9):
        raise ValueError(f"level {level!r} is not one of the forecast levels 0.01, 0.02, ..., 0.99")
    return i


def quantiles_from_samples(samples: np.ndarray) -> np.ndarray:
    """Quantiles (targets, 99) of predictive draws (targets, draws)."""
    samples = np.asarray(samples, dtype=float)
    return np.quantile(samples, LEVELS, axis=1).T


def quantiles_from_normal(mean, sd) -> np.ndarray:
    """Quantiles (targets, 99) of normal forecasts with these means and standard deviations."""
    mean, sd = np.atleast_1d(np.asarray(mean, dtype=float)), np.atleast_1d(np.asarray(sd, dtype=float))
    return mean[:, None] + sd[:, None] * ndtri(LEVELS)[None, :]


def quantiles_from_t(mean, scale, df) -> np.ndarray:
    """Quantiles (targets, 99) of location-scale Student-t forecasts."""
    mean, scale = np.atleast_1d(np.asarray(mean, dtype=float)), np.atleast_1d(np.asarray(scale, dtype=float))
    df = np.broadcast_to(np.asarray(df, dtype=float), mean.shape)
    return mean[:, None] + scale[:, None] * stdtrit(df[:, None], LEVELS[None, :])


# ------------------------------------------------------------------------ scores


def _checked(q, y) -> tuple[np.ndarray, np.ndarray]:
    q, y = np.atleast_2d(np.asarray(q, dtype=float)), np.atleast_1d(np.asarray(y, dtype=float))
    if q.shape != (len(y), len(LEVELS)):
        raise ValueError(f"quantiles of shape {q.shape} for {len(y)} observations; expected ({len(y)}, {len(LEVELS)})")
    return q, y


def crps(q, y) -> np.ndarray:
    """CRPS of each quantile forecast (targets, 99) against its observation (targets,):
    2 x the mean pinball loss over the 99 levels, in the target's units."""
    q, y = _checked(q, y)
    return np.asarray(sr.crps_quantile(y, q, LEVELS, backend="numpy"), dtype=float).reshape(y.shape)


def bounds(q, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """The central interval of `coverage` (0.5: q25 and q75; 0.9: q05 and q95)."""
    try:
        lo = level_index(round((1.0 - coverage) / 2.0, 6))
        hi = level_index(round((1.0 + coverage) / 2.0, 6))
    except ValueError:
        raise ValueError(f"coverage {coverage!r}: the central interval's ends are not forecast levels "
                         "(0.01, 0.02, ..., 0.99); use e.g. 0.5, 0.8 or 0.9") from None
    q = np.atleast_2d(np.asarray(q, dtype=float))
    return q[:, lo], q[:, hi]


def interval_score(q, y, coverage: float) -> np.ndarray:
    """Interval score of the central interval of `coverage`: width + 2 / (1 - coverage) x
    the distance of the observation outside it (0 inside); in the target's units."""
    q, y = _checked(q, y)
    lo, hi = bounds(q, coverage)
    return np.asarray(sr.interval_score(y, lo, hi, 1.0 - coverage, backend="numpy"), dtype=float).reshape(y.shape)


def covered(q, y, coverage: float) -> np.ndarray:
    """Whether the central interval of `coverage` holds the observation (ends included)."""
    q, y = _checked(q, y)
    lo, hi = bounds(q, coverage)
    return (lo <= y) & (y <= hi)


def pit(q, y) -> np.ndarray:
    """The level at which each observation falls among its forecast's quantiles, linear
    between them; 0 below q01 and 1 above q99."""
    q, y = _checked(q, y)
    out = np.empty(len(y))
    for i in range(len(y)):
        out[i] = np.interp(y[i], q[i], LEVELS, left=0.0, right=1.0)
    return out


# ------------------------------------------------------------------------ baselines


class BaselineForecasts(dict):
    """{method: quantiles (targets to forecast, 99)} for persistence, trend and ar1, with
    what a report needs to say about them: `sigma2` (the random walk's variance per year,
    per kind) and `fallback` ({method: the series that took persistence's distribution
    instead: too few observations, or, for ar1, a fit that failed or did not converge})."""

    def __init__(self, quantiles: dict, sigma2: dict[str, float], fallback: dict[str, list[str]]) -> None:
        super().__init__(quantiles)
        self.sigma2, self.fallback = sigma2, fallback


def random_walk_variance(history: pd.DataFrame) -> dict[str, float]:
    """The variance per year of each kind's random walk, pooled over its series.

    A series is a random walk mu observed with noise, y_t = mu_t + e_t, e_t of variance
    `obs_var`. For consecutive observations i, j of one series,
    E[(y_j - y_i)^2] = sigma2 (t_j - t_i) + var_i + var_j, so over every such pair of the
    kind's series sigma2 = sum((y_j - y_i)^2 - var_i - var_j) / sum(t_j - t_i), the
    method-of-moments estimate that weights each pair by its time gap; floored at
    `SIGMA2_FLOOR` (the noise can explain all the change). A kind without two observations
    of one series is absent from the result."""
    h = history.sort_values(["series", "year"], kind="stable")
    same = h["series"].to_numpy()[1:] == h["series"].to_numpy()[:-1]
    y, t, v = (h[c].to_numpy(dtype=float) for c in ("value", "year", "obs_var"))
    excess = np.diff(y) ** 2 - v[1:] - v[:-1]
    dt, kind = np.diff(t), h["kind"].to_numpy()[1:]
    out = {}
    for k in pd.unique(h["kind"]):
        pairs = same & (kind == k)
        if pairs.any():
            out[str(k)] = max(float(excess[pairs].sum() / dt[pairs].sum()), SIGMA2_FLOOR)
    return out


def _trend(years: np.ndarray, values: np.ndarray, obs_var: np.ndarray, ahead: np.ndarray) -> np.ndarray | None:
    """Quantiles of a least-squares line's forecasts at the years `ahead`: Student-t with
    n - 2 degrees of freedom, scale s * sqrt(1 + 1/n + (t - mean t)^2 / Sxx) (the OLS
    prediction interval), s^2 the residual variance, at least the mean observation variance
    (a line through three points can fit them exactly; the data are not that precise)."""
    n = len(years)
    if n < TREND_MIN:
        return None
    tbar, ybar = years.mean(), values.mean()
    sxx = float(((years - tbar) ** 2).sum())
    slope = float(((years - tbar) * (values - ybar)).sum()) / sxx
    resid = values - (ybar + slope * (years - tbar))
    s2 = max(float((resid ** 2).sum()) / (n - 2), float(obs_var.mean()))
    scale = np.sqrt(s2 * (1.0 + 1.0 / n + (ahead - tbar) ** 2 / sxx))
    return quantiles_from_t(ybar + slope * (ahead - tbar), scale, n - 2)


def _ar1(years: np.ndarray, values: np.ndarray, ahead: np.ndarray) -> np.ndarray | None:
    """Quantiles of an AR(1) with a constant, fitted by maximum likelihood on a yearly index
    from the series' first to its last observation (missing years are missing values, which
    the Kalman filter skips), at the years `ahead`; None if it fails or does not converge."""
    # statsmodels takes over a second to import: only the forecasts that fit an AR(1) pay for it
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.statespace.sarimax import SARIMAX  # (statsmodels: as above)

    if len(years) < AR1_MIN:
        return None
    first, last = int(years.min()), int(years.max())
    endog = np.full(last - first + 1, np.nan)
    endog[(years - first).astype(int)] = values
    steps = (ahead - last).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitted = SARIMAX(endog, order=(1, 0, 0), trend="c").fit(disp=False)
            forecast = fitted.get_forecast(int(steps.max()))
            mean = np.asarray(forecast.predicted_mean)[steps - 1]
            var = np.asarray(forecast.var_pred_mean)[steps - 1]
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None
    failed = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if failed or not fitted.mle_retvals.get("converged", True) or not np.all(np.isfinite(mean)) \
            or not np.all(np.isfinite(var) & (var > 0)):
        return None
    return quantiles_from_normal(mean, np.sqrt(var))


def _persistence(seen: pd.DataFrame, predict: pd.DataFrame, sigma2: dict[str, float]) -> np.ndarray:
    """Quantiles of the last observed value plus the random walk: normal, variance
    sigma2[kind] h + var(last observation) + var(new observation), h the years since the
    last observation (the new one's variance: `predict`'s obs_var if it has one, else the
    last observation's)."""
    last = seen.sort_values("year", kind="stable").groupby("series").tail(1).set_index("series")
    rows = last.loc[predict["series"]]
    h = predict["year"].to_numpy(dtype=float) - rows["year"].to_numpy(dtype=float)
    v_last = rows["obs_var"].to_numpy(dtype=float)
    v_new = predict["obs_var"].to_numpy(dtype=float) if "obs_var" in predict else v_last
    s2 = predict["kind"].map(sigma2).to_numpy(dtype=float)
    return quantiles_from_normal(rows["value"].to_numpy(dtype=float), np.sqrt(s2 * h + v_last + v_new))


def _check_baseline_input(seen: pd.DataFrame, predict: pd.DataFrame, cutoff: int, sigma2: dict) -> None:
    late = predict["year"] <= cutoff
    if late.any():
        r = predict[late].iloc[0]
        raise ValueError(f"series {r['series']!r}, {r['year']}: a forecast target must be after the cut-off {cutoff}")
    unseen = sorted(set(predict["series"]) - set(seen["series"]))
    if unseen:
        raise ValueError(f"series {unseen[0]!r} has no observation up to {cutoff}; no baseline can forecast it")
    for kind in pd.unique(predict["kind"]):
        if kind not in sigma2:
            raise ValueError(f"no {kind} series has two observations up to {cutoff}: the random walk's variance "
                             "cannot be estimated")


def baselines(history: pd.DataFrame, predict: pd.DataFrame, cutoff: int) -> BaselineForecasts:
    """Persistence, trend and AR(1) forecasts of every row of `predict` (series, kind, year
    after `cutoff`; optional obs_var) from the rows of `history` (series, kind, year, value,
    obs_var: each value's sampling variance) up to and including `cutoff` (later rows are
    dropped here, whatever the caller passes). Quantiles (len(predict), 99), in the
    targets' units; a survey share's clipped to 0-1."""
    seen = history[history["year"] <= cutoff]
    predict = predict.reset_index(drop=True)
    sigma2 = random_walk_variance(seen)
    _check_baseline_input(seen, predict, int(cutoff), sigma2)
    persistence = _persistence(seen, predict, sigma2)
    out = {"persistence": persistence, "trend": persistence.copy(), "ar1": persistence.copy()}
    fallback: dict[str, list[str]] = {"trend": [], "ar1": []}
    for series, rows in predict.groupby("series", sort=True).indices.items():
        past = seen[seen["series"] == series].sort_values("year")
        years, values = past["year"].to_numpy(dtype=float), past["value"].to_numpy(dtype=float)
        ahead = predict["year"].to_numpy(dtype=float)[rows]
        fits = {"trend": _trend(years, values, past["obs_var"].to_numpy(dtype=float), ahead),
                "ar1": _ar1(years, values, ahead)}
        for method, q in fits.items():
            if q is None:
                fallback[method].append(str(series))
            else:
                out[method][rows] = q
    survey = (predict["kind"] == "survey").to_numpy()
    for q in out.values():
        q[survey] = np.clip(q[survey], 0.0, 1.0)
    return BaselineForecasts(out, sigma2, fallback)


# ------------------------------------------------------------------------ tables

FRAME_COLUMNS = ("series", "kind", "origin", "year", "horizon", "observed")
SUMMARY_SCORES = ("crps", "interval_score_50", "interval_score_90", "coverage_50", "coverage_90", "mae")


def target_scores(frame: pd.DataFrame, quantiles: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per target of `frame` (series, kind, origin, year, horizon, observed) and
    method of `quantiles` ({method: (len(frame), 99)}): the frame's columns, method, median,
    q05, q95, crps, interval_score_50, interval_score_90, covered_50, covered_90, pit and
    abs_error (of the median); in the targets' units."""
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the targets to score lack column {missing[0]!r}; they need {', '.join(FRAME_COLUMNS)}")
    frame = frame.reset_index(drop=True)
    y = frame["observed"].to_numpy(dtype=float)
    parts = []
    for method, q in quantiles.items():
        q, _ = _checked(q, y)
        part = frame.assign(method=method, median=q[:, level_index(0.5)], q05=q[:, level_index(0.05)],
                            q95=q[:, level_index(0.95)], crps=crps(q, y))
        for c in COVERAGES:
            part[f"interval_score_{round(c * 100)}"] = interval_score(q, y, c)
            part[f"covered_{round(c * 100)}"] = covered(q, y, c)
        part["pit"] = pit(q, y)
        part["abs_error"] = np.abs(part["median"] - y)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Means of `target_scores` per kind x origin x horizon x method, and pooled over
    origins (origin "all"), horizons (horizon "all") and both. Origin and horizon are
    strings ("2019", "3", "all") so that the pooled rows share their columns."""
    s = scores.assign(origin=scores["origin"].astype(str), horizon=scores["horizon"].astype(str))
    rows = []
    for pool_origin in (False, True):
        for pool_horizon in (False, True):
            g = s.assign(**({"origin": "all"} if pool_origin else {}), **({"horizon": "all"} if pool_horizon else {}))
            rows.append(g.groupby(["kind", "origin", "horizon", "method"], sort=False).agg(
                n=("crps", "size"), crps=("crps", "mean"), interval_score_50=("interval_score_50", "mean"),
                interval_score_90=("interval_score_90", "mean"), coverage_50=("covered_50", "mean"),
                coverage_90=("covered_90", "mean"), mae=("abs_error", "mean")).reset_index())
    out = pd.concat(rows, ignore_index=True).drop_duplicates(["kind", "origin", "horizon", "method"])
    return out.sort_values(["kind", "origin", "horizon"], key=_all_last, kind="stable", ignore_index=True)


def _all_last(col: pd.Series) -> pd.Series:
    """Sort key: numbers in order, "all" after them."""
    return col.map(lambda v: (1, 0.0) if v == "all" else (0, float(v)) if _is_number(v) else (0, 0.0))


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def score_table(frame: pd.DataFrame, quantiles: dict[str, np.ndarray]) -> pd.DataFrame:
    """The summary of a set of forecasts: one row per kind x origin x horizon x method and
    the pooled rows (origin and/or horizon "all"), with n, crps, interval_score_50,
    interval_score_90, coverage_50, coverage_90 and mae (of the median), in the targets'
    units (survey shares as shares). `frame` and `quantiles` as for `target_scores`."""
    return summarise(target_scores(frame, quantiles))


def skill_table(scores: pd.DataFrame, model: str = "model") -> pd.DataFrame:
    """The skill of `model` against every other method of a `score_table`, per kind x origin
    (origin "all": pooled), over all horizons: crps_skill = 1 - CRPS(model) / CRPS(baseline)
    and mae_skill likewise (positive: the model is better; NaN where the baseline's score is
    0), with both methods' scores and coverages beside them."""
    s = scores[scores["horizon"].astype(str) == "all"]
    if model not in set(s["method"]):
        raise ValueError(f"no method {model!r} in the scores; they hold {', '.join(pd.unique(s['method']))}")
    rows = []
    for (kind, origin), g in s.groupby(["kind", "origin"], sort=False):
        by = g.set_index("method")
        if model not in by.index:
            continue
        m = by.loc[model]
        for baseline in (x for x in by.index if x != model):
            b = by.loc[baseline]
            row = {"kind": kind, "origin": origin, "baseline": baseline, "n": int(m["n"])}
            for score in ("crps", "mae"):
                row |= {f"{score}_model": m[score], f"{score}_baseline": b[score],
                        f"{score}_skill": 1.0 - m[score] / b[score] if b[score] > 0 else np.nan}
            row |= {"coverage_90_model": m["coverage_90"], "coverage_90_baseline": b["coverage_90"]}
            rows.append(row)
    return pd.DataFrame(rows)
