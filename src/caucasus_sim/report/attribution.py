"""The report of an event attribution, from its saved effects table only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import plots
from ..analysis.attribution import EFFECTS_FILE, OUTCOMES_FILE
from ..outputs import BALANCE, axis_names, in_order
from .document import Document, Figures, Section, subplots
from .labels import Labels


def document(folder: Path, cfg, figs: Figures) -> Document:
    effects = pd.read_csv(folder / EFFECTS_FILE)
    clients = in_order(effects["client"])
    reps = int(effects["replicates"].max())
    focus = cfg.sweep.client if cfg.sweep.client in clients else clients[0]
    ev = effects[effects["kind"] == "event"]
    sections = [_event_section(cfg, ev, clients, focus, reps, figs)]
    other = effects[effects["kind"] == "path"]
    if len(other):
        sections.append(_path_section(cfg, other, clients, focus, reps, figs))
    header = [f"- Baseline path `{cfg.attribution.baseline}`; {ev['effect_of'].nunique()} events attributed; "
              f"{reps} replicates; seed {cfg.seed}; outcome as of {cfg.attribution.outcome}.",
              f"- Tables: `{EFFECTS_FILE}` (effects and intervals), `{OUTCOMES_FILE}` (per path, replicate "
              "and client)."]
    return Document(str(cfg.experiment), str(cfg.description or "").strip(), header, sections)


def _effect_figure(cfg, rows: pd.DataFrame, clients: list[str], per_row: float, pad: float, figs: Figures, name: str,
                   xlabel: str, sharex: bool = False) -> str:
    """One panel of sorted effects with intervals per client."""
    fig, axes = subplots(plots.SINGLE_COLUMN, (per_row * rows["effect_of"].nunique() + pad) * len(clients),
                         len(clients), 1, squeeze=False, sharex=sharex)
    names = Labels(cfg)
    for ax, client in zip(axes[:, 0], clients):
        plots.plot_effects(rows[rows["client"] == client], ax=ax)
        ax.set_title(names.actor(client))
        if not sharex:
            ax.set_xlabel(xlabel)
    if sharex:
        axes[-1, 0].set_xlabel(xlabel)
    return figs.save(fig, name)


def _event_section(cfg, ev: pd.DataFrame, clients: list[str], focus: str, reps: int, figs: Figures) -> Section:
    bname = BALANCE
    label = Labels(cfg).balance(axis_names(cfg)[focus])
    short = label.replace(" alignment", "")
    moved = [c for c in clients if ev.loc[ev["client"] == c, "effect_mean"].abs().max() > 0]
    img = _effect_figure(cfg, ev, moved or clients[:1], 0.2, 0.9, figs, f"{bname}_effect_by_event",
                         f"effect on {short}\n(share difference)")
    mine = ev[ev["client"] == focus]
    top = mine.reindex(mine["effect_mean"].abs().sort_values(ascending=False).index).head(3)
    reading = [f"For {Labels(cfg).actor(focus)}, the largest effects on the {label} as of "
               f"{cfg.attribution.outcome} are " + "; ".join(
        f"{r.effect_of.replace('_', ' ')} {r.effect_mean:+.3f} (95% CI {r.ci_low:+.3f} to {r.ci_high:+.3f})"
        for r in top.itertuples()) + "."]
    zero = mine[(mine["ci_low"] <= 0) & (mine["ci_high"] >= 0)]
    if len(zero):
        reading.append(f"{len(zero)} event(s) have an interval that includes 0.")
    reading.append(NOISE_ONLY)
    unmoved = [c for c in clients if c not in moved]
    if unmoved:
        reading.append(f"No event moves the balance of {', '.join(unmoved)} (not shown): every "
                       "attributed event is between other actors and none reaches them in this model.")
    return Section(f"Effect of each event on the {label}", img,
                   f"Mean paired effect of each scheduled event of path {cfg.attribution.baseline} on each "
                   f"client's {label} as of {cfg.attribution.outcome} (baseline minus the same run without "
                   f"the event), with 95% intervals, over {reps} replicates paired by common random numbers.",
                   " ".join(reading))


NOISE_ONLY = ("Each 95% CI is that of a mean paired effect over the replicates: it covers the model's noise at the "
              "configured parameters, not parameter uncertainty or the model's error.")


def _path_section(cfg, other: pd.DataFrame, clients: list[str], focus: str, reps: int, figs: Figures) -> Section:
    bname = BALANCE
    label = Labels(cfg).balance(axis_names(cfg)[focus])
    img = _effect_figure(cfg, other, clients, 0.3, 0.8, figs, f"{bname}_effect_by_path",
                         f"effect on {label.replace(' alignment', '')}\n(share difference)", sharex=True)
    text = " ".join(
        f"{r.effect_of.replace('_', ' ')} changes {Labels(cfg).actor(r.client)}'s balance by {r.effect_mean:+.3f} "
        f"(95% CI {r.ci_low:+.3f} to {r.ci_high:+.3f})." for r in other.itertuples() if r.client == focus) \
        + " " + NOISE_ONLY
    return Section(f"Effect of the other paths on the {label}", img,
                   f"Mean paired effect (path minus {cfg.attribution.baseline}) on each client's {label} "
                   f"as of {cfg.attribution.outcome}, with 95% intervals, over {reps} replicates.", text)
