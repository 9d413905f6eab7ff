"""Running an experiment: analysis -> results bundle -> report -> sealed manifest.

`run(cfg)` picks the experiment's analysis (a plain run of its paths, a sweep, an event
attribution or a sensitivity analysis), checks everything it will need before any
folder exists, runs it into a results bundle, builds the report from the saved tables,
seals the bundle with its manifest and returns the analysis' own typed result. The jobs
of a Hydra multirun go through `run_point`, and their folders are merged by `collect`.
`score` scores a registered forecast against later data, into a folder of its own.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from omegaconf import OmegaConf

from . import report
from .analysis import attribution, calibration, forecast, hindcast, registered, runs, sensitivity, sweep
from .analysis.result import Result
from .config import ConfigError
from .config.checks import notices as config_notices
from .config.schema import DEFAULT_FIGURE_FORMATS
from .model.events import empty_timelines, events_after_end, import_notices
from .outputs import Bundle
from .outputs.bundle import PLAN, read_json, sha256
from .outputs.preflight import Cost, check_cost, check_output_location


@dataclass(frozen=True)
class Analysis:
    """How to run one kind of analysis: check it (`prepare`, before any output), estimate
    what it needs (`cost`), open its bundle, and run it into the bundle."""

    prepare: Callable
    cost: Callable
    bundle: Callable
    run: Callable


def _fresh(kind: str) -> Callable:
    return lambda cfg: Bundle.fresh(cfg.output_root, cfg.experiment, kind)


ANALYSES = {
    "run": Analysis(prepare=runs.prepare, cost=runs.cost, bundle=_fresh("run"),
                    run=lambda cfg, plan, bundle: _plain_run(cfg, bundle)),
    "sweep": Analysis(prepare=sweep.plan_sweep, cost=sweep.cost, bundle=sweep.sweep_bundle, run=sweep.run_sweep),
    "attribution": Analysis(prepare=attribution.prepare, cost=attribution.cost, bundle=_fresh("attribution"),
                            run=attribution.run_attribution),
    "sensitivity": Analysis(prepare=sensitivity.prepare, cost=sensitivity.cost,
                            bundle=sensitivity.sensitivity_bundle, run=sensitivity.run_sensitivity),
    "calibration": Analysis(prepare=calibration.prepare, cost=calibration.cost,
                            bundle=calibration.calibration_bundle, run=calibration.run_calibration),
    "forecast": Analysis(prepare=forecast.prepare, cost=forecast.cost, bundle=_fresh("forecast"),
                         run=hindcast.run_forecast),
}


def analysis_of(cfg) -> str:
    """The analysis an experiment asks for."""
    if cfg.sweep.method != "none":
        return "sweep"
    if cfg.attribution.enabled:
        return "attribution"
    if cfg.sensitivity.method != "none":
        return "sensitivity"
    if cfg.calibration.enabled:
        return "calibration"
    if cfg.forecast.enabled:
        return "forecast"
    return "run"


def _plain_run(cfg, bundle: Bundle) -> runs.RunResult:
    result = runs.run_paths(cfg)
    result.to_bundle(bundle)
    return result


@dataclass(frozen=True)
class Checked:
    """What `check` found: the analysis, its plan and its estimated cost."""

    kind: str
    plan: object
    cost: Cost


def check(cfg) -> Checked:
    """Everything checked before any folder exists or any step runs: the configuration and
    the analysis' own settings, the output location, and the memory and disk the run needs
    against what there is (or `limits`)."""
    kind = analysis_of(cfg)
    analysis = ANALYSES[kind]
    plan = analysis.prepare(cfg)
    check_output_location(cfg.output_root)
    cost = analysis.cost(cfg, plan)
    check_cost(cost, cfg.limits, cfg.output_root)
    return Checked(kind, plan, cost)


def notices(cfg) -> list[str]:
    """What the run will do differently from the letter of its input, one line each."""
    return config_notices(cfg) + empty_timelines(cfg) + events_after_end(cfg) + import_notices(cfg)


def warn(lines: list[str]) -> None:
    for line in lines:
        print(f"caucasus-sim: warning: {line}", file=sys.stderr)


def run(cfg, *, write: bool = True, checked: Checked | None = None) -> Result:
    """Run an experiment and write its results folder; `write=False` returns a plain
    run's tables without writing anything. `checked`: what `check(cfg)` found, when the
    caller has checked this configuration already."""
    started = time.perf_counter()
    kind, plan = (c := checked or check(cfg)).kind, c.plan
    if not write:
        if kind != "run":
            raise ConfigError(f"a {kind} always writes its folder (it is how it resumes); use write=True")
        return runs.run_paths(cfg)
    analysis, notes = ANALYSES[kind], notices(cfg)
    warn(notes)
    with analysis.bundle(cfg) as bundle:
        result = analysis.run(cfg, plan, bundle)
        undrawn = report.build(bundle.path, cfg, kind, warnings=notes)
        warn(undrawn)
        result.manifest = bundle.seal(cfg, started, **result.provenance(), warnings=notes + undrawn)
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
        bundle.seal(cfg, started, **own, warnings=notices(cfg))  # printed once, by the launching process
    sweep.report_progress(folder)
    return bundle.final


def collect(folder: Path, bundle: Bundle | None = None, started: float | None = None) -> sweep.SweepResult:
    """Merge the finished jobs of a multirun into one table with figures and a report
    (`bundle`: the multirun's, when the caller already holds its lock; `started`: when the
    multirun began, `time.perf_counter()`, so that its wall time is the whole multirun's,
    not the merge's)."""
    started = time.perf_counter() if started is None else started
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


def score(forecast_folder: Path, targets_file: Path, out: Path | None = None) -> tuple[Path, str]:
    """Score the registered forecast in `forecast_folder` against the later data in
    `targets_file` into a new folder (default: `<forecast folder>/scores-<first 8 hex of the
    targets file's SHA-256>`): scores.csv, summary.csv, skill.csv, figures, the report and
    the manifest. Every check comes first; a bad input is a ConfigError of one line and
    leaves no folder. Returns the folder and the line that says what it found."""
    started = time.perf_counter()
    forecast = registered.read_forecast(Path(forecast_folder))
    targets = registered.check_targets(forecast, Path(targets_file))
    digest = sha256(Path(targets_file))
    out = Path(out) if out is not None else forecast.folder / f"scores-{digest[:8]}"
    if out.exists():
        raise ConfigError(f"{out} exists; remove it or name another folder with --out")
    scored = registered.score_registered(forecast, targets)
    meta = forecast.meta
    cfg = OmegaConf.create({
        "experiment": "scores", "seed": 0, "replicates": 0, "figure_formats": list(DEFAULT_FIGURE_FORMATS),
        "score": {"forecast": str(forecast.folder), "targets": str(targets_file), "targets_sha256": digest,
                  "cutoff": forecast.cutoff, "model_version": str(meta["model_version"]), "path": str(meta["path"]),
                  "forecast_manifest_sha256": str(meta["manifest_sha256"]), "methods": forecast.methods,
                  "methods_missing_targets": scored.missing}})
    with Bundle.staged(out, "scores") as bundle:
        for name, frame in (("scores.csv", scored.scores), ("summary.csv", scored.summary),
                            ("skill.csv", scored.skill)):
            bundle.write_table(name, frame)
        undrawn = report.build(bundle.path, cfg, "scores")
        warn(undrawn)
        bundle.seal(cfg, started, cutoff=forecast.cutoff, targets_sha256=digest, warnings=undrawn)
    verdicts = "; ".join(f"{kind}: {report.scores.verdict(scored.skill, kind).replace('**', '')}"
                         for kind in report.scores.kinds_of(scored.scores))
    return out, f"{out}: {len(targets)} targets scored; {verdicts}"
