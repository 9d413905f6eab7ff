"""A plain run: simulate every path of the experiment with the same replicate keys
(common random numbers) and build its tables."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import validate
from ..model import CaucasusModel
from ..outputs import RUN_FILES, Bundle, balance_name, build_tables
from ..outputs.bundle import FLOAT_FORMAT
from .progress import progress_bar
from .result import Result


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
    balance: str | None = None

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(self.outcomes["path"]))

    def facts(self) -> list[str]:
        out = [f"{len(self.paths)} path(s) x {self.replicates} replicates x {self.steps} steps "
               f"({self.dates[0]} to {self.dates[1]})"]
        if self.balance:
            end = self.outcomes[self.outcomes["outcome"] == "end"]
            means = end.groupby(["client", "path"], sort=False)[self.balance].mean()
            for client in dict.fromkeys(end["client"]):
                out.append(f"{client} {self.balance} at the end, mean: "
                           + ", ".join(f"{p} {means[(client, p)]:+.3f}" for p in self.paths))
        return out

    def provenance(self) -> dict:
        return {"paths": self.paths, "steps": self.steps, "dates": list(self.dates),
                "events_after_end": self.events_after_end}

    def to_bundle(self, bundle: Bundle) -> None:
        for name, file in RUN_FILES.items():
            # event counts and their means per replicate are written in full precision
            bundle.write_table(file, getattr(self, name), None if name == "event_counts" else FLOAT_FORMAT)


def simulate(cfg, progress: str | None = None) -> dict[str, CaucasusModel]:
    """Build and run one model per path, all with the same replicate keys."""
    validate(cfg)
    models = {name: CaucasusModel(cfg, path=name) for name in cfg.paths}
    total = sum(m.n_steps for m in models.values())
    with progress_bar(cfg, total, "step", cfg.experiment, progress=progress, leave=False) as bar:
        for name, model in models.items():
            bar.set_postfix_str(f"path={name}, R={model.R}")
            model.run(progress=bar.update)
    return models


def run_paths(cfg) -> RunResult:
    """Simulate every path and build the tables of the run."""
    models = simulate(cfg)
    first = next(iter(models.values()))
    return RunResult(
        experiment=str(cfg.experiment), **build_tables(models, cfg), replicates=int(first.R),
        steps=first.n_steps, dates=(str(first.dates[0]), str(first.dates[-1])),
        events_after_end={name: sum(1 for e in m.events if m.step_of(e.date) > m.n_steps)
                          for name, m in models.items()},
        balance=balance_name(cfg))
