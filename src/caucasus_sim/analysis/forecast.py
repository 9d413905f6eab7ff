"""Forecasts that start from the data (docs/odd.md, 7.30): event-
conditional hindcasts from rolling origins, and a registered forecast.

For an origin year o, with the targets fielded up to o (and nothing later):

1. *Fit*: ABC rejection over a Latin-hypercube design of the calibrated parameters (each
   point with `replicates` replicates, run through the recorded events): the (point,
   replicate) draws in the lowest `forecast.accept_quantile` of distance to the data up to
   o (`validation.accept`) are the parameter draws; each draw's levels and slopes of the
   observation model are fitted to its trajectory up to o.
2. *Discrepancy*: a random walk per series, diffuse at a series' first observation
   (`DIFFUSE_SD`); each particle draws its variance per year of each kind from the
   posterior given the one-step-ahead (leave-future-out) innovations up to o
   (`assimilation.step_var_posterior`).
3. *Assimilation*: `forecast.particles` particles (replicates carrying the draws) are
   filtered through every observation date up to o (`assimilation.assimilate`).
4. *Forecast*: the particles run on through the recorded events after o (the scenario is
   known, the attitudes are not); a target's predictive draw is the observation model's
   prediction plus the filtered walk carried to its year plus sampling error.

Hindcasts predict every later target of every series from origins `forecast.origins`,
scored with proper scores against probabilistic baselines (`analysis.scores`). The
registered forecast is cut at `forecast.cutoff` and gives quantiles of every series for
every year to `forecast.until`, with the events assumed after the cut-off.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import open_dict

from ..config import ConfigError, validate
from ..model import CaucasusModel, check_points
from ..model.events import path_events
from ..model.observation import LinkFit, Links, drivers, observation_variance
from ..model.streams import stream_id, uniforms
from ..outputs import Bundle
from ..outputs.preflight import BASE_MEMORY, REPORT_BYTES, Cost, model_bytes
from . import assimilation as pf
from .matching import WORKER_MEMORY, CalibrationPlan, observation_date, observation_settings, priors_and_targets
from .pool import local_workers
from .validation import accept

STEP_SD_GRID = np.geomspace(1e-3, 0.5, 40)  # candidate random-walk sds per year (shares, ideal-point units)
# the walk's sd at a series' first observation: diffuse (much wider than any level misfit),
# so that the first observation sets the series' level and only later ones, each predicted
# before it is seen, inform the walk's variance
DIFFUSE_SD = {"survey": 1.0, "ideal_point": 3.0}


@dataclass
class ForecastPlan:
    """The checked forecast: the targets and priors (as a calibration plan over every
    target), the run configuration to each end year, origins, cut-off and the design."""

    calib: CalibrationPlan
    base: object  # the configuration (to `until`)
    origins: list[int]
    cutoff: int
    until: int
    design: np.ndarray  # points x keys

    @property
    def targets(self) -> pd.DataFrame:
        return self.calib.targets

    def config_to(self, year: int):
        """The run configuration ending at the end of `year`, recording 1 July of every year."""
        out = copy.deepcopy(self.base)
        start = dt.date.fromisoformat(str(out.scenario.start))
        end = dt.date(year, 12, 31)
        with open_dict(out):
            out.scenario.end = end.isoformat()
            out.scenario.outcome_dates = sorted({observation_date(y, start, end).isoformat()
                                                 for y in range(start.year - 1, year + 1)})
        return out


def check_forecast(cfg) -> ForecastPlan:
    """Check the `forecast` block (and the targets and priors of `calibration`); one line."""
    validate(cfg)
    f, c = cfg.forecast, cfg.calibration
    if cfg.model_version not in ("v2", "v3"):
        raise ConfigError(f"model_version: {cfg.model_version}; forecasts run Model v2 or v3 (model=v2 or model=v3)")
    if c.enabled or cfg.sweep.method != "none" or cfg.sensitivity.method != "none" or cfg.attribution.enabled:
        raise ConfigError("forecast.enabled: a forecast is its own analysis; switch off calibration, sweep, "
                          "sensitivity and attribution")
    keys, bounds, _, targets = priors_and_targets(cfg)
    first, last = int(targets["year"].min()), int(targets["year"].max())
    start = dt.date.fromisoformat(str(cfg.scenario.start))
    if start.year > first + 1:  # a year before the start is read at the start (matching.observation_date)
        raise ConfigError(f"scenario.start: {start} is after the targets' first years ({first}); a forecast "
                          "fits the history from its first observations (the history scenario starts in 2013)")
    origins = sorted(int(o) for o in f.origins)
    if not origins or len(set(origins)) < len(origins):
        raise ConfigError(f"forecast.origins: {list(f.origins)!r}; list one or more different years")
    cutoff = int(f.cutoff) or last
    for o in origins:
        if not first <= o < last:
            raise ConfigError(f"forecast.origins: {o} leaves nothing to fit or to predict; the targets run "
                              f"{first}-{last}, so an origin is from {first} to {last - 1}")
    if not first <= cutoff <= last or int(f.until) <= cutoff:
        raise ConfigError(f"forecast.cutoff: {cutoff} must be within the targets' years {first}-{last} and "
                          f"before forecast.until ({f.until})")
    for name, low, high in (("accept_quantile", 0.0, 1.0), ("ess_threshold", 0.0, 1.0)):
        if not low < float(f[name]) < high:
            raise ConfigError(f"forecast.{name}: {f[name]!r} must be between {low:g} and {high:g}")
    for name, least in (("particles", 10), ("design_points", 4), ("synthetic_datasets", 0)):
        if int(f[name]) < least:
            raise ConfigError(f"forecast.{name}: {f[name]!r} must be at least {least}")
    settings = observation_settings(cfg)
    targets = targets.assign(obs_var=observation_variance(targets, settings))
    plan = CalibrationPlan(keys=keys, bounds=bounds, v1_keys=[], targets=targets,
                           fit=np.ones(len(targets), bool), holdout=np.zeros(len(targets), bool), dates=[],
                           settings=settings, configs={}, path=str(c.path))
    return ForecastPlan(calib=plan, base=cfg, origins=origins, cutoff=cutoff, until=int(f.until),
                        design=np.empty((0, len(keys))))


def prepare(cfg) -> ForecastPlan:
    """Check the forecast and draw its design, before any output."""
    from SALib.sample import latin  # as matching.design: SALib imports scipy.stats

    plan = check_forecast(cfg)
    problem = {"num_vars": len(plan.calib.keys), "names": plan.calib.keys,
               "bounds": [list(b) for b in plan.calib.bounds]}
    plan.design = latin.sample(problem, int(cfg.forecast.design_points), seed=int(cfg.seed) % 2**32)
    end = plan.config_to(plan.until)
    CaucasusModel(end, path=plan.calib.path, replicates=1)  # bad events or paths fail now
    check_points(end, [dict(zip(plan.calib.keys, row)) for row in plan.design.tolist()])
    return plan


def cost(cfg, plan: ForecastPlan) -> Cost:
    f = cfg.forecast
    years = plan.until - 2012
    rows = max(int(f.particles), min(int(f.design_points), 100) * int(cfg.replicates))
    workers = local_workers(cfg.calibration)  # each runs origins with its own particles
    each = WORKER_MEMORY + 2 * model_bytes(int(f.particles), years + 2, 3, 3)
    return Cost(BASE_MEMORY + 2 * model_bytes(rows, years + 2, 3, 3) + (workers if workers > 1 else 0) * each,
                REPORT_BYTES + 40 * len(plan.targets) * 99 * 8 * (len(plan.origins) + 1),
                f"a forecast from {len(plan.origins)} origins and a cut-off with {int(f.particles):,} particles",
                "forecast.particles or forecast.design_points")


# ------------------------------------------------------------------------ drivers


def _steps(m: CaucasusModel, years) -> np.ndarray:
    start, end = m.calendar.start, m.calendar.end
    return np.array([m.step_at(observation_date(int(y), start, end)) for y in years])


def model_drivers(m: CaucasusModel, targets: pd.DataFrame) -> np.ndarray:
    """The drivers of `targets` in each replicate of a finished (or far enough) run: (R, targets)."""
    rows = np.array([m.row_of(int(t)) for t in _steps(m, targets["year"])])
    return drivers(m.attitude_record, m.alignment_record, rows, targets, m.clients, m.patrons)


def design_drivers(plan: ForecastPlan, replicates: int, per_batch: int = 50) -> np.ndarray:
    """The design's drivers of every target, (points, replicates, targets), through the
    recorded events to the end of the targets' last year."""
    cfg = plan.config_to(int(plan.targets["year"].max()))
    out = []
    for lo in range(0, len(plan.design), per_batch):
        points = [dict(zip(plan.calib.keys, map(float, row))) for row in plan.design[lo:lo + per_batch]]
        m = CaucasusModel(cfg, path=plan.calib.path, replicates=replicates, points=points, record="outcomes").run()
        out.append(model_drivers(m, plan.targets).reshape(len(points), replicates, -1))
    return np.concatenate(out)


