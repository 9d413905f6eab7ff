"""The report of a run, from its saved tables: balance over time, alignment shares, the
simplex, ties, events and the distribution of the end outcome."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from .. import plots
from ..outputs import BALANCE, axis_names, in_order, load_tables
from ..outputs.tables import event_counts
from ..analysis.runs import UNCERTAINTY_FILE
from ..config.schema import ReportConfig
from .document import Document, Figures, Section, subplots, table, text
from .events import event_section
from .labels import Labels
from .simplex import simplex_section
from .streams import has_own_streams, stream_section
from .ties import tie_section


MAX_EVENT_ROWS = ReportConfig().max_event_rows  # folders written before report.max_event_rows


def _fmt(v: float) -> str:
    return f"{v:+.2f}"


def spread_covers(cfg) -> str:
    """What a run's bands and probabilities contain, as a clause: the model's noise only (at the
    configured parameters), or the posterior's parameters and the noise; never the model's own error."""
    if str(cfg.get("posterior", "") or ""):
        return (f"the bands and probabilities cover the parameters drawn from the posterior of "
                f"{text(cfg.posterior)} and the model's noise; not the model's own error")
    return ("the bands and probabilities cover only the model's noise (random events and attitude noise) at "
            "the configured parameters, most of them assumptions (docs/odd.md, parameter table); they contain "
            "no parameter uncertainty and no model error")


def _sentence(clause: str) -> str:
    return clause[0].upper() + clause[1:] + "."


CALIBRATION_VERDICT = {  # what the calibration found about each structure (docs/odd.md 7.22; README)
    "v2": "the calibration (experiment=calibration) finds that the fitted Model v2 predicts the held-out 2020–2022 "
          "survey waves and UN votes no better than carrying the last observation forward, and that its "
          "parameters carry 42–76% of the variance of the end balances",
    "v3": "the calibration's model choice (experiment=calibration) prefers Model v3 to v2, weakly (P(v3) = "
          "0.56 ± 0.02, P(v2) = 0.44 ± 0.02); fitted (experiment=calibration model=v3), the data narrow two of v3's "
          "eight own parameters, and the fitted v3 predicts the held-out 2020–2022 waves no better than carrying "
          "the last observation forward (docs/odd.md 7.22)",
    "v1": "the calibration prefers the v2 structure to v1's (docs/odd.md 7.22)",
}


def _band(values: np.ndarray) -> str:
    q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    return f"{_fmt(q50)} (90% band {_fmt(q05)} to {_fmt(q95)})"


@dataclass
class _Run:
    """The saved tables of a run and what every section reads of them."""

    cfg: object
    summary: pd.DataFrame
    outcomes: pd.DataFrame
    events: pd.DataFrame
    figs: Figures

    def __post_init__(self) -> None:
        self.replicates = int(self.outcomes["replicate"].nunique())
        self.axes = axis_names(self.cfg)  # each client's balance axis, or None
        self.clients = in_order(self.summary["client"])
        self.paths = in_order(self.summary["path"])
        self.start_date, self.end_date = pd.Timestamp(self.summary["date"].min()), pd.Timestamp(self.summary["date"].max())
        self.start, self.end = plots.day(self.start_date), plots.day(self.end_date)
        self.labels = Labels(self.cfg)
        self.end_rows = self.outcomes[self.outcomes["outcome"] == "end"]
        self.decided = bool(self.events["origin"].isin(["strategy", "reaction"]).any())


def document(folder: Path, cfg, figs: Figures) -> Document:
    """Draw every figure of a run and return its report."""
    t = load_tables(folder)
    r = _Run(cfg, t["summary"], t["outcomes"], t["events"], figs)
    drawn = figs.drawn  # a figure that cannot be drawn becomes a note; the tables are kept
    sections = [
        drawn("Alignment balance over time", _balance_section, r),
        drawn("Alignment shares by patron", _share_section, r),
        drawn("Alignment paths on the simplex", simplex_section, r.summary, cfg, r.figs, r.replicates, r.decided),
        drawn("Ties between clients and patrons", tie_section, r.summary, r.events, cfg, r.figs, r.replicates),
        drawn("Event timeline", event_section, event_counts(r.events, r.replicates), r.events, r.paths, r.figs,
              r.replicates, r.labels, int(cfg.get("report", {}).get("max_event_rows", MAX_EVENT_ROWS))),
        drawn(f"Distribution on {r.end}", _distribution_section, r),
    ]
    if has_own_streams(cfg):  # paths that read event streams of their own: where they differ
        sections.insert(5, drawn("Where the event streams differ", stream_section, r.events, r.outcomes,
                                 r.summary, t["imports"], r.paths, r.axes, r.figs))
    if (folder / UNCERTAINTY_FILE).is_file():
        sections.append(_uncertainty_section(pd.read_csv(folder / UNCERTAINTY_FILE), cfg))
    header = [f"- Scenario: {cfg.scenario.name}, {r.start} to {r.end}, steps of {cfg.scenario.dt_days} days; "
              f"decisions from {plots.day(cfg.scenario.decisions_from)}.",
              f"- Paths: {', '.join(r.paths)}; {r.replicates} replicates each; seed {cfg.seed}.",
              "- Tables: `summary.csv`, `outcomes.csv`, `trajectories.parquet`, `events.parquet`, "
              "`event_counts.csv`" + (", `imports.csv`" if len(t["imports"]) else "")
              + "; configuration `config.yaml`; provenance `manifest.json`.",
              f"- Figures in `figures/` as {figs.describe()}; this report also as `report.html`, "
              "with every figure embedded.",
              f"- What the spread contains: {spread_covers(cfg)}; "
              f"{CALIBRATION_VERDICT.get(str(cfg.model_version), CALIBRATION_VERDICT['v2'])}."]
    return Document(str(cfg.experiment), str(cfg.description or "").strip(), header, sections)


def _uncertainty_section(u: pd.DataFrame, cfg) -> Section:
    """The spread of each client's end balance split into parameter and stochastic parts."""
    end = u[u["outcome"] == "end"]
    rows = [[text(p.replace("_", " ")), c, f"{r['mean']:+.3f}", f"{r['q05']:+.3f} to {r['q95']:+.3f}",
             f"{np.sqrt(r['variance']):.3f}", f"{r['parameter_share']:.2f}"]
            for (p, c), r in end.set_index(["path", "client"]).iterrows()]
    draws, per = int(end["draws"].iloc[0]), int(end["replicates_per_draw"].iloc[0])
    share = end["parameter_share"]
    reading = (f"The parameters are {draws} draws from the posterior of {text(cfg.posterior)}, {per} replicates "
               "each. Of the variance of the end balance, the parameters' share (the variance of the draws' means; "
               "the rest is the variance within a draw, the model's noise) is "
               f"{share.min():.2f} to {share.max():.2f}:\n\n"
               + table(["path", "client", "mean", "90% interval", "sd", "parameter share"], rows))
    return Section("Parameter uncertainty against stochastic spread", None, "", reading)


