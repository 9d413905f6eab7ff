"""The report: figures, `report.md` and `report.html`, built from the saved tables only.

Each figure gets a caption (what is plotted, over how many replicates) and a reading
generated from the numbers, so the report never says more than the data do. Figures are
drawn at the width they are printed (one column, 3.5 in, fonts of 7 pt or more) and
written as PNG, SVG and PDF, byte for byte the same each time the same tables are drawn,
so `caucasus-sim-report <folder>` rebuilds a folder's report without re-running the model
and the hashes in its manifest stay valid.

Every kind of results folder names its analysis in `manifest.json` (`"analysis": "run"`,
`"sweep"`, ...); `REPORT_BUILDERS` maps each to a function `(folder, cfg)` that draws the
figures and writes report.md (and, with `write_html`, report.html) from the folder's
tables. Another analysis registers its builder there, as a function or as
"module:function" (imported only when a folder of that analysis is rebuilt).
"""

from __future__ import annotations

import base64
import html
import importlib
import importlib.util
import json
import math
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine
import pandas as pd
from omegaconf import OmegaConf

from . import plots
from .results import balance_name, event_counts, load_tables, sha256
from .schema import ConfigError

FIGURE_FORMATS = ("png", "svg", "pdf")
# the same figure gives the same bytes: no dates or software versions in the metadata, and
# SVG element ids hashed from the content with a fixed salt instead of drawn at random
SAVE_OPTIONS = {
    "png": {"dpi": 300, "metadata": {"Software": None}},
    "svg": {"metadata": {"Date": None}},
    "pdf": {"metadata": {"CreationDate": None}},
}
DETERMINISTIC = {"svg.hashsalt": "caucasus-sim"}


def save_figure(fig, folder: Path, name: str) -> str:
    """Write a figure in each of FIGURE_FORMATS; return the PNG's path for report.md."""
    # a figure laid out by constrained layout is saved at its own size (the width it is
    # printed at); any other is trimmed to its contents
    tight = None if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) else "tight"
    with plt.rc_context(DETERMINISTIC):
        for fmt in FIGURE_FORMATS:
            fig.savefig(folder / f"{name}.{fmt}", bbox_inches=tight, pad_inches=0.03, **SAVE_OPTIONS[fmt])
    plt.close(fig)
    return f"figures/{name}.png"


def _day(d) -> str:
    d = pd.Timestamp(d)
    return f"{d.day} {d:%b %Y}"


def _fmt(v: float) -> str:
    return f"{v:+.2f}"


def _band(values: np.ndarray) -> str:
    q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    return f"{_fmt(q50)} (90% band {_fmt(q05)} to {_fmt(q95)})"


def build_report(folder: Path, cfg, sections_of) -> Path:
    """Write report.md and report.html of `folder` from `sections_of(folder, cfg)`, which
    draws the figures (in the print style) and returns (sections, header lines); `cfg`
    None reads the folder's config.yaml."""
    folder = Path(folder)
    if cfg is None:
        cfg = OmegaConf.load(folder / "config.yaml")
    with plots.publication_style():
        sections, header = sections_of(folder, cfg)
    text = report_markdown(f"# {cfg.experiment}", str(cfg.description or "").strip(), header, sections)
    out = folder / "report.md"
    out.write_text(text, encoding="utf-8")
    write_html(folder, text)
    return out


def write_report(folder: Path, cfg=None) -> Path:
    """Draw every figure of a run and write report.md and report.html from its saved tables."""
    return build_report(folder, cfg, _run_sections)


def report_markdown(title: str, description: str, header: list[str], sections: list[tuple]) -> str:
    """report.md: a title, a description, a list of facts, then one numbered section per
    (title, image, caption, reading); a section without an image is a note and takes no
    figure number."""
    md = [title, "", description, "", *header, ""]
    n = 0
    for i, (heading, img, caption, reading) in enumerate(sections, start=1):
        md += [f"## {i}. {heading}", ""]
        if img is not None:
            n += 1
            md += [f"![{heading}]({img})", "", f"*Figure {n}.* {caption}", ""]
        md += [reading, ""]
    return "\n".join(md)


