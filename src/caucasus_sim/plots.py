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
    return LABELS.get(metric, metric.replace("_", " "))


def _date_axis(ax) -> None:
    loc = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


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
        ax.plot(d["date"], d["q50"], color=c, linewidth=1.6, label=path.replace("_", " "))
    if metric.startswith("balance_"):
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    if decisions_from is not None:
        ax.axvline(pd.Timestamp(decisions_from), color="0.3", linestyle="--", linewidth=0.8)
    ax.set_title(client)
    ax.set_ylabel(metric_label(metric))
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
    ax.set_title(f"{client}, {path.replace('_', ' ')} path", fontsize=9)
    _date_axis(ax)
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax


def plot_scheduled_events(counts: pd.DataFrame, ax=None):
    """Scheduled events, one row each in date order: marker at the date, sized by |Goldstein|,
    filled for cooperative and open for conflictual events, coloured by source."""
    ax = ax or plt.gca()
    sched = counts[~counts["origin"].isin(["strategy", "reaction"])]
    sched = sched.drop_duplicates("id").sort_values(["first_date", "id"]).reset_index(drop=True)
    if sched.empty:
        ax.text(0.5, 0.5, "no scheduled events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    sources = list(dict.fromkeys(sched["source"]))
    y = np.arange(len(sched))[::-1]
    for src in sources:
        m = (sched["source"] == src).to_numpy()
        c = color_of(src, PATRON_COLORS, sources)
        g = sched.loc[m, "goldstein"].to_numpy()
        ax.scatter(sched.loc[m, "first_date"], y[m], s=12 + 8 * np.abs(g), color=c,
                   facecolors=np.where(g[:, None] >= 0, matplotlib.colors.to_rgba(c), (1, 1, 1, 1)),
                   linewidths=1.4, zorder=3, label=f"source {src}")
    for yi, (_, row) in zip(y, sched.iterrows()):
        ax.annotate(f"{row['goldstein']:+.0f}", (row["first_date"], yi), xytext=(7, 0),
                    textcoords="offset points", fontsize=6, va="center")
    labels = [f"{r.id.replace('_', ' ')} ({r.source}→{r.target}, {r.cameo})" for r in sched.itertuples()]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_ylim(-0.8, len(sched) - 0.2)
    _date_axis(ax)
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=7, loc="lower left", frameon=False, title="filled: cooperative; open: conflictual",
              title_fontsize=6)
    return ax


def plot_decided_events(counts: pd.DataFrame, top: int = 10, ax=None):
    """The most frequent decided events: mean count per replicate, by path."""
    ax = ax or plt.gca()
    dec = counts[counts["origin"].isin(["strategy", "reaction"])]
    if dec.empty:
        ax.text(0.5, 0.5, "no decided events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    tot = dec.groupby("id")["per_replicate"].sum().sort_values(ascending=False)
    ids = list(tot.index[:top])[::-1]
    paths = list(dict.fromkeys(dec["path"]))
    h = 0.8 / len(paths)
    y = np.arange(len(ids))
    for i, path in enumerate(paths):
        d = dec[dec["path"] == path].groupby("id")["per_replicate"].sum()
        ax.barh(y + (i - (len(paths) - 1) / 2) * h, [d.get(k, 0.0) for k in ids], height=h,
                color=color_of(path, PATH_COLORS, paths), label=path.replace("_", " "))
    ax.set_yticks(y, [k.replace("_", " ") for k in ids], fontsize=7)
    ax.set_xlabel("events per replicate over the projection (mean)")
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    return ax


def plot_outcome_distribution(outcomes: pd.DataFrame, client: str, metric: str,
                              outcome: str = "end", ax=None):
    """Distribution over replicates of an outcome, one violin per path."""
    ax = ax or plt.gca()
    sel = outcomes[(outcomes["client"] == client) & (outcomes["outcome"] == outcome)]
    paths = list(dict.fromkeys(sel["path"]))
    data = [sel.loc[sel["path"] == p, metric].to_numpy() for p in paths]
    parts = ax.violinplot(data, showextrema=False, showmedians=False)
    for body, p in zip(parts["bodies"], paths):
        body.set_facecolor(color_of(p, PATH_COLORS, paths))
        body.set_edgecolor("0.2")
        body.set_alpha(0.6)
    for i, d in enumerate(data, start=1):
        q05, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95])
        ax.vlines(i, q05, q95, color="0.1", linewidth=1.0)
        ax.scatter([i], [q50], color="white", edgecolor="0.1", s=16, zorder=3)
    if metric.startswith("balance_"):
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    ax.set_xticks(range(1, len(paths) + 1), [p.replace("_", " ") for p in paths])
    ax.set_title(client)
    ax.set_ylabel(metric_label(metric))
    ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    return ax


def plot_sweep_heatmap(cells: pd.DataFrame, x: str, y: str, value: str, vmin=None, vmax=None, ax=None):
    """A statistic per grid cell (columns x, y, value), annotated with its value."""
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
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if v < mid else "black")
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
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
