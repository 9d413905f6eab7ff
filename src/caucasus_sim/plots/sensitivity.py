"""Figures of a sensitivity analysis: Sobol' indices, Morris screening, PRIM boxes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from .style import OKABE_ITO, param_label

def plot_sobol_indices(indices: pd.DataFrame, ax=None):
    """First-order (S1) and total (ST) Sobol' indices per parameter with their confidence
    intervals (columns param, S1, S1_conf, ST, ST_conf), largest ST at the top."""
    ax = ax or plt.gca()
    d = indices.sort_values("ST", kind="stable").reset_index(drop=True)
    y = np.arange(len(d))
    h = 0.38
    for off, col, colour, name in ((h / 2, "ST", OKABE_ITO[4], "total (ST)"),
                                   (-h / 2, "S1", OKABE_ITO[0], "first order (S1)")):
        ax.barh(y + off, d[col], height=h, color=colour, label=name)
        ax.errorbar(d[col], y + off, xerr=d[f"{col}_conf"], fmt="none", ecolor="0.15",
                    elinewidth=0.8, capsize=2)
    ax.axvline(0.0, color="0.4", linewidth=0.6)
    ax.set_yticks(y, [param_label(k) for k in d["param"]], fontsize=8)
    ax.set_ylim(-0.6, len(d) - 0.4)
    # indices lie in [0, 1] up to estimation error; wide intervals are cut at the axis
    ax.set_xlim(min(-0.05, float(d[["S1", "ST"]].min().min()) - 0.05),
                max(1.0, float(d[["S1", "ST"]].max().max()) + 0.05))
    ax.set_xlabel("Sobol' index (share of the variance of Y)")
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=7, frameon=False, loc="lower right")  # in the bars' order: ST above S1
    return ax


def plot_morris(indices: pd.DataFrame, ax=None):
    """Morris screening: mu* (with its confidence interval) against sigma, one labelled
    point per parameter (columns param, mu_star, mu_star_conf, sigma); dashed: sigma = mu*."""
    ax = ax or plt.gca()
    ax.errorbar(indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o",
                color=OKABE_ITO[4], ecolor="0.5", elinewidth=0.8, capsize=2, markersize=4)
    top = float(max(indices["mu_star"].max() + indices["mu_star_conf"].max(), indices["sigma"].max(), 0)) * 1.1
    top = top or 1.0
    # points crowded at the origin are named in one list instead of overlapping labels
    crowded = (indices["mu_star"] < 0.05 * top) & (indices["sigma"] < 0.05 * top)
    for r in indices[~crowded].itertuples():
        ax.annotate(param_label(r.param), (r.mu_star, r.sigma), xytext=(4, 3), textcoords="offset points",
                    fontsize=7)
    note = "dashed: sigma = mu*"
    if crowded.any():
        note += "\nnear the origin:\n" + "\n".join(f"  {param_label(k)}" for k in indices.loc[crowded, "param"])
    ax.text(0.02, 0.98, note, transform=ax.transAxes, va="top", ha="left", fontsize=7, color="0.2")
    ax.plot([0, top], [0, top], color="0.4", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("mu* (mean absolute elementary effect on Y)")
    ax.set_ylabel("sigma (standard deviation of the elementary effects)")
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax


def plot_prim_tradeoff(trajectory: pd.DataFrame, ax=None):
    """A PRIM peeling trajectory (columns coverage, density, res_dim, stage, selected and
    one `<key>_low` per parameter): density against coverage of each box on it, coloured
    by the number of restricted parameters; boxes widened by dropping a restriction
    (stage prune) as crosses; the `selected` box ringed."""
    ax = ax or plt.gca()
    n_params = max(1, sum(c.endswith("_low") for c in trajectory.columns))
    peel = trajectory[trajectory["stage"] == "peel"]
    prune = trajectory[trajectory["stage"] == "prune"]
    # the count of restricted parameters is ordinal: a sequential map, the same in every panel
    style = dict(cmap="viridis", vmin=0, vmax=n_params, zorder=3)
    ax.plot(peel["coverage"], peel["density"], color="0.6", linewidth=0.6, zorder=2)
    points = ax.scatter(peel["coverage"], peel["density"], c=peel["res_dim"], s=16, **style)
    if len(prune):
        ax.scatter(prune["coverage"], prune["density"], c=prune["res_dim"], s=40, marker="X",
                   edgecolors="0.1", linewidths=0.5, label="restriction dropped", **style)
    sel = trajectory[trajectory["selected"].astype(bool)]
    ax.scatter(sel["coverage"], sel["density"], s=110, facecolors="none", edgecolors="0.1",
               linewidths=1.2, zorder=4, label="selected box")
    bar = ax.figure.colorbar(points, ax=ax, fraction=0.05, pad=0.03)
    bar.set_label("restricted parameters", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of cases in the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=7, frameon=False, loc="upper right")  # a trajectory runs from (1, base) up-left
    return ax


def plot_prim_box(samples: pd.DataFrame, x: str, y: str, cases, limits: dict, ax=None):
    """Points by two columns of `samples`, cases of interest (boolean `cases`) in vermillion,
    the others grey, and a PRIM box's limits {column: (low, high)} drawn as a rectangle
    (or a band, for a column not in `limits`)."""
    ax = ax or plt.gca()
    cases = np.asarray(cases, dtype=bool)
    ax.scatter(samples.loc[~cases, x], samples.loc[~cases, y], s=6, color="0.65", alpha=0.6,
               linewidths=0, label="other points")
    ax.scatter(samples.loc[cases, x], samples.loc[cases, y], s=8, color=OKABE_ITO[5], alpha=0.8,
               linewidths=0, label="cases of interest")
    x0, x1 = limits.get(x, (samples[x].min(), samples[x].max()))
    y0, y1 = limits.get(y, (samples[y].min(), samples[y].max()))
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="0.1",
                                              linewidth=1.4, label="box"))
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=7, frameon=False, markerscale=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
