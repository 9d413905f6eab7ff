"""Figures of scheduled events in bulk (an imported stream): weekly counts by dyad and by
CAMEO quad class, at a size that does not grow with the number of events; the signed
effect of each path's events by dyad, to compare streams."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.colors import BoundaryNorm
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd

from ..config import QUAD_CLASSES, quad_class
from .style import PATH_COLORS, color_of, date_axis

MAX_DYADS = 10  # dyads shown by name in the weekly counts; the others are one row
QUAD_COLORS = dict(zip(QUAD_CLASSES, ["#56B4E9", "#009E73", "#E69F00", "#D55E00"]))  # Okabe-Ito


def weekly_events(events: pd.DataFrame) -> pd.DataFrame:
    """Scheduled events (each id once) with their week (the Monday it starts), dyad
    ("SRC→TGT") and CAMEO quad class."""
    sched = events[~events["origin"].isin(["strategy", "reaction"])].drop_duplicates("id")
    dates = pd.to_datetime(sched["date"])
    return pd.DataFrame({
        "week": (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize(),
        "dyad": sched["source"].astype(str) + "→" + sched["target"].astype(str),
        "quad_class": [quad_class(c) for c in sched["cameo"].astype(str)],
    })


def plot_weekly_by_dyad(events: pd.DataFrame, ax=None, top: int = MAX_DYADS):
    """Scheduled events per week and dyad as a heat map: the `top` dyads with the most events
    by name (most first), the others in one row."""
    ax = ax or plt.gca()
    w = weekly_events(events)
    order = list(w["dyad"].value_counts().sort_index().sort_values(ascending=False, kind="stable").index)
    shown = order[:top]
    w["row"] = np.where(w["dyad"].isin(shown), w["dyad"], f"{len(order) - len(shown)} other dyads")
    rows = shown + ([f"{len(order) - len(shown)} other dyads"] if len(order) > len(shown) else [])
    weeks = pd.date_range(w["week"].min(), w["week"].max(), freq="7D")
    table = w.groupby(["row", "week"]).size().unstack(fill_value=0).reindex(index=rows, columns=weeks, fill_value=0)
    edges = np.append(weeks, weeks[-1] + pd.Timedelta(days=7))
    values = table.to_numpy()
    top_value = max(1, int(values[:len(shown)].max()))  # the row of other dyads saturates, not the named ones
    over = bool(values.max() > top_value)
    # counts: one shade per whole number of events, 0 .. top_value (and one for more, if the other row has more)
    cmap = plt.get_cmap("Greys").resampled(top_value + 1 + over)
    norm = BoundaryNorm(np.arange(-0.5, top_value + 1.0), cmap.N, extend="max" if over else "neither")
    # rasterized: in SVG and PDF the ~6,000 cells of a decade are one embedded image, not a path each
    mesh = ax.pcolormesh(edges, np.arange(len(rows) + 1), values, cmap=cmap, norm=norm, shading="flat",
                         edgecolors="none", rasterized=True)
    ax.set_yticks(np.arange(len(rows)) + 0.5, rows)
    ax.set_ylim(len(rows), 0)
    bar = ax.figure.colorbar(mesh, ax=ax, label="events per week", pad=0.02, fraction=0.05)
    bar.set_ticks(MaxNLocator(nbins=min(top_value, 6), integer=True).tick_values(0, top_value))
    date_axis(ax)
    return ax


def plot_weekly_by_quad_class(events: pd.DataFrame, ax=None):
    """Scheduled events per week, stacked by CAMEO quad class."""
    ax = ax or plt.gca()
    w = weekly_events(events)
    weeks = pd.date_range(w["week"].min(), w["week"].max(), freq="7D")
    table = w.groupby(["week", "quad_class"]).size().unstack(fill_value=0).reindex(
        index=weeks, columns=list(QUAD_CLASSES), fill_value=0)
    # one filled step outline per class (not a bar per week: a decade is ~600 weeks)
    edges = mdates.date2num(np.append(weeks, weeks[-1] + pd.Timedelta(days=7)))
    bottom = np.zeros(len(weeks))
    for q in QUAD_CLASSES:
        top = bottom + table[q].to_numpy()
        ax.stairs(top, edges, baseline=bottom, fill=True, color=QUAD_COLORS[q], label=q, linewidth=0)
        bottom = top
    ax.set_ylim(bottom=0)
    ax.set_ylabel("events per week")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    date_axis(ax)
    ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    return ax


def signed_effects(events: pd.DataFrame) -> pd.DataFrame:
    """Per path and dyad, the scheduled events and their summed signed effect
    sum(g / 10 * magnitude) (docs/odd.md 7.6), with the first and last date."""
    sched = events[~events["origin"].isin(["strategy", "reaction"])].copy()
    if sched.empty:
        return pd.DataFrame(columns=["path", "dyad", "events", "effect", "first", "last"])
    sched["dyad"] = sched["source"].astype(str) + "→" + sched["target"].astype(str)
    sched["effect"] = sched["goldstein"] / 10.0 * sched["magnitude"]
    g = sched.groupby([sched["path"].astype(str), "dyad"], sort=True)
    return g.agg(events=("id", "nunique"), effect=("effect", "sum"), first=("date", "min"),
                 last=("date", "max")).reset_index()


def plot_effect_by_dyad(effects: pd.DataFrame, paths: list[str], ax=None):
    """The summed signed effect of each path's scheduled events per dyad (horizontal bars
    grouped by dyad, one per path in its colour); dyads in order of their largest effect."""
    ax = ax or plt.gca()
    if effects.empty:
        ax.text(0.5, 0.5, "no scheduled events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    size = effects.groupby("dyad")["effect"].apply(lambda e: e.abs().max()).sort_values(kind="stable")
    dyads = list(size.index)
    h = 0.8 / len(paths)
    for i, path in enumerate(paths):
        d = effects[effects["path"] == path].set_index("dyad")["effect"].reindex(dyads, fill_value=0.0)
        ax.barh(np.arange(len(dyads)) + (i - (len(paths) - 1) / 2) * h, d.to_numpy(), height=h,
                color=color_of(path, PATH_COLORS, paths), label=path.replace("_", " "))
    ax.axvline(0.0, color="0.3", linewidth=0.6)
    ax.set_yticks(np.arange(len(dyads)), dyads)
    ax.set_xlabel("summed signed effect\n(Σ g/10 · magnitude)")  # two lines: one was clipped at a column's width
    ax.legend(title="path", frameon=False, loc="best")
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    return ax