def _run_sections(folder: Path, cfg) -> tuple[list[tuple], list[str]]:
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
    width = plots.SINGLE_COLUMN
    sections = []

    # 1. balance (or alignment share) over time by path, one panel per client
    metric = bname or "alignment_share"
    patron = "" if bname else str(summary.loc[summary["metric"] == "alignment_share", "patron"].iloc[0])
    fig, axes = plt.subplots(len(clients), 1, figsize=(width, 0.75 + 1.15 * len(clients)), sharex=True,
                             squeeze=False, layout="constrained")
    for ax, client in zip(axes[:, 0], clients):
        plots.plot_band_by_path(summary, client, metric, patron, decisions_from, ax=ax)
        ax.set_title("")
        ax.set_title(client, loc="left", fontweight="bold")
        ax.set_ylabel("")
        if not bname:
            ax.set_ylim(-0.02, 1.02)  # a share: its whole range
        ax.label_outer()
    fig.supylabel(plots.axis_label(metric) if bname else f"alignment share with {patron} (0–1)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="0.3", linestyle="--", linewidth=0.8))
    labels.append(f"decisions from {_day(decisions_from)}")
    fig.legend(handles, labels, loc="outside upper center", ncols=2, frameon=False)
    img = save_figure(fig, figdir, f"{metric}_by_path")
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
               f"{plots.metric_label(metric)} per path, one panel per client; the dashed line marks "
               f"{decisions_from}, "
               + ("from which actors' strategies and reactions generate events."
                  if decided else "from which decision rules would act (none acted in this run)."))
    heading = plots.metric_label(metric) + " over time"
    sections.append((heading[0].upper() + heading[1:], img, caption, " ".join(lines)))

    # 2. alignment shares by patron, client x path
    fig, axes = plt.subplots(len(clients), len(paths), sharex=True, sharey=True, squeeze=False,
                             figsize=(max(width, 0.6 + 0.95 * len(paths)), 0.8 + 0.95 * len(clients)),
                             layout="constrained")
    for i, client in enumerate(clients):
        for j, path in enumerate(paths):
            ax = axes[i][j]
            plots.plot_share_by_patron(summary, client, path, ax=ax)
            plots._date_axis(ax, maxticks=4)
            ax.set_title(path.replace("_", " ") if i == 0 else "")
            ax.set_ylabel(client if j == 0 else "")
            ax.set_xlabel("")
            ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
    fig.supylabel("alignment share (0–1), by client")
    fig.supxlabel("date")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels), frameon=False)
    img = save_figure(fig, figdir, "alignment_share_by_patron")
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
                     "share with each patron (a point on the simplex: shares sum to 1); rows are clients, "
                     "columns paths.", " ".join(reading)))

    # 3. the same shares as paths on the simplex
    sections.append(_simplex_section(summary, cfg, figdir, replicates, decided))

    # 4. ties between actors at a few dates
    sections.append(_tie_section(folder, summary, events, cfg, figdir, replicates))

    # 5. event timeline (a note if there is no event)
    sections.append(_event_section(counts, paths, figdir, replicates))

    # 6. distribution of the end outcome
    fig, ax = plt.subplots(figsize=(width, 2.5), layout="constrained")
    plots.plot_outcome_by_client(outcomes, col, ax=ax)
    img = save_figure(fig, figdir, f"{col}_end_by_path")
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
                     "(violin), with median (dot) and 5–95% range (bar), per client and path.", " ".join(reading)))

    header = [f"- Scenario: {cfg.scenario.name}, {start} to {end}, steps of {cfg.scenario.dt_days} days; "
              f"decisions from {decisions_from}.",
              f"- Paths: {', '.join(paths)}; {replicates} replicates each; seed {cfg.seed}.",
              "- Tables: `summary.csv`, `outcomes.csv`, `trajectories.parquet`, `events.parquet`, "
              "`event_counts.csv`; configuration `config.yaml`; provenance `manifest.json`.",
              "- Figures in `figures/` as PNG (300 dpi), SVG and PDF; this report also as `report.html`, "
              "with every figure embedded."]
    return sections, header


