"""The report: figures and `report.md`, built from the saved tables of a run only.

Each figure gets a caption (what is plotted, over how many replicates) and a reading
generated from the numbers, so the report never says more than the data do.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from . import plots
from .results import balance_name, event_counts, load_tables

FIGURE_FORMATS = ("png", "svg")


def _save(fig, folder: Path, name: str) -> str:
    fig.savefig(folder / f"{name}.png", dpi=200, bbox_inches="tight")
    fig.savefig(folder / f"{name}.svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return f"figures/{name}.png"


def _fmt(v: float) -> str:
    return f"{v:+.2f}"


def _band(values: np.ndarray) -> str:
    q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    return f"{_fmt(q50)} (90% band {_fmt(q05)} to {_fmt(q95)})"


def write_report(folder: Path, cfg=None) -> Path:
    """Draw every figure and write report.md into `folder` from its saved tables."""
    folder = Path(folder)
    if cfg is None:
        cfg = OmegaConf.load(folder / "config.yaml")
    t = load_tables(folder, require_complete=False)
    summary, outcomes, events = t["summary"], t["outcomes"], t["events"]
    replicates = int(outcomes["replicate"].nunique())
    counts = event_counts(events, replicates)
    figdir = folder / "figures"
    figdir.mkdir(exist_ok=True)
    bname = balance_name(cfg)
    clients = list(dict.fromkeys(summary["client"]))
    paths = list(dict.fromkeys(summary["path"]))
    start, end = summary["date"].min().date(), summary["date"].max().date()
    decisions_from = cfg.scenario.decisions_from
    sections = []

    # 1. balance (or alignment share) over time by path
    metric = bname or "alignment_share"
    patron = "" if bname else str(summary.loc[summary["metric"] == "alignment_share", "patron"].iloc[0])
    fig, axes = plt.subplots(1, len(clients), figsize=(3.4 * len(clients), 3.0), sharey=True,
                             squeeze=False)
    for ax, client in zip(axes[0], clients):
        plots.plot_band_by_path(summary, client, metric, patron, decisions_from, ax=ax)
        if ax is not axes[0][0]:
            ax.set_ylabel("")
    axes[0][-1].legend(fontsize=8, frameon=False, title="path", title_fontsize=8)
    name = f"{metric}_by_path"
    img = _save(fig, figdir, name)
    end_rows = outcomes[outcomes["outcome"] == "end"]
    lines = []
    col = bname or f"alignment_share_{patron}"
    for client in clients:
        parts = []
        for path in paths:
            v = end_rows.loc[(end_rows["client"] == client) & (end_rows["path"] == path), col].to_numpy()
            parts.append(f"{path.replace('_', ' ')} {_band(v)}, P(> 0) = {np.mean(v > 0):.2f}")
        start_v = summary[(summary["client"] == client) & (summary["metric"] == metric)
                          & (summary["patron"] == patron) & (summary["step"] == 0)]["q50"].iloc[0]
        lines.append(f"{client} starts at {_fmt(start_v)} on {start}; on {end} the median is " + "; ".join(parts) + ".")
    decided = events["origin"].isin(["strategy", "reaction"]).any()
    caption = (f"Median (line) and 5–95% band over {replicates} replicates of each client's "
               f"{plots.metric_label(metric)} per path; the dashed line marks {decisions_from}, "
               + ("from which actors' strategies and reactions generate events."
                  if decided else "from which decision rules would act (none acted in this run)."))
    sections.append((plots.metric_label(metric) + " over time", img, caption, " ".join(lines)))

    # 2. alignment shares by patron, client x path
    fig, axes = plt.subplots(len(clients), len(paths), figsize=(3.0 * len(paths), 2.3 * len(clients)),
                             sharex=True, sharey=True, squeeze=False)
    for i, client in enumerate(clients):
        for j, path in enumerate(paths):
            plots.plot_share_by_patron(summary, client, path, ax=axes[i][j])
        axes[i][0].set_ylabel("alignment share")
    axes[0][-1].legend(fontsize=7, frameon=False, title="patron", title_fontsize=7)
    img = _save(fig, figdir, "alignment_share_by_patron")
    reading = []
    last = summary[(summary["metric"] == "alignment_share") & (summary["step"] == summary["step"].max())]
    for client in clients:
        tops = []
        for path in paths:
            d = last[(last["client"] == client) & (last["path"] == path)].sort_values("q50", ascending=False)
            tops.append(f"{d['patron'].iloc[0]} ({d['q50'].iloc[0]:.2f}) under {path.replace('_', ' ')}")
        reading.append(f"At the end, {client}'s largest median share is " + ", ".join(tops) + ".")
    sections.append(("Alignment shares by patron", img,
                     f"Median and 5–95% band over {replicates} replicates of each client's alignment "
                     "share with each patron (a point on the simplex: shares sum to 1).", " ".join(reading)))

    # 3. event timeline
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8.0, 8.0), gridspec_kw={"height_ratios": [3, 2]},
                                   layout="constrained")
    plots.plot_scheduled_events(counts, ax=ax1)
    ax1.set_title("Scheduled events (recorded timeline and scenario); number: Goldstein weight", fontsize=9)
    plots.plot_decided_events(counts, ax=ax2)
    ax2.set_title("Most frequent events decided by actors (projection)", fontsize=9)
    if ax2.has_data():
        ax2.legend(fontsize=7, frameon=False, title="path", title_fontsize=7)
    img = _save(fig, figdir, "event_timeline")
    sched = counts[~counts["origin"].isin(["strategy", "reaction"])].drop_duplicates("id")
    dec = counts[counts["origin"].isin(["strategy", "reaction"])]
    text = f"{len(sched)} scheduled events"
    if len(sched):
        worst = sched.sort_values("goldstein").iloc[0]
        text += f"; the most conflictual is {worst['id'].replace('_', ' ')} ({worst['first_date'].date()}, Goldstein {worst['goldstein']:+.1f})"
    text += "."
    for path in paths:
        d = dec[dec["path"] == path]
        if d.empty:
            continue
        per = d.groupby("id")["per_replicate"].sum().sort_values(ascending=False)
        text += (f" Under {path.replace('_', ' ')}, actors decide {per.sum():.1f} events per replicate; "
                 f"most often {per.index[0].replace('_', ' ')} ({per.iloc[0]:.1f}).")
    sections.append(("Event timeline", img,
                     f"Top: scheduled events by date and Goldstein weight, coloured by source. Bottom: the "
                     f"most frequent decided events, mean count per replicate over {replicates} replicates.", text))

    # 4. distribution of the end outcome
    fig, axes = plt.subplots(1, len(clients), figsize=(3.2 * len(clients), 3.0), sharey=True, squeeze=False)
    for ax, client in zip(axes[0], clients):
        plots.plot_outcome_distribution(outcomes, client, col, ax=ax)
        if ax is not axes[0][0]:
            ax.set_ylabel("")
    img = _save(fig, figdir, f"{col}_end_by_path")
    reading = []
    if len(paths) > 1:
        base = paths[0]
        for client in clients:
            piv = end_rows[end_rows["client"] == client].pivot(index="replicate", columns="path", values=col)
            for path in paths[1:]:
                diff = (piv[path] - piv[base]).to_numpy()
                se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
                lo, hi = diff.mean() - 1.96 * se, diff.mean() + 1.96 * se
                reading.append(
                    f"{client}, {path.replace('_', ' ')} minus {base.replace('_', ' ')}: mean paired "
                    f"difference {diff.mean():+.3f} (95% CI {lo:+.3f} to {hi:+.3f}).")
        reading.insert(0, "Paths share their random numbers, so differences are paired replicate by replicate.")
    else:
        reading.append(f"One path: {paths[0]}.")
    sections.append((f"Distribution on {end}", img,
                     f"Distribution over {replicates} replicates of {plots.metric_label(col)} on {end} "
                     "(violin), with median (dot) and 5–95% range (bar), per path.", " ".join(reading)))

    md = [f"# {cfg.experiment}", "", str(cfg.description or "").strip(), "",
          f"- Scenario: {cfg.scenario.name}, {start} to {end}, steps of {cfg.scenario.dt_days} days; "
          f"decisions from {decisions_from}.",
          f"- Paths: {', '.join(paths)}; {replicates} replicates each; seed {cfg.seed}.",
          "- Tables: `summary.csv`, `outcomes.csv`, `trajectories.parquet`, `events.parquet`, "
          "`event_counts.csv`; configuration `config.yaml`; provenance `manifest.json`.", ""]
    for i, (title, img, caption, reading) in enumerate(sections, start=1):
        md += [f"## {i}. {title}", "", f"![{title}]({img})", "",
               f"*Figure {i}.* {caption}", "", reading, ""]
    out = folder / "report.md"
    out.write_text("\n".join(md), encoding="utf-8")
    return out
