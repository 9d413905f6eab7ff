"""The ties section of a run's report: clients' ties with patrons at three dates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .. import plots
from .document import Figures, Section, subplots
from .labels import Labels


def tie_snapshots(summary: pd.DataFrame, steps: list[int]) -> pd.DataFrame:
    """Median over replicates of each client's tie strength sum_k w_k T[c, p, k] and
    attitude toward each patron, at `steps`, from the saved summary."""
    sel = summary[summary["metric"].isin(["tie_strength", "attitude"]) & summary["step"].isin(steps)]
    wide = sel.pivot_table(index=["path", "step", "date", "client", "patron"], columns="metric", values="q50",
                           observed=True, sort=False)
    return wide.rename(columns={"tie_strength": "tie"}).reset_index()


def tie_section(summary: pd.DataFrame, events: pd.DataFrame, cfg, figs: Figures, replicates: int) -> Section:
    """Ties between clients and patrons at the start, after the last recorded event and at the end."""
    paths = list(dict.fromkeys(summary["path"]))
    clients = list(dict.fromkeys(summary["client"]))
    patrons = [p for p in dict.fromkeys(summary.loc[summary["metric"] == "alignment_share", "patron"])]
    last = int(summary["step"].max())
    decisions_from = pd.Timestamp(cfg.scenario.decisions_from)
    recorded = events[~events["origin"].isin(["strategy", "reaction"]) & (events["date"] < decisions_from)]
    middle = int(recorded["step"].max()) if len(recorded) else 0
    steps = sorted({0, middle, last})
    ties = tie_snapshots(summary, steps)
    panels = _panels(ties, steps, paths, clients, patrons)
    date_of = dict(zip(summary["step"], summary["date"]))

    def who(names: list[str]) -> str:
        return "all paths" if len(names) == len(paths) and len(paths) > 1 else ", ".join(
            p.replace("_", " ") for p in names)

    img = _draw(panels, clients, patrons, date_of, who, figs)
    reading = _reading(panels, date_of, who, Labels(cfg))
    when = [f"{plots.day(date_of[s])}" for s in steps]
    caption = (
        "Ties between clients (bottom row) and patrons (top row): line width is the channel-weighted tie "
        "strength Σ_k w_k T[c, p, k] (0–1); colour is the client's attitude toward the patron (−1 to 1). "
        "Medians over "
        f"{replicates} replicates on {', '.join(when)}"
        + (" (the start, the step of the last recorded event, and the end)" if len(steps) == 3 else "")
        + "; paths whose medians coincide share a panel.")
    return Section("Ties between clients and patrons", img, caption, " ".join(reading))


def _panels(ties: pd.DataFrame, steps: list[int], paths: list[str], clients: list[str],
            patrons: list[str]) -> list[tuple[int, list[str], pd.DataFrame]]:
    """(step, paths, ties) per panel: paths whose medians coincide at a step share one."""
    panels = []
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
    return panels


def _draw(panels, clients: list[str], patrons: list[str], date_of: dict, who, figs: Figures) -> str:
    n = len(panels) + 1
    nrows = math.ceil(n / 2)
    fig, axes = subplots(plots.SINGLE_COLUMN, 0.55 + 1.3 * nrows, nrows, 2, squeeze=False)
    flat = axes.ravel()
    for ax, (step, names, frame) in zip(flat, panels):
        plots.plot_tie_network(frame.reset_index(), clients, patrons, ax=ax)
        ax.set_title(f"{plots.day(date_of[step])}, {who(names)}")
    for ax in flat[len(panels):]:
        ax.set_axis_off()
    flat[len(panels)].legend(handles=plots.tie_width_handles(), loc="center", frameon=False,
                             title="tie strength (0–1)")
    sm = ScalarMappable(Normalize(-1.0, 1.0), plots.TIE_CMAP)
    cb = fig.colorbar(sm, ax=flat.tolist(), orientation="horizontal", location="bottom", fraction=0.04,
                      aspect=40, shrink=0.85, ticks=[-1, -0.5, 0, 0.5, 1])
    cb.set_label("attitude of the client toward the patron (−1 to 1)")
    return figs.save(fig, "tie_strength_by_date")


def _reading(panels, date_of: dict, who, labels: Labels) -> list[str]:
    first = panels[0][2]
    top = first["tie"].idxmax()
    if first["tie"].max() - first["tie"].min() < 0.005:
        reading = [f"On {plots.day(date_of[0])}, every tie is {first['tie'].max():.2f}."]
    else:
        reading = [f"On {plots.day(date_of[0])}, the strongest tie is "
                   f"{labels.actor(top[0])}–{labels.actor(top[1])} "
                   f"({first.loc[top, 'tie']:.2f}, attitude {first.loc[top, 'attitude']:+.2f})."]
    for step, names, frame in panels[1:]:
        change = (frame["tie"] - first["tie"]).abs() + (frame["attitude"] - first["attitude"]).abs()
        if not (change > 1e-9).any():
            reading.append(f"On {plots.day(date_of[step])} ({who(names)}) no median tie or attitude has changed.")
            continue
        k = change.idxmax()
        reading.append(
            f"On {plots.day(date_of[step])} ({who(names)}), the largest change is "
            f"{labels.actor(k[0])}–{labels.actor(k[1])}: tie "
            f"{first.loc[k, 'tie']:.2f} → {frame.loc[k, 'tie']:.2f}, attitude {first.loc[k, 'attitude']:+.2f} → "
            f"{frame.loc[k, 'attitude']:+.2f}.")
    return reading