def _event_section(counts: pd.DataFrame, paths: list[str], figdir: Path, replicates: int) -> tuple:
    """Scheduled events by date and the most frequent decided events (a note if none)."""
    width = plots.SINGLE_COLUMN
    if counts.empty:
        return ("Event timeline", None, None, "No event happened in this run: no scheduled event and none "
                "decided by an actor, so there is no timeline to draw.")
    sched = counts[~counts["origin"].isin(["strategy", "reaction"])].drop_duplicates("id")
    dec = counts[counts["origin"].isin(["strategy", "reaction"])]
    n_dec = min(10, dec["id"].nunique())
    heights = {"scheduled": 0.7 + 0.15 * max(len(sched), 2) if len(sched) else 0.0,
               "decided": 0.8 + 0.055 * n_dec * (len(paths) + 1) if n_dec else 0.0}
    shown = [k for k, h in heights.items() if h]
    fig = plt.figure(figsize=(width, sum(heights.values())), layout="constrained")
    # one subfigure per panel, so that each panel's labels take only its own margin
    subs = fig.subfigures(len(shown), 1, height_ratios=[heights[k] for k in shown], squeeze=False)[:, 0]
    for sub, kind in zip(subs, shown):
        ax = sub.subplots()
        if kind == "scheduled":
            plots.plot_scheduled_events(counts, ax=ax)
            sub.suptitle("Scheduled events (recorded timeline and scenario)", fontsize=8)
        else:
            plots.plot_decided_events(counts, ax=ax, paths=paths)
            sub.suptitle("Most frequent events decided by actors (projection)", fontsize=8)
            ax.set_xlabel("events per replicate (mean)")
            ax.legend(title="path", frameon=False, loc="lower right")
    img = save_figure(fig, figdir, "event_timeline")
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
    parts = {"scheduled": "scheduled events by date, labelled with source → target and Goldstein weight "
                          "(−10 to +10), coloured by source",
             "decided": f"the most frequent decided events, mean count per replicate over {replicates} "
                        "replicates, by path"}
    caption = ("Top: " + parts[shown[0]] + ". Bottom: " + parts[shown[1]] + "." if len(shown) == 2
               else parts[shown[0]][0].upper() + parts[shown[0]][1:] + ".")
    return ("Event timeline", img, caption, text)


