"""Stage 2 of the calibration: ABC-SMC with ELFI, on the non-implausible region.

ELFI (Lintusaari et al. 2018; the optional extra `calibration`) proposes particles in
batches of `calibration.abc.batch_size`, every particle with a replicate of its own (its
parameter set shares out the replicates, `CaucasusModel(draws=...)`). The first population
is the best `quantile` of prior draws (uniform on the box of the non-implausible points);
each later threshold is the `quantile` of the last population's distances (adaptive
thresholds, ELFI's `SMC` with quantiles). A round ends on a whole batch and keeps the best
particles of all it simulated, so ELFI's batch size is part of the algorithm; the engine's
batch is not: the `engine` client runs the `parallel_batches` batches ELFI has in flight as
one engine batch (split over the pool's workers, `analysis.pool`), with the posterior of
one batch at a time (docs/odd.md, section 7.22). Every simulated batch is saved under
`abc/` in the results folder, keyed by its parameters and replicates: ELFI is seeded, so a
re-run after an interruption proposes the same batches, finds them saved and goes on from
the first batch it has not finished. ELFI's own `native` and `multiprocessing` clients
remain (`calibration.abc.client`).
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
from .pool import Pool, slices
from ..model.observation import fit_links

def require_elfi() -> None:
    if importlib.util.find_spec("elfi") is None:
        raise ConfigError("calibration.abc.enabled: ABC-SMC needs ELFI; pip install -e '.[calibration]' "
                          "(or set calibration.abc.enabled=false for history matching only)")


def simulate_particles(plan: CalibrationPlan, theta: np.ndarray, keys: list[str], ids: np.ndarray) -> np.ndarray:
    """The drivers of particles (rows of theta), particle i with replicate ids[i]."""
    points = [dict(zip(keys, row)) for row in theta.tolist()]
    return simulate_drivers(plan, plan.fitted, points, replicate_ids=ids, split=True)


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

    def particles(self, *values, batch_size: int = 1, random_state=None) -> tuple[np.ndarray, np.ndarray, Path]:
        """A batch's parameters (particles x keys), replicate ids, and the file it is saved in."""
        theta = np.column_stack([np.broadcast_to(np.asarray(v, dtype=float), (batch_size,)) for v in values])
        rs = random_state or np.random.RandomState()
        ids = rs.randint(0, 2**31 - 1, size=batch_size).astype(np.int64)
        return theta, ids, self.folder / f"{hashlib.sha256(theta.tobytes() + ids.tobytes()).hexdigest()[:32]}.npy"

    def simulate(self, batches: list[tuple[np.ndarray, np.ndarray, Path]]) -> list[np.ndarray]:
        """The drivers of each batch: those not saved run together as one engine batch, in
        slices over the pool's workers, and are saved."""
        todo = [b for b in batches if not b[2].is_file()]
        if todo:
            theta, ids = np.concatenate([b[0] for b in todo]), np.concatenate([b[1] for b in todo])
            parts = slices(len(ids), self.pool.workers)
            z = (simulate_particles(self.plan, theta, self.keys, ids) if len(parts) == 1 else
                 np.concatenate(self.pool.map(simulate_particles, [(self.plan, theta[p], self.keys, ids[p])
                                                                   for p in parts])))
            for (_, b_ids, file), part in zip(todo, np.split(z, np.cumsum([len(b[1]) for b in todo])[:-1])):
                buf = io.BytesIO()
                np.save(buf, part)
                write_atomic(file, lambda p: p.write_bytes(buf.getvalue()))
        return [np.load(b[2]) for b in batches]

    def __call__(self, *values, batch_size: int = 1, random_state=None) -> np.ndarray:
        return self.simulate([self.particles(*values, batch_size=batch_size, random_state=random_state)])[0]


