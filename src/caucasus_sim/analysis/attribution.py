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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import OmegaConf, open_dict

from ..config import ConfigError
from ..config.schema import PathConfig
from ..model import CaucasusModel, path_events
from ..outputs import BALANCE, Bundle, axis_names
from ..outputs.preflight import BASE_MEMORY, OUTCOME_ROW_BYTES, REPORT_BYTES, Cost, model_bytes, shape_of
from .progress import progress_bar
from .result import Result

EFFECTS_FILE = "attribution.csv"
OUTCOMES_FILE = "attribution_outcomes.parquet"


@dataclass(repr=False)
class AttributionResult(Result):
    """Paired effects of each attributed event and each other path (`effects`), and the
    balance per path, replicate and client (`outcomes`)."""

    kind = "attribution"
    effects: pd.DataFrame
    outcomes: pd.DataFrame
    baseline: str
    events: list[str]
    outcome: str
    client: str

    def facts(self) -> list[str]:
        reps = int(self.outcomes["replicate"].nunique())
        out = [f"{len(self.events)} events attributed, {self.effects.loc[self.effects['kind'] == 'path', 'effect_of'].nunique()} "
               f"other path(s), {reps} replicates"]
        mine = self.effects[(self.effects["kind"] == "event") & (self.effects["client"] == self.client)]
        top = mine.reindex(mine["effect_mean"].abs().sort_values(ascending=False).index).head(3)
        if len(top):
            out.append(f"largest effects on {self.client} as of {self.outcome}: "
                       + ", ".join(f"{r.effect_of} {r.effect_mean:+.3f}" for r in top.itertuples()))
        return out

    def provenance(self) -> dict:
        return {"baseline": self.baseline, "events": self.events, "outcome": self.outcome}


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
    known = [e.id for e in path_events(cfg, at.baseline)]
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


def prepare(cfg):
    """Check the attribution and build every model before any output: (ids, variants)."""
    ids = check_attribution(cfg)
    vcfg = variants(cfg, ids)
    for name in vcfg.paths:
        CaucasusModel(vcfg, path=name, replicates=1)
    return ids, vcfg


def cost(cfg, plan) -> Cost:
    """One variant at a time (outcome steps recorded), and the balance of every variant."""
    _, vcfg = plan
    steps, outcomes, C, P = shape_of(cfg)
    runs, R = len(vcfg.paths), int(cfg.replicates)
    rows = runs * R * C
    return Cost(BASE_MEMORY + model_bytes(R, outcomes + 1, C, P) + rows * OUTCOME_ROW_BYTES["memory"],
                REPORT_BYTES + rows * OUTCOME_ROW_BYTES["parquet"],
                f"an attribution of {runs:,} runs x {R:,} replicates", "replicates or the events attributed")


def run_attribution(cfg, plan, bundle: Bundle) -> AttributionResult:
    """Run the baseline, every leave-one-out variant and the other paths; write the tables."""
    ids, vcfg = plan
    axes = axis_names(cfg)
    label = str(cfg.attribution.outcome)
    frames = []
    with progress_bar(cfg, len(vcfg.paths), "run", "attribution") as bar:
        for name in vcfg.paths:
            m = CaucasusModel(vcfg, path=name, record="outcomes").run()
            row = m.row_of(dict(m.outcome_steps)[label])
            frames.append(pd.DataFrame({
                "path": name,
                "replicate": np.repeat(m.replicate_ids, len(m.clients)),
                "client": np.tile(m.clients, m.R),
                "outcome": label,
                "date": pd.Timestamp(m.dates[m.recorded_steps[row]]),
                BALANCE: m.balance()[row].reshape(-1),
                "axis": np.tile([axes[c] for c in m.clients], m.R),
            }))
            bar.update(1)
    outcomes = pd.concat(frames, ignore_index=True)
    events = {e.id: e for e in path_events(vcfg, cfg.attribution.baseline)}
    effects = effect_table(outcomes, cfg, events)
    bundle.write_table(OUTCOMES_FILE, outcomes)
    bundle.write_table(EFFECTS_FILE, effects)
    return AttributionResult(experiment=str(cfg.experiment), effects=effects, outcomes=outcomes,
                             baseline=str(cfg.attribution.baseline), events=ids, outcome=label,
                             client=str(cfg.sweep.client))


def effect_table(outcomes: pd.DataFrame, cfg, events: dict) -> pd.DataFrame:
    """Paired effects: baseline - without(e) per event, path - baseline per other path."""
    base_name = cfg.attribution.baseline
    wide = outcomes.pivot_table(index=["client", "replicate"], columns="path", values=BALANCE,
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
