"""Running an experiment: analysis -> results bundle -> report -> sealed manifest.

`run(cfg)` picks the experiment's analysis (a plain run of its paths, a sweep, an event
attribution or a sensitivity analysis), checks everything it will need before any
folder exists, runs it into a results bundle, builds the report from the saved tables,
seals the bundle with its manifest and returns the analysis' own typed result. The jobs
of a Hydra multirun go through `run_point`, and their folders are merged by `collect`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import report
from .analysis import attribution, runs, sensitivity, sweep
from .analysis.result import Result
from .config import ConfigError, validate
from .outputs import Bundle
from .outputs.bundle import PLAN, read_json


@dataclass(frozen=True)
class Analysis:
    """How to run one kind of analysis: check it (`prepare`, before any output), open
    its bundle, and run it into the bundle."""

    prepare: Callable
    bundle: Callable
    run: Callable


def _fresh(kind: str) -> Callable:
    return lambda cfg: Bundle.fresh(cfg.output_root, cfg.experiment, kind)


ANALYSES = {
    "run": Analysis(prepare=validate, bundle=_fresh("run"),
                    run=lambda cfg, plan, bundle: _plain_run(cfg, bundle)),
    "sweep": Analysis(prepare=sweep.plan_sweep, bundle=sweep.sweep_bundle, run=sweep.run_sweep),
    "attribution": Analysis(prepare=attribution.prepare, bundle=_fresh("attribution"),
                            run=attribution.run_attribution),
    "sensitivity": Analysis(prepare=sensitivity.prepare, bundle=sensitivity.sensitivity_bundle,
                            run=sensitivity.run_sensitivity),
}


def analysis_of(cfg) -> str:
    """The analysis an experiment asks for."""
    if cfg.sweep.method != "none":
        return "sweep"
    if cfg.attribution.enabled:
        return "attribution"
    if cfg.sensitivity.method != "none":
        return "sensitivity"
    return "run"


def _plain_run(cfg, bundle: Bundle) -> runs.RunResult:
    result = runs.run_paths(cfg)
    result.to_bundle(bundle)
    return result


def run(cfg, *, write: bool = True) -> Result:
    """Run an experiment and write its results folder; `write=False` returns a plain
    run's tables without writing anything."""
    kind = analysis_of(cfg)
    if not write:
        if kind != "run":
            raise ConfigError(f"a {kind} always writes its folder (it is how it resumes); use write=True")
        return runs.run_paths(cfg)
    started = time.perf_counter()
    analysis = ANALYSES[kind]
    plan = analysis.prepare(cfg)
    with analysis.bundle(cfg) as bundle:
        result = analysis.run(cfg, plan, bundle)
        report.build(bundle.path, cfg, kind)
        result.manifest = bundle.seal(cfg, started, **result.provenance())
    result.folder = bundle.final.resolve()
    print(result.line())
    return result


def run_point(cfg, folder: Path, job_overrides: list[str], swept: list[str]) -> Path | None:
    """One job of a multirun: simulate one point into `points/<point id>/`, or skip it if
    an earlier run finished it."""
    started = time.perf_counter()
    bundle = sweep.point_bundle(folder, job_overrides)
    if (bundle.final / "manifest.json").exists():
        print(f"caucasus-sim: point {bundle.id} already done, skipped")
        return None
    with bundle:
        own = sweep.run_point(cfg, bundle, job_overrides, swept)
        bundle.seal(cfg, started, **own)
    sweep.report_progress(folder)
    return bundle.final


def collect(folder: Path, bundle: Bundle | None = None) -> sweep.SweepResult:
    """Merge the finished jobs of a multirun into one table with figures and a report
    (`bundle`: the multirun's, when the caller already holds its lock)."""
    started = time.perf_counter()
    folder = Path(folder)
    if bundle is None:
        if not (folder / PLAN).is_file():
            raise ConfigError(f"{folder} is not a sweep folder (no {PLAN})")
        with Bundle.resumable(folder, "sweep") as own:
            return collect(folder, own)
    cfg, result = sweep.collect(bundle)
    report.build(bundle.path, cfg, "sweep")
    result.manifest = bundle.seal(cfg, started, **result.provenance())
    result.folder = bundle.final.resolve()
    print(result.line())
    return result


def multirun_axes(folder: Path) -> list[str]:
    """The swept keys of a multirun, as its launching process recorded them."""
    return list(read_json(Path(folder) / PLAN)["axes"])