def _simplex_section(summary: pd.DataFrame, cfg, figdir: Path, replicates: int, decided: bool) -> tuple:
    """The alignment paths on the simplex of three patrons (a note if there are not three);
    if actors decided events, the last step before they could is marked."""
    title = "Alignment paths on the simplex"
    sel = summary[summary["metric"] == "alignment_share"]
    patrons = list(dict.fromkeys(sel["patron"]))
    if len(patrons) != 3:
        return (title, None, None, f"The simplex of alignment shares needs exactly three patrons; this run has "
                f"{len(patrons)} ({', '.join(patrons)}), so this figure is left out.")
    on_balance = cfg.balance is not None and {cfg.balance.minus, cfg.balance.plus} <= set(patrons)
    corners = patrons
    if on_balance:
        corners = [cfg.balance.minus, cfg.balance.plus]
        corners += [p for p in patrons if p not in corners]
    clients = list(dict.fromkeys(sel["client"]))
    paths = list(dict.fromkeys(sel["path"]))
    dates = sorted(sel["date"].unique())
    start, end = pd.Timestamp(dates[0]), pd.Timestamp(dates[-1])
    branch = pd.Timestamp(cfg.scenario.decisions_from)
    branch = branch if decided and start < branch <= end else None
    years = [pd.Timestamp(year=y, month=1, day=1) for y in range(start.year + 1, end.year + 1)]
    branch_step = _day(max(d for d in dates if d <= branch)) if branch is not None else ""
    n = len(clients) + 1
    nrows = math.ceil(n / 2)
    fig, axes = plt.subplots(nrows, 2, figsize=(plots.SINGLE_COLUMN, 0.9 + 1.6 * nrows), squeeze=False,
                             layout="constrained")
    flat = axes.ravel()
    plots.plot_simplex_overview(summary, corners, ax=flat[0])
    for ax, client in zip(flat[1:], clients):
        plots.plot_alignment_simplex(summary, client, corners, marks=years, branch=branch, ax=ax,
                                     marks_label="end of each year",
                                     branch_label=f"before decisions ({branch_step})")
    for ax in flat[n:]:
        ax.set_axis_off()
    handles, labels = flat[1].get_legend_handles_labels()
    names = {p.replace("_", " ") for p in paths}
    top = [(h, lab) for h, lab in zip(handles, labels) if lab in names]
    order = ("start", "before", "end of", "end")  # column by column: start, branch | years, end
    bottom = sorted([(h, lab) for h, lab in zip(handles, labels) if lab not in names],
                    key=lambda hl: next(i for i, w in enumerate(order) if hl[1].startswith(w)))
    fig.legend(*zip(*top), loc="outside upper center", ncols=len(top), frameon=False)
    fig.legend(*zip(*bottom), loc="outside lower center", ncols=2, frameon=False, columnspacing=1.0)
    img = save_figure(fig, figdir, "alignment_simplex_by_client")

    wide = sel.pivot_table(index=["path", "step", "client"], columns="patron", values="q50", observed=True)[corners]
    sums = wide.sum(axis=1)
    shares = wide.div(sums, axis=0)
    last = int(sel["step"].max())

    def comp(v) -> str:
        return ", ".join(f"{p} {v[p]:.2f}" for p in corners)

    reading = []
    for client in clients:
        s0 = shares.loc[(paths[0], 0, client)]
        ends = {path: shares.loc[(path, last, client)] for path in paths}
        moved = {path: 0.5 * float((e - s0).abs().sum()) for path, e in ends.items()}
        far = max(moved, key=moved.get)
        gain = (ends[far] - s0).idxmax()
        reading.append(
            f"{client} starts at {comp(s0)} and ends at "
            + "; ".join(f"{comp(e)} under {path.replace('_', ' ')}" for path, e in ends.items())
            + f"; it moves most under {far.replace('_', ' ')}: {moved[far]:.2f} of its alignment changes "
              f"patron, mostly toward {gain}.")
    caption = (
        f"Median alignment shares of each client with {', '.join(corners)} over time, on the simplex whose corners "
        f"are a share of 1 with one patron ({corners[0]} left, {corners[1]} right, {corners[2]} top"
        + (f"; the horizontal position is the {plots.metric_label(balance_name(cfg))}" if on_balance else "")
        + f"), one line per path, over {replicates} replicates. Top left: the whole triangle; the other panels "
          "zoom into each client's region, with lines of equal share tinted by patron and their share written "
          "at the panel's edge. Circle: start; "
        + (f"diamond: the last step before decisions act ({cfg.scenario.decisions_from}); " if branch is not None else "")
        + "dots: the last step of each year; squares: the end. The three medians of a step are renormalised to "
          f"sum to 1 (before, their sums lay between {sums.min():.3f} and {sums.max():.3f}).")
    return (title, img, caption, " ".join(reading))


def tie_snapshots(folder: Path, steps: list[int]) -> pd.DataFrame:
    """Median over replicates of each client's tie strength sum_k w_k T[c, p, k] and
    attitude toward each patron, at `steps`, from the saved trajectories. The tie is
    2 * influence / (1 + attitude) (influence = tie * (1 + attitude) / 2); it is undefined
    where the attitude is -1, and such replicates are left out of the median (column
    `undefined` counts them)."""
    traj = pd.read_parquet(folder / "trajectories.parquet",
                           columns=["path", "step", "date", "client", "patron", "attitude", "influence"],
                           filters=[("step", "in", [int(s) for s in steps])])
    for c in ("path", "client", "patron"):
        traj[c] = traj[c].astype(str)
    x = traj["attitude"].to_numpy()
    defined = x > -1.0
    traj["tie"] = np.where(defined, 2.0 * traj["influence"].to_numpy() / np.where(defined, 1.0 + x, 1.0), np.nan)
    traj["undefined"] = ~defined
    g = traj.groupby(["path", "step", "date", "client", "patron"], sort=False)
    return g.agg(tie=("tie", "median"), attitude=("attitude", "median"), undefined=("undefined", "sum")).reset_index()


