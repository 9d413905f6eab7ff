"""The typed configuration schema and its validation.

The dataclasses below are registered in Hydra's ConfigStore as the schema of the primary
config, so a wrong key or a wrong type is rejected while composing. `validate()` then
checks what types cannot say (actor codes exist, dates are ISO dates, rates are not
negative, ...) and raises `ConfigError` with one sentence naming the value and what is
allowed. Nothing here imports or calls anything named by the configuration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

CHANNELS: tuple[str, ...] = ("diplomatic", "security", "economic", "cultural", "information")
ROLES: tuple[str, ...] = ("patron", "client", "other")
PROGRESS_MODES: tuple[str, ...] = ("auto", "on", "off")


class ConfigError(ValueError):
    """A configuration or input error, with a one-line message for the user."""


# ---------------------------------------------------------------------------------------
# Actors and initial conditions


@dataclass
class StateConfig:
    name: str = ""
    role: str = "other"
    capability: float = 1.0
    susceptibility: float = 0.9


@dataclass
class DiasporaConfig:
    origin: str = "???"
    host: str = "???"
    size: float = 0.0
    salience: float = 0.5
    susceptibility: float = 0.7


@dataclass
class ActorsConfig:
    states: dict[str, StateConfig] = field(default_factory=dict)
    diasporas: dict[str, DiasporaConfig] = field(default_factory=dict)
    # listening[a][b]: weight a gives to b's attitudes (rows normalised; no row = self only)
    listening: dict[str, dict[str, float]] = field(default_factory=dict)
    # attitude[a][b]: initial attitude x0 of a toward b in [-1, 1]; unlisted pairs are 0
    attitude: dict[str, dict[str, float]] = field(default_factory=dict)
    # ties[a][b][channel]: baseline tie in [0, 1] between a client and a patron, given under
    # either of the two (not both); unlisted channels are 0
    ties: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    # start from the Friedkin-Johnsen equilibrium of `attitude` (True) or from `attitude` itself
    start_at_equilibrium: bool = True


# ---------------------------------------------------------------------------------------
# Events, timeline and scenario


@dataclass
class EventConfig:
    id: str = "???"
    date: str = "???"
    source: str = "???"
    target: str = "???"
    cameo: str = "???"
    magnitude: float = 1.0
    goldstein: Optional[float] = None
    channels: Optional[list[str]] = None
    note: str = ""


@dataclass
class ScenarioConfig:
    name: str = "history_2024_2025"
    start: str = "2024-12-01"
    end: str = "2028-12-31"
    dt_days: int = 7
    # a CSV in the format of the packaged timeline: "package:<file>" or a file path
    timeline: Optional[str] = "package:timeline_2024_2025.csv"
    events: list[EventConfig] = field(default_factory=list)
    decisions_from: str = "2025-07-07"
    outcome_dates: list[str] = field(default_factory=lambda: ["2025-07-01"])


# ---------------------------------------------------------------------------------------
# Model parameters


@dataclass
class ParamsConfig:
    channel_weight: dict[str, float] = field(
        default_factory=lambda: {
            "diplomatic": 0.2,
            "security": 0.3,
            "economic": 0.3,
            "cultural": 0.1,
            "information": 0.1,
        }
    )
    tie_half_life_days: dict[str, float] = field(
        default_factory=lambda: {
            "diplomatic": 180.0,
            "security": 730.0,
            "economic": 730.0,
            "cultural": 90.0,
            "information": 90.0,
        }
    )
    attitude_step: float = 0.15
    source_share: float = 0.5
    tie_step: float = 0.1
    grievance_gain: float = 1.0
    grievance_drag: float = 0.02
    grievance_half_life_days: float = 730.0
    effect_noise_sd: float = 0.3
    attitude_noise_sd: float = 0.01


@dataclass
class CatalogEntry:
    goldstein: Optional[float] = None
    channels: Optional[list[str]] = None
    grievance: Optional[float] = None
    resolves: Optional[float] = None


# ---------------------------------------------------------------------------------------
# Decisions: strategies of actors and reactions


@dataclass
class ActionConfig:
    cameo: str = "???"
    target: str = "???"
    rate_per_year: float = 1.0
    tension_gain: float = 0.0
    grievance_gain: float = 0.0
    magnitude: float = 1.0
    once: bool = False
    channels: Optional[list[str]] = None


@dataclass
class StrategyConfig:
    actor: str = "???"
    description: str = ""
    intensity: float = 1.0  # multiplies the rates of all actions
    actions: dict[str, ActionConfig] = field(default_factory=dict)


@dataclass
class RungConfig:
    cameo: str = "???"
    threshold: float = 0.0
    channels: Optional[list[str]] = None


@dataclass
class ReactionConfig:
    trigger_goldstein: float = -4.0
    response_probability: float = 0.8
    severity_weight: float = 1.0
    hostility_weight: float = 0.5
    noise_sd: float = 0.15
    ladder: list[RungConfig] = field(default_factory=list)


@dataclass
class DecisionsConfig:
    strategies: dict[str, StrategyConfig] = field(default_factory=dict)
    reactions: dict[str, ReactionConfig] = field(default_factory=dict)


@dataclass
class PathConfig:
    description: str = ""
    strategies: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    add: list[EventConfig] = field(default_factory=list)
    move: dict[str, str] = field(default_factory=dict)


@dataclass
class BalanceConfig:
    plus: str = "TUR"
    minus: str = "RUS"


@dataclass
class AxisConfig:
    # the configuration key to sweep (dotted), and either explicit values, or `num` evenly
    # spaced values from `low` to `high` (grid); a Latin hypercube uses `low` and `high`
    key: str = "???"
    values: Optional[list[float]] = None
    low: Optional[float] = None
    high: Optional[float] = None
    num: Optional[int] = None


@dataclass
class SweepConfig:
    method: str = "none"  # none | grid | lhs
    samples: int = 0  # lhs: number of points
    axes: list[AxisConfig] = field(default_factory=list)
    points_per_batch: int = 0  # points simulated together (0: all); each batch is saved
    client: str = "AZE"  # whose balance the sweep's figures and summary show


SWEEP_METHODS: tuple[str, ...] = ("none", "grid", "lhs")


@dataclass
class AttributionConfig:
    # event attribution: the baseline path and, for each event, the same path without it
    enabled: bool = False
    baseline: str = "history"  # the path whose scheduled events are attributed
    events: list[str] = field(default_factory=list)  # event ids ([]: every scheduled event)
    outcome: str = "2025-07-01"  # an outcome label: a date of scenario.outcome_dates or "end"


@dataclass
class UncertainParam:
    key: str = "???"  # a numeric configuration key
    low: float = 0.0
    high: float = 1.0


@dataclass
class SensitivityConfig:
    method: str = "none"  # none | sobol | morris
    base_samples: int = 512  # Sobol: N (N (2D + 2) points); Morris: trajectories
    morris_levels: int = 4
    params: list[UncertainParam] = field(default_factory=list)
    path: str = ""  # the path evaluated ("": the first)
    client: str = "AZE"
    outcome: str = "end"  # an outcome label: a date of scenario.outcome_dates or "end"
    statistic: str = "p_positive"  # of the balance over the replicates of a point: p_positive | mean
    points_per_batch: int = 100
    discovery_quantile: float = 0.2  # PRIM: points whose statistic is in this lowest share


SENSITIVITY_METHODS: tuple[str, ...] = ("none", "sobol", "morris")
STATISTICS: tuple[str, ...] = ("p_positive", "mean")


@dataclass
class Config:
    experiment: str = "alignment_paths"
    description: str = ""
    seed: int = 20250627
    replicates: int = 1000
    quiet: bool = False
    progress: str = "auto"
    output_root: str = "results"
    actors: ActorsConfig = field(default_factory=ActorsConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    params: ParamsConfig = field(default_factory=ParamsConfig)
    catalog: dict[str, CatalogEntry] = field(default_factory=dict)
    decisions: DecisionsConfig = field(default_factory=DecisionsConfig)
    paths: dict[str, PathConfig] = field(default_factory=dict)
    balance: Optional[BalanceConfig] = field(default_factory=BalanceConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    attribution: AttributionConfig = field(default_factory=AttributionConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)


# ---------------------------------------------------------------------------------------
# Validation of what the types cannot say


def parse_date(value: object, where: str) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD) or raise a one-line ConfigError naming `where`."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{where}: {value!r} is not a date; expected an ISO date YYYY-MM-DD"
        ) from None


def _check_range(value: float, lo: float, hi: float | None, where: str) -> None:
    if value != value or value < lo or (hi is not None and value > hi):
        allowed = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ConfigError(f"{where}: {value!r} is out of range; allowed {allowed}")


def _check_one_of(value: str, allowed: tuple[str, ...] | list[str], where: str) -> None:
    if value not in allowed:
        raise ConfigError(f"{where}: unknown value {value!r}; expected one of {', '.join(allowed)}")


def _check_channels(channels, where: str) -> None:
    if channels is None:
        return
    for c in channels:
        _check_one_of(c, CHANNELS, where)


def validate(cfg) -> None:
    """Check a composed configuration; raise ConfigError with a one-line message."""
    from .events import cameo_table  # the CAMEO codes are package data

    codes = cameo_table()
    if cfg.replicates < 1:
        raise ConfigError(f"replicates: {cfg.replicates!r} must be a positive integer")
    if cfg.seed < 0:
        raise ConfigError(f"seed: {cfg.seed!r} must be a non-negative integer")
    _check_one_of(cfg.progress, PROGRESS_MODES, "progress")
    if not cfg.experiment or "/" in cfg.experiment or cfg.experiment.startswith("."):
        raise ConfigError(f"experiment: {cfg.experiment!r} is not a valid folder name")

    actors = cfg.actors
    if not actors.states:
        raise ConfigError("actors.states: no states defined; define at least one state")
    names = list(actors.states) + list(actors.diasporas)
    dupes = set(actors.states) & set(actors.diasporas)
    if dupes:
        raise ConfigError(f"actors: {sorted(dupes)[0]!r} is both a state and a diaspora")
    for code, s in actors.states.items():
        _check_one_of(s.role, ROLES, f"actors.states.{code}.role")
        _check_range(s.susceptibility, 0.0, 1.0, f"actors.states.{code}.susceptibility")
        _check_range(s.capability, 0.0, None, f"actors.states.{code}.capability")
    for code, d in actors.diasporas.items():
        _check_one_of(d.origin, list(actors.states), f"actors.diasporas.{code}.origin")
        _check_one_of(d.host, list(actors.states), f"actors.diasporas.{code}.host")
        _check_range(d.salience, 0.0, 1.0, f"actors.diasporas.{code}.salience")
        _check_range(d.susceptibility, 0.0, 1.0, f"actors.diasporas.{code}.susceptibility")
        _check_range(d.size, 0.0, None, f"actors.diasporas.{code}.size")
    for a, row in actors.listening.items():
        _check_one_of(a, names, "actors.listening")
        for b, w in row.items():
            _check_one_of(b, names, f"actors.listening.{a}")
            _check_range(w, 0.0, None, f"actors.listening.{a}.{b}")
        if sum(row.values()) <= 0:
            raise ConfigError(f"actors.listening.{a}: weights sum to 0; give at least one positive weight")
    for a, row in actors.attitude.items():
        _check_one_of(a, names, "actors.attitude")
        for b, v in row.items():
            _check_one_of(b, names, f"actors.attitude.{a}")
            _check_range(v, -1.0, 1.0, f"actors.attitude.{a}.{b}")
    roles = {c: s.role for c, s in actors.states.items()}
    for a, row in actors.ties.items():
        _check_one_of(a, names, "actors.ties")
        for b, chans in row.items():
            _check_one_of(b, names, f"actors.ties.{a}")
            if {roles.get(a), roles.get(b)} != {"client", "patron"}:
                raise ConfigError(
                    f"actors.ties.{a}.{b}: ties are tracked only between a client and a patron; "
                    "remove this entry or change the actors' roles"
                )
            if b in actors.ties and a in actors.ties[b]:
                raise ConfigError(f"actors.ties.{a}.{b}: the tie is also given as actors.ties.{b}.{a}; give it once")
            for k, v in chans.items():
                _check_one_of(k, CHANNELS, f"actors.ties.{a}.{b}")
                _check_range(v, 0.0, 1.0, f"actors.ties.{a}.{b}.{k}")

    sc = cfg.scenario
    start = parse_date(sc.start, "scenario.start")
    end = parse_date(sc.end, "scenario.end")
    if end <= start:
        raise ConfigError(f"scenario.end: {sc.end} is not after scenario.start {sc.start}")
    if sc.dt_days < 1:
        raise ConfigError(f"scenario.dt_days: {sc.dt_days!r} must be a positive number of days")
    parse_date(sc.decisions_from, "scenario.decisions_from")
    for i, d in enumerate(sc.outcome_dates):
        od = parse_date(d, f"scenario.outcome_dates[{i}]")
        if not start <= od <= end:
            raise ConfigError(
                f"scenario.outcome_dates[{i}]: {d} is outside the scenario {sc.start} .. {sc.end}"
            )

    p = cfg.params
    for k in p.channel_weight:
        _check_one_of(k, CHANNELS, "params.channel_weight")
    for k in p.tie_half_life_days:
        _check_one_of(k, CHANNELS, "params.tie_half_life_days")
    for k in CHANNELS:
        if k not in p.channel_weight or k not in p.tie_half_life_days:
            raise ConfigError(f"params: channel {k!r} needs a channel_weight and a tie_half_life_days")
        _check_range(p.channel_weight[k], 0.0, None, f"params.channel_weight.{k}")
        _check_range(p.tie_half_life_days[k], 1e-9, None, f"params.tie_half_life_days.{k}")
    for name in ("attitude_step", "tie_step", "grievance_gain", "grievance_drag",
                 "effect_noise_sd", "attitude_noise_sd"):
        _check_range(getattr(p, name), 0.0, None, f"params.{name}")
    _check_range(p.source_share, 0.0, 1.0, "params.source_share")
    _check_range(p.grievance_half_life_days, 1e-9, None, "params.grievance_half_life_days")

    for code, entry in cfg.catalog.items():
        if code not in codes:
            raise ConfigError(
                f"catalog: {code!r} is not a CAMEO code; codes are strings such as '055' "
                "(quote them in YAML so leading zeros stay)"
            )
        if entry.goldstein is not None:
            _check_range(entry.goldstein, -10.0, 10.0, f"catalog.{code}.goldstein")
        _check_channels(entry.channels, f"catalog.{code}.channels")
        if entry.grievance is not None:
            _check_range(entry.grievance, 0.0, None, f"catalog.{code}.grievance")
        if entry.resolves is not None:
            _check_range(entry.resolves, 0.0, 1.0, f"catalog.{code}.resolves")

    dec = cfg.decisions
    for sname, strat in dec.strategies.items():
        _check_one_of(strat.actor, list(actors.states), f"decisions.strategies.{sname}.actor")
        _check_range(strat.intensity, 0.0, None, f"decisions.strategies.{sname}.intensity")
        for aname, act in strat.actions.items():
            where = f"decisions.strategies.{sname}.actions.{aname}"
            check_cameo(act.cameo, f"{where}.cameo")
            _check_one_of(act.target, names, f"{where}.target")
            for fld in ("rate_per_year", "tension_gain", "grievance_gain", "magnitude"):
                _check_range(getattr(act, fld), 0.0, None, f"{where}.{fld}")
            _check_channels(act.channels, f"{where}.channels")
    for actor, rule in dec.reactions.items():
        where = f"decisions.reactions.{actor}"
        _check_one_of(actor, list(actors.states), "decisions.reactions")
        _check_range(rule.trigger_goldstein, -10.0, 10.0, f"{where}.trigger_goldstein")
        _check_range(rule.response_probability, 0.0, 1.0, f"{where}.response_probability")
        for fld in ("severity_weight", "hostility_weight", "noise_sd"):
            _check_range(getattr(rule, fld), 0.0, None, f"{where}.{fld}")
        if not rule.ladder:
            raise ConfigError(f"{where}.ladder: empty; give at least one rung")
        thresholds = [r.threshold for r in rule.ladder]
        if thresholds != sorted(thresholds):
            raise ConfigError(f"{where}.ladder: thresholds {thresholds} must increase up the ladder")
        for i, rung in enumerate(rule.ladder):
            check_cameo(rung.cameo, f"{where}.ladder[{i}].cameo")
            _check_channels(rung.channels, f"{where}.ladder[{i}].channels")

    if not cfg.paths:
        raise ConfigError("paths: no paths defined; define at least one path to run")
    for pname, path in cfg.paths.items():
        for s in path.strategies:
            _check_one_of(s, list(dec.strategies), f"paths.{pname}.strategies")
        actors_with = [dec.strategies[s].actor for s in path.strategies]
        twice = {a for a in actors_with if actors_with.count(a) > 1}
        if twice:
            raise ConfigError(
                f"paths.{pname}.strategies: actor {sorted(twice)[0]!r} has more than one strategy"
            )
        for i, ev in enumerate(path.add):
            check_event_config(ev, names, f"paths.{pname}.add[{i}]")
        for eid, when in path.move.items():
            parse_date(when, f"paths.{pname}.move.{eid}")
    for i, ev in enumerate(sc.events):
        check_event_config(ev, names, f"scenario.events[{i}]")

    if cfg.balance is not None:
        patrons = [c for c, s in actors.states.items() if s.role == "patron"]
        _check_one_of(cfg.balance.plus, patrons, "balance.plus")
        _check_one_of(cfg.balance.minus, patrons, "balance.minus")


def check_cameo(code: str, where: str) -> None:
    from .events import cameo_table

    if str(code) not in cameo_table():
        raise ConfigError(
            f"{where}: {code!r} is not a CAMEO code; expected a code of the CAMEO typology "
            "such as '173' or '055' (quote codes in YAML so leading zeros stay)"
        )


def check_event_config(ev, names: list[str], where: str) -> None:
    parse_date(ev.date, f"{where}.date")
    _check_one_of(ev.source, names, f"{where}.source")
    _check_one_of(ev.target, names, f"{where}.target")
    check_cameo(ev.cameo, f"{where}.cameo")
    _check_range(ev.magnitude, 0.0, None, f"{where}.magnitude")
    if ev.goldstein is not None:
        _check_range(ev.goldstein, -10.0, 10.0, f"{where}.goldstein")
    _check_channels(ev.channels, f"{where}.channels")
