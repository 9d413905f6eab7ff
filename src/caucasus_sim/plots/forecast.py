"""Figures of scored forecasts: a PIT histogram, and empirical coverage by horizon."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .style import OKABE_ITO, color_of

METHOD_COLORS = {"model": "#000000", "persistence": "#E69F00", "trend": "#56B4E9", "ar1": "#009E73"}
NOMINAL_COLOR = "0.55"


def plot_pit_histogram(pit: np.ndarray, ax=None, bins: int = 10, color: str = OKABE_ITO[4]):
    """The PIT values of one set of forecasts as a density histogram over 0-1, with the
    uniform density (the dashed line) a calibrated forecast would give: a U shape means
    intervals too narrow, a hump too wide, a slope a biased median."""
    ax = ax or plt.gca()
    ax.hist(np.asarray(pit, dtype=float), bins=np.linspace(0.0, 1.0, bins + 1), density=True, color=color,
            alpha=0.8, edgecolor="white", linewidth=0.5)
    ax.axhline(1.0, color=NOMINAL_COLOR, linestyle="--", linewidth=1.0)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("PIT (level of the observation)")
    ax.set_ylabel("density")
    return ax


def plot_coverage_by_horizon(summary: pd.DataFrame, ax=None, methods: list[str] | None = None):
    """Empirical coverage of the central 90% (filled circles, solid) and 50% (open squares,
    dashed) intervals against the horizon (each tick with its number of targets), one
    colour per method, from rows of a score table (one kind, pooled over origins: origin
    "all", horizon a number), with the nominal 0.9 and 0.5 as grey dotted lines."""
    ax = ax or plt.gca()
    rows = summary[(summary["origin"].astype(str) == "all") & (summary["horizon"].astype(str) != "all")]
    rows = rows.assign(h=rows["horizon"].astype(int)).sort_values("h")
    names = methods or list(pd.unique(rows["method"]))
    for nominal in (0.9, 0.5):
        ax.axhline(nominal, color=NOMINAL_COLOR, linewidth=0.8, linestyle=":")
    for name in sorted(names, key=lambda m: m == "model"):  # the model drawn last, on top
        g = rows[rows["method"] == name]
        c, z = color_of(name, METHOD_COLORS, names), 3 if name == "model" else 2
        ax.plot(g["h"], g["coverage_90"], color=c, marker="o", markersize=3.5, linewidth=1.1, zorder=z)
        ax.plot(g["h"], g["coverage_50"], color=c, marker="s", markersize=3.5, linewidth=1.0, linestyle="--",
                markerfacecolor="white", zorder=z)
    ax.set_ylim(-0.03, 1.03)
    counts = rows.drop_duplicates("h").set_index("h")["n"]
    if len(counts) <= 12:  # each horizon with its number of targets: few make each share coarse
        ax.set_xticks(counts.index, [f"{h}\nn={int(n)}" for h, n in counts.items()])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("horizon (years after the cut-off)")
    ax.set_ylabel("empirical coverage")
    ax.grid(alpha=0.3, linewidth=0.4)
    return ax


def coverage_legend_handles(methods: list[str]) -> list[Line2D]:
    """Legend entries for `plot_coverage_by_horizon`: one per method, then the two intervals."""
    handles = [Line2D([], [], color=color_of(m, METHOD_COLORS, methods), linewidth=1.1, label=m) for m in methods]
    handles += [Line2D([], [], color="0.3", marker="o", markersize=3.5, label="90% interval"),
                Line2D([], [], color="0.3", marker="s", markersize=3.5, linestyle="--", markerfacecolor="white",
                       label="50% interval")]
    return handles
