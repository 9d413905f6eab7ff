"""The Mesa model: R stochastic replicates of one path simulated in lockstep.

Every state variable carries a leading replicate axis:
- `attitude` (R, N, N): x[r, a, b] in [-1, 1], actor a's attitude toward actor b;
- `ties` (R, C, P, K): T[r, c, p, k] in [0, 1], the tie of client c with patron p on
  channel k (the ties the influence measure reads);
- `grievance` (R, N, N): G[r, a, b] >= 0, a's unresolved grievance toward b.

One step (see docs/odd.md, "Process overview and scheduling"):
relax ties and grievance -> Friedkin-Johnsen diffusion -> grievance drag -> events
(scheduled, last step's reactions, this step's strategies) -> reactions -> attitude
noise -> bounds -> record influence and alignment.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import mesa
import numpy as np

from .agents import DiasporaAgent, Role, StateAgent
from .events import Catalog, Event, path_events
from .schema import CHANNELS, ConfigError, parse_date, validate
from .strategies import EventBatch, Reaction, Strategy
from .streams import centred_uniforms, normals, replicate_keys, stream_id

_NOISE_STREAM = stream_id("attitude_noise")

# Keys a sweep can vary inside one batch (each row of the batch carries its own value);
# any other key needs a model of its own per value.
BATCHABLE_PARAMS = ("attitude_step", "source_share", "tie_step", "grievance_gain",
                    "grievance_drag", "grievance_half_life_days", "effect_noise_sd",
                    "attitude_noise_sd")
BATCHABLE_ACTION_FIELDS = ("rate_per_year", "tension_gain", "grievance_gain", "magnitude")


def is_batchable(key: str) -> bool:
    """Whether a configuration key can take a different value in each row of one batch."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "params":
        return parts[1] in BATCHABLE_PARAMS
    if len(parts) == 4 and parts[:2] == ["decisions", "strategies"]:
        return parts[3] == "intensity"
    if len(parts) == 6 and parts[:2] == ["decisions", "strategies"] and parts[3] == "actions":
        return parts[5] in BATCHABLE_ACTION_FIELDS
    return False


def _at(value, sel):
    """A per-row parameter on the selected rows (scalars pass through)."""
    return value if np.ndim(value) == 0 else value[sel]


