"""Sequential assimilation over replicates: the batched replicates are particles
(docs/odd.md, 7.30).

At each observation date up to the origin, every particle (a replicate with its parameter
draw) is weighted by the likelihood of that date's observations, and when the effective
sample size falls below `ess_threshold` x particles the particles are resampled
(systematic resampling, Kitagawa 1996; Douc, Cappe & Moulines 2005), its one uniform
drawn from the project's own streams. A resampled particle takes its ancestor's draw and
state and a fresh key derived from its ancestor's (`streams.derived_keys`), so copies
diverge. The engine has no copy of a replicate's state: a resampled batch is rebuilt by
running each particle's *lineage* (its draw and its keys, segment by segment) from the
start, so a particle's path is a function of its key and ancestry only, whatever batch
it runs in, and runs are deterministic.

The model's discrepancy is a random walk per series (`Discrepancy`): the observed value
is the observation model's prediction plus the walk plus sampling error. It is filtered
with each particle (a Kalman filter per particle and series, the Rao-Blackwellised part
of the filter): the particle's weight is the likelihood of the filter's innovations, and
at the origin the filtered walk carries the forecast from the data, its variance growing
with the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import CaucasusModel
from ..model.streams import derived_keys, replicate_keys, stream_id, uniforms

_LOG_2PI = float(np.log(2.0 * np.pi))


def systematic(weights: np.ndarray, u: float) -> np.ndarray:
    """Ancestor of each of n particles by systematic resampling with the uniform u in (0, 1):
    particle i takes the one whose cumulative weight first reaches (u + i) / n. Sorted."""
    w = np.asarray(weights, dtype=float)
    n = len(w)
    cum = np.cumsum(w / w.sum())
    return np.minimum(np.searchsorted(cum, (u + np.arange(n)) / n), n - 1)


def copy_numbers(ancestors: np.ndarray) -> np.ndarray:
    """Each particle's copy number among the particles with the same (sorted) ancestor."""
    a = np.asarray(ancestors)
    first = np.r_[0, np.flatnonzero(np.diff(a)) + 1]
    starts = np.repeat(first, np.diff(np.r_[first, len(a)]))
    return np.arange(len(a)) - starts


def effective_size(logw: np.ndarray) -> float:
    w = np.exp(logw - logw.max())
    return float(w.sum() ** 2 / (w ** 2).sum())