def engine_client(elfi, simulator: BatchSimulator, node: str):
    """An ELFI client that runs every batch ELFI has in flight (up to `parallel_batches`)
    as one engine batch, then each batch's distances, in batch order. ELFI proposes a
    round's batches from that round's own random state and takes their results in batch
    order, so the posterior is the one of batches run one at a time; only the batches in
    flight when a round ends are simulated and dropped."""
    import elfi.clients.native  # noqa: F401  (ELFI, the optional extra; only run_abc calls this)

    execute = elfi.executor.Executor.execute

    class EngineClient(elfi.clients.native.Client):
        def __init__(self) -> None:
            super().__init__()
            self.results: dict = {}

        def get_result(self, task_id):
            if task_id not in self.results:
                self._run_queued()
            return self.results.pop(task_id)

        def is_ready(self, task_id) -> bool:
            return task_id in self.results

        def remove_task(self, task_id) -> None:
            self.tasks.pop(task_id, None)
            self.results.pop(task_id, None)

        def reset(self) -> None:
            super().reset()
            self.results.clear()

        def _run_queued(self) -> None:
            queued, self.tasks = self.tasks, {}
            nets = {i: args[0] for i, (fn, args, _) in queued.items() if fn == execute}
            for i, G in nets.items():  # everything the simulator needs: the priors or proposals
                outputs, G.graph["outputs"] = G.graph["outputs"], list(G.predecessors(node))
                execute(G)
                G.graph["outputs"] = outputs
            args = {i: elfi.executor.Executor._run(lambda *a, **k: (a, k), node, G)["output"]
                    for i, G in nets.items()}
            drivers = simulator.simulate([simulator.particles(*a, **k) for a, k in args.values()])
            for (i, G), z in zip(nets.items(), drivers):
                G.nodes[node].update(output=z)
                del G.nodes[node]["operation"]
            for i, (fn, a, kw) in queued.items():
                self.results[i] = execute(nets[i]) if i in nets else fn(*a, **kw)

    return EngineClient()


class ParticleDistance:
    """ELFI's distance: each particle's links fitted to its own trajectory, then the
    calibration's ABC distance over the fit window."""

    def __init__(self, plan: CalibrationPlan) -> None:
        self.plan = plan

    def __call__(self, simulated: np.ndarray, observed=None) -> np.ndarray:
        Z = np.asarray(simulated)[:, None, :]
        links = fit_links(Z[:, 0, :], self.plan.targets, self.plan.fit, self.plan.settings)
        return distances(self.plan, Z, links)[:, 0]


def box_smc(elfi, box: dict):
    """ELFI's SMC whose proposals are checked against the prior box (`box`: name -> (low,
    high)) with numpy. ELFI checks each draw of its Gaussian mixture with the prior's log
    density, evaluated through its graph: 2 ms a call and hundreds of calls a batch, more
    time than the engine takes. The check here is scipy's own support test of a uniform
    ((x - loc) / scale in [0, 1]), and the random draws are ELFI's, so the proposals are
    the same, bit for bit (a test compares the posterior with ELFI's SMC)."""
    from elfi.methods.utils import GMDistribution, arr2d_to_batch  # ELFI, the optional extra (as in run_abc)

    class BoxSMC(elfi.SMC):
        def _in_box(self, x: np.ndarray) -> np.ndarray:
            lo = np.array([box[n][0] for n in self.parameter_names])
            scale = np.array([box[n][1] - box[n][0] for n in self.parameter_names])
            y = (np.atleast_2d(x) - lo) / scale
            return np.where(np.all((y >= 0) & (y <= 1), axis=1), 0.0, -np.inf)

        def prepare_new_batch(self, batch_index):
            if self.state["round"] == 0:  # the prior itself
                return None
            params = GMDistribution.rvs(*self._gm_params, size=self.batch_size, prior_logpdf=self._in_box,
                                        random_state=self._round_random_state)
            return arr2d_to_batch(params, self.parameter_names)

    return BoxSMC


@dataclass
class AbcOutcome:
    posterior: pd.DataFrame  # draw, weight, keys
    populations: pd.DataFrame  # population, threshold, its simulations, particles
    simulations: int


def run_abc(cfg, plan: CalibrationPlan, box: list[tuple[float, float]], bundle: Bundle,
            pool: Pool | None = None) -> AbcOutcome:
    """ABC-SMC of the fitted structure (`plan.fitted`) with uniform priors on `box` (one
    range per key)."""
    require_elfi()
    # the optional extra `calibration`, imported only here: ELFI (with dask, GPy, scikit-learn)
    # takes seconds to import, which every command would otherwise pay
    import elfi

    a = cfg.calibration.abc
    keys = plan.keys_of(plan.fitted)
    folder = bundle.path / "abc"
    folder.mkdir(exist_ok=True)
    logging.getLogger("elfi").setLevel(logging.ERROR)  # its proposals outside the box are expected
    m = elfi.ElfiModel(name="caucasus")
    names = [f"p{i}" for i in range(len(keys))]
    priors = [elfi.Prior("uniform", lo, hi - lo, model=m, name=n) for n, (lo, hi) in zip(names, box)]
    y = plan.targets["value"].to_numpy()[None, :]
    simulator = BatchSimulator(plan, keys, folder, pool)
    sim = elfi.Simulator(simulator, *priors, observed=y, name="drivers")
    d = elfi.Distance(ParticleDistance(plan), sim, name="distance")
    elfi.set_client(engine_client(elfi, simulator, "drivers") if a.client == "engine" else a.client)
    smc = box_smc(elfi, dict(zip(names, box)))(d, batch_size=int(a.batch_size), seed=int(cfg.seed) % 2**32,
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