def _tie_section(folder: Path, summary: pd.DataFrame, events: pd.DataFrame, cfg, figdir: Path,
                 replicates: int) -> tuple:
    """Ties between clients and patrons at the start, after the last recorded event and at the end."""
    paths = list(dict.fromkeys(summary["path"]))
    clients = list(dict.fromkeys(summary["client"]))
    patrons = [p for p in dict.fromkeys(summary.loc[summary["metric"] == "alignment_share", "patron"])]
    last = int(summary["step"].max())
    decisions_from = pd.Timestamp(cfg.scenario.decisions_from)
    recorded = events[~events["origin"].isin(["strategy", "reaction"]) & (events["date"] < decisions_from)]
    middle = int(recorded["step"].max()) if len(recorded) else 0
    steps = sorted({0, middle, last})
    ties = tie_snapshots(folder, steps)
    panels = []  # (step, [paths], frame)
    for step in steps:
        groups: list[tuple[list[str], pd.DataFrame]] = []
        for path in paths:
            d = ties[(ties["path"] == path) & (ties["step"] == step)].set_index(["client", "patron"])
            d = d.reindex(pd.MultiIndex.from_product([clients, patrons], names=["client", "patron"]))
            for names, frame in groups:
                if np.array_equal(frame[["tie", "attitude"]].to_numpy(), d[["tie", "attitude"]].to_numpy(),
                                  equal_nan=True):
                    names.append(path)
                    break
            else:
                groups.append(([path], d))
        panels += [(step, names, frame) for names, frame in groups]
    date_of = dict(zip(summary["step"], summary["date"]))
    n = len(panels) + 1
    nrows = math.ceil(n / 2)
    fig, axes = plt.subplots(nrows, 2, figsize=(plots.SINGLE_COLUMN, 0.55 + 1.3 * nrows), squeeze=False,
                             layout="constrained")
    flat = axes.ravel()

    def who(names: list[str]) -> str:
        return "all paths" if len(names) == len(paths) and len(paths) > 1 else ", ".join(
            p.replace("_", " ") for p in names)

    for ax, (step, names, frame) in zip(flat, panels):
        plots.plot_tie_network(frame.reset_index(), clients, patrons, ax=ax)
        ax.set_title(f"{_day(date_of[step])}, {who(names)}")
    for ax in flat[len(panels):]:
        ax.set_axis_off()
    flat[len(panels)].legend(handles=plots.tie_width_handles(), loc="center", frameon=False,
                             title="tie strength (0–1)")
    sm = plt.cm.ScalarMappable(plt.Normalize(-1.0, 1.0), plots.TIE_CMAP)
    cb = fig.colorbar(sm, ax=flat.tolist(), orientation="horizontal", location="bottom", fraction=0.04,
                      aspect=40, shrink=0.85, ticks=[-1, -0.5, 0, 0.5, 1])
    cb.set_label("attitude of the client toward the patron (−1 to 1)")
    img = save_figure(fig, figdir, "tie_strength_by_date")

    first = panels[0][2]
    top = first["tie"].idxmax()
    if first["tie"].max() - first["tie"].min() < 0.005:
        reading = [f"On {date_of[0].date()}, every tie is {first['tie'].max():.2f}."]
    else:
        reading = [f"On {date_of[0].date()}, the strongest tie is {top[0]}–{top[1]} "
                   f"({first.loc[top, 'tie']:.2f}, attitude {first.loc[top, 'attitude']:+.2f})."]
    for step, names, frame in panels[1:]:
        change = (frame["tie"] - first["tie"]).abs() + (frame["attitude"] - first["attitude"]).abs()
        if not (change > 1e-9).any():
            reading.append(f"On {date_of[step].date()} ({who(names)}) no median tie or attitude has changed.")
            continue
        k = change.idxmax()
        reading.append(
            f"On {date_of[step].date()} ({who(names)}), the largest change is {k[0]}–{k[1]}: tie "
            f"{first.loc[k, 'tie']:.2f} → {frame.loc[k, 'tie']:.2f}, attitude {first.loc[k, 'attitude']:+.2f} → "
            f"{frame.loc[k, 'attitude']:+.2f}.")
    undefined = int(ties["undefined"].sum())
    if undefined:
        reading.append(f"In {undefined} replicate-pairs the attitude is −1, so the tie cannot be derived; "
                       "they are left out of the medians.")
    when = [f"{date_of[s].date()}" for s in steps]
    caption = (
        "Ties between clients (bottom row) and patrons (top row): line width is the channel-weighted tie "
        "strength Σ_k w_k T[c, p, k] (0–1), derived from the saved trajectories as 2 × influence / "
        "(1 + attitude); colour is the client's attitude toward the patron (−1 to 1). Medians over "
        f"{replicates} replicates on {', '.join(when)}"
        + (" (the start, the step of the last recorded event, and the end)" if len(steps) == 3 else "")
        + "; paths whose medians coincide share a panel.")
    return ("Ties between clients and patrons", img, caption, " ".join(reading))