@contextlib.contextmanager
def _plain_pages():
    """Allocate without numpy's huge-page advice (a private numpy switch; no-op if absent)."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # pragma: no cover - other numpy layouts
        yield
        return
    previous = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(previous)


class CaucasusModel(mesa.Model):
    """South Caucasus influence model, batched over replicates.

    Args:
        cfg: a composed configuration (`load_config()`); None loads the default.
        path: the path (strategy bundle and event edits) to simulate; default the
            first path of the configuration.
        replicates: number of replicates (default `cfg.replicates`), numbered from 0.
        replicate_ids: explicit replicate numbers instead (replicate k is the same
            whatever batch it runs in).
        rng: an integer seed overriding `cfg.seed` (the name Mesa's batch_run passes).
        points: parameter points sharing the batch (a sweep): a list of {key: value} with
            batchable keys (`is_batchable`); the batch then holds every replicate of every
            point, point-major (row = point * replicates + replicate), and each row
            uses its point's values. Row (i, k) equals replicate k of a run with point
            i's values set in the configuration.
    """

    def __init__(self, cfg=None, *, path: str | None = None, replicates: int | None = None,
                 replicate_ids=None, rng: int | None = None, points=None) -> None:
        if cfg is None:
            from .experiment import load_config

            cfg = load_config()
        validate(cfg)
        seed = int(cfg.seed if rng is None else rng)
        super().__init__(rng=seed)
        self.cfg = cfg
        self.seed = seed
        self.path = path if path is not None else next(iter(cfg.paths))
        if self.path not in cfg.paths:
            raise ConfigError(f"path: unknown path {self.path!r}; expected one of {', '.join(cfg.paths)}")
        if replicate_ids is None:
            replicate_ids = range(cfg.replicates if replicates is None else replicates)
        base_ids = np.asarray(list(replicate_ids), dtype=np.int64)
        self.points = [dict(p) for p in points] if points else []
        for key in {k for p in self.points for k in p}:
            if not is_batchable(key):
                raise ConfigError(f"points: {key!r} cannot vary inside one batch")
        n_points = max(1, len(self.points))
        self.replicates_per_point = len(base_ids)
        self.point_of_row = np.repeat(np.arange(n_points), len(base_ids))
        self.replicate_ids = np.tile(base_ids, n_points)
        self.keys = np.tile(replicate_keys(seed, base_ids), n_points)
        self.R = len(self.keys)
        self.quiet = bool(cfg.quiet)

        self._build_actors(cfg.actors)
        self._build_calendar(cfg.scenario)
        self._build_state(cfg)
        self._build_decisions(cfg)
        self.events: list[Event] = [] if self.quiet else path_events(cfg, self.path, self.actors)
        self._schedule: dict[int, list[EventBatch]] = {}
        for e in self.events:
            t = self.step_of(e.date)
            if t <= self.n_steps:
                self._schedule.setdefault(t, []).append(self._batch_of(e))
        self._pending: list[EventBatch] = []
        self.event_log: list[tuple[int, EventBatch, np.ndarray | None]] = []
        self._allocate_records()
        self._record(0)
        self.running = self.n_steps > 0

    # ------------------------------------------------------------------ construction

    def _build_actors(self, spec) -> None:
        self.actors: list[str] = list(spec.states) + list(spec.diasporas)
        self.index = {a: i for i, a in enumerate(self.actors)}
        self.N = len(self.actors)
        self.state_agents: list[StateAgent] = [
            StateAgent(self, code, self.index[code], s) for code, s in spec.states.items()
        ]
        self.diaspora_agents: list[DiasporaAgent] = [
            DiasporaAgent(self, code, self.index[code], d) for code, d in spec.diasporas.items()
        ]
        self.patrons = [a.code for a in self.state_agents if a.role is Role.PATRON]
        self.clients = [a.code for a in self.state_agents if a.role is Role.CLIENT]
        self.patron_idx = np.array([self.index[p] for p in self.patrons], dtype=np.intp)
        self.client_idx = np.array([self.index[c] for c in self.clients], dtype=np.intp)
        # the state an actor stands for: itself, or a diaspora's origin
        self.state_of = np.arange(self.N)
        self.salience = np.zeros(self.N)
        for d in self.diaspora_agents:
            self.state_of[d.index] = self.index[d.origin]
            self.salience[d.index] = d.salience
        self.susceptibility = np.array(
            [a.susceptibility for a in self.state_agents + self.diaspora_agents]
        )

    def _build_calendar(self, sc) -> None:
        self.start = parse_date(sc.start, "scenario.start")
        self.end = parse_date(sc.end, "scenario.end")
        self.dt_days = int(sc.dt_days)
        self.n_steps = (self.end - self.start).days // self.dt_days
        self.dates = [self.start + dt.timedelta(days=self.dt_days * t) for t in range(self.n_steps + 1)]
        self.decisions_from = parse_date(sc.decisions_from, "scenario.decisions_from")

    def step_of(self, date: dt.date) -> int:
        """The step at which an event on `date` takes effect (dates in (d[t-1], d[t]])."""
        return max(1, -(-(date - self.start).days // self.dt_days))

    def step_at(self, date: dt.date) -> int:
        """The step at which the state includes every event up to `date`: the first step
        whose date is on or after it (capped at the last step)."""
        return min(self.n_steps, max(0, -(-(date - self.start).days // self.dt_days)))

    def _build_state(self, cfg) -> None:
        a, p = cfg.actors, cfg.params
        N, ix = self.N, self.index
        W = np.zeros((N, N))
        for i in range(N):
            W[i, i] = 1.0
        for src, row in a.listening.items():
            W[ix[src]] = 0.0
            for b, w in row.items():
                W[ix[src], ix[b]] = float(w)
            W[ix[src]] /= W[ix[src]].sum()
        self.W = W
        lam = self.susceptibility
        x0 = np.eye(N)  # self-regard 1 unless configured
        for src, row in a.attitude.items():
            for b, v in row.items():
                x0[ix[src], ix[b]] = float(v)
        self.x0 = x0
        self._LW = lam[:, None] * W
        self._anchor = (1.0 - lam)[:, None] * x0
        self.x_init = self.equilibrium() if a.start_at_equilibrium else x0

        C, P, K = len(self.clients), len(self.patrons), len(CHANNELS)
        T0 = np.zeros((C, P, K))
        pos_c = {c: i for i, c in enumerate(self.clients)}
        pos_p = {q: j for j, q in enumerate(self.patrons)}
        for c, i in pos_c.items():
            for q, j in pos_p.items():
                chans = a.ties.get(c, {}).get(q) or a.ties.get(q, {}).get(c) or {}
                for k, v in chans.items():
                    T0[i, j, CHANNELS.index(k)] = float(v)
        self.ties_baseline = T0
        self._tie_pos = {}
        for c, i in pos_c.items():
            for q, j in pos_p.items():
                self._tie_pos[(ix[c], ix[q])] = (i, j)
                self._tie_pos[(ix[q], ix[c])] = (i, j)
        self.channel_weight = np.array([p.channel_weight[k] for k in CHANNELS])
        self._tie_decay = 0.5 ** (self.dt_days / np.array([p.tie_half_life_days[k] for k in CHANNELS]))
        par = {name: self.param(f"params.{name}", p[name]) for name in BATCHABLE_PARAMS}
        self._grievance_decay = 0.5 ** (self.dt_days / par["grievance_half_life_days"])
        self.attitude_step = par["attitude_step"]
        self.source_share = par["source_share"]
        self.tie_step = par["tie_step"]
        self.grievance_gain = par["grievance_gain"]
        self.grievance_drag = par["grievance_drag"]
        self.effect_noise_sd = 0.0 if self.quiet else par["effect_noise_sd"]
        self.attitude_noise_sd = 0.0 if self.quiet else par["attitude_noise_sd"]

        R = self.R
        self.attitude = np.broadcast_to(self.x_init, (R, N, N)).copy()
        self._spare = np.empty_like(self.attitude)
        self._tie_dev = np.zeros((K, R, C, P))  # channel-major: one contiguous block per channel
        # deviation bounds such that baseline + deviation stays in [0, 1] in floating point
        self._tie_low = -T0.transpose(2, 0, 1)[:, None]  # (K, 1, C, P)
        high = 1.0 - T0
        while np.any(T0 + high > 1.0):
            high = np.where(T0 + high > 1.0, np.nextafter(high, -np.inf), high)
        self._tie_high = high.transpose(2, 0, 1)[:, None]
        self._baseline_weighted = T0 @ self.channel_weight
        self.grievance = np.zeros((R, N, N))
        self._grievance_pairs: set[tuple[int, int]] = set()
        self._ci = self.client_idx[:, None]
        self._pi = self.patron_idx[None, :]

    def param(self, key: str, default):
        """A parameter's value: one number, or one per row when the points vary it."""
        if self.points and key in self.points[0]:
            values = np.array([float(p[key]) for p in self.points])
            return np.repeat(values, self.replicates_per_point)
        return float(default)

    def equilibrium(self) -> np.ndarray:
        """The Friedkin-Johnsen fixed point x* = (I - Lambda W)^-1 (I - Lambda) x0."""
        M = np.eye(self.N) - self._LW
        if np.linalg.cond(M) > 1e12:
            raise ConfigError(
                "actors.start_at_equilibrium: the network has no unique equilibrium (an actor "
                "with susceptibility 1 listens only to itself or its group); set it to false"
            )
        return np.linalg.solve(M, self._anchor)

    def _build_decisions(self, cfg) -> None:
        catalog = Catalog(cfg.catalog)
        by_code = {a.code: a for a in self.state_agents}
        if self.quiet:
            return
        for sname in cfg.paths[self.path].strategies:
            spec = cfg.decisions.strategies[sname]
            by_code[spec.actor].strategy = Strategy(sname, spec, catalog, self.index, self.param)
        for actor, spec in cfg.decisions.reactions.items():
            by_code[actor].reaction = Reaction(actor, spec, catalog)

    def _batch_of(self, e: Event) -> EventBatch:
        return EventBatch(
            source=self.index[e.source],
            target=self.index[e.target],
            kind=e.kind,
            magnitude=e.magnitude,
            id=e.id,
            origin=e.origin,
            description=e.description,
            noise_stream=stream_id(f"event:{e.id}"),
            noise_step=0,
            date=e.date,
        )

    def _allocate_records(self) -> None:
        shape = (self.n_steps + 1, self.R, len(self.clients), len(self.patrons))
        # Records are written once, step by step. Transparent huge pages, which numpy asks
        # for on large arrays, make first writes stall on memory compaction on Linux
        # hosts with THP defrag=madvise; plain pages are several times faster here.
        with _plain_pages():
            self.alignment_record = np.empty(shape)
            self.attitude_record = np.empty(shape)
            self.influence_record = np.empty(shape)
            self.grievance_record = np.empty(shape)

    # ------------------------------------------------------------------ the schedule

    def step(self) -> None:
        t = self.steps
        self.relax()
        self.diffuse()
        self.drag()
        applied = self._schedule.get(t, []) + self._pending
        self._pending = []
        deciding = not self.quiet and self.dates[t] >= self.decisions_from
        if deciding:
            for agent in self.state_agents:
                applied += agent.decide()
        for batch in applied:
            self.apply(batch, t)
        if deciding:
            for agent in self.state_agents:
                self._pending += agent.react(applied)
        self.perturb(t)
        self.bound()
        self._record(t)
        if t >= self.n_steps:
            self.running = False

    def run(self, progress=None) -> CaucasusModel:
        """Step to the end of the scenario; `progress` is called with 1 per step."""
        while self.running:
            self.step()
            if progress is not None:
                progress(1)
        return self

    # ------------------------------------------------------------------ submodels

    @property
    def ties(self) -> np.ndarray:
        """T[r, c, p, k] in [0, 1]: baseline plus the current deviation (a new array)."""
        return self.ties_baseline + np.moveaxis(self._tie_dev, 0, -1)

    def relax(self) -> None:
        """Ties relax toward their baseline by channel half-life; grievance is forgotten.

        Ties are stored as deviations from baseline, so relaxing is one multiplication;
        grievance is non-zero only on pairs some event has aggrieved, the only ones touched.
        """
        self._tie_dev *= self._tie_decay[:, None, None, None]
        G = self.grievance
        for a, b in self._grievance_pairs:
            G[:, a, b] *= self._grievance_decay

    def diffuse(self) -> None:
        """Friedkin-Johnsen: x[:, b] <- Lambda W x[:, b] + (I - Lambda) x0[:, b], per replicate."""
        np.matmul(self._LW, self.attitude, out=self._spare)
        self._spare += self._anchor
        self.attitude, self._spare = self._spare, self.attitude

    def drag(self) -> None:
        """Unresolved grievance pulls the aggrieved actor's attitude down."""
        if np.any(self.grievance_drag > 0.0):
            x, G = self.attitude, self.grievance
            for a, b in self._grievance_pairs:
                x[:, a, b] -= self.grievance_drag * G[:, a, b]

    def apply(self, b: EventBatch, t: int) -> None:
        """Apply one event to its replicates (all, or those listed in `b.replicates`)."""
        sel = slice(None) if b.replicates is None else b.replicates
        mag = b.magnitude
        if np.any(self.effect_noise_sd > 0.0):
            keys = self.keys if b.replicates is None else self.keys[b.replicates]
            z = normals(keys, b.noise_step, b.noise_stream, 1)[0]
            mag = mag * np.maximum(0.0, 1.0 + _at(self.effect_noise_sd, sel) * z)
        g = b.kind.goldstein / 10.0
        eff = g * mag
        s, tg = b.source, b.target
        hits = [(tg, 1.0)]
        if self.state_of[tg] != tg:
            hits.append((int(self.state_of[tg]), self.salience[tg]))
        x, G = self.attitude, self.grievance
        step = _at(self.attitude_step, sel) * eff
        x[sel, s, tg] += _at(self.source_share, sel) * step
        chans = [CHANNELS.index(k) for k in b.kind.channels]
        grieves = b.kind.grievance > 0.0 and g < 0.0
        for a, w in hits:
            if a == s:
                continue
            x[sel, a, s] += w * step
            pos = self._tie_pos.get((a, s))
            if pos is not None:
                i, j = pos
                for k in chans:
                    dev = self._tie_dev[k, sel, i, j] + (w * _at(self.tie_step, sel)) * eff
                    self._tie_dev[k, sel, i, j] = np.clip(dev, self._tie_low[k, 0, i, j],
                                                          self._tie_high[k, 0, i, j])
            if grieves:
                G[sel, a, s] -= (w * _at(self.grievance_gain, sel) * b.kind.grievance) * eff
                self._grievance_pairs.add((a, s))
            if b.kind.resolves > 0.0:
                G[sel, a, s] *= 1.0 - np.minimum(1.0, (w * b.kind.resolves) * mag)
        self.event_log.append((t, b, b.replicates))

    def perturb(self, t: int) -> None:
        """Unmodelled drift of clients' attitudes toward patrons: independent uniform
        draws with mean 0 and standard deviation `attitude_noise_sd` per step."""
        if not np.any(self.attitude_noise_sd > 0.0):
            return
        C, P = len(self.clients), len(self.patrons)
        z = centred_uniforms(self.keys, t, _NOISE_STREAM, C * P)  # (C*P, R)
        z *= self.attitude_noise_sd
        self.attitude[:, self._ci, self._pi] += z.T.reshape(self.R, C, P)

    def bound(self) -> None:
        """Keep attitudes in [-1, 1] (ties are kept in [0, 1] as each event moves them)."""
        np.clip(self.attitude, -1.0, 1.0, out=self.attitude)

    # ------------------------------------------------------------------ observables

    def influence(self, x_cp: np.ndarray | None = None) -> np.ndarray:
        """I[r, c, p] = sum_k w_k T[r, c, p, k] (1 + x[r, c, p]) / 2."""
        if x_cp is None:
            x_cp = self.attitude[:, self._ci, self._pi]
        # an explicit sum over channels, not BLAS: the result of each replicate must not
        # depend on how many replicates share the batch (BLAS kernels vary with size)
        weighted = self._baseline_weighted + self.channel_weight[0] * self._tie_dev[0]
        for k in range(1, len(self.channel_weight)):
            weighted += self.channel_weight[k] * self._tie_dev[k]
        weighted *= 1.0 + x_cp
        weighted *= 0.5
        return weighted

    def alignment(self, influence: np.ndarray | None = None) -> np.ndarray:
        """A[r, c, p] = I[r, c, p] / sum_q I[r, c, q]; equal shares where all I are 0."""
        inf = self.influence() if influence is None else influence
        total = inf.sum(axis=-1, keepdims=True)
        if np.all(total > 0.0):
            return inf / total
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0.0, inf / np.where(total > 0.0, total, 1.0), 1.0 / inf.shape[-1])
        return share

    def _record(self, t: int) -> None:
        x_cp = self.attitude[:, self._ci, self._pi]
        self.attitude_record[t] = x_cp
        inf = self.influence(x_cp)
        self.influence_record[t] = inf
        self.alignment_record[t] = self.alignment(inf)
        self.grievance_record[t] = self.grievance[:, self._ci, self._pi]

    def balance(self, plus: str = "TUR", minus: str = "RUS") -> np.ndarray:
        """Alignment balance A[c, plus] - A[c, minus] over time, shape (steps+1, R, C)."""
        i, j = self.patrons.index(plus), self.patrons.index(minus)
        return self.alignment_record[..., i] - self.alignment_record[..., j]
