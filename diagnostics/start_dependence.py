"""Diagnostic: how much of each client's end-2028 balance does its step-0 balance explain?

v1's finding (issue "Model v2"): in a 160-point Latin hypercube over ten inputs, the step-0
balance alone explained R² = 0.89 of Azerbaijan's end-2028 TUR-RUS balance; events and
strategies barely mattered. This script repeats the design, for each client on its own
axis, on four variants:

- "v3": Model v3 at its defaults (`model=v3`), its new mechanisms' parameters in the design too;
- "v2": Model v2 at its defaults;
- "v2 without its mechanisms": the v2 structure, start and history with every new
  mechanism at its neutral value (v1's parameters and catalog: no anchor drift, goodwill,
  lasting events, capability or diaspora-size weights, Bernoulli counts; no client or
  history strategies; no cooperative reactions; no outside option);
- "v1" (`model=v1`, Azerbaijan only: v1's axis is TUR-RUS for every client).

It prints the R² of the step-0 balance on the end-2028 balance; the end balance split into
the step-0 balance and the change from it (the spread of each and their correlation: a change
that is the same at every point, however large, leaves the R² where the start put it); and
the standardised coefficients of every input in a linear regression of the end balance on
the inputs.

Inputs (uniform over the ranges below, the same design in every variant): the client's
susceptibility; its target attitudes (v1: anchors) toward Russia and toward the other
patron of its axis; a multiplier on all its baseline ties with Russia, and one on its ties
with the other patron; the security channel weight, the other channels rescaled so that
the weights keep their sum; the attitude, tie and grievance steps; the intensity of
Russia's and Turkey's status-quo strategies. For v3 also its mechanisms' parameters: the
credibility drops and anchor shift, the triads' step, the institutionalisation rate and
the war class's magnitude. Each point runs 20 replicates of the status-quo path to
the end of 2028; all points share one batch (every input is batchable). A point whose
targets no anchor in [-1, 1] can hold is left out and counted.

Run:  .venv/bin/python diagnostics/start_dependence.py [--points 160] [--replicates 20]
          [--clients GEO] [--variants v3] [--set OVERRIDE ...]   (a Hydra override for every variant)
Nothing printed is hard-coded: every number is measured in the run that prints it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from omegaconf import OmegaConf, open_dict
from scipy.stats import qmc

from caucasus_sim import CaucasusModel, ConfigError, load_config
from caucasus_sim.config import CHANNELS
from caucasus_sim.model.network import Network

CLIENTS = {"AZE": "TUR", "ARM": "WEST", "GEO": "WEST"}  # the other patron of each client's axis
VARIANTS = ("v3", "v2", "v2 without its mechanisms", "v1")
TIES = "ties_with_russia"  # a multiplier on every channel of the client's baseline ties with Russia
OTHER_TIES = "ties_with_other"  # the same for the other patron of its axis
V3_RANGES = {  # around v3's defaults (conf/params/v3.yaml), from off to twice or more
    "params.credibility.refusal_drop": (0.0, 0.5),
    "params.credibility.unanswered_drop": (0.0, 0.4),
    "params.credibility.anchor_shift": (0.0, 1.0),
    "params.triads.attitude_step": (0.0, 0.1),
    "params.institutionalisation_per_year": (0.0, 0.3),
    "params.class_magnitude.war": (0.5, 2.0),
}


def neutral(cfg):
    """The v2 configuration with every new mechanism at its neutral value."""
    v1_params = load_config(["model=v1"]).params
    with open_dict(cfg):
        cfg.params = v1_params
        cfg.catalog = load_config(["model=v1"]).catalog
        cfg.decisions.always, cfg.decisions.history = [], []
        for reaction in cfg.decisions.reactions.values():
            reaction.cooperative_trigger = None
        for state in cfg.actors.states.values():
            state.nonalignment = 0.0
    return cfg


def variants(client: str, names: list[str], extra: list[str]) -> dict[str, object]:
    """The variants named (all four by default; v1 for Azerbaijan only), each composed with
    the extra overrides."""
    base = ["progress=off", "scenario.outcome_dates=[]", *extra]
    make = {"v3": lambda: load_config([*base, "model=v3"]), "v2": lambda: load_config(base),
            "v2 without its mechanisms": lambda: neutral(load_config(base)),
            "v1": lambda: load_config([*base, "model=v1"])}
    return {name: make[name]() for name in names if name != "v1" or client == "AZE"}


def ranges(cfg, client: str, other: str) -> dict[str, tuple[float, float]]:
    lam = float(cfg.actors.states[client].susceptibility)
    x_rus = float(cfg.actors.attitude[client].RUS)
    x_other = float(cfg.actors.attitude[client][other])
    out = {
        f"actors.states.{client}.susceptibility": (0.5 * lam, lam),
        f"actors.attitude.{client}.RUS": (max(-1.0, x_rus - 0.2), min(1.0, x_rus + 0.2)),
        f"actors.attitude.{client}.{other}": (max(-1.0, x_other - 0.2), min(1.0, x_other + 0.2)),
        TIES: (0.5, 1.5),
        OTHER_TIES: (0.5, 1.5),
        "params.channel_weight.security": (0.15, 0.45),
        "params.attitude_step": (0.075, 0.3),
        "params.tie_step": (0.05, 0.2),
        "params.grievance_gain": (0.5, 2.0),
        "decisions.strategies.rus_status_quo.intensity": (0.5, 2.0),
        "decisions.strategies.tur_status_quo.intensity": (0.5, 2.0),
    }
    if cfg.model_version == "v3":
        out.update(V3_RANGES)
    return out


def as_point(cfg, client: str, values: dict) -> dict:
    """A design row as configuration keys: each tie multiplier becomes one key per channel
    (ties given under either actor), the security weight rescales the other channels."""
    point = {k: float(v) for k, v in values.items() if k not in (TIES, OTHER_TIES)}
    for patron, factor in (("RUS", values[TIES]), (CLIENTS[client], values[OTHER_TIES])):
        owner, ties = tie_entry(cfg, client, patron)
        for k in CHANNELS:
            if k in ties:
                point[f"actors.ties.{owner}.{k}"] = float(min(1.0, ties[k] * factor))
    w = cfg.params.channel_weight
    rest = 1.0 - point["params.channel_weight.security"] / sum(w.values())
    for k in CHANNELS:
        if k != "security":
            point[f"params.channel_weight.{k}"] = float(w[k]) * rest / (1.0 - float(w.security) / sum(w.values()))
    return point


def tie_entry(cfg, client: str, patron: str):
    """Where a client's baseline ties with a patron are given: (the key under actors.ties, the channels)."""
    ties = cfg.actors.ties
    if client in ties and patron in ties[client]:
        return f"{client}.{patron}", ties[client][patron]
    if patron in ties and client in ties[patron]:
        return f"{patron}.{client}", ties[patron][client]
    return f"{client}.{patron}", {}


