"""The report of a sweep, from its merged table, per-point summary and plan only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import plots
from ..analysis.sweep import OUTCOMES_FILE, SUMMARY_FILE
from ..outputs import BALANCE, in_order
from ..outputs.bundle import PLAN, read_json
from .document import Document, Figures, Section, subplots
from .labels import Labels


def _param(key: str, cfg, names: Labels) -> str:
    """A swept key in words: a strategy's intensity by its actor's name ("Russia's coercive
    strategy"), other keys by their last part."""
    parts = key.split(".")
    if parts[:2] == ["decisions", "strategies"] and parts[-1] == "intensity" and parts[2] in cfg.decisions.strategies:
        actor = str(cfg.decisions.strategies[parts[2]].actor)
        rest = parts[2].removeprefix(f"{actor.lower()}_").replace("_", " ")
        return f"{names.actor(actor)}'s {rest} strategy"
    return plots.param_label(key)


def _axis_label(key: str, cfg, names: Labels) -> str:
    """The label of a swept key with the unit of its value, for a figure's axis."""
    if key.split(".")[-1] == "intensity" and key.startswith("decisions.strategies."):
        return f"{_param(key, cfg, names)} (× base rates)"
    return _param(key, cfg, names)


@dataclass
class _Sweep:
    cfg: object
    axes: list[str]
    merged: pd.DataFrame
    summary: pd.DataFrame
    figs: Figures

    def __post_init__(self) -> None:
        self.bname = BALANCE
        clients = set(self.merged["client"])
        self.client = self.cfg.sweep.client if self.cfg.sweep.client in clients else self.merged["client"].iloc[0]
        self.end = self.summary[(self.summary["client"] == self.client) & (self.summary["outcome"] == "end")]
        self.end_date = pd.Timestamp(self.merged.loc[self.merged["outcome"] == "end", "date"].iloc[0]).date()
        self.paths = in_order(self.end["path"])
        self.reps = int(self.end["replicates"].min())
        self.axis = str(self.merged.loc[self.merged["client"] == self.client, "axis"].iloc[0])
        self.names = Labels(self.cfg)
        self.label = self.names.balance(self.axis)
        self.who = self.names.actor(self.client)
        self.end_date = plots.day(self.end_date)


def document(folder: Path, cfg, figs: Figures) -> Document:
    """The sweep's figures and report from its saved tables; the axes from its plan."""
    axes = list(read_json(folder / PLAN)["axes"])
    merged = pd.read_parquet(folder / OUTCOMES_FILE)
    summary = pd.read_csv(folder / SUMMARY_FILE, dtype={"outcome": str, "client": str, "path": str},
                          keep_default_na=False, na_values=[""])
    s = _Sweep(cfg, axes, merged, summary, figs)
    sections = []
    if len(axes) == 2 and merged.groupby(axes).ngroups == merged[axes[0]].nunique() * merged[axes[1]].nunique():
        sections += [_heatmap_section(s, stat) for stat in ("p_positive", "q50")]
    sections.append(_against_section(s))
    header = [f"- Axes: {', '.join(f'{_param(a, cfg, s.names)} (`{a}`)' for a in axes)}; "
              f"{merged['point'].nunique()} points, "
              f"{s.reps} replicates each, paths {', '.join(s.paths)}; seed {cfg.seed}.",
              f"- Tables: `{OUTCOMES_FILE}` (one row per point, path, replicate, client and "
              f"outcome date; the swept values as columns; `job` says which job produced the row), "
              f"`{SUMMARY_FILE}` (per point: replicates, P({s.label} > 0), mean and quantiles).",
              f"- Figures in `figures/` as {figs.describe()}; this report also as `report.html`, "
              "with every figure embedded."]
    return Document(f"{cfg.experiment} (sweep)", str(cfg.description or "").strip(), header, sections)


def _heatmap_section(s: _Sweep, stat: str) -> Section:
    """A statistic of the end balance per cell of a two-axis grid, one panel per path."""
    x, y = s.axes
    title, bar = {"p_positive": (f"P({s.label} > 0)", f"P({s.label} > 0)"),
                  "q50": (f"Median {s.label}", f"median {s.label}\n(−1 to 1)")}[stat]  # two lines: one was clipped
    fig, axs = subplots(plots.SINGLE_COLUMN, 0.4 + 2.5 * len(s.paths), len(s.paths), 1, squeeze=False)
    for ax, path in zip(axs[:, 0], s.paths):
        plots.plot_sweep_heatmap(s.end[s.end["path"] == path], x, y, stat, ax=ax,
                                 vmin=0.0 if stat == "p_positive" else None,
                                 vmax=1.0 if stat == "p_positive" else None, label=bar)
        ax.set_xlabel(_axis_label(x, s.cfg, s.names))
        ax.set_ylabel(_axis_label(y, s.cfg, s.names))
        ax.set_title(f"{s.who}, {path.replace('_', ' ')} path")
    img = s.figs.save(fig, f"{s.bname}_{stat}_by_{'_'.join(a.split('.')[-2] for a in s.axes)}")
    best, worst = s.end.loc[s.end[stat].idxmax()], s.end.loc[s.end[stat].idxmin()]
    if worst[stat] == best[stat]:
        reading = f"{title} of {s.who} is {best[stat]:.2f} in every cell."
    else:
        def where(row) -> str:
            return f"{_param(x, s.cfg, s.names)} {row[x]:g}, {_param(y, s.cfg, s.names)} {row[y]:g}"

        reading = (f"{title} of {s.who} ranges from {worst[stat]:.2f} ({where(worst)}) to "
                   f"{best[stat]:.2f} ({where(best)}).")
    return Section(title, img, f"{title} of {s.who} on {s.end_date} for each grid cell (value written "
                   f"in the cell), one panel per path; {s.reps} replicates per cell.", reading)


def _against_section(s: _Sweep) -> Section:
    """The end balance against each swept parameter, pooling the other axes."""
    fig, axs = subplots(plots.SINGLE_COLUMN, 0.5 + 1.9 * len(s.axes), len(s.axes), 1, squeeze=False, sharey=True)
    sel = s.merged[(s.merged["client"] == s.client) & (s.merged["outcome"] == "end")]
    reading = []
    for ax, key in zip(axs[:, 0], s.axes):
        plots.plot_outcome_against(sel, key, s.bname, ax=ax)
        ax.set_xlabel(_axis_label(key, s.cfg, s.names))
        ax.set_ylabel("")
        med = sel.groupby(key)[s.bname].median()
        reading.append(f"against {_param(key, s.cfg, s.names)}, the median moves from {med.iloc[0]:+.2f} at "
                       f"{med.index[0]:g} to {med.iloc[-1]:+.2f} at {med.index[-1]:g}")
    fig.supylabel(f"{s.who}: {s.label} (−1 to 1)")
    handles, labels = axs[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 3), frameon=False,
               title="path (line: median; band: 5–95%)")
    img = s.figs.save(fig, f"{s.bname}_against_swept")
    return Section(f"{s.label} against each swept parameter", img,
                   f"Median (line) and 5–95% band of {s.who}'s {s.label} on {s.end_date} against each "
                   "swept parameter, one panel per parameter, pooling the replicates of all points with that "
                   f"value ({s.reps} replicates per point).", f"For {s.who}, " + "; ".join(reading) + ".")
