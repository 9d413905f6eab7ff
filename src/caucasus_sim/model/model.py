"""The Mesa model: R stochastic replicates of one path simulated in lockstep.

The state of every replicate lives in `State` (attitudes, ties, grievance, with a leading
replicate axis); the fixed structure in `Network`; the calendar in `Calendar`. Agents
(`StateAgent`, `DiasporaAgent`) carry the decision rules. One step (docs/odd.md,
"Process overview and scheduling"):
relax ties and grievance -> Friedkin-Johnsen diffusion -> grievance drag -> events
(scheduled, last step's reactions, this step's strategies) -> reactions -> attitude
noise -> bounds -> record influence and alignment.
"""

from __future__ import annotations

import contextlib
import copy

import mesa
import numpy as np
from omegaconf import OmegaConf

from ..config import ConfigError, balance_axes, validate
from .agents import DiasporaAgent, StateAgent
from .calendar import Calendar
from .decisions import Reaction, Strategy
from .events import Catalog, Event, EventBatch, path_events, schedule
from .interface import CONFIGURED, MesaInterface, configured
from .network import network_of
from .parameters import Points
from .state import State
from .streams import replicate_keys

RECORDS = ("alignment", "attitude", "influence", "grievance", "tie")  # recorded per step, (R, C, P) each
OPTIONAL_RECORDS = ("goodwill", "nonalignment")  # recorded where their mechanism is on; nonalignment (R, C)


try:  # a private numpy switch (see _allocate_records)
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # pragma: no cover - other numpy layouts
    _set_madvise_hugepage = None


@contextlib.contextmanager
def _plain_pages():
    """Allocate without numpy's huge-page advice (no-op where numpy has no such switch)."""
    if _set_madvise_hugepage is None:  # pragma: no cover
        yield
        return
    previous = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(previous)


