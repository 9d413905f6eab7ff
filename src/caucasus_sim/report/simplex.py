"""The alignment-simplex section of a run's report."""

from __future__ import annotations

import math

import pandas as pd

from .. import plots
from ..outputs import in_order
from ..outputs.tables import NONE
from .document import Figures, Section, subplots
from .labels import Labels


def simplex_section(summary: pd.DataFrame, cfg, figs: Figures, replicates: int, decided: bool) -> Section:
    """The alignment paths on the simplex of three patrons (a note if there are not three);
    if actors decided events, the last step before they could is marked."""
    title = "Alignment paths on the simplex"
    sel = summary[(summary["metric"] == "alignment_share") & (summary["patron"] != NONE)]
    patrons = in_order(sel["patron"])
    if len(patrons) != 3:
        return Section(title, None, "", f"The simplex of alignment shares needs exactly three patrons; this run has "
                f"{len(patrons)} ({', '.join(patrons)}), so this figure is left out.")
    names = Labels(cfg)
    on_balance = cfg.balance is not None and {cfg.balance.minus, cfg.balance.plus} <= set(patrons)
    corners = patrons
    if on_balance:
        corners = [cfg.balance.minus, cfg.balance.plus]
        corners += [p for p in patrons if p not in corners]
    clients = in_order(sel["client"])
    paths = in_order(sel["path"])
    dates = sorted(sel["date"].unique())
    branch = pd.Timestamp(cfg.scenario.decisions_from)
    branch = branch if decided and pd.Timestamp(dates[0]) < branch <= pd.Timestamp(dates[-1]) else None
    img = _draw(summary, corners, clients, paths, dates, branch, figs)
    wide = sel.pivot_table(index=["path", "step", "client"], columns="patron", values="q50", observed=True)[corners]
    sums = wide.sum(axis=1)
    shares = wide.div(sums, axis=0)
    last = int(sel["step"].max())

    def comp(v) -> str:
        return ", ".join(f"{names.actor(p)} {v[p]:.2f}" for p in corners)

    reading = []
    for client in clients:
        s0 = shares.loc[(paths[0], 0, client)]
        ends = {path: shares.loc[(path, last, client)] for path in paths}
        moved = {path: 0.5 * float((e - s0).abs().sum()) for path, e in ends.items()}
        far = max(moved, key=moved.get)
        gain = (ends[far] - s0).idxmax()
        reading.append(
            f"{names.actor(client)} starts at {comp(s0)} and ends at "
            + "; ".join(f"{comp(e)} under {path.replace('_', ' ')}" for path, e in ends.items())
            + f"; it moves most under {far.replace('_', ' ')}: {moved[far]:.2f} of its alignment changes "
              f"patron, mostly toward {names.actor(gain)}.")
    caption = (
        f"Median alignment shares of each client with {', '.join(names.actor(p) for p in corners)} over time, on "
        f"the simplex whose corners are a share of 1 with one patron ({names.actor(corners[0])} left, "
        f"{names.actor(corners[1])} right, {names.actor(corners[2])} top"
        + (f"; the horizontal position is the {names.balance(f'{corners[1]}-{corners[0]}')}"
           if on_balance else "")
        + f"), one line per path, over {replicates} replicates. Top left: the whole triangle; the other panels "
          "zoom into each client's region, with lines of equal share tinted by patron and their share written "
          "at the panel's edge. Circle: start; "
        + (f"diamond: the last step before decisions act ({cfg.scenario.decisions_from}); " if branch is not None else "")
        + "dots: the last step of each year; squares: the end. The three medians of a step are renormalised to "
          f"sum to 1 (before, their sums lay between {sums.min():.3f} and {sums.max():.3f}): the share of the "
          "outside option, holding back from every patron (drawn as 'none' with the shares by patron), is left out "
          "here, and a step whose three medians are all 0 has no point.")
    return Section(title, img, caption, " ".join(reading))


def _draw(summary: pd.DataFrame, corners: list[str], clients: list[str], paths: list[str], dates, branch,
          figs: Figures) -> str:
    """The whole triangle, then one zoomed panel per client; legends above and below."""
    start, end = pd.Timestamp(dates[0]), pd.Timestamp(dates[-1])
    years = [pd.Timestamp(year=y, month=1, day=1) for y in range(start.year + 1, end.year + 1)]
    branch_step = plots.day(max(d for d in dates if d <= branch)) if branch is not None else ""
    n = len(clients) + 1
    nrows = math.ceil(n / 2)
    fig, axes = subplots(plots.SINGLE_COLUMN, 0.9 + 1.6 * nrows, nrows, 2, squeeze=False)
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
    return figs.save(fig, "alignment_simplex_by_client")