@dataclass
class Lineage:
    """Every particle's ancestry: its parameter draw, its key in each segment (segments,
    particles), and the steps after which segment 1, 2, ... begin."""

    draw: np.ndarray
    keys: np.ndarray
    steps: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, seed: int, particles: int, draws: int) -> Lineage:
        """Particle i: replicate i's key and draw i * draws // particles."""
        ids = np.arange(particles)
        return cls(draw=ids * draws // particles, keys=replicate_keys(seed, ids)[None, :])

    def resampled(self, ancestors: np.ndarray, step: int) -> Lineage:
        """The lineage after resampling at `step`: each particle its ancestor's past and a key
        derived from its ancestor's (`derived_keys`, generation = the number of resamplings)."""
        past = self.keys[:, ancestors]
        fresh = derived_keys(past[-1], len(self.steps) + 1, copy_numbers(ancestors))
        return Lineage(draw=self.draw[ancestors], keys=np.vstack([past, fresh[None, :]]),
                       steps=[*self.steps, int(step)])


def rekey(m: CaucasusModel, keys: np.ndarray) -> None:
    """New random keys for every replicate of `m` from its next step on; in place, since the
    state and the strategies read the model's key array (`CaucasusModel.keys`)."""
    m.keys[:] = np.asarray(keys, dtype=np.uint64)


def build(cfg, path: str, draws: list[dict] | None, lineage: Lineage, until: int) -> CaucasusModel:
    """The particles run through step `until` from the start, each with its lineage's draw
    and keys (a rebuilt batch equals its ancestors up to the last resampling)."""
    points = [draws[i] for i in lineage.draw] if draws else None
    m = CaucasusModel(cfg, path=path, replicates=len(lineage.draw), draws=points, record="outcomes")
    rekey(m, lineage.keys[0])
    for j, t in enumerate(lineage.steps):
        m.run(until=t)
        rekey(m, lineage.keys[j + 1])
    return m.run(until=until)


# ------------------------------------------------------------------------ the discrepancy


@dataclass
class Discrepancy:
    """A random walk per series and particle, filtered (Kalman): mean and variance
    (particles, series) at `year` (series,), the year of its last update (nan: none yet).
    `step_var` is its variance per year (particles, series: each particle draws its kind's),
    `start_var` its variance at a series' first observation (series,)."""

    mean: np.ndarray
    var: np.ndarray
    year: np.ndarray
    step_var: np.ndarray
    start_var: np.ndarray

    @classmethod
    def fresh(cls, particles: int, step_var: np.ndarray, start_var: np.ndarray) -> Discrepancy:
        S = len(start_var)
        step = np.broadcast_to(np.asarray(step_var, float), (particles, S)).copy()
        return cls(np.zeros((particles, S)), np.broadcast_to(start_var, (particles, S)).copy(),
                   np.full(S, np.nan), step, np.asarray(start_var, float))

    def prior_var(self, series: np.ndarray, year: float) -> np.ndarray:
        """The walk's variance at `year` before that year's observation, (particles, len(series))."""
        gap = np.nan_to_num(year - self.year[series], nan=0.0)
        return self.var[:, series] + self.step_var[:, series] * np.maximum(gap, 0.0)

    def update(self, series: np.ndarray, year: float, predicted: np.ndarray, observed: np.ndarray,
               obs_var: np.ndarray) -> np.ndarray:
        """Filter one year's observations of `series` (predicted: particles x len(series));
        returns each particle's log likelihood of them."""
        P = self.prior_var(series, year)
        S = P + obs_var
        v = observed - predicted - self.mean[:, series]
        gain = P / S
        self.mean[:, series] += gain * v
        self.var[:, series] = P * (1.0 - gain)
        self.year[series] = year
        return -0.5 * (_LOG_2PI + np.log(S) + v * v / S).sum(axis=1)

    def forecast(self, series: np.ndarray, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the walk at later years (particles, targets)."""
        gap = np.where(np.isnan(self.year[series]), 0.0, year - self.year[series])
        return self.mean[:, series], self.var[:, series] + self.step_var[:, series] * np.maximum(gap, 0.0)

    def take(self, ancestors: np.ndarray) -> None:
        self.mean, self.var, self.step_var = self.mean[ancestors], self.var[ancestors], self.step_var[ancestors]


def innovation_loglik(predicted: np.ndarray, observed: np.ndarray, series: np.ndarray, years: np.ndarray,
                      obs_var: np.ndarray, step_var: np.ndarray, start_var: np.ndarray) -> float:
    """Log likelihood of a set of observations (in time order within each series) given one
    prediction per observation, under the random-walk discrepancy with variances `step_var`
    and `start_var` per series: the sum of one-step-ahead (leave-future-out) innovations."""
    d = Discrepancy.fresh(1, step_var, start_var)
    total = 0.0
    for year in np.unique(years):
        at = years == year
        total += float(d.update(series[at], float(year), predicted[None, at], observed[at], obs_var[at])[0])
    return total


def step_var_posterior(predicted: np.ndarray, observed: np.ndarray, series: np.ndarray, years: np.ndarray,
                       kinds: np.ndarray, obs_var: np.ndarray, start_var: np.ndarray, n_series: int,
                       grid: np.ndarray) -> dict:
    """The random walk's variance per year of each kind, given the innovations of that
    kind's observations (leave-future-out, inside the fit window): {kind: probabilities
    over `grid`} under a prior uniform in the sd over the grid's range (each grid value
    weighted by the width of its cell in sd). A short window barely informs the variance,
    and a prior uniform in log sd would then put most of the mass on the smallest values."""
    sd = np.sqrt(grid)
    prior = np.gradient(sd)
    out = {}
    for kind in np.unique(kinds):
        sel = kinds == kind
        ll = np.array([innovation_loglik(predicted[sel], observed[sel], series[sel], years[sel], obs_var[sel],
                                         np.full(n_series, g), start_var) for g in grid])
        w = np.exp(ll - ll.max()) * prior
        out[str(kind)] = w / w.sum()
    return out


def estimate_step_var(predicted: np.ndarray, observed: np.ndarray, series: np.ndarray, years: np.ndarray,
                      kinds: np.ndarray, obs_var: np.ndarray, start_var: np.ndarray, n_series: int,
                      grid: np.ndarray) -> dict:
    """The variance per year of each kind that maximises the likelihood of its innovations."""
    post = step_var_posterior(predicted, observed, series, years, kinds, obs_var, start_var, n_series, grid)
    prior = np.gradient(np.sqrt(grid))
    return {kind: float(grid[int(np.argmax(p / prior))]) for kind, p in post.items()}


def draw_step_var(posterior: np.ndarray, grid: np.ndarray, keys: np.ndarray, kind: str) -> np.ndarray:
    """Each particle's variance per year of one kind, drawn from its posterior over `grid`
    with a uniform of the particle's own key (the "walk:<kind>" stream at step 0)."""
    u = uniforms(keys, 0, stream_id(f"walk:{kind}"))[0]
    return grid[np.minimum(np.searchsorted(np.cumsum(posterior), u), len(grid) - 1)]