def _named(r: _Run, client: str) -> str:
    """A client with its balance axis: "Azerbaijan (Turkey–Russia)"."""
    return r.labels.client(client, r.axes[client] if r.axes else "")


def _balance_section(r: _Run) -> Section:
    """The balance (or an alignment share) over time by path, one panel per client."""
    summary, decisions_from = r.summary, r.cfg.scenario.decisions_from
    metric = BALANCE if r.axes else "alignment_share"
    patron = "" if r.axes else str(summary.loc[summary["metric"] == "alignment_share", "patron"].iloc[0])
    fig, axes = subplots(plots.SINGLE_COLUMN, 0.75 + 1.15 * len(r.clients), len(r.clients), 1, sharex=True,
                         squeeze=False)
    for ax, client in zip(axes[:, 0], r.clients):
        plots.plot_band_by_path(summary, client, metric, patron, decisions_from, ax=ax)
        ax.set_title("")
        ax.set_title(_named(r, client), loc="left", fontweight="bold")
        ax.set_ylabel("")
        if not r.axes:
            ax.set_ylim(-0.02, 1.02)  # a share: its whole range
        ax.label_outer()
    fig.supylabel(plots.axis_label(metric) if r.axes else f"alignment share with {patron} (0–1)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.3", linestyle="--", linewidth=0.8))
    labels.append(f"decisions from {plots.day(decisions_from)}")
    fig.legend(handles, labels, loc="outside upper center", ncols=2, frameon=False)
    img = r.figs.save(fig, f"{metric}_by_path")
    lines = []
    col = BALANCE if r.axes else f"alignment_share_{patron}"
    for client in r.clients:
        parts = []
        for path in r.paths:
            v = r.end_rows.loc[(r.end_rows["client"] == client) & (r.end_rows["path"] == path), col].to_numpy()
            parts.append(f"{path.replace('_', ' ')} {_band(v)}, P(> 0) = {np.mean(v > 0):.2f}")
        start_v = summary[(summary["client"] == client) & (summary["metric"] == metric)
                          & (summary["patron"] == patron) & (summary["step"] == 0)]["q50"].iloc[0]
        lines.append(f"{_named(r, client)} starts at {_fmt(start_v)} on {r.start}; on {r.end} the median is "
                     + "; ".join(parts) + ".")
    lines.append(_sentence(spread_covers(r.cfg)))
    caption = (f"Median (line) and 5–95% band over {r.replicates} replicates of each client's "
               f"{plots.metric_label(metric)} per path, one panel per client"
               + (" (each on its own axis: the share with the first patron minus the share with the second)"
                  if r.axes else "") + "; the dashed line marks "
               f"{decisions_from}, "
               + ("from which actors' strategies and reactions generate events."
                  if r.decided else "from which decision rules would act (none acted in this run)."))
    heading = plots.metric_label(metric) + " over time"
    return Section(heading[0].upper() + heading[1:], img, caption, " ".join(lines))