# ------------------------------------------------------------------------ report.html

HTML_STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; color: #1a1a1a; background: #fff;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.55; font-size: 17px; }
h1, h2, h3 { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
             line-height: 1.25; }
h1 { font-size: 1.7rem; border-bottom: 1px solid #ccc; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .88em;
       background: #f2f2f2; padding: .05em .3em; border-radius: 3px; }
pre { background: #f2f2f2; padding: .8rem; overflow-x: auto; }
figure { margin: 1.5rem 0; text-align: center; }
figure img { width: 100%; max-width: 34rem; height: auto; }
figcaption { text-align: left; font-size: .92rem; color: #333; margin-top: .5rem; }
ul { padding-left: 1.3rem; }
"""
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_INLINE_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _embedded_image(folder: Path, target: str, alt: str) -> str:
    """An <img> whose source is the figure itself (its SVG if there is one, else the file as
    it is), base64-encoded in a data: URI, so the page needs no other file."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/") or ".." in Path(target).parts:
        raise ValueError(f"report image {target!r}: only figures inside the results folder can be embedded")
    path = folder / target
    svg = path.with_suffix(".svg")
    if svg.is_file():
        data, mime = svg.read_bytes(), "image/svg+xml"
    elif path.is_file():
        mime = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(path.suffix.lower())
        if mime is None:
            raise ValueError(f"report image {target!r}: cannot embed a {path.suffix} file")
        data = path.read_bytes()
    else:
        raise FileNotFoundError(f"report image {target!r} not found in {folder}")
    return (f'<img src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}" '
            f'alt="{html.escape(alt, quote=True)}">')


def _inline(text: str, folder: Path) -> str:
    """Markdown inline markup (code, images, links, strong, emphasis) as HTML."""
    spans: list[str] = []

    def keep(fragment: str) -> str:
        spans.append(fragment)
        return f"\x00{len(spans) - 1}\x00"

    text = _INLINE_CODE.sub(lambda m: keep(f"<code>{html.escape(m.group(1))}</code>"), text)
    text = _IMAGE.sub(lambda m: keep(_embedded_image(folder, m.group(2), m.group(1))), text)
    text = html.escape(text, quote=False)
    text = _LINK.sub(lambda m: f'<a href="{html.escape(m.group(2), quote=True)}">{m.group(1)}</a>', text)
    text = _STRONG.sub(r"<strong>\1</strong>", text)
    text = _EM.sub(r"<em>\1</em>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], text)


def markdown_to_html(text: str, folder: Path) -> str:
    """The markdown the reports write (headings, paragraphs, lists, emphasis, code spans,
    fenced code, images) as the body of an HTML page; an image alone in its paragraph
    becomes a <figure>, captioned by the paragraph after it if that starts "*Figure"."""
    blocks, current, fenced = [], [], False
    for line in text.splitlines():
        if line.startswith("```"):
            current.append(line)
            fenced = not fenced
            if not fenced:
                blocks.append(current)
                current = []
            continue
        if not fenced and not line.strip():
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    out, i = [], 0
    while i < len(blocks):
        block = blocks[i]
        first = block[0]
        if first.startswith("```"):
            out.append("<pre><code>" + html.escape("\n".join(block[1:-1])) + "</code></pre>")
        elif m := re.match(r"^(#{1,6})\s+(.*)$", first):
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2), folder)}</h{level}>")
            if len(block) > 1:
                out.append(f"<p>{_inline(' '.join(block[1:]), folder)}</p>")
        elif all(re.match(r"^\s*([-*+]|\d+\.)\s+", ln) or ln.startswith("  ") for ln in block) and re.match(
                r"^([-*+]|\d+\.)\s+", first):
            tag = "ol" if re.match(r"^\d+\.", first) else "ul"
            items: list[str] = []
            for ln in block:
                if m := re.match(r"^\s*(?:[-*+]|\d+\.)\s+(.*)$", ln):
                    items.append(m.group(1))
                else:
                    items[-1] += " " + ln.strip()
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(it, folder)}</li>" for it in items) + f"</{tag}>")
        elif len(block) == 1 and _IMAGE.fullmatch(first.strip()):
            m = _IMAGE.fullmatch(first.strip())
            figure = _embedded_image(folder, m.group(2), m.group(1))
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if nxt and nxt[0].startswith("*Figure"):
                figure += f"<figcaption>{_inline(' '.join(nxt), folder)}</figcaption>"
                i += 1
            out.append(f"<figure>{figure}</figure>")
        else:
            out.append(f"<p>{_inline(' '.join(ln.strip() for ln in block), folder)}</p>")
        i += 1
    return "\n".join(out)


