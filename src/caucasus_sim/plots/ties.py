"""Ties between clients and patrons as a two-row network."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from .style import PATRON_COLORS, color_of

TIE_CMAP = "BrBG"  # attitude: brown (hostile) to blue-green (friendly); colour-blind safe
TIE_MAX_WIDTH = 6.0  # line width (pt) of a tie of strength 1


def tie_width_handles(values=(0.25, 0.5, 0.75), max_width: float = TIE_MAX_WIDTH) -> list:
    """Legend handles showing the line width of ties of the given strengths."""
    return [Line2D([], [], color="0.45", linewidth=max_width * v, solid_capstyle="butt",
                   label=f"tie {v:g}") for v in values]


def plot_tie_network(ties: pd.DataFrame, clients: list[str], patrons: list[str],
                     max_width: float = TIE_MAX_WIDTH, ax=None):
    """Ties between clients (bottom row) and patrons (top row): line width = the tie
    strength sum_k w_k T[c, p, k] (0-1), colour = the client's attitude toward the patron
    (-1 to 1, TIE_CMAP). `ties` has one row per client and patron with columns client,
    patron, tie, attitude; a missing or NaN tie is not drawn."""
    ax = ax or plt.gca()
    cmap = matplotlib.colormaps[TIE_CMAP]
    norm = matplotlib.colors.Normalize(-1.0, 1.0)

    def row(names):
        n = len(names)
        return {name: ((i + 0.5) / n, 0.0) for i, name in enumerate(names)}

    pos = {**{k: (x, 1.0) for k, (x, _) in row(patrons).items()}, **row(clients)}
    d = ties.dropna(subset=["tie"]).sort_values("tie")
    for r in d.itertuples():
        (x0, y0), (x1, y1) = pos[r.client], pos[r.patron]
        w = max(max_width * r.tie, 0.3)
        ax.plot([x0, x1], [y0, y1], color="0.5", linewidth=w + 0.6, solid_capstyle="butt", zorder=1)
        ax.plot([x0, x1], [y0, y1], color=cmap(norm(r.attitude)), linewidth=w, solid_capstyle="butt", zorder=2)
    for name, (x, y) in pos.items():
        patron = name in patrons
        c = color_of(name, PATRON_COLORS, patrons) if patron else "white"
        ax.scatter([x], [y], s=40, color=c, edgecolor="0.1", linewidth=0.7, zorder=3)
        ax.annotate(name, (x, y), xytext=(0, 5 if patron else -5), textcoords="offset points", ha="center",
                    va="bottom" if patron else "top", fontsize=7, zorder=4,
                    color=c if patron else "0.1", fontweight="bold" if patron else "normal")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.3, 1.3)
    ax.set_axis_off()
    return ax