def _columns(links: Links, idx: np.ndarray) -> Links:
    return Links(alpha=links.alpha[:, idx], slope=links.slope[:, idx], survey=links.survey[idx])


# ------------------------------------------------------------------------ one origin


@dataclass
class OriginForecast:
    """The predictive draws (particles, targets) of the predicted targets, and how they came."""

    draws: np.ndarray
    accepted: int
    step_sd: dict
    ess: list[float]
    resamplings: int


def _observations(m: CaucasusModel, targets: pd.DataFrame, fit: np.ndarray, observed: np.ndarray,
                  series: np.ndarray) -> pf.Observations:
    idx = np.flatnonzero(fit)
    years = targets["year"].to_numpy()[idx]
    steps = _steps(m, years)
    order = sorted(set(zip(steps.tolist(), years.tolist())))
    return pf.Observations(steps=[s for s, _ in order], years=[y for _, y in order],
                           targets=[idx[(steps == s) & (years == y)] for s, y in order], series=series,
                           value=observed, obs_var=targets["obs_var"].to_numpy())


def origin_forecast(plan: ForecastPlan, Z: np.ndarray, observed: np.ndarray, origin: int, predict: pd.DataFrame,
                    f, seed: int, exclude: int | None = None) -> OriginForecast:
    """Fit, assimilate up to `origin` and forecast the targets `predict` (rows with series,
    client, kind, patron, sign, year, obs_var): see the module's docstring. Each accepted
    draw has its own levels and slopes, fitted to its trajectory up to the origin, and
    each particle carries its draw's."""
    t = plan.targets
    fit = (t["year"] <= origin).to_numpy()
    ok = accept(plan.calib, Z, float(f.accept_quantile), fit, observed, exclude=exclude)
    draws = [dict(zip(plan.calib.keys, map(float, plan.design[i]))) for i in np.nonzero(ok)[0]]
    profiled, links, log_q = particle_links(Z[ok], t.assign(value=observed), fit, plan.calib.settings,
                                            int(f.particles), seed)
    draws = [draws[i] for i in _carried(int(f.particles), len(draws))]  # one per particle, each with its links
    codes, names = pd.factorize(pd.concat([t["series"], predict["series"]]))
    series, pseries = codes[:len(t)], codes[len(t):]
    mean_prediction = profiled.predict(Z[ok][:, None, :])[:, 0, :].mean(axis=0)
    walk, step_sd = _walk(plan, mean_prediction, observed, fit, series, pseries, predict, int(f.particles), seed)
    cfg = plan.config_to(int(predict["year"].max()))
    probe = CaucasusModel(cfg, path=plan.calib.path, replicates=1, record="outcomes")
    obs = _observations(probe, t, fit, observed, series)
    filtered = pf.assimilate(cfg, plan.calib.path, draws, obs,
                             lambda m, idx, draw: _predict(links, draw, idx, model_drivers(m, t.iloc[idx])),
                             walk,
                             particles=int(f.particles), seed=seed, ess_threshold=float(f.ess_threshold), logw=-log_q,
                             origin_step=probe.step_at(dt.date(origin, 12, 31)))
    m = filtered.model.run()
    columns = predict["series"].map(t.reset_index().groupby("series")["index"].first()).to_numpy()
    values = _predict(links, filtered.lineage.draw, columns, model_drivers(m, predict))
    mean, var = filtered.discrepancy.forecast(pseries, predict["year"].to_numpy().astype(float))
    noise = np.random.default_rng(seed + origin).standard_normal(values.shape)
    out = values + mean + noise * np.sqrt(var + predict["obs_var"].to_numpy())
    out = np.where((predict["kind"] == "survey").to_numpy(), np.clip(out, 0.0, 1.0), out)
    return OriginForecast(draws=out, accepted=int(ok.sum()), step_sd=step_sd,
                          ess=filtered.ess, resamplings=int(sum(filtered.resampled)))