# ------------------------------------------------------------------------ the filter


@dataclass
class Observations:
    """What is assimilated: per observation date (ascending) the step, the year, and the
    targets observed then (their series index, observed value and sampling variance)."""

    steps: list[int]
    years: list[int]
    targets: list[np.ndarray]  # indices into the targets table
    series: np.ndarray  # per target
    value: np.ndarray
    obs_var: np.ndarray


@dataclass
class Filtered:
    """The particles at the origin: the model run there, their lineage, the filtered
    discrepancy, and the effective sample size after each date (before any resampling)."""

    model: CaucasusModel
    lineage: Lineage
    discrepancy: Discrepancy
    ess: list[float]
    resampled: list[bool]


_RESAMPLING_ID = 2**40  # the replicate number whose key draws the resampling uniforms (no batch has it)


def resample_uniform(seed: int, generation: int) -> float:
    """The one uniform of a resampling: the "assimilation" stream at `generation`, from a
    key spawned from the root seed (the project's streams, not numpy's global state)."""
    key = replicate_keys(seed, [_RESAMPLING_ID])
    return float(uniforms(key, generation, stream_id("assimilation"))[0, 0])


def assimilate(cfg, path: str, draws: list[dict] | None, obs: Observations, predict, discrepancy: Discrepancy,
               *, particles: int, seed: int, ess_threshold: float, origin_step: int,
               logw: np.ndarray | None = None) -> Filtered:
    """Run the particles to the origin, filtering each observation date; the particles are
    resampled when the effective size falls below `ess_threshold` x particles, and always at
    the origin (equal weights for the forecast). `predict(model, targets, draws)` gives each
    particle's observation-model prediction of those targets at the model's current step
    (`draws`: each particle's parameter draw). `logw`: the particles' log weights before the
    first date (importance weights of their proposal; default equal)."""
    lineage = Lineage.start(seed, particles, len(draws) if draws else 1)
    m = build(cfg, path, draws, lineage, until=0)
    logw = np.zeros(particles) if logw is None else np.asarray(logw, float).copy()
    ess, resampled = [], []
    for j, (step, year, idx) in enumerate(zip(obs.steps, obs.years, obs.targets)):
        m.run(until=step)
        predicted = predict(m, idx, lineage.draw)
        logw += discrepancy.update(obs.series[idx], float(year), predicted, obs.value[idx], obs.obs_var[idx])
        ess.append(effective_size(logw))
        last = j == len(obs.steps) - 1
        resampled.append(ess[-1] < ess_threshold * particles or last)
        if resampled[-1]:
            w = np.exp(logw - logw.max())
            a = systematic(w, resample_uniform(seed, len(lineage.steps) + 1))
            lineage = lineage.resampled(a, step)
            discrepancy.take(a)
            logw = np.zeros(particles)
            m = build(cfg, path, draws, lineage, until=step)
    m.run(until=origin_step)
    return Filtered(model=m, lineage=lineage, discrepancy=discrepancy, ess=ess, resampled=resampled)
