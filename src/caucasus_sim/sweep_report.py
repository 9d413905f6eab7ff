"""Figures and report of a sweep, from its merged table and per-point summary only."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from . import plots
from .results import balance_name
from .report import _save


def _short(key: str) -> str:
    """A readable axis label for a configuration key."""
    parts = key.split(".")
    if parts[:2] == ["decisions", "strategies"]:
        return " ".join(parts[2:]).replace("_", " ")
    return parts[-1].replace("_", " ")


def write_sweep_report(folder: Path, cfg, summary: pd.DataFrame, merged: pd.DataFrame,
                       axes: list[str]) -> Path:
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
    sections = []

    if len(axes) == 2 and merged.groupby(axes).ngroups == merged[axes[0]].nunique() * merged[axes[1]].nunique():
        for stat, title in (("p_positive", f"P({label} > 0)"), ("q50", f"median {label}")):
            fig, axs = plt.subplots(1, len(paths), figsize=(4.2 * len(paths), 3.6), squeeze=False)
            for ax, path in zip(axs[0], paths):
                plots.plot_sweep_heatmap(end[end["path"] == path], axes[0], axes[1], stat, ax=ax,
                                         vmin=0.0 if stat == "p_positive" else None,
                                         vmax=1.0 if stat == "p_positive" else None)
                ax.set_xlabel(_short(axes[0]))
                ax.set_ylabel(_short(axes[1]))
                ax.set_title(f"{client}, {path.replace('_', ' ')}: {title}\n"
                             f"on {end_date}, n = {reps} replicates per cell", fontsize=8)
            name = f"{bname}_{stat}_by_{'_'.join(a.split('.')[-2] for a in axes)}"
            img = _save(fig, figdir, name)
            best = end.loc[end[stat].idxmax()]
            worst = end.loc[end[stat].idxmin()]
            reading = (f"{title} of {client} ranges from {worst[stat]:.2f} "
                       f"({_short(axes[0])} {worst[axes[0]]:g}, {_short(axes[1])} {worst[axes[1]]:g}) to "
                       f"{best[stat]:.2f} ({_short(axes[0])} {best[axes[0]]:g}, {_short(axes[1])} {best[axes[1]]:g}).")
            sections.append((title, img, f"{title} of {client} on {end_date} for each grid cell; "
                             f"{reps} replicates per cell.", reading))

    fig, axs = plt.subplots(1, len(axes), figsize=(3.8 * len(axes), 3.2), squeeze=False, sharey=True)
    sel = merged[(merged["client"] == client) & (merged["outcome"] == "end")]
    reading = []
    for ax, key in zip(axs[0], axes):
        plots.plot_outcome_against(sel, key, bname, ax=ax)
        ax.set_xlabel(_short(key))
        med = sel.groupby(key)[bname].median()
        reading.append(f"against {_short(key)}, the median moves from {med.iloc[0]:+.2f} at "
                       f"{med.index[0]:g} to {med.iloc[-1]:+.2f} at {med.index[-1]:g}")
    axs[0][0].set_ylabel(label)
    axs[0][-1].legend(fontsize=7, frameon=False, title="path", title_fontsize=7)
    img = _save(fig, figdir, f"{bname}_against_swept")
    sections.append((f"{label} against each swept parameter", img,
                     f"Median (line) and 5–95% band of {client}'s {label} on {end_date} against each "
                     "swept parameter, pooling the replicates of all points with that value "
                     f"({reps} replicates per point).", f"For {client}, " + "; ".join(reading) + "."))

    md = [f"# {cfg.experiment} (sweep)", "", str(cfg.description or "").strip(), "",
          f"- Axes: {', '.join(f'`{a}`' for a in axes)}; {merged['point'].nunique()} points, "
          f"{reps} replicates each, paths {', '.join(paths)}; seed {cfg.seed}.",
          f"- Tables: `sweep_outcomes.parquet` (one row per point, path, replicate, client and "
          f"outcome date; the swept values as columns; `job` says which job produced the row), "
          f"`sweep_summary.csv` (per point: replicates, P({label} > 0), mean and quantiles).", ""]
    for i, (title, img, caption, reading) in enumerate(sections, start=1):
        md += [f"## {i}. {title}", "", f"![{title}]({img})", "", f"*Figure {i}.* {caption}", "",
               reading, ""]
    out = folder / "report.md"
    out.write_text("\n".join(md), encoding="utf-8")
    return out