def _carried(particles: int, draws: int) -> np.ndarray:
    """The draw particle i starts with (as `Lineage.start`)."""
    return np.arange(particles) * draws // particles


def particle_links(Z: np.ndarray, t: pd.DataFrame, fit: np.ndarray, settings, particles: int, seed: int
                   ) -> tuple[Links, Links, np.ndarray]:
    """The draws' profiled links (draws, targets), each particle's (particles, targets), and
    the log density (up to a constant) with which each particle's slopes were proposed:
    particle i carries draw i * draws // particles, its slope of each kind drawn from the
    slope's sampling distribution given the fit window (normal about the draw's fitted slope
    with its cluster-robust sd, `LinkFit.slope_sd`, truncated to 0-slope_max: a flat prior there) with a uniform of the
    particle's own key (the "link:<kind>" stream at step 0), and its levels refitted to that
    slope. The slope is fitted, not known: its error grows with the change of the drivers
    after the origin, and a profiled slope leaves it out of the intervals. The proposal is
    not the posterior: the filter's likelihood (the walk's innovations) conditions the
    slopes on the fit window, so the particles start with weights prior / proposal (a flat
    prior on 0-slope_max), else the window's data would count twice. The proposal is a
    defensive mixture (Hesterberg 1995): half the particles of each kind draw from that
    normal and half from the flat prior (slot 1 of the stream picks the half), so a weight
    is at most 2 and the weights' variance stays finite; with the normal alone, particles in
    its thin tails got weights without bound and the smallest effective size at 4,000
    particles was 2 to 9."""
    from scipy.special import ndtr, ndtri  # scipy is SALib's dependency; imported where used, as SALib

    window = LinkFit.of(t, fit, settings)
    profiled = window.fitted(Z)
    sd = window.slope_sd(Z, profiled)
    carried = _carried(particles, len(Z))
    keys = pf.Lineage.start(seed, particles, 1).keys[0]
    slope, log_q = profiled.slope[carried].copy(), np.zeros(particles)
    for kind, sel in (("survey", profiled.survey), ("ideal_point", ~profiled.survey)):
        if sel.any():
            b, s = slope[:, np.flatnonzero(sel)[0]], sd[carried][:, np.flatnonzero(sel)[0]]
            u, pick = uniforms(keys, 0, stream_id(f"link:{kind}"), 2)
            top = settings.slope_max
            with np.errstate(invalid="ignore", divide="ignore"):  # normal, cut to the slope's bounds
                lo, hi = ndtr(-b / s), ndtr((top - b) / s)
                x = np.where(pick < 0.5, ndtri(lo + u * (hi - lo)), (u * top - b) / s)
                slope[:, sel] = np.where(s > 0, b + s * x, b)[:, None]
                normal = np.exp(-0.5 * x * x) / (np.sqrt(2 * np.pi) * s * (hi - lo))
                log_q += np.where(s > 0, np.log(0.5 * normal + 0.5 / top), 0.0)
    slope = np.clip(slope, 0.0, settings.slope_max)
    return profiled, window.links(Z[carried], slope), log_q