def feasible(cfg, point: dict) -> bool:
    try:
        Network(cfg.actors, cfg.params, point)
        return True
    except ConfigError:  # targets no anchor in [-1, 1] can hold at this susceptibility
        return False


def run_design(cfg, client: str, n: int, R: int, seed: int):
    box = ranges(cfg, client, CLIENTS[client])
    unit = qmc.LatinHypercube(d=len(box), rng=np.random.default_rng(seed)).random(n)
    X = qmc.scale(unit, *zip(*box.values()))
    rows = [row for row in X if feasible(cfg, as_point(cfg, client, dict(zip(box, row))))]
    points = [as_point(cfg, client, dict(zip(box, row))) for row in rows]
    with open_dict(cfg):
        cfg.replicates = R
    m = CaucasusModel(cfg, path="status_quo", points=points, record="outcomes").run()
    b = m.balance()[:, :, m.clients.index(client)].reshape(len(m.recorded_steps), len(points), R)
    return np.array(rows), b[0].mean(axis=1), b[-1].mean(axis=1), list(box), n - len(points)


def r_squared(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1] ** 2) if np.std(x) > 0 and np.std(y) > 0 else float("nan")


def standardised(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    beta, *_ = np.linalg.lstsq(np.c_[np.ones(len(Z)), Z], (y - y.mean()) / y.std(), rcond=None)
    return beta[1:]


def short(key: str) -> str:
    parts = key.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else key


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=160)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20250627)
    ap.add_argument("--clients", nargs="+", choices=list(CLIENTS), default=list(CLIENTS))
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="OVERRIDE",
                    help="a Hydra override for every variant, e.g. 'actors.adversaries=[[ARM,AZE],[GEO,RUS]]'")
    a = ap.parse_args()
    print(f"{a.points}-point Latin hypercube x {a.replicates} replicates, status quo path, outcome: the mean "
          "balance at the end of the run (end of 2028) on each client's axis")
    for client in a.clients:
        for name, cfg in variants(client, a.variants, a.overrides).items():
            t0 = time.perf_counter()
            X, start, end, keys, bad = run_design(cfg, client, a.points, a.replicates, a.seed)
            beta = standardised(X, end)
            axis = "TUR-RUS" if name == "v1" else f"{OmegaConf.select(cfg, f'balance.clients.{client}.plus') or 'TUR'}-RUS"
            print(f"\n{client} ({axis}), {name}: R² of the step-0 balance = {r_squared(start, end):.2f} "
                  f"({len(end)} points, {bad} infeasible, {time.perf_counter() - t0:.0f} s); end balance "
                  f"{end.min():+.3f} .. {end.max():+.3f}, step 0 {start.min():+.3f} .. {start.max():+.3f}")
            change = end - start
            print(f"  end = step 0 + change: sd of step 0 {start.std():.3f}, sd of the change {change.std():.3f} "
                  f"(mean {change.mean():+.3f}), correlation of the two {np.corrcoef(start, change)[0, 1]:+.2f}")
            top = sorted(zip(keys, beta), key=lambda kv: -abs(kv[1]))
            print("  standardised coefficients: " + ", ".join(f"{short(k)} {v:+.2f}" for k, v in top))


if __name__ == "__main__":
    main()