def _share_section(r: _Run) -> Section:
    """Alignment shares by patron, one panel per client and path."""
    summary, clients, paths = r.summary, r.clients, r.paths
    fig, axes = subplots(max(plots.SINGLE_COLUMN, 0.6 + 0.95 * len(paths)), 0.8 + 0.95 * len(clients),
                         len(clients), len(paths), sharex=True, sharey=True, squeeze=False)
    for i, client in enumerate(clients):
        for j, path in enumerate(paths):
            ax = axes[i][j]
            plots.plot_share_by_patron(summary, client, path, ax=ax)
            plots.date_axis(ax, maxticks=5)  # 2013-2028: 2015, 2020, 2025 (at 4 the rule took 10 years: one tick)
            if (r.end_date - r.start_date).days > 3 * 365:  # years in a narrow panel: '15 '20 '25 (2015 2020 ran together)
                ax.xaxis.set_major_formatter(mdates.DateFormatter("’%y"))
            ax.set_title(path.replace("_", " ") if i == 0 else "")
            ax.set_ylabel(r.labels.actor(client) if j == 0 else "")
            ax.set_xlabel("")
            ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
    fig.supylabel("alignment share (0–1), by client")
    fig.supxlabel("date")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels), frameon=False)
    img = r.figs.save(fig, "alignment_share_by_patron")
    reading = []
    last = summary[(summary["metric"] == "alignment_share") & (summary["step"] == summary["step"].max())]
    for client in clients:
        tops = []
        for path in paths:
            d = last[(last["client"] == client) & (last["path"] == path)].sort_values("q50", ascending=False)
            tops.append(f"{r.labels.actor(d['patron'].iloc[0])} ({d['q50'].iloc[0]:.2f}) under {path.replace('_', ' ')}")
        reading.append(f"At the end, {r.labels.actor(client)}'s largest median share is " + ", ".join(tops) + ".")
    return Section("Alignment shares by patron", img,
                   f"Median and 5–95% band over {r.replicates} replicates of each client's alignment "
                   "share with each patron (a point on the simplex: shares sum to 1); rows are clients, "
                   "columns paths.", " ".join(reading))


def _distribution_section(r: _Run) -> Section:
    """The distribution of the end outcome, with paired differences between paths."""
    patron = "" if r.axes else str(r.summary.loc[r.summary["metric"] == "alignment_share", "patron"].iloc[0])
    col = BALANCE if r.axes else f"alignment_share_{patron}"
    fig, ax = subplots(plots.SINGLE_COLUMN, 2.5)
    plots.plot_outcome_by_client(r.outcomes, col, ax=ax, names=r.labels.names)
    img = r.figs.save(fig, f"{col}_end_by_path")
    reading = []
    if len(r.paths) > 1:
        base = r.paths[0]
        for client in r.clients:
            piv = r.end_rows[r.end_rows["client"] == client].pivot(index="replicate", columns="path", values=col)
            for path in r.paths[1:]:
                diff = (piv[path] - piv[base]).to_numpy()
                se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
                lo, hi = diff.mean() - 1.96 * se, diff.mean() + 1.96 * se
                reading.append(
                    f"{_named(r, client)}, {path.replace('_', ' ')} minus {base.replace('_', ' ')}: mean paired "
                    f"difference {diff.mean():+.3f} (95% CI {lo:+.3f} to {hi:+.3f}).")
        reading.insert(0, "Paths share their random numbers, so differences are paired replicate by replicate; "
                          "a 95% CI is that of the mean paired difference over the replicates.")
        reading.append(_sentence(spread_covers(r.cfg)))
    else:
        reading.append(f"One path: {r.paths[0]}.")
    return Section(f"Distribution on {r.end}", img,
                   f"Distribution over {r.replicates} replicates of {plots.metric_label(col)} on {r.end} "
                   "(violin), with median (dot) and 5–95% range (bar), per client and path.", " ".join(reading))
