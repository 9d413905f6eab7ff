"""Figures. Every function takes `ax=None`, draws on it and returns the Axes; none saves.

Colours come from the Okabe-Ito colour-blind-safe palette and are fixed per path and
per patron, so a path or patron has the same colour in every figure.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
PATH_COLORS = {"status_quo": "#009E73", "russian": "#D55E00", "turkish": "#0072B2", "history": "#000000"}
PATRON_COLORS = {"RUS": "#D55E00", "TUR": "#0072B2", "WEST": "#CC79A7"}
LABELS = {
    "alignment_share": "alignment share",
    "attitude": "attitude",
    "grievance": "grievance",
}


def color_of(name: str, table: dict[str, str], order: list[str]) -> str:
    if name in table:
        return table[name]
    spare = [c for c in OKABE_ITO if c not in table.values()]
    return spare[order.index(name) % len(spare)] if name in order else OKABE_ITO[-1]


def metric_label(metric: str) -> str:
    if metric.startswith("balance_"):
        plus, minus = metric.removeprefix("balance_").split("_", 1)
        return f"{plus.upper()}–{minus.upper()} alignment balance"
    if metric.startswith("alignment_share_"):
        return f"alignment share with {metric.removeprefix('alignment_share_')}"
    return LABELS.get(metric, metric.replace("_", " "))


def _date_axis(ax, maxticks: int = 6) -> None:
    loc = mdates.AutoDateLocator(minticks=2, maxticks=maxticks)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_xlabel("date")


def plot_band_by_path(summary: pd.DataFrame, client: str, metric: str, patron: str = "",
                      decisions_from=None, ax=None):
    """Median and 5-95% band of a metric over time, one line per path."""
    ax = ax or plt.gca()
    sel = summary[(summary["client"] == client) & (summary["metric"] == metric)
                  & (summary["patron"] == patron)]
    paths = list(dict.fromkeys(sel["path"]))
    for path in paths:
        d = sel[sel["path"] == path].sort_values("date")
        c = color_of(path, PATH_COLORS, paths)
        ax.fill_between(d["date"], d["q05"], d["q95"], color=c, alpha=0.18, linewidth=0)
        ax.plot(d["date"], d["q50"], color=c, linewidth=1.3, label=path.replace("_", " "))
    if metric.startswith("balance_"):
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    if decisions_from is not None:
        ax.axvline(pd.Timestamp(decisions_from), color="0.3", linestyle="--", linewidth=0.8)
    ax.set_title(client)
    ax.set_ylabel(axis_label(metric))
    _date_axis(ax)
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax


def plot_share_by_patron(summary: pd.DataFrame, client: str, path: str, ax=None):
    """Median and 5-95% band of a client's alignment share with each patron, one path."""
    ax = ax or plt.gca()
    sel = summary[(summary["client"] == client) & (summary["path"] == path)
                  & (summary["metric"] == "alignment_share")]
    patrons = list(dict.fromkeys(sel["patron"]))
    for patron in patrons:
        d = sel[sel["patron"] == patron].sort_values("date")
        c = color_of(patron, PATRON_COLORS, patrons)
        ax.fill_between(d["date"], d["q05"], d["q95"], color=c, alpha=0.18, linewidth=0)
        ax.plot(d["date"], d["q50"], color=c, linewidth=1.4, label=patron)
    ax.set_ylim(0, 1)
    ax.set_title(f"{client}, {path.replace('_', ' ')} path")
    ax.set_ylabel(axis_label("alignment_share"))
    _date_axis(ax)
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax


