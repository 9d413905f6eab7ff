"""What a Mesa user drives: the model's seed from `rng`, its DataCollector, and a step that
stops at the end of the scenario.

- `rng` (or `seed`): an int, a `numpy.random.Generator` or `SeedSequence` (an int is drawn
  from it), or None — fresh entropy, as Mesa's `batch_run` asks for with `iterations`.
  Not given, the configuration's `seed`. The seed used is `model.seed`: replicate keys are
  spawned from it, so it reproduces the run.
- `model.datacollector` (`mesa.DataCollector`) holds, at every recorded step, the means
  over replicates that the run's `summary.csv` holds: model-level `date`,
  `balance_<client>` (with `_q05`, `_q50`, `_q95`) on each client's axis and
  `alignment_share_<client>_<patron>`; agent-level `actor` and `attitude_<patron>`, each
  agent's attitude toward each patron.
- `step()` past the last step changes nothing and leaves `running` False.
"""

from __future__ import annotations

import mesa
import numpy as np

from ..config import ConfigError, balance_axes, configure

INTERACTIVE_REPLICATES = 20  # a model built without a configuration (batch_run, a notebook, the explorer)
QUANTILES = {"q05": 0.05, "q50": 0.5, "q95": 0.95}  # as in summary.csv


class _Configured:
    """The default of `rng`: the configuration's seed."""

    def __repr__(self) -> str:
        return "cfg.seed"


CONFIGURED = _Configured()


def configured(cfg, rng, replicates: int | None, parameters: dict):
    """The configuration and root seed of a model from what its constructor was given:
    keyword parameters set on a copy of `cfg` (or on the default configuration, with
    INTERACTIVE_REPLICATES unless `replicates` says otherwise); `seed` is `rng`'s alias."""
    if "seed" in parameters:  # Mesa's other name for rng (and the schema's)
        if rng is not CONFIGURED:
            raise ConfigError("seed: give the seed once, as rng or as seed, not both")
        rng = parameters.pop("seed")
    if cfg is None:
        cfg = configure(None, parameters, replicates=INTERACTIVE_REPLICATES if replicates is None else replicates)
    elif parameters:
        cfg = configure(cfg, parameters)
    return cfg, seed_from(rng, cfg.seed)


def seed_from(rng, configured_seed: int) -> int:
    """The root seed of a model: `configured_seed` (cfg.seed) unless `rng` is given."""
    if rng is CONFIGURED:
        return int(configured_seed)
    if rng is None:  # fresh entropy, recorded as the model's seed
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(np.iinfo(np.int64).max))
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
    raise ConfigError(f"rng: {rng!r} is not a seed; expected a non-negative integer, a numpy Generator or "
                      "SeedSequence, or None (fresh entropy)")


def _model_reporter(name: str):
    return lambda m: m.reported()[name]


def _attitude_reporter(p: int):
    return lambda a: float(a.model.agent_attitudes()[a.index, p])


class MesaInterface:
    """The Mesa-facing part of CaucasusModel (a mixin): its DataCollector and its step."""

    def _start_collecting(self) -> None:
        """Build the DataCollector and wrap Mesa's step so that a step past the end is a
        no-op; called once the records exist, before step 0 is recorded."""
        self.axes = balance_axes(self.cfg)
        names = ["date"]
        for client in self.clients:
            if self.axes is not None:
                names += [f"balance_{client}"] + [f"balance_{client}_{q}" for q in QUANTILES]
            names += [f"alignment_share_{client}_{p}" for p in self.patrons]
            if "nonalignment" in self.records:
                names.append(f"alignment_share_{client}_none")
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _model_reporter(name) for name in names},
            agent_reporters={"actor": "code",
                             **{f"attitude_{p}": _attitude_reporter(i) for i, p in enumerate(self.patrons)}})
        self._reported: tuple[int, dict] | None = None
        self._attitudes: tuple[int | None, np.ndarray | None] = (None, None)
        self._mesa_step = self.step  # Mesa's wrapper of step(): it advances time and steps
        self.step = self._step_until_end

    def _step_until_end(self) -> None:
        if self.steps >= self.n_steps:
            self.running = False
            return
        self._mesa_step()

    def _collect(self) -> None:
        self.datacollector.collect(self)

    def reported(self) -> dict:
        """The model-level values of the current step (computed once per step)."""
        if self._reported is not None and self._reported[0] == self.steps:
            return self._reported[1]
        row = self.row_of(self.steps)
        shares = self.alignment_record[row]  # (R, C, P)
        share_means = shares.mean(axis=0)  # over the replicate axis, as summary.csv: the same sums, bit for bit
        out: dict = {"date": str(self.dates[self.steps])}
        if self.axes is not None:
            pairs = [tuple(self.patrons.index(p) for p in self.axes[client]) for client in self.clients]
            balance = np.stack([shares[:, c, i] - shares[:, c, j] for c, (i, j) in enumerate(pairs)], axis=1)
            stats = {"": balance.mean(axis=0), **{f"_{k}": np.quantile(balance, q, axis=0) for k, q in QUANTILES.items()}}
        none = self.nonalignment_record[row].mean(axis=0) if "nonalignment" in self.records else None
        for c, client in enumerate(self.clients):
            if self.axes is not None:
                out.update({f"balance_{client}{k}": float(v[c]) for k, v in stats.items()})
            out.update({f"alignment_share_{client}_{p}": float(share_means[c, i]) for i, p in enumerate(self.patrons)})
            if none is not None:
                out[f"alignment_share_{client}_none"] = float(none[c])
        self._reported = (self.steps, out)
        return out

    def agent_attitudes(self) -> np.ndarray:
        """Mean over replicates of each actor's attitude toward each patron, (N, P)."""
        if self._attitudes[0] != self.steps:
            self._attitudes = (self.steps, self.state.attitude[:, :, self.network.patron_idx].mean(axis=0))
        return self._attitudes[1]
