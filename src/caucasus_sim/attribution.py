"""Event attribution: what each event of the timeline did, paired by common random numbers.

For every scheduled event of the baseline path, the same path without that event is run
with the same seed, so replicate k of both runs shares every random number; the event's
effect on a client's balance is the per-replicate difference baseline - without, and
its 95% interval is mean +- 1.96 standard errors of those paired differences. Every other
path of the experiment (e.g. one that adds a hypothetical event) is compared with the
baseline the same way, as path - baseline.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf, open_dict

from .events import path_events
from .model import CaucasusModel
from .schema import ConfigError, PathConfig

EFFECTS_FILE = "attribution.csv"
OUTCOMES_FILE = "attribution_outcomes.parquet"


def _outcome_step(model: CaucasusModel, label: str) -> int:
    if label == "end":
        return model.n_steps
    return model.step_at(dt.date.fromisoformat(label))


def check_attribution(cfg) -> list[str]:
    """Validate the attribution block; return the ids of the events to attribute."""
    at = cfg.attribution
    if at.baseline not in cfg.paths:
        raise ConfigError(f"attribution.baseline: unknown path {at.baseline!r}; expected one of {', '.join(cfg.paths)}")
    labels = [str(d) for d in cfg.scenario.outcome_dates] + ["end"]
    if str(at.outcome) not in labels:
        raise ConfigError(f"attribution.outcome: {at.outcome!r} is not an outcome; expected one of {', '.join(labels)}")
    if cfg.balance is None:
        raise ConfigError("attribution: needs a balance (balance.plus and balance.minus)")
    actors = list(cfg.actors.states) + list(cfg.actors.diasporas)
    known = [e.id for e in path_events(cfg, at.baseline, actors)]
    for eid in at.events:
        if eid not in known:
            raise ConfigError(f"attribution.events: no event {eid!r} in path {at.baseline!r}; known: {', '.join(known)}")
    return list(at.events) or known


def variants(cfg, ids: list[str]):
    """The configuration with one extra path per attributed event: the baseline without it."""
    base = cfg.paths[cfg.attribution.baseline]
    out = copy.deepcopy(cfg)
    with open_dict(out):
        for eid in ids:
            spec = OmegaConf.merge(OmegaConf.structured(PathConfig), OmegaConf.to_container(base))
            spec.remove = list(base.remove) + [eid]
            spec.description = f"{cfg.attribution.baseline} without {eid}"
            out.paths[f"without:{eid}"] = spec
    return out


def run_attribution(cfg) -> Path:
    """Run the baseline, every leave-one-out variant and the other paths; write the folder."""
    from tqdm.auto import tqdm

    from .experiment import progress_disabled
    from .results import balance_name, git_commit, new_run_folder, sha256, versions
    from .streams import replicate_keys

    t0 = time.perf_counter()
    ids = check_attribution(cfg)
    vcfg = variants(cfg, ids)
    names = list(vcfg.paths)
    models = {name: CaucasusModel(vcfg, path=name) for name in names}  # errors before any output
    bname = balance_name(cfg)
    label = str(cfg.attribution.outcome)
    frames = []
    with tqdm(total=len(models), unit="run", desc="attribution", disable=progress_disabled(cfg)) as bar:
        for name, m in models.items():
            m.run()
            t = _outcome_step(m, label)
            bal = m.balance(cfg.balance.plus, cfg.balance.minus)[t]  # (R, C)
            frames.append(pd.DataFrame({
                "path": name,
                "replicate": np.repeat(m.replicate_ids, len(m.clients)),
                "client": np.tile(m.clients, m.R),
                "outcome": label,
                "date": pd.Timestamp(m.dates[t]),
                bname: bal.reshape(-1),
            }))
            bar.update(1)
            models[name] = None  # free the records of a finished variant
    outcomes = pd.concat(frames, ignore_index=True)
    events = {e.id: e for e in path_events(vcfg, cfg.attribution.baseline,
                                           list(cfg.actors.states) + list(cfg.actors.diasporas))}
    effects = effect_table(outcomes, cfg, events, bname)
    staging, final = new_run_folder(Path(cfg.output_root), cfg.experiment)
    try:
        (staging / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True), encoding="utf-8")
        outcomes.to_parquet(staging / OUTCOMES_FILE, index=False)
        effects.to_csv(staging / EFFECTS_FILE, index=False, float_format="%.6g")
        write_attribution_report(staging, cfg)
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        manifest = {
            "analysis": "attribution", "experiment": cfg.experiment, "run_id": final.name,
            "seed": int(cfg.seed), "replicates": int(cfg.replicates),
            "replicate_keys": [int(k) for k in replicate_keys(int(cfg.seed), range(int(cfg.replicates)))],
            "baseline": cfg.attribution.baseline, "events": ids, "outcome": label,
            "versions": versions(), "git_commit": git_commit(),
            "command": [Path(sys.argv[0]).name] + sys.argv[1:],
            "wall_time_s": round(time.perf_counter() - t0, 3),
            "files": {str(p.relative_to(staging)): sha256(p) for p in files},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.rename(staging, final)
    except BaseException:
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"caucasus-sim: {cfg.experiment}: {len(ids)} events attributed, {len(cfg.paths) - 1} "
          f"other path(s), {cfg.replicates} replicates -> {os.path.relpath(final)}")
    return final.resolve()


def effect_table(outcomes: pd.DataFrame, cfg, events: dict, bname: str) -> pd.DataFrame:
    """Paired effects: baseline - without(e) per event, path - baseline per other path."""
    base_name = cfg.attribution.baseline
    wide = outcomes.pivot_table(index=["client", "replicate"], columns="path", values=bname,
                                aggfunc="first")
    base = wide[base_name]
    rows = []
    for name in wide.columns:
        if name == base_name:
            continue
        if name.startswith("without:"):
            eid, kind, diff = name.removeprefix("without:"), "event", base - wide[name]
            e = events.get(eid)
            info = dict(date=e.date if e else None, source=e.source if e else "", target=e.target if e else "",
                        cameo=e.kind.cameo if e else "", goldstein=e.kind.goldstein if e else np.nan)
        else:
            eid, kind, diff = name, "path", wide[name] - base
            info = dict(date=None, source="", target="", cameo="", goldstein=np.nan)
        for client, d in diff.groupby(level="client"):
            v = d.to_numpy()
            n = len(v)
            mean = float(v.mean())
            se = float(v.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
            rows.append({"effect_of": eid, "kind": kind, **info, "client": client,
                         "outcome": str(cfg.attribution.outcome), "replicates": n,
                         "effect_mean": mean, "ci_low": mean - 1.96 * se, "ci_high": mean + 1.96 * se,
                         "effect_sd": float(v.std(ddof=1)) if n > 1 else float("nan"),
                         "share_positive": float(np.mean(v > 0))})
    return pd.DataFrame(rows)


def write_attribution_report(folder: Path, cfg=None) -> Path:
    """Figures, report.md and report.html of an attribution folder, from its saved tables."""
    from .report import build_report

    return build_report(folder, cfg, _attribution_sections)


def _attribution_sections(folder: Path, cfg) -> tuple[list[tuple], list[str]]:
    import matplotlib.pyplot as plt

    from . import plots
    from .report import save_figure
    from .results import balance_name

    effects = pd.read_csv(folder / EFFECTS_FILE)
    bname = balance_name(cfg)
    label = plots.metric_label(bname)
    short = label.replace(" alignment", "")
    clients = list(dict.fromkeys(effects["client"]))
    reps = int(effects["replicates"].max())
    figdir = folder / "figures"
    figdir.mkdir(exist_ok=True)
    ev = effects[effects["kind"] == "event"]
    moved = [c for c in clients if ev.loc[ev["client"] == c, "effect_mean"].abs().max() > 0]
    shown = moved or clients[:1]
    n_ev = ev["effect_of"].nunique()
    fig, axes = plt.subplots(len(shown), 1, figsize=(plots.SINGLE_COLUMN, (0.2 * n_ev + 0.9) * len(shown)),
                             squeeze=False, layout="constrained")
    for ax, client in zip(axes[:, 0], shown):
        plots.plot_effects(ev[ev["client"] == client], ax=ax)
        ax.set_title(client)
        ax.set_xlabel(f"effect on {short}\n(share difference)")
    img1 = save_figure(fig, figdir, f"{bname}_effect_by_event")
    focus = cfg.sweep.client if cfg.sweep.client in clients else clients[0]
    mine = ev[ev["client"] == focus]
    top = mine.reindex(mine["effect_mean"].abs().sort_values(ascending=False).index).head(3)
    reading = [f"For {focus}, the largest effects on the {label} as of {cfg.attribution.outcome} are " + "; ".join(
        f"{r.effect_of.replace('_', ' ')} {r.effect_mean:+.3f} (95% CI {r.ci_low:+.3f} to {r.ci_high:+.3f})"
        for r in top.itertuples()) + "."]
    zero = mine[(mine["ci_low"] <= 0) & (mine["ci_high"] >= 0)]
    if len(zero):
        reading.append(f"{len(zero)} event(s) have an interval that includes 0.")
    unmoved = [c for c in clients if c not in moved]
    if unmoved:
        reading.append(f"No event moves the balance of {', '.join(unmoved)} (not shown): every "
                       "attributed event is between other actors and none reaches them in this model.")
    sections = [(f"Effect of each event on the {label}", img1,
                 f"Mean paired effect of each scheduled event of path {cfg.attribution.baseline} on each "
                 f"client's {label} as of {cfg.attribution.outcome} (baseline minus the same run without "
                 f"the event), with 95% intervals, over {reps} replicates paired by common random numbers.",
                 " ".join(reading))]
    other = effects[effects["kind"] == "path"]
    if len(other):
        n_other = other["effect_of"].nunique()
        fig, axes = plt.subplots(len(clients), 1, figsize=(plots.SINGLE_COLUMN, (0.3 * n_other + 0.8) * len(clients)),
                                 squeeze=False, sharex=True, layout="constrained")
        for ax, client in zip(axes[:, 0], clients):
            plots.plot_effects(other[other["client"] == client], ax=ax)
            ax.set_title(client)
        axes[-1, 0].set_xlabel(f"effect on {short}\n(share difference)")
        img2 = save_figure(fig, figdir, f"{bname}_effect_by_path")
        text = " ".join(
            f"{r.effect_of.replace('_', ' ')} changes {r.client}'s balance by {r.effect_mean:+.3f} "
            f"(95% CI {r.ci_low:+.3f} to {r.ci_high:+.3f})." for r in other.itertuples() if r.client == focus)
        sections.append((f"Effect of the other paths on the {label}", img2,
                         f"Mean paired effect (path minus {cfg.attribution.baseline}) on each client's {label} "
                         f"as of {cfg.attribution.outcome}, with 95% intervals, over {reps} replicates.", text))
    header = [f"- Baseline path `{cfg.attribution.baseline}`; {ev['effect_of'].nunique()} events attributed; "
              f"{reps} replicates; seed {cfg.seed}; outcome as of {cfg.attribution.outcome}.",
              f"- Tables: `{EFFECTS_FILE}` (effects and intervals), `{OUTCOMES_FILE}` (per path, replicate "
              "and client)."]
    return sections, header
