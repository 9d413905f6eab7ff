"""The section of a run whose paths read different event streams (a path's own `timeline`,
e.g. an imported export next to the curated timeline): what each stream holds, and where
the streams and the balances they give differ."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plots
from ..outputs import BALANCE, in_order
from .document import Figures, Section, subplots, table, text

PARTING = 0.01  # medians of the balance this far apart: the paths have parted


def has_own_streams(cfg) -> bool:
    """Whether some path of the run reads a timeline of its own."""
    return any(p.get("timeline") is not None for p in cfg.paths.values())


def stream_section(events: pd.DataFrame, outcomes: pd.DataFrame, summary: pd.DataFrame, imports: pd.DataFrame,
                   paths: list[str], axes: dict | None, figs: Figures) -> Section:
    """Each path's scheduled events by dyad (figure), what each import kept, and per client
    where the paths' balances part and how far apart they are at each outcome date."""
    effects = plots.signed_effects(events)
    n_dyads = max(1, effects["dyad"].nunique())
    fig, ax = subplots(plots.SINGLE_COLUMN, 0.9 + 0.11 * n_dyads * len(paths))
    plots.plot_effect_by_dyad(effects, paths, ax=ax)
    img = figs.save(fig, "signed_effect_by_dyad")
    parts = [_streams(effects, imports, paths)]
    if axes:
        parts.append(_balances(outcomes, summary, paths, axes))
    caption = ("Summed signed effect (Σ g/10 · magnitude, before effect noise) of each path's scheduled events per "
               "dyad: what each event stream pushes, and in which direction.")
    return Section("Where the event streams differ", img, caption, "\n\n".join(parts))


def _streams(effects: pd.DataFrame, imports: pd.DataFrame, paths: list[str]) -> str:
    lines = []
    for path in paths:
        e = effects[effects["path"] == path]
        span = f", {e['first'].min().date()} to {e['last'].max().date()}" if len(e) else ""
        line = (f"- {text(path.replace('_', ' '))}: {int(e['events'].sum())} scheduled events on {len(e)} dyads"
                f"{span}; summed signed effect {e['effect'].sum():+.2f}.")
        row = imports[imports["path"] == path] if len(imports) else imports
        if len(row):
            i = row.iloc[0]
            line += (f" Imported from {text(i['export'])} ({i['format']}): {i['events']} events, {i['acting']} with "
                     f"a magnitude above 0 (the others are not scheduled). Cleaning: {text(i['cleaning'])}.")
        lines.append(line)
    by_path = {p: set(effects.loc[effects["path"] == p, "dyad"]) for p in paths}
    base = paths[0]
    for path in paths[1:]:
        only = sorted(by_path[path] - by_path[base])
        missing = sorted(by_path[base] - by_path[path])
        lines.append(f"- Dyads only in {text(path.replace('_', ' '))}: {', '.join(only) or 'none'}; only in "
                     f"{text(base.replace('_', ' '))}: {', '.join(missing) or 'none'}.")
    return "\n".join(lines)


def _balances(outcomes: pd.DataFrame, summary: pd.DataFrame, paths: list[str], axes: dict) -> str:
    """Per client and path (against the first): the paired balance difference at each
    outcome date, and the first date the medians part by more than PARTING."""
    base, rows = paths[0], []
    bal = summary[summary["metric"] == BALANCE]
    for client in in_order(outcomes["client"]):
        o = outcomes[outcomes["client"] == client]
        piv = o.pivot_table(index=["outcome", "replicate"], columns="path", values=BALANCE)
        med = bal[bal["client"] == client].pivot_table(index="date", columns="path", values="q50")
        for path in paths[1:]:
            apart = med.index[(med[path] - med[base]).abs().to_numpy() > PARTING]
            cells = []
            for label in in_order(o["outcome"]):
                diff = (piv.loc[label, path] - piv.loc[label, base]).to_numpy()
                q05, q95 = np.quantile(diff, [0.05, 0.95])
                cells.append(f"{diff.mean():+.3f} ({q05:+.3f} to {q95:+.3f})")
            rows.append([f"{client} ({axes[client].replace('-', '–')})", text(path.replace("_", " ")),
                         str(apart[0].date()) if len(apart) else "never", *cells])
    labels = in_order(outcomes["outcome"])
    return (f"Balance of each path minus {text(base.replace('_', ' '))}, paired replicate by replicate: mean "
            f"(5–95% range) at each outcome date, and the first date their medians are more than {PARTING} apart.\n\n"
            + table(["client", "path", "medians part", *labels], rows))
