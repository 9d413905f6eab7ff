"""Strategies and reactions: the decision rules that make actors produce events.

A *strategy* gives an actor typed actions with hazards (expected events per year),
scaled by the current state: `rate * (1 + tension_gain * tension + grievance_gain * G[t, a]
+ own_grievance_gain * G[a, t] + goodwill_gain * H[a, t] + threat_gain * G[a, s])`, where
tension in [0, 1] is `(2 - x[a, t] - x[t, a]) / 4` between the actor a and the target t (a
diaspora target counts as its origin state), G is grievance, H goodwill, and s the
action's `threat_source` (the threat is the actor's unresolved grievance toward it). Per step an action fires with
probability `1 - exp(-rate * dt / 365)`; under `params.event_counts=poisson` a step that
fires holds a Poisson number of events of that action (the same uniform decides whether
it fires, so a Bernoulli step is a Poisson count capped at one). A strategy acts in a
window of dates: from `decisions_from` for a path's strategies (v1), from the start for
`decisions.always` and from the start until `decisions_from` for `decisions.history`.

A *reaction* rule lets an actor answer hostile events (Goldstein weight at or below a
trigger) that hit it or its diaspora: with `response_probability` it climbs an
escalation ladder to the highest rung whose threshold its escalation score reaches,
`severity_weight * |g|/10 * magnitude + hostility_weight * max(0, -x[self, source]) +
noise_sd * z`. A cooperative ladder answers cooperation (g at or above
`cooperative_trigger`) the same way, with friendliness max(0, x[self, source]) in place
of hostility. Reactions take effect the next step.

Every draw comes from a named counter-based stream (see `streams`), so the same action
in two scenarios draws the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .events import Catalog, EventBatch, EventType
from .streams import first_uniforms, gathered_normals, normals, stream_id, uniforms


def poisson_counts(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The Poisson(lam) count of each row whose uniform u fired (u < 1 - exp(-lam)): the
    smallest k >= 1 with F(k) >= 1 - u, the inverse CDF at the same uniform (searched up to
    lam + 50 sqrt(lam) + 50, where rounding may keep F below 1 - u)."""
    q = 1.0 - u
    k = np.ones(u.shape, dtype=np.int64)
    e = np.exp(-lam)
    p = lam * e
    cdf = e + p
    todo = cdf < q
    if not todo.any():  # the common case at a few events per year: one event each
        return k
    limit = (lam + 50.0 * np.sqrt(lam) + 50.0).astype(np.int64)
    todo &= k < limit
    while todo.any():
        k[todo] += 1
        p[todo] *= lam[todo] / k[todo]
        cdf[todo] += p[todo]
        todo &= (cdf < q) & (k < limit)
    return k


@dataclass
class Action:
    name: str
    kind: EventType
    target: int
    rate_per_year: float | np.ndarray  # one per batch row in a sweep
    tension_gain: float | np.ndarray
    grievance_gain: float | np.ndarray
    magnitude: float | np.ndarray
    once: bool
    stream: int  # decides whether it fires
    effect_stream: int  # the noise of its effect
    own_grievance_gain: float | np.ndarray = 0.0
    goodwill_gain: float | np.ndarray = 0.0
    threat_gain: float | np.ndarray = 0.0
    threat_source: int | None = None
    fired: np.ndarray | None = None  # replicates where a `once` action has fired
    event_id: str = ""  # "<actor>:<action>", the id of its events
    description: str = ""  # "<strategy>: <action>"
    _terms: tuple[bool, bool, bool] | None = None

    @property
    def state_dependent(self) -> bool:
        """Whether the hazard reads the state (any gain is non-zero)."""
        return any(np.any(g) for g in (self.tension_gain, self.grievance_gain, self.own_grievance_gain,
                                       self.goodwill_gain, self.threat_gain))

    @property
    def terms(self) -> tuple[bool, bool, bool]:
        """Whether the hazard has its own-grievance, goodwill and threat terms (v2)."""
        if self._terms is None:
            self._terms = (bool(np.any(self.own_grievance_gain)), bool(np.any(self.goodwill_gain)),
                           bool(np.any(self.threat_gain)) and self.threat_source is not None)
        return self._terms


