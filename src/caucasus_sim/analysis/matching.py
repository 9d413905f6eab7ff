"""Calibration, stage 1: the checked plan, the designs, history matching and model choice.

The targets (`calibration.targets`, docs/odd.md section 8) are compared with the model
through the observation model (`model.observation`). Stage 1, *history matching*: a Latin
hypercube (SALib) of `design_points` points for each model structure of
`calibration.structures` — v2 over the uniform priors of `calibration.params`; the v1
structure (v2's start and history with every new mechanism at its neutral value) over the
keys it has (`v1_params`); Model v3 (v3's groups laid over the calibration's configuration)
over those of v2 and its own (`v3_params`) — each point with `replicates` replicates, run
through the batched engine from 2013 to the end of the hold-out window; a point is
non-implausible if its implausibility over the fit window's targets — the largest, or by
default the second largest (`calibration.implausibility`; Vernon, Goldstein & Bower 2010) —
is below `cutoff`. *Model choice*: every (point, replicate) of every design is a draw from
its structure's prior; the draws whose ABC distance is in the lowest `choice_quantile` of
all are accepted, and the share of each structure among them is its posterior probability
(equal prior probabilities; ABC model choice by rejection, Grelaud et al. 2009), with a
bootstrap standard error over design points, or one-sided bounds where every accepted draw
is one structure's. Stage 2, *ABC-SMC* (ELFI, `analysis.abc`) on
the box that holds the non-implausible points of the fitted structure (the run's
`model_version`, v2 or v3; `CalibrationPlan.fitted`). The posterior is the last ABC
population (or, without stage 2, the non-implausible points), and it predicts the hold-out
targets (`analysis.validation`).

The designs are evaluated in chunks that are saved as they finish (`run_chunks`), so an
interrupted calibration resumes; so does stage 2 (every simulated batch is saved). The
chunks run on the workers of `analysis.pool` (`calibration.client`, `workers`, `scheduler`).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf, open_dict

from ..config import ConfigError, describe_config_exception, load_config, validate
from ..model import CaucasusModel, check_points, is_batchable
from ..model.observation import (Links, ObservationSettings, discrepancy_variance, drivers, fit_links,
                                 implausibility, observation_variance, read_targets)
from ..outputs import Bundle, config_digest
from ..outputs.bundle import PLAN
from ..outputs.preflight import BASE_MEMORY, REPORT_BYTES, Cost, model_bytes
from .points import chunked, numeric_value, run_chunks
from .pool import CLIENTS, Pool, local_workers, slices

# the structures a calibration can compare (`calibration.structures`); a structure's place
# here is its design's seed offset, so adding one leaves the others' designs as they were
STRUCTURES = ("v2", "v1", "v3")
FITTED = ("v2", "v3")  # the structures a calibration can fit (its `model_version`)
ABC_CLIENTS = ("engine", "native", "multiprocessing")
# a point's implausibility: the largest over the fit window's targets, or the second or third
# largest (its rank from the top), so that one outlying or badly modelled observation cannot
# rule out the whole space (Vernon, Goldstein & Bower 2010, section 4)
IMPLAUSIBILITY_MEASURES = {"max": 1, "second": 2, "third": 3}
STRUCTURE_NAMES = {"v2": "Model v2", "v1": "v1 structure (v2's start and history, new mechanisms neutral)",
                   "v3": "Model v3 (v2 with credibility, triads, capability over time, institutionalisation "
                         "and a magnitude per event class, on the v3 timeline)"}
DESIGN_FILE = "design.parquet"
WORKER_MEMORY = 200e6  # a worker process with the package imported and a plan (measured 0.18 GB)


@dataclass
class CalibrationPlan:
    """The checked calibration: priors, targets, windows and the configuration of each
    structure (with the targets' dates as its outcome dates)."""

    keys: list[str]
    bounds: list[tuple[float, float]]
    v1_keys: list[str]
    targets: pd.DataFrame
    fit: np.ndarray  # bool per target
    holdout: np.ndarray
    dates: list[str]  # the observation date of each target
    settings: ObservationSettings
    configs: dict  # structure -> configuration
    path: str
    measure: str = "second"  # a point's implausibility (IMPLAUSIBILITY_MEASURES)
    structures: tuple[str, ...] = ("v2",)  # those compared, in the order of `calibration.structures`
    fitted: str = "v2"  # the structure stage 2 and the validation fit: the run's `model_version`
    v3_bounds: dict = field(default_factory=dict)  # key -> prior of v3's own keys (`calibration.v3_params`)

    def keys_of(self, structure: str) -> list[str]:
        """v2's keys (`calibration.params`); the v1 structure's subset of them; v3's and its own."""
        if structure == "v1":
            return list(self.v1_keys)
        return self.keys + list(self.v3_bounds) if structure == "v3" else list(self.keys)

    def bounds_of(self, structure: str) -> list[tuple[float, float]]:
        prior = {**dict(zip(self.keys, self.bounds)), **self.v3_bounds}
        return [prior[k] for k in self.keys_of(structure)]

    @property
    def obs_var(self) -> np.ndarray:
        return observation_variance(self.targets, self.settings)

    @property
    def disc_var(self) -> np.ndarray:
        return discrepancy_variance(self.targets, self.settings)


# ------------------------------------------------------------------------ checking


def targets_file(spec: str) -> Path:
    if not spec:
        return Path(str(resources.files("caucasus_sim") / "data" / "calibration" / "targets.csv"))
    return Path(spec).expanduser()


def observation_date(year: int, start: dt.date, end: dt.date) -> dt.date:
    """Fieldwork years are read at 1 July; a year before the start at the start."""
    return min(max(dt.date(int(year), 7, 1), start), end)


def _settings(o) -> ObservationSettings:
    for name in ("design_effect", "default_n", "ideal_point_sd", "survey_discrepancy_sd",
                 "ideal_point_discrepancy_sd", "slope_max"):
        if not float(o[name]) > 0:
            raise ConfigError(f"calibration.observation.{name}: {o[name]!r} must be > 0")
    return ObservationSettings(design_effect=float(o.design_effect), default_n=int(o.default_n),
                               ideal_point_sd=float(o.ideal_point_sd),
                               discrepancy_sd=(float(o.survey_discrepancy_sd), float(o.ideal_point_discrepancy_sd)),
                               slope_max=float(o.slope_max))


def _check_prior(cfg, p, where: str, seen: list[str], lists: str) -> tuple[str, tuple[float, float]]:
    """One prior {key, low, high} at `where`: a numeric, batchable key of `cfg`, low < high,
    not among the keys `seen` before it (`lists`: where those are, for the message)."""
    numeric_value(cfg, p.key, where)
    if not is_batchable(p.key):
        raise ConfigError(f"{where}: {p.key!r} cannot vary inside one batch; calibrate batchable keys "
                          "(parameters, strategy intensities, the start)")
    if not float(p.low) < float(p.high):
        raise ConfigError(f"{where}: prior of {p.key} has low {p.low} >= high {p.high}; need low < high")
    if p.key in seen:
        raise ConfigError(f"{where}: {p.key!r} is listed twice{lists}")
    return str(p.key), (float(p.low), float(p.high))


def _check_priors(cfg) -> tuple[list[str], list[tuple[float, float]], list[str]]:
    c = cfg.calibration
    if not c.params:
        raise ConfigError("calibration.params: empty; list the calibrated keys with low and high")
    keys, bounds = [], []
    for i, p in enumerate(c.params):
        key, bound = _check_prior(cfg, p, f"calibration.params[{i}]", keys, "")
        keys.append(key)
        bounds.append(bound)
    for k in c.v1_params:
        if k not in keys:
            raise ConfigError(f"calibration.v1_params: {k!r} is not one of calibration.params ({', '.join(keys)})")
    _check_prior_ends(cfg, keys, bounds, [f"calibration.params[{i}]" for i in range(len(keys))])
    return keys, bounds, [str(k) for k in c.v1_params]


def _check_prior_ends(cfg, keys: list[str], bounds: list[tuple[float, float]], where: list[str]) -> None:
    """Every prior's low and high are values the model takes (a design point can be anywhere
    in the box): the configuration is checked with all lows, then with all highs (`where`:
    each prior's place in the configuration, for the message)."""
    block = where[-1].split("[")[0] if where else "calibration.params"
    for end, name in ((0, "low"), (1, "high")):
        out = copy.deepcopy(cfg)
        for label, key, b in zip(where, keys, bounds):
            try:
                OmegaConf.update(out, key, b[end], merge=False)
            except Exception as exc:
                raise ConfigError(f"{label}: {name} {b[end]!r} of {key}: {describe_config_exception(exc)}") from None
        try:
            validate(out)
        except ConfigError as exc:
            raise ConfigError(f"{block}: a prior's {name} end is not a value the model takes: {exc}") from None


def _check_structures(c, fitted: str) -> tuple[str, ...]:
    """The structures model choice compares (`calibration.structures`), `fitted` among them."""
    names = [str(s) for s in c.structures]
    for s in names:
        if s not in STRUCTURES:
            raise ConfigError(f"calibration.structures: unknown structure {s!r}; expected some of "
                              f"{', '.join(STRUCTURES)}")
        if names.count(s) > 1:
            raise ConfigError(f"calibration.structures: {s!r} is listed twice; list each structure once")
    if fitted not in names or len(names) < 2:
        raise ConfigError(f"calibration.structures: {names}; list {fitted} (stage 2 fits it) and at least one "
                          f"other of {', '.join(STRUCTURES)} to compare it with")
    return tuple(names)


def _check_v3_priors(v3cfg, keys: list[str], bounds: list[tuple[float, float]]) -> dict:
    """The checked priors of `calibration.v3_params` (key -> (low, high)), on the v3
    structure's configuration (`v3cfg`); with v2's priors, each end a value v3 takes."""
    own = {}
    for i, p in enumerate(v3cfg.calibration.v3_params):
        key, bound = _check_prior(v3cfg, p, f"calibration.v3_params[{i}]", [*keys, *own],
                                  " (calibration.params or v3_params)")
        own[key] = bound
    where = [f"calibration.params[{i}]" for i in range(len(keys))]
    where += [f"calibration.v3_params[{i}]" for i in range(len(own))]
    _check_prior_ends(v3cfg, keys + list(own), bounds + list(own.values()), where)
    return own


def _check_windows(cfg, targets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    c = cfg.calibration
    if not int(c.fit_until) < int(c.holdout_until):
        raise ConfigError(f"calibration.fit_until: {c.fit_until} must be before calibration.holdout_until "
                          f"({c.holdout_until})")
    fit = (targets["year"] <= int(c.fit_until)).to_numpy()
    holdout = ((targets["year"] > int(c.fit_until)) & (targets["year"] <= int(c.holdout_until))).to_numpy()
    if fit.sum() == 0:
        raise ConfigError(f"calibration.fit_until: no target is dated {c.fit_until} or earlier; "
                          f"the targets run {targets['year'].min()}-{targets['year'].max()}")
    _check_measure(str(c.implausibility), int(fit.sum()))
    for name, n in (("cutoff", c.cutoff), ("choice_quantile", c.choice_quantile)):
        if not float(n) > 0:
            raise ConfigError(f"calibration.{name}: {n!r} must be > 0")
    if not float(c.choice_quantile) < 1:
        raise ConfigError(f"calibration.choice_quantile: {c.choice_quantile!r} must be below 1")
    for name in ("design_points", "points_per_batch", "recovery_datasets"):
        if int(c[name]) < (0 if name == "points_per_batch" else 2):
            raise ConfigError(f"calibration.{name}: {c[name]!r} is too small")
    if c.client not in CLIENTS:
        raise ConfigError(f"calibration.client: unknown client {c.client!r}; expected one of {', '.join(CLIENTS)}")
    if int(c.workers) < 0:
        raise ConfigError(f"calibration.workers: {c.workers!r} must be at least 0 (0: one per core)")
    if c.client == "local" and c.scheduler:
        raise ConfigError(f"calibration.scheduler: {c.scheduler!r} is for calibration.client=dask; set it, "
                          "or leave the scheduler empty")
    a = c.abc
    if a.client not in ABC_CLIENTS:
        raise ConfigError(f"calibration.abc.client: unknown client {a.client!r}; expected one of {', '.join(ABC_CLIENTS)}")
    for name, least in (("particles", 2), ("populations", 0), ("batch_size", 1), ("parallel_batches", 1)):
        if int(a[name]) < least:
            raise ConfigError(f"calibration.abc.{name}: {a[name]!r} must be at least {least}")
    if not 0 < float(a.quantile) < 1:
        raise ConfigError(f"calibration.abc.quantile: {a.quantile!r} must be between 0 and 1")
    return fit, holdout


def _check_measure(measure: str, fitted: int) -> None:
    if measure not in IMPLAUSIBILITY_MEASURES:
        raise ConfigError(f"calibration.implausibility: unknown measure {measure!r}; expected one of "
                          f"{', '.join(IMPLAUSIBILITY_MEASURES)}")
    if IMPLAUSIBILITY_MEASURES[measure] > fitted:
        raise ConfigError(f"calibration.implausibility: {measure!r} needs at least {IMPLAUSIBILITY_MEASURES[measure]} "
                          f"targets in the fit window, which has {fitted}; use max or move calibration.fit_until")


def priors_and_targets(cfg) -> tuple[list[str], list[tuple[float, float]], list[str], pd.DataFrame]:
    """The checked path, priors (keys, bounds, the v1 structure's keys) and targets of the
    `calibration` block; the forecast (`analysis.forecast`) shares them."""
    c = cfg.calibration
    if c.path not in cfg.paths:
        raise ConfigError(f"calibration.path: unknown path {c.path!r}; expected one of {', '.join(cfg.paths)}")
    keys, bounds, v1_keys = _check_priors(cfg)
    clients = [k for k, s in cfg.actors.states.items() if s.role == "client"]
    patrons = [k for k, s in cfg.actors.states.items() if s.role == "patron"]
    return keys, bounds, v1_keys, read_targets(targets_file(c.targets), clients, patrons)


def observation_settings(cfg) -> ObservationSettings:
    return _settings(cfg.calibration.observation)


def check_calibration(cfg) -> CalibrationPlan:
    """Check the `calibration` block; raise a one-line ConfigError before any work."""
    validate(cfg)
    c = cfg.calibration
    if cfg.model_version not in FITTED:
        raise ConfigError(f"model_version: {cfg.model_version}; the calibration fits Model v2 or v3 from 2013 "
                          f"(model={' or model='.join(FITTED)})")
    if cfg.sweep.method != "none" or cfg.sensitivity.method != "none" or cfg.attribution.enabled:
        raise ConfigError("calibration.enabled: a calibration is its own analysis; switch off sweep, "
                          "sensitivity and attribution")
    keys, bounds, v1_keys, targets = priors_and_targets(cfg)
    fit, holdout = _check_windows(cfg, targets)
    keep = fit | holdout
    targets, fit, holdout = targets[keep].reset_index(drop=True), fit[keep], holdout[keep]
    start = dt.date.fromisoformat(str(cfg.scenario.start))
    end = dt.date(int(c.holdout_until), 12, 31)
    dates = [observation_date(y, start, end).isoformat() for y in targets["year"]]
    fitted = str(cfg.model_version)
    structures = _check_structures(c, fitted)
    configs = {s: _structure_config(cfg, s, sorted(set(dates)), end) for s in structures}
    own = _check_v3_priors(configs["v3"], keys, bounds) if "v3" in configs else {}
    return CalibrationPlan(keys=keys, bounds=bounds, v1_keys=v1_keys, targets=targets, fit=fit, holdout=holdout,
                           dates=dates, settings=_settings(c.observation), configs=configs, path=str(c.path),
                           measure=str(c.implausibility), structures=structures, fitted=fitted,
                           v3_bounds=own)


def _changed(old: dict, new: dict, prefix: str = "") -> list[tuple[str, object]]:
    """The leaves (dotted key, value) of `new` that `old` lacks or holds another value at."""
    out = []
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(old.get(k), dict):
            out += _changed(old[k], v, f"{prefix}{k}.")
        elif k not in old or old[k] != v:
            out.append((f"{prefix}{k}", v))
    return out


def _absent(old: dict, new: dict, prefix: str = "") -> list[str]:
    """The leaves (dotted keys) of `old` that `new` lacks."""
    out = []
    for k, v in old.items():
        if k not in new:
            out.append(f"{prefix}{k}")
        elif isinstance(v, dict) and isinstance(new[k], dict):
            out += _absent(v, new[k], f"{prefix}{k}.")
    return out


def _lay_model_over(out, source: str, target: str) -> None:
    """Model `target`'s groups laid over a calibration's configuration of model `source`:
    what `model=target` changes in `model=source`'s actors (adversaries, friends), scenario
    (its timeline and capability) and parameters (v3's own keys, set or removed), and
    `target`'s catalog and model_version. The keys both share keep the calibration's values
    (its overrides too), and its start, end and outcome dates stay the calibration's."""
    old_cfg, new_cfg = load_config([f"model={source}"]), load_config([f"model={target}"])
    for group in ("actors", "scenario", "params"):
        old, new = (OmegaConf.to_container(c[group], resolve=True) for c in (old_cfg, new_cfg))
        for key, _ in _changed(old, new):  # set from the typed node (a shock is a CapabilityShock)
            if key not in ("start", "end", "outcome_dates"):
                OmegaConf.update(out[group], key, OmegaConf.select(new_cfg[group], key), merge=False)
        for key in _absent(old, new):  # a class magnitude v2 has no entry for
            parent, _, leaf = key.rpartition(".")
            node = OmegaConf.select(out[group], parent) if parent else out[group]
            if node is not None and leaf in node:
                del node[leaf]
    out.catalog, out.model_version = new_cfg.catalog, new_cfg.model_version


def _structure_config(cfg, structure: str, dates: list[str], end: dt.date):
    """The configuration a structure runs: to the end of the hold-out window, recording the
    targets' dates; the run's own configuration for the fitted structure (its
    `model_version`), the other model's groups laid over it for v2 or v3
    (`_lay_model_over`); for the v1 structure, v2's groups with v1's parameters and catalog,
    no client or history strategies, no cooperative reactions and no outside option."""
    out = copy.deepcopy(cfg)
    with open_dict(out):
        base = "v2" if structure == "v1" else structure
        if base != cfg.model_version:
            _lay_model_over(out, str(cfg.model_version), base)
        out.scenario.end = end.isoformat()
        out.scenario.outcome_dates = dates
        out.calibration.enabled = False
        if structure == "v1":
            v1 = load_config(["model=v1"])
            out.params, out.catalog = v1.params, v1.catalog
            out.decisions.always, out.decisions.history = [], []
            for reaction in out.decisions.reactions.values():
                reaction.cooperative_trigger = None
            for state in out.actors.states.values():
                state.nonalignment = 0.0
    validate(out)
    return out


# ------------------------------------------------------------------------ the designs


def design(cfg, plan: CalibrationPlan, structure: str) -> np.ndarray:
    """The Latin hypercube of a structure (points x its keys), seeded from `cfg.seed`."""
    from SALib.sample import latin  # imported where a design is drawn (SALib imports scipy.stats, ~1.5 s)

    keys = plan.keys_of(structure)
    problem = {"num_vars": len(keys), "names": keys, "bounds": [list(b) for b in plan.bounds_of(structure)]}
    offset = STRUCTURES.index(structure)
    return latin.sample(problem, int(cfg.calibration.design_points), seed=(int(cfg.seed) + offset) % 2**32)


def simulate_drivers(plan: CalibrationPlan, structure: str, points: list[dict], *, replicates: int | None = None,
                     replicate_ids=None, split: bool = False) -> np.ndarray:
    """The drivers of every target (rows of the batch x targets): points sharing the batch,
    or (`split`) parameter sets sharing out the replicates."""
    cfg = plan.configs[structure]
    kwargs = {"draws": points} if split else {"points": points}
    m = CaucasusModel(cfg, path=plan.path, replicates=replicates, replicate_ids=replicate_ids, record="outcomes",
                      **kwargs).run()
    rows = np.array([m.row_of(m.step_at(dt.date.fromisoformat(d))) for d in plan.dates])
    return drivers(m.attitude_record, m.alignment_record, rows, plan.targets, m.clients, m.patrons)


def evaluate_chunk(cfg, plan: CalibrationPlan, designs: dict, structure: str, ids: list[int]) -> pd.DataFrame:
    """Run the design points `ids` of a structure; one row per point and replicate."""
    keys = plan.keys_of(structure)
    X = designs[structure]
    points = [dict(zip(keys, map(float, X[i]))) for i in ids]
    z = simulate_drivers(plan, structure, points)
    R = int(cfg.replicates)
    out = pd.DataFrame({"structure": structure, "point": np.repeat(np.asarray(ids, dtype=np.int64), R),
                        "replicate": np.tile(np.arange(R, dtype=np.int64), len(ids))})
    return pd.concat([out, pd.DataFrame(z, columns=[f"z{j}" for j in range(z.shape[1])])], axis=1)


def driver_array(table: pd.DataFrame, structure: str, n_targets: int) -> np.ndarray:
    """(points, replicates, targets) of one structure from the saved rows."""
    rows = table[table["structure"] == structure].sort_values(["point", "replicate"], kind="stable")
    P, R = rows["point"].nunique(), rows["replicate"].nunique()
    return rows[[f"z{j}" for j in range(n_targets)]].to_numpy().reshape(P, R, n_targets)


# ------------------------------------------------------------------------ stage 1 and model choice


def ranked_implausibility(imp: np.ndarray, fit: np.ndarray, measure: str) -> np.ndarray:
    """Each point's implausibility by `measure`: the largest, second or third largest over
    the fit window's targets (imp: points x targets)."""
    return np.sort(imp[:, fit], axis=1)[:, -IMPLAUSIBILITY_MEASURES[measure]]


@dataclass
class Match:
    """History matching of one structure: the fitted links, predicted mean and variance of
    every target, its implausibility, each point's implausibility by `measure` (the largest,
    second or third largest over the fit window) and the points it keeps."""

    links: Links
    mean: np.ndarray  # (points, targets)
    var: np.ndarray
    implausibility: np.ndarray  # (points, targets)
    fit: np.ndarray  # (targets,) bool: the window the points are screened on
    measure: str  # max | second | third
    screened: np.ndarray  # (points,) the implausibility by `measure`, compared with the cutoff
    kept: np.ndarray  # (points,) bool
    cutoff: float

    def ranked(self, measure: str) -> np.ndarray:
        """Each point's implausibility by another measure (for the design table)."""
        return ranked_implausibility(self.implausibility, self.fit, measure)


def history_match(plan: CalibrationPlan, Z: np.ndarray, cutoff: float, fit: np.ndarray | None = None,
                  observed: np.ndarray | None = None, measure: str | None = None) -> Match:
    """Implausibility of every point of a design with drivers Z (points, replicates, targets),
    screened by `measure` (the plan's, unless given)."""
    fit = plan.fit if fit is None else fit
    measure = plan.measure if measure is None else measure
    y = plan.targets["value"].to_numpy() if observed is None else observed
    links = fit_links(Z.mean(axis=1), plan.targets.assign(value=y), fit, plan.settings)
    pred = links.predict(Z)
    mean = pred.mean(axis=1)
    var = pred.var(axis=1, ddof=1) if Z.shape[1] > 1 else np.zeros_like(mean)
    imp = implausibility(y, mean, var, plan.obs_var, plan.disc_var)
    screened = ranked_implausibility(imp, fit, measure)
    return Match(links=links, mean=mean, var=var, implausibility=imp, fit=fit, measure=measure, screened=screened,
                 kept=screened < cutoff, cutoff=cutoff)


def distances(plan: CalibrationPlan, Z: np.ndarray, links: Links, fit: np.ndarray | None = None,
              observed: np.ndarray | None = None) -> np.ndarray:
    """ABC distance of each (point, replicate): the root mean square over the fit window of
    (observed - simulated) / sqrt(obs var + discrepancy var)."""
    fit = plan.fit if fit is None else fit
    y = plan.targets["value"].to_numpy() if observed is None else observed
    r = (y - links.predict(Z)) / np.sqrt(plan.obs_var + plan.disc_var)
    return np.sqrt((r[..., fit] ** 2).mean(axis=-1))


# the bootstrap's resamples: its standard error is then itself within about 2% (1 / sqrt(2 B))
CHOICE_RESAMPLES = 1000
BOUND_LEVEL = 0.95  # the one-sided bound where every accepted draw is one structure's


def accepted_draws(d: dict, quantile: float) -> tuple[float, dict]:
    """The ABC threshold (the `quantile` of all draws' distances) and, per structure, which
    of its draws (points x replicates) are at or below it."""
    eps = float(np.quantile(np.concatenate([v.ravel() for v in d.values()]), quantile))
    return eps, {s: v <= eps for s, v in d.items()}


def choice_standard_error(d: dict, quantile: float, seed: int, resamples: int = CHOICE_RESAMPLES) -> dict:
    """The Monte Carlo standard error of each structure's posterior probability: the sd over
    `resamples` bootstrap resamples of the design points of each structure (a point with all
    its replicates; threshold and shares recomputed in each). Over points, not draws: the
    replicates of a point share its parameters, so the points are the independent draws from
    the prior, and a binomial error over draws would understate the error when a point's
    replicates are accepted together; the threshold, itself estimated, varies with them."""
    rng = np.random.default_rng(seed)
    shares = {s: np.empty(resamples) for s in d}
    for b in range(resamples):
        _, ok = accepted_draws({s: v[rng.integers(0, len(v), len(v))] for s, v in d.items()}, quantile)
        total = sum(int(o.sum()) for o in ok.values())  # >= 1: the threshold is one of the distances
        for s in d:
            shares[s][b] = ok[s].sum() / total
    return {s: float(v.std(ddof=1)) for s, v in shares.items()}


def one_sided_bound(points: int, level: float = BOUND_LEVEL) -> float:
    """The one-sided lower bound on a structure's probability when all the accepted draws,
    at `points` design points, are its own: with none of `points` independent accepted
    points from the other structure, the exact (Clopper-Pearson) upper bound on the other's
    probability is 1 - (1 - level)^(1/points) (about 3 / points at 95%, the rule of three)."""
    return float((1.0 - level) ** (1.0 / points))


def model_choice(plan: CalibrationPlan, Zs: dict, matches: dict, quantile: float, seed: int) -> pd.DataFrame:
    """Posterior probability of each structure by ABC rejection over every structure's
    design (`choice_table` of their distances)."""
    d = {s: distances(plan, Zs[s], matches[s].links) for s in Zs}
    return choice_table(d, {s: matches[s].kept for s in Zs}, quantile, seed)


def choice_table(d: dict, kept: dict, quantile: float, seed: int) -> pd.DataFrame:
    """Per structure (d: its distances, points x replicates; kept: its non-implausible
    points): accepted draws, posterior probability, its bootstrap standard error
    (`choice_standard_error`) and one-sided 95% bounds where the bootstrap error says
    nothing: `upper_95` for a structure with no accepted draw, over the m design points with
    one (`one_sided_bound`), and `lower_95` for a structure with every accepted draw (NaN
    otherwise). Any number of structures, in the order of `d`."""
    eps, ok = accepted_draws(d, quantile)
    accepted = {s: int(ok[s].sum()) for s in d}
    points = {s: int(ok[s].any(axis=1).sum()) for s in d}
    total = sum(accepted.values())
    se = choice_standard_error(d, quantile, seed)
    alone = [s for s in d if accepted[s] == total]
    bound = one_sided_bound(sum(points.values()))  # over every design point with an accepted draw
    return pd.DataFrame({"structure": list(d), "description": [STRUCTURE_NAMES[s] for s in d],
                         "draws": [d[s].size for s in d], "accepted": [accepted[s] for s in d],
                         "accepted_points": [points[s] for s in d], "threshold": eps,
                         "posterior_probability": [accepted[s] / total for s in d],
                         "probability_se": [se[s] for s in d],
                         "lower_95": [bound if s in alone else np.nan for s in d],
                         "upper_95": [1.0 - bound if accepted[s] == 0 else np.nan for s in d],
                         "non_implausible_points": [int(kept[s].sum()) for s in d],
                         "design_points": [len(kept[s]) for s in d],
                         "median_distance": [float(np.median(d[s])) for s in d]})


def calibration_bundle(cfg) -> Bundle:
    folder = Path(cfg.output_root) / cfg.experiment / f"calibration-{config_digest(cfg)}"
    return Bundle.resumable(folder, "calibration")


def prepare(cfg) -> tuple[CalibrationPlan, dict]:
    """Check the calibration and draw its designs, before any output."""
    plan = check_calibration(cfg)
    designs = {s: design(cfg, plan, s) for s in plan.structures}
    for s in plan.structures:
        CaucasusModel(plan.configs[s], path=plan.path, replicates=1)  # bad events or paths fail now
        check_points(plan.configs[s], [dict(zip(plan.keys_of(s), row)) for row in designs[s].tolist()])
    return plan, designs


def cost(cfg, prepared) -> Cost:
    plan, designs = prepared
    c = cfg.calibration
    per_chunk = min(int(c.points_per_batch) or int(c.design_points), int(c.design_points))
    R, n, C, P = int(cfg.replicates), len(plan.targets), 3, 3
    rows = len(plan.structures) * int(c.design_points) * R
    engine = int(c.abc.batch_size) * (int(c.abc.parallel_batches) if c.abc.client == "engine" else 1)
    W, steps = local_workers(c), len(set(plan.dates)) + 2
    if W <= 1:  # one process: the largest batch in it
        batches = model_bytes(max(per_chunk * R, engine), steps, C, P)
    else:  # each worker: the libraries and a design chunk or a slice of an engine batch
        batches = W * (WORKER_MEMORY + model_bytes(max(per_chunk * R, slices(engine, W)[0].stop), steps, C, P))
    return Cost(BASE_MEMORY + batches + 3 * rows * n * 8,
                REPORT_BYTES + rows * (n + 3) * 8,
                f"a calibration of {len(plan.structures)} x {int(c.design_points):,} points x {R:,} replicates",
                "replicates, calibration.design_points, calibration.points_per_batch or calibration.workers")


def evaluate_design_chunk(cfg, plan: CalibrationPlan, designs: dict, i: int, ids: list[int]) -> pd.DataFrame:
    """Chunk `i` of `run_designs`: point numbers `ids` count through the designs of the plan's
    structures in turn (a module-level function, so a pool's worker can be sent it)."""
    n = int(cfg.calibration.design_points)
    place = ids[0] // n
    return evaluate_chunk(cfg, plan, designs, plan.structures[place], [k - place * n for k in ids])


def run_designs(cfg, plan: CalibrationPlan, designs: dict, bundle: Bundle, pool: Pool | None = None) -> pd.DataFrame:
    """Evaluate every structure's design (resuming finished chunks, on the pool's workers)
    and save them."""
    c = cfg.calibration
    n = int(c.design_points)
    per = chunked(n, int(c.points_per_batch))
    chunks = [[s * n + i for i in ids] for s in range(len(plan.structures)) for ids in per]
    if not (bundle.path / PLAN).exists():
        bundle.write_json(PLAN, {"keys": plan.keys, "bounds": plan.bounds, "v1_keys": plan.v1_keys,
                                 "structures": list(plan.structures),
                                 "structure_keys": {s: plan.keys_of(s) for s in plan.structures},
                                 "structure_bounds": {s: plan.bounds_of(s) for s in plan.structures},
                                 "design_points": n, "points_per_chunk": len(per[0])})
    evaluate = functools.partial(evaluate_design_chunk, cfg, plan, designs)
    return run_chunks(cfg, bundle, chunks, evaluate, f"{cfg.experiment} design", pool)


def design_table(plan: CalibrationPlan, designs: dict, matches: dict) -> pd.DataFrame:
    """One row per design point: its values, its implausibility by every measure
    (`implausibility_max`, `_second`, `_third`), and whether it is kept by the measure the
    calibration screens with (`screened_by`)."""
    parts = []
    for s in plan.structures:
        df = pd.DataFrame(designs[s], columns=plan.keys_of(s))
        df.insert(0, "point", np.arange(len(df), dtype=np.int64))
        df.insert(0, "structure", s)
        for measure in IMPLAUSIBILITY_MEASURES:
            if IMPLAUSIBILITY_MEASURES[measure] <= int(matches[s].fit.sum()):
                df[f"implausibility_{measure}"] = matches[s].ranked(measure)
        df["screened_by"] = matches[s].measure
        df["non_implausible"] = matches[s].kept
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def posterior_keys(folder: Path, model_version: str) -> tuple[list[str], pd.DataFrame]:
    """The keys and draws of a calibration folder's posterior (`posterior.parquet`), which
    must be a posterior of the run's model (`model_version`): the folder's fitted structure
    (its manifest's `fitted`; v2 in folders from before v3 could be fitted)."""
    folder = Path(folder)
    file = folder / "posterior.parquet"
    if not (folder / "manifest.json").is_file() or not file.is_file():
        raise ConfigError(f"posterior: {str(folder)!r} is not a finished calibration folder "
                          "(no manifest.json and posterior.parquet)")
    fitted = str(json.loads((folder / "manifest.json").read_text()).get("fitted", "v2"))
    if fitted != model_version:
        raise ConfigError(f"posterior: {str(folder)!r} is a posterior of Model {fitted}, whose keys this run's "
                          f"model ({model_version}) does not have or runs otherwise; run it with model={fitted}, "
                          f"or calibrate model={model_version}")
    draws = pd.read_parquet(file)
    keys = [k for k in draws.columns if k not in ("draw", "weight")]
    return keys, draws