def plot_scheduled_events(counts: pd.DataFrame, ax=None):
    """Scheduled events, one row each in date order: marker at the date, sized by |Goldstein|,
    filled for cooperative and open for conflictual events, coloured by source; each row is
    labelled beside its marker (event, source → target, Goldstein weight)."""
    ax = ax or plt.gca()
    sched = counts[~counts["origin"].isin(["strategy", "reaction"])]
    sched = sched.drop_duplicates("id").sort_values(["first_date", "id"]).reset_index(drop=True)
    if sched.empty:
        ax.text(0.5, 0.5, "no scheduled events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    patrons = [a for a in PATRON_COLORS if a in set(sched["source"])]
    sources = patrons + sorted(set(sched["source"]) - set(patrons))  # colours independent of event order
    y = np.arange(len(sched))[::-1]
    for src in sources:
        m = (sched["source"] == src).to_numpy()
        c = color_of(src, PATRON_COLORS, sources)
        g = sched.loc[m, "goldstein"].to_numpy()
        ax.scatter(sched.loc[m, "first_date"], y[m], s=8 + 5 * np.abs(g), color=c,
                   facecolors=np.where(g[:, None] >= 0, matplotlib.colors.to_rgba(c), (1, 1, 1, 1)),
                   linewidths=1.1, zorder=3, label=f"source {src}")
    first, last = sched["first_date"].min(), sched["first_date"].max()
    middle = first + (last - first) / 2
    for yi, row in zip(y, sched.itertuples()):
        left = row.first_date > middle  # late events are labelled on their left
        ax.annotate(f"{row.id.replace('_', ' ')} ({row.source}→{row.target}, {row.goldstein:+.0f})",
                    (row.first_date, yi), xytext=(-6 if left else 6, 0), textcoords="offset points",
                    ha="right" if left else "left", va="center", fontsize=7).set_in_layout(False)
    pad = max((last - first) * 0.04, pd.Timedelta(days=3))
    ax.set_xlim(first - pad, last + pad)
    ax.set_yticks([])
    ax.set_ylim(-0.8, len(sched) - 0.2)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    _date_axis(ax)
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=min(len(sources), 3), frameon=False,
              title="filled: cooperative; open: conflictual; size: |Goldstein|")
    return ax


def plot_decided_events(counts: pd.DataFrame, top: int = 10, ax=None, paths: list[str] | None = None):
    """The most frequent decided events: mean count per replicate, by path (in the order of
    `paths`, which also fixes the colours of paths without a colour of their own)."""
    ax = ax or plt.gca()
    dec = counts[counts["origin"].isin(["strategy", "reaction"])]
    if dec.empty:
        ax.text(0.5, 0.5, "no decided events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    tot = dec.groupby("id")["per_replicate"].sum().sort_values(ascending=False)
    ids = list(tot.index[:top])[::-1]
    paths = [p for p in (paths or dict.fromkeys(dec["path"])) if p in set(dec["path"])]
    h = 0.8 / len(paths)
    y = np.arange(len(ids))
    for i, path in enumerate(paths):
        d = dec[dec["path"] == path].groupby("id")["per_replicate"].sum()
        ax.barh(y - (i - (len(paths) - 1) / 2) * h, [d.get(k, 0.0) for k in ids], height=h,
                color=color_of(path, PATH_COLORS, paths), label=path.replace("_", " "))
    ax.set_yticks(y, [k.replace("_", " ") for k in ids], fontsize=7)
    ax.set_xlabel("events per replicate over the projection (mean)")
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    return ax


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
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=label)
    return ax


def plot_outcome_against(rows: pd.DataFrame, key: str, metric: str, ax=None):
    """Median and 5-95% band of an outcome against one swept parameter, one line per path."""
    ax = ax or plt.gca()
    paths = list(dict.fromkeys(rows["path"]))
    for path in paths:
        g = rows[rows["path"] == path].groupby(key)[metric]
        q = g.quantile([0.05, 0.5, 0.95]).unstack()
        c = color_of(path, PATH_COLORS, paths)
        ax.fill_between(q.index, q[0.05], q[0.95], color=c, alpha=0.2, linewidth=0)
        ax.plot(q.index, q[0.5], color=c, marker="o", markersize=3, linewidth=1.4,
                label=path.replace("_", " "))
    if metric.startswith("balance_"):
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax


