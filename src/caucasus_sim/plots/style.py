"""Colours, labels, units and the print style shared by every figure.

Colours come from the Okabe-Ito colour-blind-safe palette and are fixed per path, per
patron and per actor, so each has the same colour in every figure of every run (an actor
the table does not know gets a colour from a hash of its code, not from its place in a
run). Dates are written one way everywhere, ISO 8601 (`day`).
"""

from __future__ import annotations

import zlib

import matplotlib
import matplotlib.dates as mdates
import pandas as pd

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
PATH_COLORS = {"status_quo": "#009E73", "russian": "#D55E00", "turkish": "#0072B2", "history": "#000000"}
PATRON_COLORS = {"RUS": "#D55E00", "TUR": "#0072B2", "WEST": "#CC79A7"}
ACTOR_COLORS = {**PATRON_COLORS, "AZE": "#E69F00", "ARM": "#56B4E9", "GEO": "#009E73", "AZE_diaspora_RUS": "#000000"}
LABELS = {
    "alignment_share": "alignment share",
    "attitude": "attitude",
    "grievance": "grievance",
}
SINGLE_COLUMN = 3.5  # inches: figures are drawn at the width they are printed, one column
STYLE = {
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "legend.fontsize": 7, "legend.title_fontsize": 7,
    "figure.titlesize": 8, "figure.labelsize": 8, "axes.linewidth": 0.6,
    "xtick.major.width": 0.6, "ytick.major.width": 0.6, "xtick.major.size": 2.5,
    "ytick.major.size": 2.5, "lines.linewidth": 1.2, "grid.linewidth": 0.4,
    "legend.handlelength": 1.5, "legend.borderaxespad": 0.3, "svg.fonttype": "path",
    "pdf.fonttype": 42, "figure.dpi": 100,
}
UNITS = {"alignment_share": "0–1", "attitude": "−1 to 1", "grievance": "≥ 0"}  # and alignment_share_<patron>


def color_of(name: str, table: dict[str, str], order: list[str]) -> str:
    if name in table:
        return table[name]
    spare = [c for c in OKABE_ITO if c not in table.values()]
    return spare[order.index(name) % len(spare)] if name in order else OKABE_ITO[-1]


def actor_color(code: str) -> str:
    """An actor's colour: fixed for the default actors, else from a stable hash of its code."""
    if code in ACTOR_COLORS:
        return ACTOR_COLORS[code]
    return OKABE_ITO[zlib.crc32(code.encode("utf-8")) % len(OKABE_ITO)]


def metric_label(metric: str, axis: str = "") -> str:
    """A metric's name for text; the balance names its axis ("TUR-RUS") when given one."""
    if metric == "balance":
        return f"{axis.replace('-', '–')} alignment balance" if axis else "alignment balance"
    if metric.startswith("alignment_share_"):
        return f"alignment share with {metric.removeprefix('alignment_share_')}"
    return LABELS.get(metric, metric.replace("_", " "))


def axis_label(metric: str, axis: str = "") -> str:
    """The label of a metric with its unit or range, for an axis."""
    unit = ("−1 to 1" if metric == "balance" else "0–1" if metric.startswith("alignment_share")
            else UNITS.get(metric))
    return f"{metric_label(metric, axis)} ({unit})" if unit else metric_label(metric, axis)


def param_label(key: str) -> str:
    """A readable label for a configuration key (a strategy's intensity keeps its name)."""
    parts = key.split(".")
    if parts[:2] == ["decisions", "strategies"]:
        return " ".join(parts[2:]).replace("_", " ")
    name = parts[-1]
    if name.endswith("_days"):
        return name.removesuffix("_days").replace("_", " ") + " (days)"
    return name.replace("_", " ")


def publication_style():
    """A context in which figures are drawn at print size with fonts of 7 pt or more."""
    return matplotlib.rc_context(STYLE)


class DateTicks(mdates.AutoDateLocator):
    """Matplotlib's AutoDateLocator, remembering the ticks of the last view interval: laying
    out and drawing a figure asks each axis for them hundreds of times (every sibling of a
    shared axis, every pass of the layout), and each time the rule set was built again."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._view, self._ticks = None, None

    def __call__(self):
        view = tuple(self.axis.get_view_interval()) if self.axis is not None else None
        if view is None or view != self._view:
            self._view, self._ticks = view, super().__call__()
        return self._ticks


def date_axis(ax, maxticks: int = 6) -> None:
    loc = DateTicks(minticks=2, maxticks=maxticks)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_xlabel("date")


def day(d) -> str:
    """A date as every report and figure writes it: ISO 8601, '2025-07-07'."""
    return pd.Timestamp(d).date().isoformat()
