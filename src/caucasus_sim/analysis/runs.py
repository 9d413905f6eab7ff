"""A plain run: simulate every path of the experiment with the same replicate keys
(common random numbers) and build its tables."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import ConfigError, validate
from ..model import CaucasusModel, common_steps
from ..model.calendar import Calendar
from ..model.events import imported_timelines
from ..outputs import BALANCE, RUN_FILES, Bundle, axis_names
from ..outputs.tables import IMPORTS_FILE
from ..outputs.tables import combine_tables, path_tables
from ..outputs.preflight import (BASE_MEMORY, EVENT_ROW_BYTES, OUTCOME_ROW_BYTES, REPORT_BYTES,
                                 TRAJECTORY_ROW_BYTES, Cost, decided_events, model_bytes, shape_of)
from .matching import posterior_keys
from .points import numeric_value
from .progress import progress_bar
from .result import Result

UNCERTAINTY_FILE = "uncertainty.csv"


@dataclass(repr=False)
class RunResult(Result):
    """The tables of a run: summary, trajectories, events, event_counts, outcomes."""

    kind = "run"
    summary: pd.DataFrame
    trajectories: pd.DataFrame
    events: pd.DataFrame
    event_counts: pd.DataFrame
    outcomes: pd.DataFrame
    replicates: int
    steps: int
    dates: tuple[str, str]
    events_after_end: dict
    stored: dict
    axes: dict | None = None  # each client's balance axis, if the run has a balance
    uncertainty: pd.DataFrame = field(default_factory=pd.DataFrame)  # with a posterior: the split of the spread
    imports: pd.DataFrame | None = None  # the paths whose timeline is an event-data export: what it kept

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(self.outcomes["path"]))

    def facts(self) -> list[str]:
        out = [f"{len(self.paths)} path(s) x {self.replicates} replicates x {self.steps} steps "
               f"({self.dates[0]} to {self.dates[1]})"]
        if self.axes:
            end = self.outcomes[self.outcomes["outcome"] == "end"]
            means = end.groupby(["client", "path"], sort=False)[BALANCE].mean()
            for client in dict.fromkeys(end["client"]):
                out.append(f"{client} {self.axes[client]} balance at the end, mean: "
                           + ", ".join(f"{p} {means[(client, p)]:+.3f}" for p in self.paths))
        return out

    def provenance(self) -> dict:
        return {"paths": self.paths, "steps": self.steps, "dates": list(self.dates),
                "events_after_end": self.events_after_end, "stored": self.stored}

    def to_bundle(self, bundle: Bundle) -> None:
        for name, file in RUN_FILES.items():
            if name != "trajectories" or len(self.trajectories.columns):
                bundle.write_table(file, getattr(self, name))
        if len(self.uncertainty):
            bundle.write_table(UNCERTAINTY_FILE, self.uncertainty)
        if self.imports is not None and len(self.imports):
            bundle.write_table(IMPORTS_FILE, self.imports)


def prepare(cfg) -> None:
    """Check the configuration, and each path's events by building its model with one
    replicate (a bad timeline row fails here, before any output)."""
    validate(cfg)
    draws = posterior_draws(cfg)
    for path in cfg.paths:
        CaucasusModel(cfg, path=path, replicates=len(draws) if draws else 1, draws=draws, record="outcomes")


def posterior_draws(cfg) -> list[dict] | None:
    """The parameter sets of `posterior` (a calibration folder), `posterior_draws` of them,
    or None without a posterior."""
    if not cfg.posterior:
        return None
    keys, table = posterior_keys(cfg.posterior)
    D, R = int(cfg.posterior_draws), int(cfg.replicates)
    if not 1 <= D <= len(table):
        raise ConfigError(f"posterior_draws: {D}; the posterior of {cfg.posterior} holds 1 to {len(table)} draws")
    if R % D:
        raise ConfigError(f"replicates: {R} cannot be shared evenly among posterior_draws={D}; use a multiple of {D}")
    for key in keys:
        numeric_value(cfg, key, "posterior")
    return table[keys].iloc[:D].to_dict("records")


def uncertainty_table(outcomes: pd.DataFrame, draws: int) -> pd.DataFrame:
    """The spread of each outcome split into parameter and stochastic parts (law of total
    variance over the posterior draws: Var = Var_draw(E[. | draw]) + E_draw(Var[. | draw]))."""
    per = (int(outcomes["replicate"].max()) + 1) // draws  # replicate r runs draw r // per
    df = outcomes.assign(draw=outcomes["replicate"] // per)
    rows = []
    for (path, client, outcome), g in df.groupby(["path", "client", "outcome"], sort=False):
        by = g.groupby("draw")[BALANCE]
        param, noise = float(by.mean().var(ddof=0)), float(by.var(ddof=1).mean())
        total = param + noise
        rows.append({"path": path, "client": client, "outcome": outcome, "draws": draws,
                     "replicates_per_draw": int(len(g) // draws), "mean": float(g[BALANCE].mean()),
                     "q05": float(np.quantile(g[BALANCE], 0.05)), "q95": float(np.quantile(g[BALANCE], 0.95)),
                     "variance": total, "parameter_variance": param, "stochastic_variance": noise,
                     "parameter_share": param / total if total > 0 else np.nan})
    return pd.DataFrame(rows)


def cost(cfg, plan=None) -> Cost:
    """What a plain run holds in memory (the records at every step of one path's model and,
    when the paths share a history, of its trunk; the event log and the tables of all
    paths) and writes (tables and report)."""
    steps, outcomes, C, P = shape_of(cfg)
    paths, R = len(cfg.paths), int(cfg.replicates)
    stride = int(cfg.store.trajectory_stride)
    stored = paths * R * C * P * (steps // stride + 2) if stride else 0
    events = decided_events(cfg) * R
    models = 2 if common_steps(cfg) else 1  # the common history's model and a path's
    memory = (BASE_MEMORY + models * model_bytes(R, steps + 1, C, P) + stored * TRAJECTORY_ROW_BYTES["memory"]
              + events * EVENT_ROW_BYTES["memory"])
    disk = (REPORT_BYTES + stored * TRAJECTORY_ROW_BYTES[str(cfg.store.trajectory_precision)]
            + paths * R * C * outcomes * OUTCOME_ROW_BYTES["csv"] + paths * (steps + 1) * C * (5 * P + 1) * 100
            + events * EVENT_ROW_BYTES["parquet"])
    return Cost(memory, disk, f"a run of {paths} path(s) x {R:,} replicates x {steps:,} steps",
                "replicates, scenario.end or the number of paths (or store.trajectory_stride, for disk)")


def path_models(cfg, progress: str | None = None):
    """Each path's finished model, one at a time (path, model), all with the same replicate
    keys. The paths' common history (`common_steps`: the steps through which they run the
    same model) is simulated once and branched, bit for bit as if each path ran alone."""
    validate(cfg)
    names, n_steps = list(cfg.paths), Calendar.from_config(cfg.scenario).n_steps
    shared, draws = common_steps(cfg), posterior_draws(cfg)
    trunk = None
    with progress_bar(cfg, shared + len(names) * (n_steps - shared), "step", cfg.experiment,
                      progress=progress, leave=False) as bar:
        for i, name in enumerate(names):
            if shared and trunk is None:
                bar.set_postfix_str(f"common history of {len(names)} paths")
                trunk = CaucasusModel(cfg, path=names[0], draws=draws).run(progress=bar.update, until=shared)
            model = CaucasusModel(cfg, path=name, draws=draws) if trunk is None else trunk.branch(name)
            if i == len(names) - 1:
                trunk = None  # the last branch needs the trunk no more
            bar.set_postfix_str(f"path={name}, R={model.R}")
            yield name, model.run(progress=bar.update)
            del model
            gc.collect()  # the model and its agents refer to each other: free its records now


def simulate(cfg, progress: str | None = None) -> dict[str, CaucasusModel]:
    """Every path's finished model (all in memory at once)."""
    return dict(path_models(cfg, progress))