class Strategy:
    """The typed actions of one actor under one named strategy, active from `since` until
    (not including) `until` (None: no bound).

    `param(key, default)` gives a parameter's value, one number or one per batch row
    (a sweep); the rates of all actions are multiplied by the strategy's `intensity`.
    """

    def __init__(self, name: str, spec, catalog: Catalog, index: dict[str, int], param=None,
                 since: dt.date | None = None, until: dt.date | None = None, poisson: bool = False):
        param = param or (lambda key, default: float(default))
        self.name, self.since, self.until, self.poisson = name, since, until, poisson
        self.actor = actor = spec.actor
        intensity = param(f"decisions.strategies.{name}.intensity", spec.intensity)
        self.actions = []
        for aname, a in spec.actions.items():
            key = f"decisions.strategies.{name}.actions.{aname}"
            self.actions.append(Action(
                name=aname,
                kind=catalog.resolve(a.cameo, None, list(a.channels) if a.channels else None),
                target=index[a.target],
                rate_per_year=param(f"{key}.rate_per_year", a.rate_per_year) * intensity,
                tension_gain=param(f"{key}.tension_gain", a.tension_gain),
                grievance_gain=param(f"{key}.grievance_gain", a.grievance_gain),
                magnitude=param(f"{key}.magnitude", a.magnitude),
                once=bool(a.once),
                stream=stream_id(f"action:{actor}:{aname}"),
                effect_stream=stream_id(f"effect:action:{actor}:{aname}"),
                own_grievance_gain=param(f"{key}.own_grievance_gain", a.own_grievance_gain),
                goodwill_gain=param(f"{key}.goodwill_gain", a.goodwill_gain),
                threat_gain=param(f"{key}.threat_gain", a.threat_gain),
                threat_source=None if a.threat_source is None else index[a.threat_source],
                event_id=f"{actor}:{aname}", description=f"{name}: {aname}",
            ))
        self._streams = np.array([act.stream for act in self.actions], dtype=np.uint64)
        self._effect_streams = np.array([act.effect_stream for act in self.actions], dtype=np.uint64)
        self._dependent = [act.state_dependent for act in self.actions]
        self._dependent_rows = [i for i, dep in enumerate(self._dependent) if dep]
        self._once_rows = [i for i, act in enumerate(self.actions) if act.once]
        self._constant: dict[tuple, tuple] = {}  # per (step length, R): (lam, P(fire)) of state-free actions

    def active(self, date: dt.date) -> bool:
        return (self.since is None or date >= self.since) and (self.until is None or date < self.until)

    @staticmethod
    def rate(act: Action, model, source: int, tensions: dict | None = None) -> float | np.ndarray:
        """The action's hazard (events per year) in every replicate, scaled by the state;
        `tensions` keeps each target's tension for the other actions of the same step."""
        x, g = model.attitude, model.grievance
        state = model.state_of[act.target]
        tension = None if tensions is None else tensions.get(state)
        if tension is None:
            tension = (2.0 - x[:, source, state] - x[:, state, source]) * 0.25
            if tensions is not None:
                tensions[state] = tension
        m = 1.0 + act.tension_gain * tension + act.grievance_gain * g[:, state, source]
        own, goodwill, threat = act.terms
        if own:
            m = m + act.own_grievance_gain * g[:, source, state]
        if goodwill:
            m = m + act.goodwill_gain * model.goodwill[:, source, state]
        if threat:
            m = m + act.threat_gain * g[:, source, act.threat_source]
        return act.rate_per_year * m

    def _hazards(self, dt_days: int, R: int) -> tuple[np.ndarray, np.ndarray]:
        """(lam, P(fire)) per step, shape (actions, R), with the rows of actions whose hazard
        does not read the state filled in (the others are filled each step)."""
        if (dt_days, R) not in self._constant:
            scale = dt_days / 365.0
            lam, p = np.zeros((len(self.actions), R)), np.zeros((len(self.actions), R))
            for i, (act, dep) in enumerate(zip(self.actions, self._dependent)):
                if not dep:
                    lam[i] = act.rate_per_year * scale
                    p[i] = -np.expm1(-(act.rate_per_year * scale))
            self._constant[(dt_days, R)] = (lam, p)
        lam, p = self._constant[(dt_days, R)]
        return lam.copy(), p.copy()

    def draw(self, model, source: int, t: int, noise: bool = True) -> list[EventBatch]:
        """This step's events of every action, one batch per action that fired somewhere:
        whether each action fires in each replicate, its Poisson counts and (with `noise`)
        the effect noise of its events are drawn for all actions at once."""
        scale = model.dt_days / 365.0
        U = first_uniforms(model.keys, t, self._streams)  # (actions, R)
        lam, P = self._hazards(model.dt_days, model.R)
        tensions: dict[int, np.ndarray] = {}
        for i in self._dependent_rows:
            lam[i] = self.rate(self.actions[i], model, source, tensions) * scale
            P[i] = -np.expm1(-lam[i])
        fire = U < P
        for i in self._once_rows:
            act = self.actions[i]
            if act.fired is None:
                act.fired = np.zeros(model.R, dtype=bool)
            fire[i] &= ~act.fired
            act.fired |= fire[i]
        which, rows = np.nonzero(fire)  # by action, then replicate
        if not which.size:
            return []
        counts = poisson_counts(U[which, rows], lam[which, rows]) if self.poisson else None
        z = gathered_normals(model.keys[rows], t, self._effect_streams, which) if noise else None
        ends = np.cumsum(np.bincount(which, minlength=len(self.actions))).tolist()
        batches, start = [], 0
        for i, end in enumerate(ends):
            if end > start:
                batches.append(self._batch(i, source, t, rows[start:end],
                                           None if counts is None or self.actions[i].once else counts[start:end],
                                           None if z is None else z[start:end]))
            start = end
        return batches

    def _batch(self, i: int, source: int, t: int, where, count, noise) -> EventBatch:
        act = self.actions[i]
        magnitude = act.magnitude[where] if isinstance(act.magnitude, np.ndarray) else act.magnitude
        return EventBatch(source=source, target=act.target, kind=act.kind, magnitude=magnitude, id=act.event_id,
                          origin="strategy", description=act.description, noise_stream=act.effect_stream,
                          noise_step=t, replicates=where, count=count, noise=noise)


