"""The agents: states and diaspora groups.

Each agent owns one index into the model's batched state arrays (attitude, ties,
grievance, all with a leading replicate axis) and acts on its slice for every replicate
at once.
"""

from __future__ import annotations

from enum import Enum

import mesa

from .decisions import Reaction, Strategy
from .events import EventBatch


class Role(Enum):
    PATRON = "patron"
    CLIENT = "client"
    OTHER = "other"


class StateAgent(mesa.Agent):
    """A state, by ISO 3166 alpha-3 code, with a role and its decision rules."""

    def __init__(self, model, code: str, index: int, spec) -> None:
        super().__init__(model)
        self.code = code
        self.index = index
        self.name = spec.name or code
        self.role = Role(spec.role)
        self.capability = float(spec.capability)
        self.susceptibility = float(spec.susceptibility)
        self.strategies: list[Strategy] = []  # each active in its own window of dates
        self.reaction: Reaction | None = None

    def decide(self) -> list[EventBatch]:
        """Events this state initiates this step under its active strategies (all replicates)."""
        t = self.model.steps
        date = self.model.dates[t]
        noise = self.model.state.mechanism_on("effect_noise")
        return [b for s in self.strategies if s.active(date) for b in s.draw(self.model, self.index, t, noise)]

    def react(self, applied: list[EventBatch]) -> list[EventBatch]:
        """Responses to hostile events applied this step; they take effect next step."""
        if self.reaction is None:
            return []
        return self.reaction.respond(self.model, self.index, self.model.steps, applied)

    def __repr__(self) -> str:
        return f"StateAgent({self.code!r}, role={self.role.value})"


class DiasporaAgent(mesa.Agent):
    """A community of one state's nationals living in another (e.g. AZE_diaspora_RUS).

    A diaspora group does not initiate events. It carries attitudes and grievance of its
    own, and a hit on it reaches its origin state through the listening network and,
    scaled by its salience, directly.
    """

    def __init__(self, model, code: str, index: int, spec) -> None:
        super().__init__(model)
        self.code = code
        self.index = index
        self.origin = spec.origin
        self.host = spec.host
        self.size = float(spec.size)
        self.salience = float(spec.salience)
        self.susceptibility = float(spec.susceptibility)

    def decide(self) -> list[EventBatch]:
        return []

    def react(self, applied: list[EventBatch]) -> list[EventBatch]:
        return []

    def __repr__(self) -> str:
        return f"DiasporaAgent({self.code!r}, origin={self.origin}, host={self.host})"
