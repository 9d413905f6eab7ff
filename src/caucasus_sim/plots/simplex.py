"""Alignment shares with three patrons as paths on the simplex."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..outputs import in_order
from .style import PATH_COLORS, PATRON_COLORS, color_of, day

SQRT3_2 = np.sqrt(3.0) / 2.0


def simplex_xy(shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares (n, 3) with corners (left, right, top) -> x, y in the unit triangle; NaN where
    the three shares are all 0 (the client holds back from every patron: no point)."""
    s = np.asarray(shares, dtype=float)
    total = s.sum(axis=-1, keepdims=True)
    s = np.divide(s, total, out=np.full_like(s, np.nan), where=total > 0)
    return s[..., 1] + 0.5 * s[..., 2], SQRT3_2 * s[..., 2]


def _short_number(t: float) -> str:
    return f"{t:.2f}".rstrip("0").rstrip(".")


def _simplex_grid(corners: list[str], step: float, ax, labels: bool) -> None:
    """Lines of equal share of each patron (every `step`), tinted by the patron's colour;
    labelled (if `labels`) where they leave the view: the top patron's on the left edge,
    the left patron's at the bottom, the right patron's at the top."""
    eye = np.eye(3)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    mx, my = 0.12 * (x1 - x0), 0.12 * (y1 - y0)  # no label in a corner of the view
    for i, name in enumerate(corners):
        c = color_of(name, PATRON_COLORS, corners)
        a, b = (i + 1) % 3, (i + 2) % 3
        for t in np.arange(step, 1.0 - step / 2, step):
            x, y = simplex_xy(np.array([t * eye[i] + (1 - t) * eye[a], t * eye[i] + (1 - t) * eye[b]]))
            ax.plot(x, y, color=c, alpha=0.4, linewidth=0.5, zorder=0)
            if not labels:
                continue
            if i == 2:  # horizontal: label at the left edge
                px, py, ha, va = x0, y[0], "left", "center"
                inside = y0 + my <= py <= y1 - my and min(x) <= px <= max(x)
            else:  # slanted: label at the bottom (left patron) or top (right patron) edge
                py = y0 if i == 0 else y1
                px = x[0] + (py - y[0]) * (x[1] - x[0]) / (y[1] - y[0])
                ha, va = "center", "bottom" if i == 0 else "top"
                inside = x0 + mx <= px <= x1 - mx and min(y) <= py <= max(y)
            if inside:
                ax.text(px, py, _short_number(t), color=c, fontsize=7, ha=ha, va=va, zorder=2,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})


def plot_simplex_frame(corners: list[str], ax=None):
    """The whole triangle: corners are the patrons (left, right, top), grid lines of equal
    share every 0.2 tinted by patron, corner names in the patrons' colours."""
    ax = ax or plt.gca()
    ax.set_xlim(-0.06, 1.06)
    ax.set_ylim(-0.1, SQRT3_2 + 0.08)
    _simplex_grid(corners, 0.2, ax, labels=False)
    ax.plot([0, 1, 0.5, 0], [0, 0, SQRT3_2, 0], color="0.2", linewidth=0.7, zorder=1)
    for (x, y, va), name in zip([(0.0, -0.03, "top"), (1.0, -0.03, "top"), (0.5, SQRT3_2 + 0.03, "bottom")],
                                corners):
        ax.text(x, y, name, ha="center", va=va, fontsize=7, fontweight="bold",
                color=color_of(name, PATRON_COLORS, corners))
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def plot_simplex_overview(summary: pd.DataFrame, corners: list[str], ax=None):
    """The whole triangle with every client's median alignment path (one line per path),
    each client named at its start: where on the simplex each client is."""
    ax = plot_simplex_frame(corners, ax=ax)
    sel = summary[summary["metric"] == "alignment_share"]
    paths = in_order(sel["path"])
    for client in in_order(sel["client"]):
        for path in paths:
            wide = sel[(sel["client"] == client) & (sel["path"] == path)].pivot_table(
                index="date", columns="patron", values="q50", observed=True)[corners]
            x, y = simplex_xy(wide.to_numpy())
            ax.plot(x, y, color=color_of(path, PATH_COLORS, paths), linewidth=1.0, zorder=3)
        ax.scatter(x[:1], y[:1], marker="o", s=10, facecolor="white", edgecolor="0.1", linewidth=0.6, zorder=4)
        ax.annotate(client, (x[0], y[0]), xytext=(0, 4), textcoords="offset points", ha="center",
                    va="bottom", fontsize=7, zorder=5)
    return ax


