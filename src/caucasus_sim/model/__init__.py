"""The model: a Mesa model whose step() is the schedule, its agents, events, decision
rules and counter-based random streams. It reads a composed configuration and never
loads configuration files itself."""

from .agents import DiasporaAgent, Role, StateAgent
from .events import Catalog, Event, EventBatch, EventType, path_events, read_timeline
from .model import RECORDS, CaucasusModel, common_steps
from .network import check_points
from .parameters import is_batchable
from .streams import replicate_keys

__all__ = ["RECORDS", "CaucasusModel", "Catalog", "DiasporaAgent", "Event", "EventBatch", "EventType",
           "Role", "StateAgent", "check_points", "common_steps", "is_batchable", "path_events", "read_timeline", "replicate_keys"]
