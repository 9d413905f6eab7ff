"""Strategies and reactions: the decision rules that make actors produce events.

A *strategy* gives an actor typed actions with hazards (expected events per year),
scaled by the current state: `rate * (1 + tension_gain * tension + grievance_gain * G)`,
where tension in [0, 1] is `(2 - x[s, t] - x[t, s]) / 4` between the actor and the
target (a diaspora target counts as its origin state) and G is the target's grievance
toward the actor. Per step an action fires with probability `1 - exp(-rate * dt / 365)`.

A *reaction* rule lets an actor answer hostile events (Goldstein weight at or below a
trigger) that hit it or its diaspora: with `response_probability` it climbs an
escalation ladder to the highest rung whose threshold its escalation score reaches,
`severity_weight * |g|/10 * magnitude + hostility_weight * max(0, -x[self, source]) +
noise_sd * z`. Reactions take effect the next step.

Every draw comes from a named counter-based stream (see `streams`), so the same action
in two scenarios draws the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .events import Catalog, EventBatch, EventType
from .streams import normals, stream_id, uniforms


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
    fired: np.ndarray | None = None  # replicates where a `once` action has fired


class Strategy:
    """The typed actions of one actor under one named strategy.

    `param(key, default)` gives a parameter's value, one number or one per batch row
    (a sweep); the rates of all actions are multiplied by the strategy's `intensity`.
    """

    def __init__(self, name: str, spec, catalog: Catalog, index: dict[str, int], param=None):
        param = param or (lambda key, default: float(default))
        self.name = name
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
            ))

    def draw(self, model, source: int, t: int) -> list[EventBatch]:
        batches = []
        x, g = model.attitude, model.grievance
        scale = model.dt_days / 365.0
        for act in self.actions:
            u = uniforms(model.keys, t, act.stream, 1)[0]
            if np.any(act.tension_gain) or np.any(act.grievance_gain):
                state = model.state_of[act.target]
                tension = (2.0 - x[:, source, state] - x[:, state, source]) * 0.25
                rate = act.rate_per_year * (
                    1.0 + act.tension_gain * tension + act.grievance_gain * g[:, state, source]
                )
                fire = u < -np.expm1(-rate * scale)
            else:
                fire = u < -np.expm1(-act.rate_per_year * scale)
            if act.once:
                if act.fired is None:
                    act.fired = np.zeros(model.R, dtype=bool)
                fire &= ~act.fired
                act.fired |= fire
            where = np.flatnonzero(fire)
            if where.size:
                batches.append(
                    EventBatch(
                        source=source,
                        target=act.target,
                        kind=act.kind,
                        magnitude=act.magnitude if np.ndim(act.magnitude) == 0 else act.magnitude[where],
                        id=f"{self.actor}:{act.name}",
                        origin="strategy",
                        description=f"{self.name}: {act.name}",
                        noise_stream=act.effect_stream,
                        noise_step=t,
                        replicates=where,
                    )
                )
        return batches


class Reaction:
    """An escalation ladder an actor climbs when hostile events hit it or its diaspora."""

    def __init__(self, actor: str, spec, catalog: Catalog):
        self.actor = actor
        self.trigger = float(spec.trigger_goldstein)
        self.probability = float(spec.response_probability)
        self.severity_weight = float(spec.severity_weight)
        self.hostility_weight = float(spec.hostility_weight)
        self.noise_sd = float(spec.noise_sd)
        self.thresholds = np.array([r.threshold for r in spec.ladder], dtype=float)
        self.rungs = [
            catalog.resolve(r.cameo, None, list(r.channels) if r.channels else None)
            for r in spec.ladder
        ]

    def respond(self, model, me: int, t: int, batches: list[EventBatch]) -> list[EventBatch]:
        # severity per source, on the batch positions some triggering event reached
        severity: dict[int, np.ndarray] = {}
        for b in batches:
            if b.source == me or b.kind.goldstein > self.trigger or model.state_of[b.target] != me:
                continue
            sev = severity.setdefault(b.source, np.zeros(model.R))
            sel = slice(None) if b.replicates is None else b.replicates
            sev[sel] = np.maximum(sev[sel], abs(b.kind.goldstein) / 10.0 * b.magnitude)
        out = []
        for src, sev in severity.items():
            where = np.flatnonzero(sev > 0)
            if not where.size:
                continue
            keys = model.keys[where]
            name = f"reaction:{self.actor}:{model.actors[src]}"
            u = uniforms(keys, t, stream_id(name), 1)[0]
            z = normals(keys, t, stream_id(f"score:{name}"), 1)[0]
            score = (
                self.severity_weight * sev[where]
                + self.hostility_weight * np.maximum(0.0, -model.attitude[where, me, src])
                + self.noise_sd * z
            )
            rung = np.searchsorted(self.thresholds, score, side="right") - 1
            rung[u >= self.probability] = -1
            for i, kind in enumerate(self.rungs):
                chosen = where[rung == i]
                if chosen.size:
                    out.append(
                        EventBatch(
                            source=me,
                            target=src,
                            kind=kind,
                            magnitude=1.0,
                            id=f"{self.actor}:reaction:{kind.cameo}",
                            origin="reaction",
                            description=f"reaction of {self.actor}, rung {i + 1}",
                            noise_stream=stream_id(f"effect:{name}"),
                            noise_step=t,
                            replicates=chosen,
                        )
                    )
        return out
