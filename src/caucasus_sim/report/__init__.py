"""Reports: read a results folder, draw its figures, write report.md and report.html.

Every results folder names its analysis in `manifest.json` (`"analysis": "run"`,
`"sweep"`, ...); `BUILDERS` maps each to a function `(folder, cfg, figures) -> Document`
that draws the figures (`Figures`: into `folder/figures`, in the formats of
`cfg.figure_formats`) from the folder's saved tables. `build` writes
a report as an analysis finishes; `rebuild` draws it again later, without running the
model, and compares the files with the hashes the manifest recorded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from omegaconf import OmegaConf

from .. import plots
from ..config import ConfigError
from ..outputs.bundle import CONFIG, MANIFEST, read_manifest, sha256
from . import attribution, calibration, forecast, run, scores, sensitivity, sweep
from .document import DEFAULT_FIGURE_FORMATS, OUTPUTS, UNDRAWN, Document, Figures, Section, subplots, text, write

BUILDERS: dict[str, Callable[[Path, object, Figures], Document]] = {
    "run": run.document,
    "sweep": sweep.document,
    "attribution": attribution.document,
    "sensitivity": sensitivity.document,
    "calibration": calibration.document,
    "scores": scores.document,
    "forecast": forecast.document,
}

__all__ = ["BUILDERS", "Document", "Figures", "Section", "build", "rebuild", "subplots"]


def build(folder: Path, cfg, analysis: str, warnings: list[str] | tuple = ()) -> list[str]:
    """Draw the figures of a results folder (in the print style) and write its report, with
    the run's `warnings` in its first lines; one line per figure that could not be drawn
    (the report says so in its place)."""
    folder = Path(folder)
    try:
        builder = BUILDERS[analysis]
    except KeyError:
        raise ConfigError(f"no report builder for analysis {analysis!r}; known: {', '.join(sorted(BUILDERS))}") from None
    figs = Figures(folder / "figures", tuple(cfg.get("figure_formats", DEFAULT_FIGURE_FORMATS)))
    with plots.publication_style():
        doc = builder(folder, cfg, figs)
    doc.header[:0] = [f"- **Warning:** {text(w)}" for w in warnings]
    write(folder, doc)
    return list(figs.failed)


def run_warnings(manifest: dict) -> list[str]:
    """The warnings a run gave before its report was drawn (the report's first lines), from
    its manifest: all but the figures that could not be drawn, which the report notes in place."""
    return [w for w in manifest.get("warnings", []) if not w.startswith(UNDRAWN)]


def _is_output(name: str) -> bool:
    return name in OUTPUTS or name.startswith("figures/")


def read_results_folder(folder: Path) -> tuple[dict, str]:
    """The manifest and analysis of a complete results folder, or a ConfigError saying why
    `folder` is not one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such results folder")
    try:
        manifest = read_manifest(folder)
    except FileNotFoundError:
        raise ConfigError(f"{folder} is not a complete results folder (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{folder}/{MANIFEST} is not readable: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files", {}), dict):
        raise ConfigError(f"{folder}/{MANIFEST} is not a results manifest")
    analysis = manifest.get("analysis")
    if analysis not in BUILDERS:
        raise ConfigError(f"{folder}/{MANIFEST}: no report for analysis {analysis!r}; "
                          f"known: {', '.join(sorted(BUILDERS))}")
    missing = [name for name in [CONFIG, *manifest.get("files", {})]
               if not _is_output(name) and not (folder / name).is_file()]
    if missing:
        raise ConfigError(f"{folder} is not a complete results folder ({missing[0]} is missing)")
    return manifest, str(analysis)


def _link(source: Path, target: Path) -> None:
    """Make `source` readable as `target`: a symbolic link, else a copy."""
    try:
        target.symlink_to(source.resolve())
    except OSError:
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)


def rebuild(folder: Path) -> dict:
    """Draw the figures and write report.md and report.html of a saved results folder again,
    from its config.yaml and tables, without running the model; the manifest is left as it
    is. The outputs are built in a hidden sibling folder and moved in only when complete.
    Returns the rebuilt files and those whose SHA-256 differs from the manifest's record."""
    folder = Path(folder)
    manifest, analysis = read_results_folder(folder)
    cfg = OmegaConf.load(folder / CONFIG)
    staging = folder.parent / f".{folder.name}.report-{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for entry in sorted(folder.iterdir()):
            if entry.name not in ("figures", *OUTPUTS) and not entry.name.startswith("."):
                _link(entry, staging / entry.name)
        try:
            build(staging, cfg, analysis, warnings=run_warnings(manifest))
        except (OSError, ValueError, KeyError) as exc:  # a damaged table, a missing column
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ConfigError(f"{folder}: cannot rebuild the report from its tables: "
                              + detail.replace(str(staging), str(folder))) from exc
        built = sorted(str(p.relative_to(staging)) for p in staging.rglob("*")
                       if p.is_file() and not p.is_symlink() and _is_output(str(p.relative_to(staging))))
        (folder / "figures").mkdir(exist_ok=True)
        for name in built:
            os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    recorded = {k: v for k, v in manifest.get("files", {}).items() if _is_output(k)}
    return {
        "analysis": analysis,
        "built": built,
        "changed": [k for k in built if k in recorded and sha256(folder / k) != recorded[k]],
        "new": [k for k in built if k not in recorded],
        "not_built": [k for k in recorded if k not in built],
        "recorded_versions": manifest.get("versions", {}),
    }
