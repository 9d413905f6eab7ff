"""Figures of a sweep: a statistic per grid cell, an outcome against one swept parameter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..outputs import in_order
from .style import PATH_COLORS, color_of

def plot_sweep_heatmap(cells: pd.DataFrame, x: str, y: str, value: str, vmin=None, vmax=None, ax=None,
                       label: str = ""):
    """A statistic per grid cell (columns x, y, value), annotated with its value; `label`
    names the colour bar."""
    ax = ax or plt.gca()
    grid = cells.pivot_table(index=y, columns=x, values=value, aggfunc="first").sort_index()
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="cividis", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns], fontsize=7)
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index], fontsize=7)
    lo, hi = np.nanmin(grid.to_numpy()), np.nanmax(grid.to_numpy())
    mid = (lo + hi) / 2
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid.iat[i, j]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if v < mid else "black")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=label)
    return ax


def plot_outcome_against(rows: pd.DataFrame, key: str, metric: str, ax=None):
    """Median and 5-95% band of an outcome against one swept parameter, one line per path."""
    ax = ax or plt.gca()
    paths = in_order(rows["path"])
    for path in paths:
        g = rows[rows["path"] == path].groupby(key)[metric]
        q = g.quantile([0.05, 0.5, 0.95]).unstack()
        c = color_of(path, PATH_COLORS, paths)
        ax.fill_between(q.index, q[0.05], q[0.95], color=c, alpha=0.2, linewidth=0)
        ax.plot(q.index, q[0.5], color=c, marker="o", markersize=3, linewidth=1.4,
                label=path.replace("_", " "))
    if metric == "balance":
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax
