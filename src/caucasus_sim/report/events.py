"""The event timeline section of a run's report: scheduled events by date and the events
actors decided most often."""

from __future__ import annotations


import pandas as pd

from .. import plots
from ..plots.events import MAX_DYADS
from .document import Figures, Section, new_figure, table, text
from .labels import Labels


MAX_LISTED = 30  # scheduled events listed in the report's table (all are in events.parquet)


def scheduled_table(events: pd.DataFrame) -> str:
    """The scheduled events as a compact table that fits a phone: date, event id, dyad (codes),
    CAMEO code and Goldstein weight; their descriptions and citations are in `events.parquet`
    and the timeline file."""
    sched = events[~events["origin"].isin(["strategy", "reaction"])].drop_duplicates("id").sort_values(["date", "id"])
    rows = [[plots.day(r.date), text(r.id), f"{text(r.source)}→{text(r.target)}", text(r.cameo),
             f"{r.goldstein:+.1f}"] for r in sched.head(MAX_LISTED).itertuples()]
    more = (f" {len(sched) - MAX_LISTED} more scheduled events are there too." if len(sched) > MAX_LISTED else "")
    return (table(["date", "event", "dyad", "CAMEO", "g"], rows)
            + "\n\nEach event's description and citation are in `events.parquet` (and the timeline file)." + more)


def event_section(counts: pd.DataFrame, events: pd.DataFrame, paths: list[str], figs: Figures,
                  replicates: int, labels: Labels, max_rows: int = 40) -> Section:
    """Scheduled events by date (or, above `max_rows` of them, weekly counts by dyad and by
    CAMEO quad class) and the most frequent decided events (a note if none), named by
    `labels` (the table below the figure keeps the ids and codes)."""
    width = plots.SINGLE_COLUMN
    if counts.empty:
        return Section("Event timeline", None, "", "No event happened in this run: no scheduled event and none "
                "decided by an actor, so there is no timeline to draw.")
    sched = counts[~counts["origin"].isin(["strategy", "reaction"])].drop_duplicates("id")
    dec = counts[counts["origin"].isin(["strategy", "reaction"])]
    weekly = len(sched) > max_rows
    n_dec = min(10, dec["id"].nunique())
    n_dyads = min(sched.assign(d=sched["source"].astype(str) + sched["target"].astype(str))["d"].nunique(),
                  MAX_DYADS + 1)
    heights = {"scheduled": 0.0 if weekly or not len(sched) else 0.7 + 0.15 * max(len(sched), 2),
               "dyads": 0.9 + 0.16 * n_dyads if weekly else 0.0, "classes": 1.9 if weekly else 0.0,
               "decided": 0.8 + 0.055 * n_dec * (len(paths) + 1) if n_dec else 0.0}
    shown = [k for k, h in heights.items() if h]
    fig = new_figure(width, sum(heights.values()))
    # one subfigure per panel, so that each panel's labels take only its own margin
    subs = fig.subfigures(len(shown), 1, height_ratios=[heights[k] for k in shown], squeeze=False)[:, 0]
    for sub, kind in zip(subs, shown):
        _panel(sub, kind, counts, events, paths, labels)
    img = figs.save(fig, "event_timeline")
    return Section("Event timeline", img, _caption(shown, replicates, max_rows),
                   _reading(sched, dec, events, paths, labels))


TITLES = {"scheduled": "Scheduled events (recorded timeline and scenario)",
          "dyads": "Scheduled events per week, by dyad", "classes": "Scheduled events per week, by CAMEO quad class",
          "decided": "Most frequent events decided by actors (projection)"}


def _panel(sub, kind: str, counts: pd.DataFrame, events: pd.DataFrame, paths: list[str], labels: Labels) -> None:
    ax = sub.subplots()
    if kind == "scheduled":
        plots.plot_scheduled_events(counts, ax=ax, names=labels.names)
    elif kind == "dyads":
        plots.plot_weekly_by_dyad(events, ax=ax)
    elif kind == "classes":
        plots.plot_weekly_by_quad_class(events, ax=ax)
    else:
        plots.plot_decided_events(counts, ax=ax, paths=paths, labels=labels.events(counts))
        ax.set_xlabel("events per replicate (mean)")
        ax.legend(title="path", frameon=False, loc="lower right")
    sub.suptitle(TITLES[kind], fontsize=8)


def _caption(shown: list[str], replicates: int, max_rows: int) -> str:
    parts = {"scheduled": "scheduled events by date, labelled with source → target and Goldstein weight "
                          "(−10 to +10), coloured by source",
             "dyads": f"with more than {max_rows} scheduled events (`report.max_event_rows`), their number per "
                      "week and dyad (the most frequent dyads by name)",
             "classes": "their number per week by CAMEO quad class",
             "decided": f"the most frequent decided events, mean count per replicate over {replicates} "
                        "replicates, by path"}
    if len(shown) == 1:
        return parts[shown[0]][0].upper() + parts[shown[0]][1:] + "."
    names = ["Top"] + ["Middle"] * (len(shown) - 2) + ["Bottom"]
    return " ".join(f"{name}: {parts[k]}." for name, k in zip(names, shown))


def _reading(sched: pd.DataFrame, dec: pd.DataFrame, events: pd.DataFrame, paths: list[str], labels: Labels) -> str:
    reading = f"{len(sched)} scheduled events"
    if len(sched):
        worst = sched.sort_values("goldstein").iloc[0]
        reading += (f"; the most conflictual is {text(worst['id'].replace('_', ' '))} "
                    f"({plots.day(worst['first_date'])}, Goldstein {worst['goldstein']:+.1f})")
    reading += "."
    for path in paths:
        d = dec[dec["path"] == path]
        if d.empty:
            continue
        per = d.groupby("id", observed=True)["per_replicate"].sum().sort_values(ascending=False)
        top = labels.event(per.index[0], str(d.loc[d["id"] == per.index[0], "origin"].iloc[0]))
        reading += (f" Under {text(path.replace('_', ' '))}, actors decide {per.sum():.1f} events per "
                    f"replicate; most often {text(top)} ({per.iloc[0]:.1f}).")
    if len(sched):
        reading += "\n\n" + scheduled_table(events)
    return reading