class CaucasusModel(MesaInterface, mesa.Model):
    """South Caucasus influence model, batched over replicates.

    Args:
        cfg: a composed configuration (`caucasus_sim.load_config()`); without one, the
            default configuration with `replicates` INTERACTIVE_REPLICATES, and the config
            group choices among `parameters` (`scenario="history_2024_2025"`, `model="v1"`).
        path: the path (strategy bundle and event edits) to simulate; default the
            first path of the configuration.
        replicates: number of replicates (default `cfg.replicates`), numbered from 0.
        replicate_ids: explicit replicate numbers instead (replicate k is the same
            whatever batch it runs in).
        rng: the root seed (also as `seed`): an int, a numpy Generator or SeedSequence, or
            None for fresh entropy (as Mesa's batch_run passes it); not given, `cfg.seed`.
            The seed used is `model.seed` (`model.interface`).
        points: parameter points sharing the batch (a sweep): a list of {key: value} with
            batchable keys (`is_batchable`); the batch then holds every replicate of every
            point, point-major (row = point * replicates + replicate), and each row
            uses its point's values. Row (i, k) equals replicate k of a run with point
            i's values set in the configuration.
        draws: parameter sets sharing out the replicates (a posterior): replicate r uses draw
            r // (replicates / D) of D, as a run with that draw's values in the configuration.
        record: which steps the records (`alignment_record`, ...) keep: "all" (row t is
            step t), or "outcomes" (step 0, the outcome dates and the end; `recorded_steps`
            lists them and `row_of(t)` gives a step's row). What is recorded never changes
            what is simulated; the DataCollector collects at the recorded steps.
        parameters: any key of the schema, dotted (`**{"params.attitude_step": 0.3}`) or
            nested (`params={"attitude_step": 0.3}`), set on a copy of `cfg`.
    """

    def __init__(self, cfg=None, *, path: str | None = None, replicates: int | None = None,
                 replicate_ids=None, rng=CONFIGURED, points=None, draws=None, record: str = "all",
                 **parameters) -> None:
        cfg, seed = configured(cfg, rng, replicates, parameters)
        validate(cfg)
        super().__init__(rng=seed)
        self.cfg, self.seed = cfg, seed
        self.path = path if path is not None else next(iter(cfg.paths))
        if self.path not in cfg.paths:
            raise ConfigError(f"path: unknown path {self.path!r}; expected one of {', '.join(cfg.paths)}")
        if replicate_ids is None:
            replicate_ids = range(cfg.replicates if replicates is None else replicates)
        base_ids = np.asarray(list(replicate_ids), dtype=np.int64)
        self.batch = Points(draws if draws is not None else points, len(base_ids), split=draws is not None)
        tiles = 1 if self.batch.split else self.batch.n
        self.replicate_ids = np.tile(base_ids, tiles)
        self.keys = np.tile(replicate_keys(seed, base_ids), tiles)
        self.R = len(self.keys)
        self.quiet = bool(cfg.quiet)

        self.network = net = network_of(cfg.actors, cfg.params, self.batch.points, self.batch.of_row)
        self.actors, self.index, self.N = net.actors, net.index, net.N
        self.patrons, self.clients, self.state_of = net.patrons, net.clients, net.state_of
        self.state_agents = [StateAgent(self, c, net.index[c], s) for c, s in cfg.actors.states.items()]
        self.diaspora_agents = [DiasporaAgent(self, c, net.index[c], d) for c, d in cfg.actors.diasporas.items()]
        self.calendar = Calendar.from_config(cfg.scenario)
        self.n_steps, self.dates, self.dt_days = self.calendar.n_steps, self.calendar.dates, self.calendar.dt_days
        self.outcome_steps = self.calendar.outcome_steps(cfg.scenario.outcome_dates)
        self.recorded_steps = self.calendar.recorded_steps(record, self.outcome_steps)
        self._row = {int(t): i for i, t in enumerate(self.recorded_steps)}
        catalog = Catalog(cfg.catalog)
        self.state = State.of(net, cfg, catalog, self.batch.value, self.keys, self.calendar)
        self.records = list(RECORDS) + [name for name, on in (
            ("goodwill", self.state.mechanism_on("goodwill")), ("nonalignment", net.nonalignment is not None)) if on]
        self._build_decisions(cfg, catalog)
        self._schedule_events(after=0)
        self._pending: list[EventBatch] = []
        self.event_log: list[tuple[int, EventBatch, np.ndarray | None]] = []
        self._allocate_records()
        self._start_collecting()
        self._record(0)
        self.running = self.n_steps > 0

    # ------------------------------------------------------------------ construction

    @property
    def point_of_row(self) -> np.ndarray:
        """The parameter point of each row of the batch."""
        return self.batch.of_row

    def step_of(self, date) -> int:
        return self.calendar.step_of(date)

    def step_at(self, date) -> int:
        return self.calendar.step_at(date)

    def _build_decisions(self, cfg, catalog: Catalog) -> None:
        """Each state's strategies, each with its window: the path's from decisions_from,
        `decisions.always` from the start, `decisions.history` until decisions_from."""
        self._path_strategies: list[Strategy] = []
        if self.quiet:
            return
        start, branch = self.calendar.start, self.calendar.decisions_from
        for sname, since, until in ([(s, start, None) for s in cfg.decisions.always]
                                    + [(s, start, branch) for s in cfg.decisions.history]):
            self._strategy(sname, since, until, catalog, first=False)
        self._add_path_strategies(catalog)
        for actor, spec in cfg.decisions.reactions.items():
            self._agent(actor).reaction = Reaction(actor, OmegaConf.to_object(spec), catalog)

    def _agent(self, code: str) -> StateAgent:
        return next(a for a in self.state_agents if a.code == code)

    def _strategy(self, sname: str, since, until, catalog: Catalog, first: bool) -> Strategy:
        """Give a strategy to its actor: first in its list (a path's; an actor has at most one
        at any date), or last."""
        spec = OmegaConf.to_object(self.cfg.decisions.strategies[sname])  # plain: read many times
        strategy = Strategy(sname, spec, catalog, self.index, self.batch.value, since, until,
                            self.cfg.params.event_counts == "poisson")
        owner = self._agent(spec.actor).strategies
        owner.insert(0, strategy) if first else owner.append(strategy)
        return strategy

    def _add_path_strategies(self, catalog: Catalog) -> None:
        for sname in reversed(list(self.cfg.paths[self.path].strategies)):  # each first: in the path's order
            self._path_strategies.append(self._strategy(sname, self.calendar.decisions_from, None, catalog, True))

    def branch(self, path: str) -> CaucasusModel:
        """This model as it is now, continuing as `path`: its state, records and event log so
        far, then `path`'s scheduled events and strategies. Only valid when `path` runs the
        same model up to the current step (`common_steps` finds how far paths agree); then
        the branch equals a run of `path` from the start, bit for bit."""
        if path not in self.cfg.paths:
            raise ConfigError(f"path: unknown path {path!r}; expected one of {', '.join(self.cfg.paths)}")
        shared = {id(self.cfg): self.cfg, id(self.network): self.network, id(self.event_log): list(self.event_log)}
        twin = copy.deepcopy(self, shared)
        twin.path = path
        twin._schedule_events(after=twin.steps)
        for strategy in twin._path_strategies:
            next(a for a in twin.state_agents if strategy in a.strategies).strategies.remove(strategy)
        twin._path_strategies = []
        if not twin.quiet:
            twin._add_path_strategies(Catalog(twin.cfg.catalog))
        return twin

    def _schedule_events(self, after: int) -> None:
        """The path's scheduled events, as batches by the step they act at (after `after`)."""
        self.events: list[Event] = [] if self.quiet else path_events(self.cfg, self.path)
        self._schedule: dict[int, list[EventBatch]] = schedule(
            self.events, self.calendar, self.index, bool(self.cfg.scenario.spread_month_events), after,
            self.batch.value, self.cfg.params)

    def row_of(self, t: int) -> int:
        """The row of the records that holds step t."""
        try:
            return self._row[t]
        except KeyError:
            raise ValueError(f"step {t} is not recorded (record keeps steps {self.recorded_steps.tolist()})") from None

    def _allocate_records(self) -> None:
        shape = (len(self.recorded_steps), self.R, len(self.clients), len(self.patrons))
        # Records are written once, step by step. Transparent huge pages, which numpy asks
        # for on large arrays, make first writes stall on memory compaction on Linux
        # hosts with THP defrag=madvise; plain pages are several times faster here.
        with _plain_pages():
            for name in self.records:
                setattr(self, f"{name}_record", np.empty(shape[:-1] if name == "nonalignment" else shape))

    # ------------------------------------------------------------------ the schedule

    def step(self) -> None:
        t = self.steps
        self.state.relax()
        self.state.diffuse()
        self.state.drag()
        applied = self._schedule.get(t, []) + self._pending
        self._pending = []
        for agent in self.state_agents:  # each strategy acts in its own window of dates
            applied += agent.decide()
        for batch in applied:
            self.apply(batch, t)
        if not self.quiet and self.dates[t] >= self.calendar.decisions_from:
            for agent in self.state_agents:
                self._pending += agent.react(applied)
        self.state.settle(t)
        self.state.perturb(t)
        self.state.bound()
        self.state.drift()
        self._record(t)
        if t >= self.n_steps:
            self.running = False

    def run(self, progress=None, until: int | None = None) -> CaucasusModel:
        """Step to the end of the scenario (or through step `until`); `progress` is called
        with 1 per step."""
        while self.running and (until is None or self.steps < until):
            self.step()
            if progress is not None:
                progress(1)
        return self

    def apply(self, b: EventBatch, t: int) -> None:
        """Apply one event to its replicates and log it."""
        b = self.state.apply(b, t)
        self.event_log.append((t, b, b.replicates))

    # ------------------------------------------------------------------ observables

    @property
    def attitude(self) -> np.ndarray:
        """x[r, a, b] in [-1, 1]: a's attitude toward b in each replicate."""
        return self.state.attitude

    @property
    def grievance(self) -> np.ndarray:
        """G[r, a, b] >= 0: a's unresolved grievance toward b in each replicate."""
        return self.state.grievance

    @property
    def goodwill(self) -> np.ndarray:
        """H[r, a, b] >= 0: a's goodwill toward b in each replicate (v2)."""
        return self.state.goodwill

    @property
    def ties(self) -> np.ndarray:
        """T[r, c, p, k] in [0, 1]: client c's tie with patron p on channel k (a new array)."""
        return self.state.ties

    def _record(self, t: int) -> None:
        row = self._row.get(t)
        if row is None:
            return
        x_cp = self.state.client_attitude()
        self.attitude_record[row] = x_cp
        self.tie_record[row] = tie = self.state.tie_strength()
        inf = self.state.influence(x_cp, tie)
        self.influence_record[row] = inf
        self.alignment_record[row] = A = self.state.alignment(inf)
        self.grievance_record[row] = self.state.client_grievance()
        if "goodwill" in self.records:
            self.goodwill_record[row] = self.state.client_goodwill()
        if "nonalignment" in self.records:
            self.nonalignment_record[row] = 1.0 - A.sum(axis=-1)
        self._collect()

    def balance(self, plus: str | None = None, minus: str | None = None) -> np.ndarray:
        """Alignment balance A[c, plus] - A[c, minus] at the recorded steps, shape
        (recorded steps, R, C); with record="all", row t is step t. Without patrons, each
        client's own axis (`balance` of the configuration)."""
        if plus is not None and minus is not None:
            i, j = self.patrons.index(plus), self.patrons.index(minus)
            return self.alignment_record[..., i] - self.alignment_record[..., j]
        axes = balance_axes(self.cfg)
        if axes is None:
            raise ConfigError("balance: null; name the patrons, balance(plus, minus)")
        out = np.empty(self.alignment_record.shape[:-1])
        for c, client in enumerate(self.clients):
            i, j = (self.patrons.index(p) for p in axes[client])
            out[..., c] = self.alignment_record[..., c, i] - self.alignment_record[..., c, j]
        return out