def plot_effects(effects: pd.DataFrame, ax=None):
    """Mean paired effects with 95% intervals, sorted, one bar per row of `effects`
    (columns effect_of, effect_mean, ci_low, ci_high); blue raises, vermillion lowers."""
    ax = ax or plt.gca()
    d = effects.sort_values("effect_mean")
    y = np.arange(len(d))
    colors = np.where(d["effect_mean"] >= 0, PATRON_COLORS["TUR"], PATRON_COLORS["RUS"])
    ax.barh(y, d["effect_mean"], color=colors, height=0.7)
    ax.errorbar(d["effect_mean"], y, xerr=[d["effect_mean"] - d["ci_low"], d["ci_high"] - d["effect_mean"]],
                fmt="none", ecolor="0.15", elinewidth=0.8, capsize=2)
    ax.axvline(0.0, color="0.4", linewidth=0.6)
    ax.set_yticks(y, [str(v).replace("_", " ") for v in d["effect_of"]], fontsize=7)
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    return ax


# ---------------------------------------------------------------- sensitivity analysis


def param_label(key: str) -> str:
    """A readable label for a configuration key (a strategy's intensity keeps its name)."""
    parts = key.split(".")
    if parts[:2] == ["decisions", "strategies"]:
        return " ".join(parts[2:]).replace("_", " ")
    name = parts[-1]
    if name.endswith("_days"):
        return name.removesuffix("_days").replace("_", " ") + " (days)"
    return name.replace("_", " ")


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
    bar = plt.colorbar(points, ax=ax, fraction=0.05, pad=0.03)
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
    ax.add_patch(matplotlib.patches.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="0.1",
                                              linewidth=1.4, label="box"))
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=7, frameon=False, markerscale=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


# ------------------------------------------------------------------------ publication style

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


def publication_style():
    """A context in which figures are drawn at print size with fonts of 7 pt or more."""
    return plt.rc_context(STYLE)


def axis_label(metric: str) -> str:
    """The label of a metric with its unit or range, for an axis."""
    unit = ("−1 to 1" if metric.startswith("balance_") else "0–1" if metric.startswith("alignment_share")
            else UNITS.get(metric))
    return f"{metric_label(metric)} ({unit})" if unit else metric_label(metric)


# ------------------------------------------------------------------------ simplex

SQRT3_2 = np.sqrt(3.0) / 2.0


def simplex_xy(shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares (n, 3) with corners (left, right, top) -> x, y in the unit triangle."""
    s = np.asarray(shares, dtype=float)
    s = s / s.sum(axis=-1, keepdims=True)
    return s[..., 1] + 0.5 * s[..., 2], SQRT3_2 * s[..., 2]


def _day(d) -> str:
    return f"{d.day} {d:%b %Y}"


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
    paths = list(dict.fromkeys(sel["path"]))
    for client in dict.fromkeys(sel["client"]):
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
    labelled at the edges. The three medians of a step are renormalised to sum to 1."""
    ax = ax or plt.gca()
    if len(corners) != 3:
        raise ValueError(f"a simplex needs three patrons; got {len(corners)}: {', '.join(corners)}")
    sel = summary[(summary["metric"] == "alignment_share") & (summary["client"] == client)]
    paths = list(dict.fromkeys(sel["path"]))
    lines = {}
    for path in paths:
        wide = sel[sel["path"] == path].pivot_table(index="date", columns="patron", values="q50",
                                                    observed=True)[corners]
        lines[path] = (wide.index, *simplex_xy(wide.to_numpy()))
    xs = np.concatenate([v[1] for v in lines.values()])
    ys = np.concatenate([v[2] for v in lines.values()])
    half = max(xs.max() - xs.min(), ys.max() - ys.min(), min_extent) * 0.62
    cx, cy = (xs.max() + xs.min()) / 2, (ys.max() + ys.min()) / 2
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
                       label=(marks_label or ", ".join(_day(dates[i]) for i in at)) if first else None)
        i = int(dates.searchsorted(pd.Timestamp(branch), side="right")) - 1 if branch is not None else 0
        if 0 < i < len(dates) - 1:
            ax.scatter(x[i:i + 1], y[i:i + 1], marker="D", s=12, color="0.1", linewidth=0, zorder=22,
                       label=(branch_label or _day(dates[i])) if first else None)
        ax.scatter(x[-1:], y[-1:], marker="s", s=14, color=c, edgecolor="0.1", linewidth=0.4, zorder=23,
                   label=f"end ({_day(dates[-1])})" if first else None)
        ax.scatter(x[:1], y[:1], marker="o", s=16, facecolor="white", edgecolor="0.1", linewidth=0.7,
                   zorder=24, label=f"start ({_day(dates[0])})" if first else None)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("0.6")
    ax.set_title(client)
    return ax


