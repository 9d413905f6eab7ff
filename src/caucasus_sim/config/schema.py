"""The typed configuration schema.

The dataclasses below are registered in Hydra's ConfigStore as the schema of the primary
config, so a wrong key or a wrong type is rejected while composing (`config.checks`
then checks what types cannot say). Nothing here imports or calls anything named by the
configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from hydra.core.config_store import ConfigStore

CHANNELS: tuple[str, ...] = ("diplomatic", "security", "economic", "cultural", "information")
ROLES: tuple[str, ...] = ("patron", "client", "other")
PROGRESS_MODES: tuple[str, ...] = ("auto", "on", "off")
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
DEFAULT_FIGURE_FORMATS: tuple[str, ...] = ("png", "pdf")  # a raster to view, a vector to print
EVENT_COUNTS: tuple[str, ...] = ("bernoulli", "poisson")
# the format of a timeline: the project's own CSV, or an event-data export read directly
TIMELINE_FORMATS: tuple[str, ...] = ("csv", "gdelt2", "icews", "plover")


# ---------------------------------------------------------------------------------------
# Actors and initial conditions


@dataclass
class StateConfig:
    name: str = ""
    role: str = "other"
    capability: float = 1.0
    susceptibility: float = 0.9
    # a client's utility of non-alignment: the influence weight of the outside option
    # "none" in its alignment shares (0: no outside option, as in v1)
    nonalignment: float = 0.0


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
    # v2: `attitude` gives target attitudes x*; anchors are solved by inverse FJ so that x*
    # is the equilibrium, and the run starts at x* (self-anchors stay 1)
    solve_anchors: bool = False
    # v3: pairs of states that are adversaries (or friends) of each other, e.g. [[ARM, AZE]]:
    # a patron's cooperation with one moves the other's attitude toward the patron (triads)
    adversaries: list[list[str]] = field(default_factory=list)
    friends: list[list[str]] = field(default_factory=list)


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
class CapabilityShock:
    # from `date` on, the patron's capability is multiplied by 1 + change (change > -1)
    patron: str = "???"
    date: str = "???"
    change: float = 0.0
    note: str = ""
    citation: str = ""


@dataclass
class CapabilityConfig:
    # v3: a patron's capability over time: series[patron][year] multiplies its configured
    # capability in that calendar year (consecutive years, values > 0; before the first year
    # the first value, after the last the last), and each shock multiplies it from its date on
    series: dict[str, dict[str, float]] = field(default_factory=dict)
    citation: str = ""  # the source of the series
    shocks: list[CapabilityShock] = field(default_factory=list)


@dataclass
class ScenarioConfig:
    name: str = "history_2024_2025"
    start: str = "2024-12-01"
    end: str = "2028-12-31"
    dt_days: int = 7
    # a CSV in the format of the packaged timeline: "package:<file>" or a file path; or,
    # with timeline_format gdelt2, icews or plover, an event-data export (a file or a folder)
    timeline: Optional[str] = "package:timeline_2024_2025.csv"
    timeline_format: str = "csv"
    events: list[EventConfig] = field(default_factory=list)
    decisions_from: str = "2025-07-07"
    outcome_dates: list[str] = field(default_factory=lambda: ["2025-07-01"])
    # timeline events known only to the month act evenly over the month's steps (v2) or
    # all at the step of their date, the first of the month (v1)
    spread_month_events: bool = False
    capability: CapabilityConfig = field(default_factory=CapabilityConfig)


# ---------------------------------------------------------------------------------------
# Model parameters


@dataclass
class CredibilityConfig:
    # security credibility of a patron to a client (abandonment, docs/odd.md 7.24)
    refusal_drop: float = 0.0  # lost when the patron refuses an appeal for protection or military aid
    unanswered_drop: float = 0.0  # lost, times the security tie, when an attack on the client goes unanswered
    support_gain: float = 0.0  # gained when the patron delivers support (or coerces the attacker)
    anchor_shift: float = 0.0  # the client's anchor toward the patron moves by this times each change
    appeal_window_days: float = 365.0  # a refusal counts within this time after the client's appeal
    answer_window_days: float = 60.0  # the patron's time to answer an attack on the client
    appeal_cameo: list[str] = field(default_factory=lambda: ["0232", "0233", "0234"])
    refusal_cameo: list[str] = field(default_factory=lambda: ["1222", "1224"])
    support_cameo: list[str] = field(default_factory=lambda: ["062", "072", "0861", "0862"])
    attack_cameo: list[str] = field(default_factory=lambda: ["18", "19", "20"])
    coercion_goldstein: float = -4.0  # a patron's act toward the attacker at or below this answers


@dataclass
class TriadsConfig:
    # the friend of my enemy (structural balance, docs/odd.md 7.25)
    attitude_step: float = 0.0  # attitude change of the client per unit g/10 of the patron's cooperation
    grievance_gain: float = 0.0  # grievance of the client per unit g/10 (cooperation with its adversary)
    cameo: list[str] = field(default_factory=lambda: ["057", "062", "072", "0312"])  # material cooperation


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
    # v2 mechanisms; each default is the neutral value that gives back v1
    anchor_drift_per_year: float = 0.0  # eta: anchors move toward current attitudes
    goodwill_gain: float = 0.0  # goodwill per unit g/10 of a cooperative event
    goodwill_lift: float = 0.0  # attitude pull per step per unit of goodwill
    goodwill_half_life_days: float = 365.0
    event_counts: str = "bernoulli"  # bernoulli (at most one per action and step) | poisson
    capability_exponent: float = 0.0  # gamma: a patron's influence weighed by capability^gamma
    diaspora_size_exponent: float = 0.0  # delta: a diaspora's voice weighed by (size/reference)^delta
    diaspora_size_reference: float = 1.0e6
    # imported events (docs/odd.md 7.23): magnitude = share * attention_scale *
    # max(0, ln(attention_ratio / attention_threshold))
    attention_scale: float = 0.5
    attention_threshold: float = 1.0
    # v3 mechanisms (docs/odd.md 7.24-7.28); each default is the neutral value that gives back v2
    credibility: CredibilityConfig = field(default_factory=CredibilityConfig)
    triads: TriadsConfig = field(default_factory=TriadsConfig)
    institutionalisation_per_year: float = 0.0  # rate at which tie baselines follow the realised ties
    class_magnitude: dict[str, float] = field(default_factory=dict)  # event class (catalog) -> magnitude factor


@dataclass
class CatalogEntry:
    goldstein: Optional[float] = None
    channels: Optional[list[str]] = None
    grievance: Optional[float] = None
    resolves: Optional[float] = None
    lasting: Optional[float] = None  # permanent shift of the hit ties' baseline per unit g/10
    lasting_anchor: Optional[float] = None  # permanent shift of the target's anchor toward the source
    event_class: Optional[str] = None  # v3: the class whose magnitude factor acts (params.class_magnitude)


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
    own_grievance_gain: float = 0.0  # the actor's own grievance toward the target
    goodwill_gain: float = 0.0  # the actor's goodwill toward the target
    threat_gain: float = 0.0  # the actor's grievance toward `threat_source`
    threat_source: Optional[str] = None


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
    # replies to cooperation (v2): events at or above this Goldstein weight climb this ladder
    cooperative_trigger: Optional[float] = None
    cooperative_probability: float = 0.5
    cooperative_ladder: list[RungConfig] = field(default_factory=list)


@dataclass
class DecisionsConfig:
    strategies: dict[str, StrategyConfig] = field(default_factory=dict)
    reactions: dict[str, ReactionConfig] = field(default_factory=dict)
    always: list[str] = field(default_factory=list)  # strategies of every path, from scenario.start
    history: list[str] = field(default_factory=list)  # from scenario.start until decisions_from



@dataclass
class PathConfig:
    description: str = ""
    strategies: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    add: list[EventConfig] = field(default_factory=list)
    move: dict[str, str] = field(default_factory=dict)
    # the path's own timeline and its format instead of the scenario's (null: the scenario's)
    timeline: Optional[str] = None
    timeline_format: Optional[str] = None


@dataclass
class EventDataConfig:
    # how an event-data export becomes model events (caucasus-sim-events import, and
    # scenario.timeline_format): the actor map, and the cleaning of its records
    actor_map: str = "package:actor_map_south_caucasus.yaml"
    root_only: bool = True  # GDELT: only records with IsRootEvent = 1
    min_sources: int = 1  # occurrences reported by fewer sources are dropped


@dataclass
class AxisPair:
    plus: str = "TUR"
    minus: str = "RUS"


@dataclass
class BalanceConfig:
    # each client's headline balance A[c, plus] - A[c, minus]: these patrons, unless
    # `clients` gives the client an axis of its own
    plus: str = "TUR"
    minus: str = "RUS"
    clients: dict[str, AxisPair] = field(default_factory=dict)


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
class ObservationConfig:
    # the error model of the targets (docs/odd.md, section 8)
    design_effect: float = 2.0  # survey sampling variance: deff p (1 - p) / n
    default_n: int = 1500  # respondents of a survey wave whose n is not given
    ideal_point_sd: float = 0.1  # sampling error of a UN ideal-point distance
    survey_discrepancy_sd: float = 0.05  # model discrepancy of a survey share
    ideal_point_discrepancy_sd: float = 0.1  # model discrepancy of an ideal-point distance
    slope_max: float = 10.0  # bound of the profiled link slopes


@dataclass
class AbcConfig:
    # stage 2: ABC-SMC (ELFI) on the non-implausible region
    enabled: bool = True
    particles: int = 500  # the posterior sample of each population
    populations: int = 4  # populations after the first
    quantile: float = 0.5  # each threshold: this quantile of the last population's distances
    batch_size: int = 250  # particles ELFI proposes together (its unit: a round ends on a whole batch)
    # ELFI client: engine (the batches in flight run as one engine batch, split over
    # calibration.workers) | native (one batch at a time) | multiprocessing (a batch per core)
    client: str = "engine"
    parallel_batches: int = 16  # batches in flight at once (engine: 16 x 250 = 4,000 particles per engine batch)


@dataclass
class CalibrationConfig:
    enabled: bool = False
    targets: str = ""  # a targets CSV ("": the shipped targets, package data calibration/targets.csv)
    path: str = "history"  # the path simulated (its history, then no decisions)
    fit_until: int = 2019  # fieldwork years up to this one are fitted
    holdout_until: int = 2022  # later years up to this one are predicted, never fitted
    params: list[UncertainParam] = field(default_factory=list)  # uniform priors
    v1_params: list[str] = field(default_factory=list)  # the keys of params that the v1 structure has
    # the model structures compared by model choice (v2, the one stage 2 fits, must be one)
    structures: list[str] = field(default_factory=lambda: ["v2", "v1", "v3"])
    v3_params: list[UncertainParam] = field(default_factory=list)  # v3's own priors, fitted with params
    design_points: int = 500  # stage 1: Latin hypercube points per model structure
    points_per_batch: int = 100
    cutoff: float = 3.0  # a point is non-implausible if its implausibility (below) is below this
    # a point's implausibility over the fit window's targets: the largest (max), or the second
    # or third largest, so that one badly modelled observation cannot rule out every point
    # (Vernon, Goldstein & Bower 2010)
    implausibility: str = "second"  # max | second | third
    choice_quantile: float = 0.05  # model choice: accept this share of all (point, replicate) draws
    recovery_datasets: int = 20  # synthetic data sets of the recovery check
    client: str = "local"  # where design chunks and ABC batches run: local (this machine) | dask (a cluster)
    workers: int = 0  # local: processes (0: one per core; 1: this process); dask with no scheduler: its workers
    scheduler: str = ""  # dask: the scheduler's address, e.g. tcp://host:8786 ("": a local cluster)
    observation: ObservationConfig = field(default_factory=ObservationConfig)
    abc: AbcConfig = field(default_factory=AbcConfig)


@dataclass
class ForecastConfig:
    # forecasts that start from the data (docs/odd.md, 7.30): the targets,
    # priors and observation model are the calibration block's
    enabled: bool = False
    origins: list[int] = field(default_factory=lambda: [2015, 2017, 2019, 2021])  # hindcast origins
    cutoff: int = 0  # the registered forecast's data cut-off year (0: the targets' last year)
    until: int = 2028  # the registered forecast's last year
    design_points: int = 200  # Latin hypercube points (each with `replicates` replicates)
    accept_quantile: float = 0.05  # ABC rejection: this share of the design's draws is the posterior
    particles: int = 4000  # replicates filtered through the observations, one engine batch (benchmarks/forecast.py)
    ess_threshold: float = 0.5  # resample when the effective sample size falls below this share
    synthetic_datasets: int = 20  # synthetic-truth data sets per origin: 6 left a Monte Carlo SE up to 0.06


@dataclass
class StoreConfig:
    # trajectories.parquet keeps every n-th step and the last (0: no trajectories file);
    # summaries and outcomes always keep every step they report, in full precision
    trajectory_stride: int = 4
    trajectory_precision: str = "float32"  # float32 | float64


PRECISIONS: tuple[str, ...] = ("float32", "float64")


@dataclass
class ReportConfig:
    # with more scheduled events than this, the event figure shows weekly counts by dyad and
    # by CAMEO quad class instead of one row per event
    max_event_rows: int = 40


@dataclass
class LimitsConfig:
    # a run whose estimated peak memory or output exceeds these (in GB) is refused before it
    # starts; None: the memory available now, and the free space under output_root
    memory_gb: Optional[float] = None
    disk_gb: Optional[float] = None


@dataclass
class Config:
    experiment: str = "alignment_paths"
    description: str = ""
    model_version: str = "v1"  # set by the `model` config group: v1 or v2
    seed: int = 20250627
    replicates: int = 1000
    quiet: bool = False
    progress: str = "auto"
    output_root: str = "results"
    figure_formats: list[str] = field(default_factory=lambda: list(DEFAULT_FIGURE_FORMATS))
    store: StoreConfig = field(default_factory=StoreConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    actors: ActorsConfig = field(default_factory=ActorsConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    params: ParamsConfig = field(default_factory=ParamsConfig)
    catalog: dict[str, CatalogEntry] = field(default_factory=dict)
    eventdata: EventDataConfig = field(default_factory=EventDataConfig)
    decisions: DecisionsConfig = field(default_factory=DecisionsConfig)
    paths: dict[str, PathConfig] = field(default_factory=dict)
    balance: Optional[BalanceConfig] = field(default_factory=BalanceConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    attribution: AttributionConfig = field(default_factory=AttributionConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    posterior: str = ""  # a calibration results folder: parameter sets drawn from its posterior
    posterior_draws: int = 100  # posterior parameter sets; the replicates are split evenly among them


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore, once per process (building the
    structured node costs ~0.1 s, which every composition paid again)."""
    cs = ConfigStore.instance()
    if "config_schema.yaml" not in cs.repo:
        cs.store(name="config_schema", node=Config)