def common_steps(cfg) -> int:
    """The last step through which every path of `cfg` runs the same model, so that one run
    can branch into all of them there (`CaucasusModel.branch`): the paths' scheduled events
    agree at every step up to it, and their strategies, if they differ, act only after it.
    0 when they part at once (or there is one path)."""
    paths = list(cfg.paths)
    if len(paths) < 2:
        return 0
    calendar = Calendar.from_config(cfg.scenario)
    spread = bool(cfg.scenario.spread_month_events)

    def schedule(path: str) -> dict[int, list]:
        out: dict[int, list] = {}
        for e in [] if cfg.quiet else path_events(cfg, path):
            for t, share in calendar.event_steps(e.date, spread and e.precision == "month"):
                out.setdefault(t, []).append((e, share))
        return out

    first, others = schedule(paths[0]), [schedule(p) for p in paths[1:]]
    differ = [t for t in sorted(set(first).union(*others)) if any(o.get(t) != first.get(t) for o in others)]
    part = differ[0] if differ else calendar.n_steps + 1
    strategies = [list(cfg.paths[p].strategies) for p in paths]
    if not cfg.quiet and any(s != strategies[0] for s in strategies[1:]):
        part = min(part, calendar.step_at(calendar.decisions_from))
    return max(0, min(part - 1, calendar.n_steps))