def run_paths(cfg) -> RunResult:
    """Simulate every path and build the tables of the run, one path at a time, so that
    only the common history's model and one path's are in memory at once."""
    parts, late = [], {}
    for name, model in path_models(cfg):
        parts.append(path_tables(name, model, cfg))
        late[name] = sum(1 for e in model.events if model.step_of(e.date) > model.n_steps)
        steps, dates, R = model.n_steps, (str(model.dates[0]), str(model.dates[-1])), int(model.R)
        del model  # before the next path's model is built
    tables = combine_tables(parts)
    split = (uncertainty_table(tables["outcomes"], int(cfg.posterior_draws)) if cfg.posterior and cfg.balance is not None
             else pd.DataFrame())
    return RunResult(experiment=str(cfg.experiment), **tables, replicates=R, steps=steps, dates=dates,
                     events_after_end=late, stored=stored(cfg), axes=axis_names(cfg), uncertainty=split,
                     imports=pd.DataFrame(imported_timelines(cfg)))


def stored(cfg) -> dict:
    """How each table of a run is stored (for its manifest)."""
    stride, precision = int(cfg.store.trajectory_stride), str(cfg.store.trajectory_precision)
    return {
        "trajectories": (f"every {stride} steps and the last, {precision}, Parquet (zstd)" if stride
                         else "not stored (store.trajectory_stride=0)"),
        "summary, outcomes, event_counts": "every step they report, CSV, numbers in full precision",
        "events": "Parquet (zstd)",
    }