# ------------------------------------------------------------------------ ties

TIE_CMAP = "BrBG"  # attitude: brown (hostile) to blue-green (friendly); colour-blind safe
TIE_MAX_WIDTH = 6.0  # line width (pt) of a tie of strength 1


def tie_width_handles(values=(0.25, 0.5, 0.75), max_width: float = TIE_MAX_WIDTH) -> list:
    """Legend handles showing the line width of ties of the given strengths."""
    from matplotlib.lines import Line2D

    return [Line2D([], [], color="0.45", linewidth=max_width * v, solid_capstyle="butt",
                   label=f"tie {v:g}") for v in values]


def plot_tie_network(ties: pd.DataFrame, clients: list[str], patrons: list[str],
                     max_width: float = TIE_MAX_WIDTH, ax=None):
    """Ties between clients (bottom row) and patrons (top row): line width = the tie
    strength sum_k w_k T[c, p, k] (0-1), colour = the client's attitude toward the patron
    (-1 to 1, TIE_CMAP). `ties` has one row per client and patron with columns client,
    patron, tie, attitude; a missing or NaN tie is not drawn."""
    ax = ax or plt.gca()
    cmap = plt.get_cmap(TIE_CMAP)
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


def plot_outcome_by_client(outcomes: pd.DataFrame, metric: str, outcome: str = "end", ax=None):
    """Distribution over replicates of an outcome: violins grouped by client, one per path
    in the path's colour, with the median (white dot) and the 5-95% range (bar)."""
    from matplotlib.patches import Patch

    ax = ax or plt.gca()
    sel = outcomes[outcomes["outcome"] == outcome]
    clients = list(dict.fromkeys(sel["client"]))
    paths = list(dict.fromkeys(sel["path"]))
    width = 0.8 / len(paths)
    for j, path in enumerate(paths):
        c = color_of(path, PATH_COLORS, paths)
        for i, client in enumerate(clients):
            d = sel.loc[(sel["client"] == client) & (sel["path"] == path), metric].to_numpy()
            if len(d) == 0:
                continue
            x = i + (j - (len(paths) - 1) / 2) * width
            if len(d) > 1 and np.ptp(d) > 0:
                body = ax.violinplot([d], positions=[x], widths=0.92 * width, showextrema=False)["bodies"][0]
                body.set_facecolor(c)
                body.set_edgecolor("0.2")
                body.set_linewidth(0.5)
                body.set_alpha(0.8)
            q05, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95])
            ax.vlines(x, q05, q95, color="0.1", linewidth=0.8, zorder=3)
            ax.scatter([x], [q50], color="white", edgecolor="0.1", s=9, linewidth=0.6, zorder=4)
    if metric.startswith("balance_"):
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    ax.set_xticks(range(len(clients)), clients)
    ax.set_xlim(-0.5, len(clients) - 0.5)
    ax.set_xlabel("client")
    ax.set_ylabel(axis_label(metric))
    ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    ax.legend(handles=[Patch(facecolor=color_of(p, PATH_COLORS, paths), edgecolor="0.2", alpha=0.8,
                             label=p.replace("_", " ")) for p in paths], title="path", frameon=False)
    return ax
