"""Figures of a calibration: prior and posterior of each parameter, a pair plot, and each
observed series with its posterior-predictive band."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd

from .style import PATRON_COLORS

POSTERIOR_COLOR = "#0072B2"
PRIOR_COLOR = "0.55"


def plot_marginal(values: np.ndarray, low: float, high: float, label: str, ax=None):
    """A posterior histogram (density) over the parameter's uniform prior (the dashed line)."""
    ax = ax or plt.gca()
    ax.hist(values, bins=np.linspace(low, high, 16), density=True, color=POSTERIOR_COLOR, alpha=0.75,
            linewidth=0)
    ax.hlines(1.0 / (high - low), low, high, colors=PRIOR_COLOR, linestyles="--", linewidth=1.0)
    ax.set_xlim(low, high)
    ax.set_yticks([])
    ax.set_title(label, fontsize=7)
    return ax


def plot_pair(x: np.ndarray, y: np.ndarray, xlim, ylim, ax=None):
    """Posterior draws of two parameters, over their prior box."""
    ax = ax or plt.gca()
    ax.scatter(x, y, s=3, color=POSTERIOR_COLOR, alpha=0.4, linewidths=0)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax


def plot_series(rows: pd.DataFrame, fit_until: int, ax=None):
    """One observed series (rows of predictive.csv) with the posterior-predictive mean and
    90% band: filled markers were fitted, open ones held out; the dotted line ends the fit
    window."""
    ax = ax or plt.gca()
    rows = rows.sort_values("year")
    color = PATRON_COLORS.get(str(rows["patron"].iloc[0]), "0.2")
    ax.fill_between(rows["year"], rows["q05"], rows["q95"], color=color, alpha=0.2, linewidth=0)
    ax.plot(rows["year"], rows["predicted"], color=color, linewidth=1.0)
    fit = rows["window"] == "fit"
    ax.plot(rows.loc[fit, "year"], rows.loc[fit, "observed"], "o", color="black", markersize=3)
    ax.plot(rows.loc[~fit, "year"], rows.loc[~fit, "observed"], "o", markerfacecolor="white",
            markeredgecolor="black", markersize=3, markeredgewidth=0.8)
    ax.axvline(fit_until + 0.5, color="0.4", linestyle=":", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))  # fieldwork years
    ax.grid(alpha=0.3, linewidth=0.4)
    return ax
