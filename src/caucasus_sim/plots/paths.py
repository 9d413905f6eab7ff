"""Figures of a run: paths over time, outcome distributions, events and their effects."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..outputs import in_order
from .style import PATH_COLORS, PATRON_COLORS, actor_color, axis_label, color_of, date_axis

def plot_band_by_path(summary: pd.DataFrame, client: str, metric: str, patron: str = "",
                      decisions_from=None, ax=None):
    """Median and 5-95% band of a metric over time, one line per path."""
    ax = ax or plt.gca()
    sel = summary[(summary["client"] == client) & (summary["metric"] == metric)
                  & (summary["patron"] == patron)]
    paths = in_order(sel["path"])
    for path in paths:
        d = sel[sel["path"] == path].sort_values("date")
        c = color_of(path, PATH_COLORS, paths)
        ax.fill_between(d["date"], d["q05"], d["q95"], color=c, alpha=0.18, linewidth=0)
        ax.plot(d["date"], d["q50"], color=c, linewidth=1.3, label=path.replace("_", " "))
    if metric == "balance":
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    if decisions_from is not None:
        ax.axvline(pd.Timestamp(decisions_from), color="0.3", linestyle="--", linewidth=0.8)
    ax.set_title(client)
    ax.set_ylabel(axis_label(metric, str(sel["axis"].iloc[0]) if "axis" in sel and len(sel) else ""))
    date_axis(ax)
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax


def plot_share_by_patron(summary: pd.DataFrame, client: str, path: str, ax=None):
    """Median and 5-95% band of a client's alignment share with each patron, one path."""
    ax = ax or plt.gca()
    sel = summary[(summary["client"] == client) & (summary["path"] == path)
                  & (summary["metric"] == "alignment_share")]
    patrons = in_order(sel["patron"])
    for patron in patrons:
        d = sel[sel["patron"] == patron].sort_values("date")
        c = color_of(patron, PATRON_COLORS, patrons)
        ax.fill_between(d["date"], d["q05"], d["q95"], color=c, alpha=0.18, linewidth=0)
        ax.plot(d["date"], d["q50"], color=c, linewidth=1.4, label=patron)
    ax.set_ylim(0, 1)
    ax.set_title(f"{client}, {path.replace('_', ' ')} path")
    ax.set_ylabel(axis_label("alignment_share"))
    date_axis(ax)
    ax.grid(alpha=0.3, linewidth=0.5)
    return ax


def plot_outcome_by_client(outcomes: pd.DataFrame, metric: str, outcome: str = "end", ax=None,
                           names: dict[str, str] | None = None):
    """Distribution over replicates of an outcome: violins grouped by client, one per path
    in the path's colour, with the median (white dot) and the 5-95% range (bar); clients
    (and the patrons of their axes) are named by `names[code]`, else their code."""
    ax = ax or plt.gca()
    names = names or {}
    sel = outcomes[outcomes["outcome"] == outcome]
    clients = in_order(sel["client"])
    paths = in_order(sel["path"])
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
    if metric == "balance":
        ax.axhline(0.0, color="0.4", linewidth=0.6)
    if "axis" in sel and metric == "balance":  # each client on its own axis: name it
        axes = sel.drop_duplicates("client").set_index("client")["axis"]
        ax.set_xticks(range(len(clients)), [f"{names.get(c, c)}\n" + "–".join(names.get(p, p) for p in axes[c].split("-"))
                                            for c in clients])
    else:
        ax.set_xticks(range(len(clients)), [names.get(c, c) for c in clients])
    ax.set_xlim(-0.5, len(clients) - 0.5)
    ax.set_xlabel("client")
    ax.set_ylabel(axis_label(metric))
    ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    ax.legend(handles=[Patch(facecolor=color_of(p, PATH_COLORS, paths), edgecolor="0.2", alpha=0.8,
                             label=p.replace("_", " ")) for p in paths], title="path", frameon=False)
    return ax


def plot_scheduled_events(counts: pd.DataFrame, ax=None, names: dict[str, str] | None = None,
                          labels: dict[str, str] | None = None):
    """Scheduled events, one row each in date order: marker at the date, sized by |Goldstein|,
    filled for cooperative and open for conflictual events, coloured by source (a fixed
    colour per actor); each row is labelled beside its marker (`labels[id]`, else the id in
    words; → target, by `names[code]`, else its code; Goldstein weight)."""
    ax = ax or plt.gca()
    names, labels = names or {}, labels or {}
    sched = counts[~counts["origin"].isin(["strategy", "reaction"])]
    sched = sched.drop_duplicates("id").sort_values(["first_date", "id"]).reset_index(drop=True)
    if sched.empty:
        ax.text(0.5, 0.5, "no scheduled events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    sources = sorted(set(sched["source"].astype(str)), key=lambda a: (a not in PATRON_COLORS, a))
    y = np.arange(len(sched))[::-1]
    for src in sources:
        m = (sched["source"] == src).to_numpy()
        c = actor_color(src)
        g = sched.loc[m, "goldstein"].to_numpy()
        ax.scatter(sched.loc[m, "first_date"], y[m], s=8 + 5 * np.abs(g), color=c,
                   facecolors=np.where(g[:, None] >= 0, matplotlib.colors.to_rgba(c), (1, 1, 1, 1)),
                   linewidths=1.1, zorder=3, label=f"source: {names.get(src, src)}")
    first, last = sched["first_date"].min(), sched["first_date"].max()
    middle = first + (last - first) / 2
    for yi, row in zip(y, sched.itertuples()):
        left = row.first_date > middle  # late events are labelled on their left
        text = (f"{labels.get(row.id, str(row.id).replace('_', ' '))} "
                f"(→ {names.get(row.target, row.target)}, {row.goldstein:+.0f})")
        ax.annotate(text, (row.first_date, yi), xytext=(-6 if left else 6, 0), textcoords="offset points",
                    ha="right" if left else "left", va="center", fontsize=7).set_in_layout(False)
    pad = max((last - first) * 0.04, pd.Timedelta(days=3))
    ax.set_xlim(first - pad, last + pad)
    ax.set_yticks([])
    ax.set_ylim(-0.8, len(sched) - 0.2)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    date_axis(ax)
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=min(len(sources), 3), frameon=False,
              title="filled: cooperative; open: conflictual; size: |Goldstein|")
    return ax


def plot_decided_events(counts: pd.DataFrame, top: int = 10, ax=None, paths: list[str] | None = None,
                        labels: dict[str, str] | None = None):
    """The most frequent decided events: mean count per replicate, by path (in the order of
    `paths`, which also fixes the colours of paths without a colour of their own), each
    named by `labels[id]` (else its id in words)."""
    ax = ax or plt.gca()
    labels = labels or {}
    dec = counts[counts["origin"].isin(["strategy", "reaction"])]
    if dec.empty:
        ax.text(0.5, 0.5, "no decided events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    tot = dec.groupby("id", observed=True)["per_replicate"].sum().sort_values(ascending=False)
    ids = list(tot.index[:top])[::-1]
    paths = [p for p in (paths or in_order(dec["path"])) if p in set(dec["path"])]
    h = 0.8 / len(paths)
    y = np.arange(len(ids))
    for i, path in enumerate(paths):
        d = dec[dec["path"] == path].groupby("id", observed=True)["per_replicate"].sum()
        ax.barh(y - (i - (len(paths) - 1) / 2) * h, [d.get(k, 0.0) for k in ids], height=h,
                color=color_of(path, PATH_COLORS, paths), label=path.replace("_", " "))
    ax.set_yticks(y, [labels.get(k, str(k).replace("_", " ")) for k in ids], fontsize=7)
    ax.set_xlabel("events per replicate over the projection (mean)")
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
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