def _walk(plan: ForecastPlan, predicted: np.ndarray, observed: np.ndarray, fit: np.ndarray, series: np.ndarray,
          pseries: np.ndarray, predict: pd.DataFrame, particles: int, seed: int) -> tuple[pf.Discrepancy, dict]:
    """The random-walk discrepancy the particles start with: each particle's variance per
    year of each kind drawn from its posterior given the fit window's innovations (with the
    draws' mean prediction), and the posterior median sd of each kind."""
    t = plan.targets
    n = int(max(series.max(), pseries.max())) + 1
    kinds = t["kind"].to_numpy()
    start_var = _per_series(n, series, np.array([DIFFUSE_SD[k] ** 2 for k in kinds]))
    grid = STEP_SD_GRID ** 2
    post = pf.step_var_posterior(predicted[fit], observed[fit], series[fit], t["year"].to_numpy()[fit], kinds[fit],
                                 t["obs_var"].to_numpy()[fit], start_var, n, grid)
    keys = pf.Lineage.start(seed, particles, 1).keys[0]  # the keys the particles start with
    kind_of = _per_series(n, np.r_[series, pseries], np.r_[kinds, predict["kind"].to_numpy()])
    step = np.zeros((particles, n))
    for kind, p in post.items():
        step[:, kind_of == kind] = pf.draw_step_var(p, grid, keys, kind)[:, None]
    median = {kind: float(STEP_SD_GRID[np.searchsorted(np.cumsum(p), 0.5)]) for kind, p in post.items()}
    return pf.Discrepancy.fresh(particles, step, start_var), median


def _predict(links: Links, draw: np.ndarray, columns: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Each particle's prediction (particles, len(columns)) from its draw's levels and slopes
    at the targets `columns` (a target of the same series gives its level) and drivers z."""
    return Links(alpha=links.alpha[draw][:, columns], slope=links.slope[draw][:, columns],
                 survey=links.survey[columns]).predict(z)


def _per_series(n: int, series: np.ndarray, values: np.ndarray) -> np.ndarray:
    """One value per series, from the values of its targets (0 for a series with none)."""
    values = np.asarray(values)
    out = np.zeros(n, dtype=values.dtype)
    out[series] = values
    return out


def events_after(cfg, path: str, year: int) -> list[dict]:
    """The events a forecast cut at the end of `year` assumes (its path's, dated later)."""
    return [{"date": e.date.isoformat(), "source": e.source, "target": e.target, "cameo": e.kind.cameo,
             "magnitude": float(e.magnitude), "origin": e.origin, "description": e.description,
             "citation": e.citation} for e in path_events(cfg, path) if e.date > dt.date(year, 12, 31)]
