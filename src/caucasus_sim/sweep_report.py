"""Figures and report of a sweep, from its saved merged table and per-point summary only."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from omegaconf import OmegaConf

from . import plots
from .report import save_figure, report_markdown, write_html
from .results import balance_name


def build_sweep_report(folder: Path, cfg=None, axes: list[str] | None = None) -> Path:
    """The sweep's figures, report.md and report.html from its saved tables
    (sweep_outcomes.parquet, sweep_summary.csv); the axes from the manifest or sweep.json."""
    from .sweep import OUTCOMES_FILE, SUMMARY_FILE, SWEEP_FILE

    folder = Path(folder)
    if cfg is None:
        cfg = OmegaConf.load(folder / "config.yaml")
    if axes is None:
        source = folder / "manifest.json"
        if not source.is_file():
            source = folder / SWEEP_FILE
        axes = list(json.loads(source.read_text(encoding="utf-8"))["axes"])
    merged = pd.read_parquet(folder / OUTCOMES_FILE)
    summary = pd.read_csv(folder / SUMMARY_FILE, dtype={"outcome": str, "client": str, "path": str},
                          keep_default_na=False, na_values=[""])
    return write_sweep_report(folder, cfg, summary, merged, axes)


def _short(key: str) -> str:
    """A readable axis label for a configuration key."""
    parts = key.split(".")
    if parts[:2] == ["decisions", "strategies"]:
        return " ".join(parts[2:]).replace("_", " ")
    return parts[-1].replace("_", " ")


def _axis_label(key: str) -> str:
    """`_short(key)` with the unit of the value, for a figure's axis."""
    parts = key.split(".")
    if parts[:2] == ["decisions", "strategies"] and parts[-1] == "intensity":
        return f"{_short(key)} (× base rates)"
    return _short(key)


def write_sweep_report(folder: Path, cfg, summary: pd.DataFrame, merged: pd.DataFrame,
                       axes: list[str]) -> Path:
    with plots.publication_style():
        sections, header = _sweep_sections(folder, cfg, summary, merged, axes)
    text = report_markdown(f"# {cfg.experiment} (sweep)", str(cfg.description or "").strip(), header, sections)
    out = folder / "report.md"
    out.write_text(text, encoding="utf-8")
    write_html(folder, text)
    return out


def _sweep_sections(folder: Path, cfg, summary: pd.DataFrame, merged: pd.DataFrame, axes: list[str]):
    bname = balance_name(cfg)
    client = cfg.sweep.client if cfg.sweep.client in set(merged["client"]) else merged["client"].iloc[0]
    figdir = folder / "figures"
    figdir.mkdir(exist_ok=True)
    end = summary[(summary["client"] == client) & (summary["outcome"] == "end")]
    end_date = merged.loc[merged["outcome"] == "end", "date"].iloc[0]
    end_date = pd.Timestamp(end_date).date()
    paths = list(dict.fromkeys(end["path"]))
    reps = int(end["replicates"].min())
    label = plots.metric_label(bname)
    width = plots.SINGLE_COLUMN
    sections = []

    if len(axes) == 2 and merged.groupby(axes).ngroups == merged[axes[0]].nunique() * merged[axes[1]].nunique():
        for stat, title, bar in (("p_positive", f"P({label} > 0)", f"P({label} > 0) (0–1)"),
                                 ("q50", f"Median {label}", f"median {plots.axis_label(bname)}")):
            fig, axs = plt.subplots(len(paths), 1, figsize=(width, 0.4 + 2.5 * len(paths)), squeeze=False,
                                    layout="constrained")
            for ax, path in zip(axs[:, 0], paths):
                plots.plot_sweep_heatmap(end[end["path"] == path], axes[0], axes[1], stat, ax=ax,
                                         vmin=0.0 if stat == "p_positive" else None,
                                         vmax=1.0 if stat == "p_positive" else None, label=bar)
                ax.set_xlabel(_axis_label(axes[0]))
                ax.set_ylabel(_axis_label(axes[1]))
                ax.set_title(f"{client}, {path.replace('_', ' ')} path")
            name = f"{bname}_{stat}_by_{'_'.join(a.split('.')[-2] for a in axes)}"
            img = save_figure(fig, figdir, name)
            best = end.loc[end[stat].idxmax()]
            worst = end.loc[end[stat].idxmin()]
            if worst[stat] == best[stat]:
                reading = f"{title} of {client} is {best[stat]:.2f} in every cell."
            else:
                reading = (f"{title} of {client} ranges from {worst[stat]:.2f} "
                           f"({_short(axes[0])} {worst[axes[0]]:g}, {_short(axes[1])} {worst[axes[1]]:g}) to "
                           f"{best[stat]:.2f} ({_short(axes[0])} {best[axes[0]]:g}, {_short(axes[1])} "
                           f"{best[axes[1]]:g}).")
            sections.append((title, img, f"{title} of {client} on {end_date} for each grid cell (value written "
                             f"in the cell), one panel per path; {reps} replicates per cell.", reading))

    fig, axs = plt.subplots(len(axes), 1, figsize=(width, 0.5 + 1.9 * len(axes)), squeeze=False, sharey=True,
                            layout="constrained")
    sel = merged[(merged["client"] == client) & (merged["outcome"] == "end")]
    reading = []
    for ax, key in zip(axs[:, 0], axes):
        plots.plot_outcome_against(sel, key, bname, ax=ax)
        ax.set_xlabel(_axis_label(key))
        ax.set_ylabel("")
        med = sel.groupby(key)[bname].median()
        reading.append(f"against {_short(key)}, the median moves from {med.iloc[0]:+.2f} at "
                       f"{med.index[0]:g} to {med.iloc[-1]:+.2f} at {med.index[-1]:g}")
    fig.supylabel(f"{client}: {plots.axis_label(bname)}")
    handles, labels = axs[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 3), frameon=False,
               title="path (line: median; band: 5–95%)")
    img = save_figure(fig, figdir, f"{bname}_against_swept")
    sections.append((f"{label} against each swept parameter", img,
                     f"Median (line) and 5–95% band of {client}'s {label} on {end_date} against each "
                     "swept parameter, one panel per parameter, pooling the replicates of all points with that "
                     f"value ({reps} replicates per point).", f"For {client}, " + "; ".join(reading) + "."))

    header = [f"- Axes: {', '.join(f'`{a}`' for a in axes)}; {merged['point'].nunique()} points, "
              f"{reps} replicates each, paths {', '.join(paths)}; seed {cfg.seed}.",
              f"- Tables: `sweep_outcomes.parquet` (one row per point, path, replicate, client and "
              f"outcome date; the swept values as columns; `job` says which job produced the row), "
              f"`sweep_summary.csv` (per point: replicates, P({label} > 0), mean and quantiles).",
              "- Figures in `figures/` as PNG (300 dpi), SVG and PDF; this report also as `report.html`, "
              "with every figure embedded."]
    return sections, header