def plot_alignment_simplex(summary: pd.DataFrame, client: str, corners: list[str], marks=(),
                           branch=None, min_extent: float = 0.1, marks_label: str | None = None,
                           branch_label: str | None = None, ax=None):
    """A client's median alignment shares with three patrons over time, one line per path,
    on the part of the triangle (corners: the patrons left, right, top) the lines cross: an
    open circle at the start, a square at the end, a diamond at `branch` (e.g. the date
    from which decisions act) and a dot at each date of `marks` (the last step on or before
    each). The marker artists carry legend labels (the dates, or `marks_label` and
    `branch_label`). Grid lines of equal share are tinted by patron and
    labelled at the edges. The three medians of a step are renormalised to sum to 1; a step
    whose three medians are all 0 has no point (the line breaks there)."""
    ax = ax or plt.gca()
    if len(corners) != 3:
        raise ValueError(f"a simplex needs three patrons; got {len(corners)}: {', '.join(corners)}")
    sel = summary[(summary["metric"] == "alignment_share") & (summary["client"] == client)]
    paths = in_order(sel["path"])
    lines = {}
    for path in paths:
        wide = sel[sel["path"] == path].pivot_table(index="date", columns="patron", values="q50",
                                                    observed=True)[corners]
        lines[path] = (wide.index, *simplex_xy(wide.to_numpy()))
    xs = np.concatenate([v[1] for v in lines.values()])
    ys = np.concatenate([v[2] for v in lines.values()])
    if np.all(np.isnan(xs)):  # no step with any share: the whole triangle, with no line on it
        xs, ys = np.array([0.0, 1.0]), np.array([0.0, SQRT3_2])
    half = max(np.nanmax(xs) - np.nanmin(xs), np.nanmax(ys) - np.nanmin(ys), min_extent) * 0.62
    cx, cy = (np.nanmax(xs) + np.nanmin(xs)) / 2, (np.nanmax(ys) + np.nanmin(ys)) / 2
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_aspect("equal", adjustable="box")
    step = 0.02 if half < 0.06 else 0.05 if half < 0.15 else 0.1
    _simplex_grid(corners, step, ax, labels=True)
    ax.plot([0, 1, 0.5, 0], [0, 0, SQRT3_2, 0], color="0.2", linewidth=0.7, zorder=1)
    for k, (path, (dates, x, y)) in enumerate(lines.items()):
        first = k == 0
        c = color_of(path, PATH_COLORS, paths)
        ax.plot(x, y, color=c, linewidth=1.1, zorder=3 + k, label=path.replace("_", " "))
        at = np.unique(dates.searchsorted([pd.Timestamp(m) for m in marks], side="right") - 1)
        at = at[(at > 0) & (at < len(dates) - 1)]
        if len(at):
            ax.scatter(x[at], y[at], s=5, color="0.1", linewidth=0, zorder=21,
                       label=(marks_label or ", ".join(day(dates[i]) for i in at)) if first else None)
        i = int(dates.searchsorted(pd.Timestamp(branch), side="right")) - 1 if branch is not None else 0
        if 0 < i < len(dates) - 1:
            ax.scatter(x[i:i + 1], y[i:i + 1], marker="D", s=12, color="0.1", linewidth=0, zorder=22,
                       label=(branch_label or day(dates[i])) if first else None)
        ax.scatter(x[-1:], y[-1:], marker="s", s=14, color=c, edgecolor="0.1", linewidth=0.4, zorder=23,
                   label=f"end ({day(dates[-1])})" if first else None)
        ax.scatter(x[:1], y[:1], marker="o", s=16, facecolor="white", edgecolor="0.1", linewidth=0.7,
                   zorder=24, label=f"start ({day(dates[0])})" if first else None)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("0.6")
    ax.set_title(client)
    return ax
