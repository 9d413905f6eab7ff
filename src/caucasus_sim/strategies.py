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

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .events import Catalog, EventType
from .streams import normals, stream_id, uniforms


@dataclass
class EventBatch:
    """One event type applied, this step, to the replicates where `magnitude` > 0."""

    source: int
    target: int
    kind: EventType
    magnitude: np.ndarray | float
    id: str
    origin: str  # timeline | scenario | path | strategy | reaction
    description: str = ""
    noise_stream: int = 0
    noise_step: int = 0
    date: dt.date | None = None  # the event's own date (scheduled events)

    @property
    def everywhere(self) -> bool:
        return np.ndim(self.magnitude) == 0


@dataclass
class Action:
    name: str
    kind: EventType
    target: int
    rate_per_year: float
    tension_gain: float
    grievance_gain: float
    magnitude: float
    once: bool
    stream: int
    fired: np.ndarray | None = None  # replicates where a `once` action has fired


class Strategy:
    """The typed actions of one actor under one named strategy."""

    def __init__(self, name: str, actor: str, spec, catalog: Catalog, index: dict[str, int]):
        self.name = name
        self.actor = actor
        self.actions = [
            Action(
                name=aname,
                kind=catalog.resolve(a.cameo, None, list(a.channels) if a.channels else None),
                target=index[a.target],
                rate_per_year=float(a.rate_per_year),
                tension_gain=float(a.tension_gain),
                grievance_gain=float(a.grievance_gain),
                magnitude=float(a.magnitude),
                once=bool(a.once),
                stream=stream_id(f"action:{actor}:{aname}"),
            )
            for aname, a in spec.actions.items()
        ]

    def draw(self, model, source: int, t: int) -> list[EventBatch]:
        batches = []
        x, g = model.attitude, model.grievance
        for act in self.actions:
            state = model.state_of[act.target]
            tension = (2.0 - x[:, source, state] - x[:, state, source]) * 0.25
            rate = act.rate_per_year * (
                1.0 + act.tension_gain * tension + act.grievance_gain * g[:, state, source]
            )
            p = -np.expm1(-rate * (model.dt_days / 365.0))
            u = uniforms(model.keys, t, act.stream, 1)[0]
            fire = u < p
            if act.once:
                if act.fired is None:
                    act.fired = np.zeros(model.R, dtype=bool)
                fire &= ~act.fired
                act.fired |= fire
            if fire.any():
                batches.append(
                    EventBatch(
                        source=source,
                        target=act.target,
                        kind=act.kind,
                        magnitude=fire * act.magnitude,
                        id=f"{self.actor}:{act.name}",
                        origin="strategy",
                        description=f"{self.name}: {act.name}",
                        noise_stream=act.stream,
                        noise_step=t,
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
        severity: dict[int, np.ndarray] = {}
        for b in batches:
            if b.source == me or b.kind.goldstein > self.trigger:
                continue
            if model.state_of[b.target] != me:
                continue
            sev = abs(b.kind.goldstein) / 10.0 * np.broadcast_to(b.magnitude, (model.R,))
            prev = severity.get(b.source)
            severity[b.source] = sev if prev is None else np.maximum(prev, sev)
        out = []
        for src, sev in severity.items():
            stream = stream_id(f"reaction:{self.actor}:{model.actors[src]}")
            u = uniforms(model.keys, t, stream, 1)[0]
            z = normals(model.keys, t, stream ^ 1, 1)[0]
            score = (
                self.severity_weight * sev
                + self.hostility_weight * np.maximum(0.0, -model.attitude[:, me, src])
                + self.noise_sd * z
            )
            rung = np.searchsorted(self.thresholds, score, side="right") - 1
            act = (sev > 0) & (u < self.probability) & (rung >= 0)
            for i, kind in enumerate(self.rungs):
                mask = act & (rung == i)
                if mask.any():
                    out.append(
                        EventBatch(
                            source=me,
                            target=src,
                            kind=kind,
                            magnitude=mask.astype(float),
                            id=f"{self.actor}:reaction:{kind.cameo}",
                            origin="reaction",
                            description=f"reaction of {self.actor}, rung {i + 1}",
                            noise_stream=stream ^ 2,
                            noise_step=t,
                        )
                    )
        return out