class Reaction:
    """Ladders an actor climbs when hostile (or, if configured, cooperative) events hit it
    or its diaspora."""

    def __init__(self, actor: str, spec, catalog: Catalog):
        self.actor = actor
        self.trigger = float(spec.trigger_goldstein)
        self.probability = float(spec.response_probability)
        self.severity_weight = float(spec.severity_weight)
        self.hostility_weight = float(spec.hostility_weight)
        self.noise_sd = float(spec.noise_sd)
        self.ladder = self._ladder(spec.ladder, catalog)
        self.cooperative_trigger = None if spec.cooperative_trigger is None else float(spec.cooperative_trigger)
        self.cooperative_probability = float(spec.cooperative_probability)
        self.cooperative_ladder = self._ladder(spec.cooperative_ladder, catalog)

    @staticmethod
    def _ladder(rungs, catalog: Catalog) -> tuple[np.ndarray, list[EventType]]:
        return (np.array([r.threshold for r in rungs], dtype=float),
                [catalog.resolve(r.cameo, None, list(r.channels) if r.channels else None) for r in rungs])

    def respond(self, model, me: int, t: int, batches: list[EventBatch]) -> list[EventBatch]:
        out = self._climb(model, me, t, batches, hostile=True)
        if self.cooperative_trigger is not None and self.cooperative_ladder[1]:
            out += self._climb(model, me, t, batches, hostile=False)
        return out

    def _triggers(self, b: EventBatch, hostile: bool) -> bool:
        g = b.kind.goldstein
        return g <= self.trigger if hostile else g >= self.cooperative_trigger

    def _climb(self, model, me: int, t: int, batches: list[EventBatch], hostile: bool) -> list[EventBatch]:
        # severity per source, on the batch positions some triggering event reached
        severity: dict[int, np.ndarray] = {}
        for b in batches:
            if b.source == me or not self._triggers(b, hostile) or model.state_of[b.target] != me:
                continue
            sev = severity.setdefault(b.source, np.zeros(model.R))
            sel = slice(None) if b.replicates is None else b.replicates
            mag = b.magnitude if b.count is None else b.magnitude * b.count
            sev[sel] = np.maximum(sev[sel], abs(b.kind.goldstein) / 10.0 * mag)
        thresholds, rungs = self.ladder if hostile else self.cooperative_ladder
        probability = self.probability if hostile else self.cooperative_probability
        prefix = "reaction" if hostile else "cooperative-reaction"
        out = []
        for src, sev in severity.items():
            where = np.flatnonzero(sev > 0)
            if not where.size:
                continue
            keys = model.keys[where]
            name = f"{prefix}:{self.actor}:{model.actors[src]}"
            u = uniforms(keys, t, stream_id(name), 1)[0]
            z = normals(keys, t, stream_id(f"score:{name}"), 1)[0]
            stance = -model.attitude[where, me, src] if hostile else model.attitude[where, me, src]
            score = self.severity_weight * sev[where] + self.hostility_weight * np.maximum(0.0, stance) \
                + self.noise_sd * z
            rung = np.searchsorted(thresholds, score, side="right") - 1
            rung[u >= probability] = -1
            for i, kind in enumerate(rungs):
                chosen = where[rung == i]
                if chosen.size:
                    out.append(EventBatch(
                        source=me, target=src, kind=kind, magnitude=1.0, id=f"{self.actor}:{prefix}:{kind.cameo}",
                        origin="reaction", description=f"{prefix} of {self.actor}, rung {i + 1}",
                        noise_stream=stream_id(f"effect:{name}"), noise_step=t, replicates=chosen,
                    ))
        return out