def write_html(folder: Path, markdown_text: str) -> Path:
    """Write `report.html` beside report.md: the same text with every figure embedded and
    the style inline, so the one file can be mailed or archived; it loads nothing else."""
    folder = Path(folder)
    title = next((ln.lstrip("#").strip() for ln in markdown_text.splitlines() if ln.startswith("# ")), folder.name)
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
            f"{markdown_to_html(markdown_text, folder)}\n</body>\n</html>\n")
    out = folder / "report.html"
    out.write_text(page, encoding="utf-8")
    return out


# ------------------------------------------------------------------------ rebuilding a folder

def _build_sweep(folder: Path, cfg) -> Path:
    from .sweep_report import build_sweep_report

    return build_sweep_report(folder, cfg)


# analysis (manifest.json "analysis") -> builder(folder, cfg) writing figures/ and report.md;
# a value may be "module:function", imported when a folder of that analysis is rebuilt
REPORT_BUILDERS: dict[str, Callable | str] = {
    "run": write_report,
    "sweep": _build_sweep,
    "attribution": "caucasus_sim.attribution:write_attribution_report",
    "sensitivity": "caucasus_sim.sensitivity:write_sensitivity_report",
}
REPORT_OUTPUTS = ("report.md", "report.html")


def report_builder(analysis: str) -> Callable:
    """The builder of an analysis; one registered when `caucasus_sim.<analysis>` is imported
    is found too."""
    builder = REPORT_BUILDERS.get(analysis)
    if builder is None and re.fullmatch(r"[a-z][a-z0-9_]*", analysis or ""):
        if importlib.util.find_spec(f"caucasus_sim.{analysis}") is not None:
            importlib.import_module(f"caucasus_sim.{analysis}")
            builder = REPORT_BUILDERS.get(analysis)
    if builder is None:
        raise ConfigError(f"no report builder for analysis {analysis!r}; known: {', '.join(sorted(REPORT_BUILDERS))}")
    if isinstance(builder, str):
        module, _, name = builder.partition(":")
        builder = getattr(importlib.import_module(module), name)
    return builder


def _is_output(name: str) -> bool:
    return name in REPORT_OUTPUTS or name.startswith("figures/")


def read_results_folder(folder: Path) -> tuple[dict, str]:
    """The manifest and analysis of a complete results folder, or a ConfigError saying why
    `folder` is not one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such results folder")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{folder} is not a complete results folder (no manifest.json)") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{folder}/manifest.json is not readable: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files", {}), dict):
        raise ConfigError(f"{folder}/manifest.json is not a results manifest")
    analysis = manifest.get("analysis")
    if analysis is None:  # folders written before manifests named their analysis
        if "sweep_id" in manifest:
            analysis = "sweep"
        elif "run_id" in manifest and (folder / "summary.csv").is_file():
            analysis = "run"
        else:
            raise ConfigError(f"{folder}/manifest.json does not say which analysis wrote the folder")
    missing = [name for name in ["config.yaml", *manifest.get("files", {})]
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


def rebuild_report(folder: Path) -> dict:
    """Draw the figures and write report.md and report.html of a saved results folder again,
    from its config.yaml and tables, without running the model; the manifest is left as it
    is. The outputs are built in a hidden sibling folder and moved in only when complete.
    Returns the rebuilt files and those whose SHA-256 differs from the manifest's record."""
    folder = Path(folder)
    manifest, analysis = read_results_folder(folder)
    builder = report_builder(analysis)
    cfg = OmegaConf.load(folder / "config.yaml")
    staging = folder.parent / f".{folder.name}.report-{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for entry in sorted(folder.iterdir()):
            if entry.name not in ("figures", *REPORT_OUTPUTS) and not entry.name.startswith("."):
                _link(entry, staging / entry.name)
        try:
            builder(staging, cfg)
            if not (staging / "report.html").is_file():
                write_html(staging, (staging / "report.md").read_text(encoding="utf-8"))
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
