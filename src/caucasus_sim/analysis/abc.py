"""Stage 2 of the calibration: ABC-SMC with ELFI, on the non-implausible region.

ELFI (Lintusaari et al. 2018; the optional extra `calibration`) proposes particles in
batches of `calibration.abc.batch_size`; each batch runs as one batch of the engine, every
particle with a replicate of its own (its parameter set shares out the replicates,
`CaucasusModel(draws=...)`). The first population is the best `quantile` of prior draws
(uniform on the box of the non-implausible points); each later threshold is the
`quantile` of the last population's distances (adaptive thresholds, ELFI's `SMC` with
quantiles). Every simulated batch is saved under `abc/` in the results folder, keyed by
its parameters and replicates: ELFI is seeded, so a re-run after an interruption proposes
the same batches, finds them saved and goes on from the first batch it has not finished.
ELFI's `multiprocessing` client runs batches on several local cores
(`calibration.abc.client`), its `ipyparallel` client on a cluster (docs/odd.md).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ConfigError
from ..outputs import Bundle
from ..outputs.bundle import write_atomic
from .matching import CalibrationPlan, distances, simulate_drivers
from .pool import Pool
from ..model.observation import fit_links

STRUCTURE = "v2"
MIN_SLICE = 1000  # particles: below this, a batch is not split over workers


def require_elfi() -> None:
    if importlib.util.find_spec("elfi") is None:
        raise ConfigError("calibration.abc.enabled: ABC-SMC needs ELFI; pip install -e '.[calibration]' "
                          "(or set calibration.abc.enabled=false for history matching only)")


def simulate_particles(plan: CalibrationPlan, theta: np.ndarray, keys: list[str], ids: np.ndarray) -> np.ndarray:
    """The drivers of particles (rows of theta), particle i with replicate ids[i]."""
    points = [dict(zip(keys, row)) for row in theta.tolist()]
    return simulate_drivers(plan, STRUCTURE, points, replicate_ids=ids, split=True)


def slices(n: int, workers: int) -> list[slice]:
    """A batch of n particles in contiguous slices, one per worker, none under MIN_SLICE
    (an engine batch costs a fixed start-up on top of its particles)."""
    k = max(1, min(workers, n // MIN_SLICE))
    edges = np.linspace(0, n, k + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


class BatchSimulator:
    """ELFI's simulator: a batch of particles through the engine, split over the pool's
    workers, saved as it finishes. Picklable, so ELFI's multiprocessing client can send it
    to its workers (where it runs its batches itself: the pool stays with the parent)."""

    def __init__(self, plan: CalibrationPlan, keys: list[str], folder: Path, pool: Pool | None = None) -> None:
        self.plan, self.keys, self.folder, self.pool = plan, keys, Path(folder), pool or Pool()

    def __getstate__(self) -> dict:
        return {**self.__dict__, "pool": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, pool=Pool())

    def __call__(self, *values, batch_size: int = 1, random_state=None) -> np.ndarray:
        theta = np.column_stack([np.broadcast_to(np.asarray(v, dtype=float), (batch_size,)) for v in values])
        rs = random_state or np.random.RandomState()
        ids = rs.randint(0, 2**31 - 1, size=batch_size).astype(np.int64)
        file = self.folder / f"{hashlib.sha256(theta.tobytes() + ids.tobytes()).hexdigest()[:32]}.npy"
        if file.is_file():
            return np.load(file)
        parts = slices(batch_size, self.pool.workers)
        if len(parts) == 1:
            z = simulate_particles(self.plan, theta, self.keys, ids)
        else:
            z = np.concatenate(self.pool.map(simulate_particles, [(self.plan, theta[p], self.keys, ids[p])
                                                                  for p in parts]))
        buf = io.BytesIO()
        np.save(buf, z)
        write_atomic(file, lambda p: p.write_bytes(buf.getvalue()))
        return z


class ParticleDistance:
    """ELFI's distance: each particle's links fitted to its own trajectory, then the
    calibration's ABC distance over the fit window."""

    def __init__(self, plan: CalibrationPlan) -> None:
        self.plan = plan

    def __call__(self, simulated: np.ndarray, observed=None) -> np.ndarray:
        Z = np.asarray(simulated)[:, None, :]
        links = fit_links(Z[:, 0, :], self.plan.targets, self.plan.fit, self.plan.settings)
        return distances(self.plan, Z, links)[:, 0]


@dataclass
class AbcOutcome:
    posterior: pd.DataFrame  # draw, weight, keys
    populations: pd.DataFrame  # population, threshold, its simulations, particles
    simulations: int


def run_abc(cfg, plan: CalibrationPlan, box: list[tuple[float, float]], bundle: Bundle,
            pool: Pool | None = None) -> AbcOutcome:
    """ABC-SMC of Model v2 with uniform priors on `box` (one range per key)."""
    require_elfi()
    # the optional extra `calibration`, imported only here: ELFI (with dask, GPy, scikit-learn)
    # takes seconds to import, which every command would otherwise pay
    import elfi

    a = cfg.calibration.abc
    keys = plan.keys_of(STRUCTURE)
    folder = bundle.path / "abc"
    folder.mkdir(exist_ok=True)
    logging.getLogger("elfi").setLevel(logging.ERROR)  # its proposals outside the box are expected
    m = elfi.ElfiModel(name="caucasus")
    names = [f"p{i}" for i in range(len(keys))]
    priors = [elfi.Prior("uniform", lo, hi - lo, model=m, name=n) for n, (lo, hi) in zip(names, box)]
    y = plan.targets["value"].to_numpy()[None, :]
    sim = elfi.Simulator(BatchSimulator(plan, keys, folder, pool), *priors, observed=y, name="drivers")
    d = elfi.Distance(ParticleDistance(plan), sim, name="distance")
    elfi.set_client("native" if a.client == "native" else "multiprocessing")
    smc = elfi.SMC(d, batch_size=int(a.batch_size), seed=int(cfg.seed) % 2**32,
                   max_parallel_batches=int(a.parallel_batches))
    quantiles = [float(a.quantile)] * (int(a.populations) + 1)
    result = smc.sample(int(a.particles), quantiles=quantiles, bar=False)
    posterior = pd.DataFrame({"draw": np.arange(int(a.particles), dtype=np.int64)})
    for name, key in zip(names, keys):
        posterior[key] = np.asarray(result.samples[name], dtype=float)
    posterior["weight"] = np.asarray(result.weights, dtype=float) / np.sum(result.weights)
    pops = pd.DataFrame({"population": np.arange(len(result.populations), dtype=np.int64),
                         "threshold": [float(p.threshold) for p in result.populations],
                         "simulations": [int(p.n_sim) for p in result.populations],
                         "particles": [int(p.n_samples) for p in result.populations]})
    return AbcOutcome(posterior=posterior, populations=pops, simulations=int(result.n_sim))
