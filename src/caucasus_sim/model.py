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

import datetime as dt

import mesa
import numpy as np

from .agents import DiasporaAgent, Role, StateAgent
from .events import Catalog, Event, path_events
from .schema import CHANNELS, ConfigError, parse_date, validate
from .strategies import EventBatch, Reaction, Strategy
from .streams import normals, replicate_keys, stream_id

_NOISE_STREAM = stream_id("attitude_noise")


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
    """

    def __init__(self, cfg=None, *, path: str | None = None, replicates: int | None = None,
                 replicate_ids=None, rng: int | None = None) -> None:
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
        self.replicate_ids = np.asarray(list(replicate_ids), dtype=np.int64)
        self.keys = replicate_keys(seed, self.replicate_ids)
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

    def step_on_or_before(self, date: dt.date) -> int:
        """The last step whose date is on or before `date` (the state as of that date)."""
        return min(self.n_steps, (date - self.start).days // self.dt_days)

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
        self._grievance_decay = 0.5 ** (self.dt_days / p.grievance_half_life_days)
        self.attitude_step = float(p.attitude_step)
        self.source_share = float(p.source_share)
        self.tie_step = float(p.tie_step)
        self.grievance_gain = float(p.grievance_gain)
        self.grievance_drag = float(p.grievance_drag)
        self.effect_noise_sd = 0.0 if self.quiet else float(p.effect_noise_sd)
        self.attitude_noise_sd = 0.0 if self.quiet else float(p.attitude_noise_sd)

        R = self.R
        self.attitude = np.broadcast_to(self.x_init, (R, N, N)).copy()
        self.ties = np.broadcast_to(T0, (R, C, P, K)).copy()
        self.grievance = np.zeros((R, N, N))
        self._ci = self.client_idx[:, None]
        self._pi = self.patron_idx[None, :]

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
            by_code[spec.actor].strategy = Strategy(sname, spec.actor, spec, catalog, self.index)
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
        np.clip(self.attitude, -1.0, 1.0, out=self.attitude)
        np.clip(self.ties, 0.0, 1.0, out=self.ties)
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

    def relax(self) -> None:
        """Ties relax toward their baseline by channel half-life; grievance is forgotten."""
        self.ties -= self.ties_baseline
        self.ties *= self._tie_decay
        self.ties += self.ties_baseline
        self.grievance *= self._grievance_decay

    def diffuse(self) -> None:
        """Friedkin-Johnsen: x[:, b] <- Lambda W x[:, b] + (I - Lambda) x0[:, b], per replicate."""
        self.attitude = np.matmul(self._LW, self.attitude)
        self.attitude += self._anchor

    def drag(self) -> None:
        """Unresolved grievance pulls the aggrieved actor's attitude down."""
        if self.grievance_drag > 0.0:
            self.attitude -= self.grievance_drag * self.grievance

    def apply(self, b: EventBatch, t: int) -> None:
        """Apply one event to the replicates where its magnitude is positive."""
        mag = b.magnitude
        if self.effect_noise_sd > 0.0:
            z = normals(self.keys, b.noise_step, b.noise_stream, 1)[0]
            mag = mag * np.maximum(0.0, 1.0 + self.effect_noise_sd * z)
        eff = (b.kind.goldstein / 10.0) * np.broadcast_to(mag, (self.R,))
        s, tg = b.source, b.target
        origin = int(self.state_of[tg]) if self.state_of[tg] != tg else None
        sal = self.salience[tg]
        hits = [(tg, 1.0)] + ([(origin, sal)] if origin is not None else [])
        x, G = self.attitude, self.grievance
        step = self.attitude_step * eff
        x[:, s, tg] += self.source_share * step
        chans = [CHANNELS.index(k) for k in b.kind.channels]
        for a, w in hits:
            if a == s:
                continue
            x[:, a, s] += w * step
            pos = self._tie_pos.get((a, s))
            if pos is not None and chans:
                self.ties[:, pos[0], pos[1], chans] += (w * self.tie_step) * eff[:, None]
            if b.kind.grievance > 0.0 and b.kind.goldstein < 0.0:
                G[:, a, s] -= (w * self.grievance_gain * b.kind.grievance) * eff
            if b.kind.resolves > 0.0:
                keep = 1.0 - np.minimum(1.0, (w * b.kind.resolves) * np.broadcast_to(mag, (self.R,)))
                G[:, a, s] *= keep
        if b.everywhere:
            self.event_log.append((t, b, None))
        else:
            self.event_log.append((t, b, np.flatnonzero(b.magnitude)))

    def perturb(self, t: int) -> None:
        """Unmodelled drift: Gaussian noise on clients' attitudes toward patrons."""
        if self.attitude_noise_sd <= 0.0:
            return
        C, P = len(self.clients), len(self.patrons)
        z = normals(self.keys, t, _NOISE_STREAM, C * P)  # (C*P, R)
        self.attitude[:, self._ci, self._pi] += self.attitude_noise_sd * z.T.reshape(self.R, C, P)

    # ------------------------------------------------------------------ observables

    def influence(self) -> np.ndarray:
        """I[r, c, p] = sum_k w_k T[r, c, p, k] (1 + x[r, c, p]) / 2."""
        x_cp = self.attitude[:, self._ci, self._pi]
        return (self.ties @ self.channel_weight) * (1.0 + x_cp) * 0.5

    def alignment(self, influence: np.ndarray | None = None) -> np.ndarray:
        """A[r, c, p] = I[r, c, p] / sum_q I[r, c, q]; equal shares where all I are 0."""
        inf = self.influence() if influence is None else influence
        total = inf.sum(axis=-1, keepdims=True)
        P = inf.shape[-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0.0, inf / np.where(total > 0.0, total, 1.0), 1.0 / max(P, 1))
        return share

    def _record(self, t: int) -> None:
        inf = self.influence()
        self.influence_record[t] = inf
        self.alignment_record[t] = self.alignment(inf)
        self.attitude_record[t] = self.attitude[:, self._ci, self._pi]
        self.grievance_record[t] = self.grievance[:, self._ci, self._pi]

    def balance(self, plus: str = "TUR", minus: str = "RUS") -> np.ndarray:
        """Alignment balance A[c, plus] - A[c, minus] over time, shape (steps+1, R, C)."""
        i, j = self.patrons.index(plus), self.patrons.index(minus)
        return self.alignment_record[..., i] - self.alignment_record[..., j]
