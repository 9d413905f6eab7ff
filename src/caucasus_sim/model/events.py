"""Events and the CAMEO catalog.

An event is (date, CAMEO code, source, target, magnitude, note). Its Goldstein weight
and the tie channels it hits come from the CAMEO typology (package data) and the
configurable catalog; the catalog also marks which event types create grievance and
which resolve it. Every CAMEO code resolves, so an event-data export can drive the model.

Precedence:
- Goldstein weight: catalog entry (longest matching code prefix) > the event's own
  `goldstein` (e.g. a timeline column) > the Goldstein table. The catalog is the
  researcher's deliberate choice and wins over weights copied into event data.
- channels: the event's own `channels` > catalog entry (longest matching prefix; the
  default catalog gives every CAMEO root one). Channels on an event are knowledge of that
  event (a ban on cultural events hits the cultural channel) and win over its type.
- grievance and resolves: catalog entry (longest matching prefix), else 0.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from ..config import CHANNELS, ConfigError, actor_names, cameo_table, check_cameo, parse_date
from ..config.checks import check_range
from .calendar import Calendar
from .streams import stream_id

TIMELINE_REQUIRED = ("date", "source", "target", "cameo")
TIMELINE_OPTIONAL = (
    "id", "date_precision", "goldstein", "magnitude", "channels", "description", "citation",
)


@dataclass(frozen=True)
class EventType:
    """What an event of one CAMEO code does, once the catalog is applied."""

    cameo: str
    goldstein: float
    channels: tuple[str, ...]
    grievance: float
    resolves: float
    lasting: float = 0.0  # permanent shift of the hit ties' baseline per unit g/10
    lasting_anchor: float = 0.0  # permanent shift of the target's anchor toward the source

    @property
    def channel_index(self) -> tuple[int, ...]:
        """The positions of its channels in CHANNELS."""
        return _CHANNEL_INDEX[self.channels]


_CHANNEL_INDEX = {}  # channels -> their positions, filled as types are resolved


@dataclass(frozen=True)
class Event:
    """A dated event between two actors, resolved against the catalog."""

    id: str
    date: dt.date
    source: str
    target: str
    kind: EventType
    magnitude: float = 1.0
    origin: str = "timeline"  # timeline | scenario | path
    description: str = ""
    citation: str = ""
    precision: str = "day"  # day | month (the date is the first of the month)

    def batch(self, index: dict[str, int], share: float = 1.0) -> EventBatch:
        """This event as a batch acting on every replicate, with `share` of its magnitude."""
        return EventBatch(source=index[self.source], target=index[self.target], kind=self.kind,
                          magnitude=self.magnitude if share == 1.0 else self.magnitude * share, id=self.id,
                          origin=self.origin, description=self.description,
                          noise_stream=stream_id(f"event:{self.id}"), noise_step=0, date=self.date)


@dataclass
class EventBatch:
    """One event applied this step to all replicates, or to the batch positions listed."""

    source: int
    target: int
    kind: EventType
    magnitude: float | np.ndarray  # an array: one per listed replicate
    id: str
    origin: str  # timeline | scenario | path | strategy | reaction
    description: str = ""
    noise_stream: int = 0
    noise_step: int = 0
    date: dt.date | None = None  # the event's own date (scheduled events)
    replicates: np.ndarray | None = None  # batch positions; None: every replicate
    count: np.ndarray | None = None  # events of this type per listed replicate (None: one each)
    noise: np.ndarray | None = None  # its effect noise per listed replicate, if drawn already


class Catalog:
    """Resolves CAMEO codes to event types using the configured catalog entries."""

    def __init__(self, entries) -> None:
        # plain dictionaries: a configuration node costs many times as much to read
        plain = OmegaConf.to_container(entries) if isinstance(entries, DictConfig) else dict(entries)
        self._entries = {str(k): (OmegaConf.to_container(v) if isinstance(v, DictConfig) else dict(v))
                         for k, v in plain.items()}

    def _lookup(self, code: str, field: str):
        for n in range(len(code), 1, -1):
            entry = self._entries.get(code[:n])
            if entry is not None and entry[field] is not None:
                return entry[field]
        return None

    def resolve(self, cameo: str, goldstein=None, channels=None) -> EventType:
        cameo = str(cameo)
        check_cameo(cameo, "event")
        g = self._lookup(cameo, "goldstein")
        if g is None:
            g = goldstein if goldstein is not None else cameo_table()[cameo][1]
        chans = channels if channels else self._lookup(cameo, "channels")
        if chans is None:
            raise ConfigError(
                f"catalog: no channels for CAMEO code {cameo!r} or its root {cameo[:2]!r}; "
                "give the root an entry with channels"
            )
        channels = tuple(c for c in CHANNELS if c in list(chans))
        _CHANNEL_INDEX.setdefault(channels, tuple(CHANNELS.index(c) for c in channels))
        return EventType(
            cameo=cameo,
            goldstein=float(g),
            channels=channels,
            grievance=float(self._lookup(cameo, "grievance") or 0.0),
            resolves=float(self._lookup(cameo, "resolves") or 0.0),
            lasting=float(self._lookup(cameo, "lasting") or 0.0),
            lasting_anchor=float(self._lookup(cameo, "lasting_anchor") or 0.0),
        )

    def has(self, field: str) -> bool:
        """Whether any entry sets `field` to a non-zero value."""
        return any(e[field] for e in self._entries.values())


def _timeline_path(spec: str) -> tuple[Path | None, object]:
    if spec.startswith("package:"):
        name = spec.removeprefix("package:")
        res = resources.files("caucasus_sim") / "data" / name
        if "/" in name or not res.is_file():
            raise ConfigError(f"scenario.timeline: no packaged timeline {name!r}")
        return None, res
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ConfigError(f"scenario.timeline: file {spec!r} not found (from {Path.cwd()})")
    return path, path


def read_timeline(spec: str, actors: list[str], catalog: Catalog) -> list[Event]:
    """Read a timeline CSV (the format of the packaged timeline) into events. A UTF-8
    byte-order mark (as Excel writes) and CRLF line endings are accepted; an `id` given
    twice is refused, naming both lines; rows without an id get one from their date, dyad
    and code (`_2`, `_3`, ... for repeats of the same)."""
    _, res = _timeline_path(spec)
    with res.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in TIMELINE_REQUIRED if c not in header]
        if missing:
            raise ConfigError(
                f"scenario.timeline {spec!r}: missing column {missing[0]!r}; "
                f"required columns are {', '.join(TIMELINE_REQUIRED)}"
            )
        events: list[Event] = []
        given: dict[str, int] = {}  # explicit id -> line
        for line, row in enumerate(reader, start=2):
            where = f"timeline {spec!r} line {line}"
            row = {k: (v or "").strip() for k, v in row.items() if k is not None}
            eid = row.get("id", "")
            if eid in given:
                raise ConfigError(f"{where}: event id {eid!r} is also the id of line {given[eid]}; "
                                  "ids must be unique (paths edit events by id)")
            if eid:
                given[eid] = line
            events.append(_timeline_event(row, where, actors, catalog))
    return _with_ids(events)


def _timeline_event(row: dict, where: str, actors: list[str], catalog: Catalog) -> Event:
    date = parse_date(row["date"], f"{where}: date")
    for col in ("source", "target"):
        if row[col] not in actors:
            raise ConfigError(f"{where}: unknown actor {row[col]!r} in {col}; expected one of {', '.join(actors)}")
    check_cameo(row["cameo"], f"{where}: cameo")
    goldstein = _number(row.get("goldstein", ""), where, "goldstein", -10.0, 10.0)
    magnitude = _number(row.get("magnitude", ""), where, "magnitude", 0.0, None)
    channels = [c for c in row.get("channels", "").split(";") if c]
    for c in channels:
        if c not in CHANNELS:
            raise ConfigError(f"{where}: unknown channel {c!r}; expected one of {', '.join(CHANNELS)}")
    return Event(id=row.get("id", ""), date=date, source=row["source"], target=row["target"],
                 kind=catalog.resolve(row["cameo"], goldstein, channels or None),
                 magnitude=1.0 if magnitude is None else magnitude, origin="timeline",
                 description=row.get("description", ""), citation=row.get("citation", ""),
                 precision="month" if row.get("date_precision", "") == "month" else "day")


def _with_ids(events: list[Event]) -> list[Event]:
    """Events without an id get `<date>_<source>_<target>_<cameo>`, numbered on repeats."""
    seen = {e.id for e in events if e.id}
    out = []
    for e in events:
        if not e.id:
            base = eid = f"{e.date}_{e.source}_{e.target}_{e.kind.cameo}"
            n = 2
            while eid in seen:
                eid, n = f"{base}_{n}", n + 1
            seen.add(eid)
            e = dataclasses.replace(e, id=eid)
        out.append(e)
    return out


def _number(text: str, where: str, col: str, lo: float, hi: float | None) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{where}: {col} {text!r} is not a number") from None
    check_range(value, lo, hi, f"{where}: {col}")
    return value


def event_from_config(ev, catalog: Catalog, origin: str) -> Event:
    return Event(
        id=str(ev.id),
        date=parse_date(ev.date, f"event {ev.id!r} date"),
        source=ev.source,
        target=ev.target,
        kind=catalog.resolve(ev.cameo, ev.goldstein, list(ev.channels) if ev.channels else None),
        magnitude=float(ev.magnitude),
        origin=origin,
        description=ev.note,
    )


LISTED_LATE = 5  # events named in the warning about events after the last step


def events_after_end(cfg) -> list[str]:
    """One line naming the scheduled events (of any path) dated after the scenario's last
    step, which the model leaves out (the first few by date, and how many more)."""
    if cfg.quiet:
        return []
    calendar = Calendar.from_config(cfg.scenario)
    late: dict[str, Event] = {}
    for name in cfg.paths:
        late.update({e.id: e for e in path_events(cfg, name) if calendar.step_of(e.date) > calendar.n_steps})
    if not late:
        return []
    events = sorted(late.values(), key=lambda e: (e.date, e.id))
    named = ", ".join(f"{e.id!r} on {e.date}" for e in events[:LISTED_LATE])
    more = f" and {len(events) - LISTED_LATE} more" if len(events) > LISTED_LATE else ""
    what = "event" if len(events) == 1 else f"{len(events)} events"
    return [f"{what} {named}{more} after the last step ({calendar.dates[-1]}): left out"]


def path_events(cfg, path_name: str) -> list[Event]:
    """The scheduled events of one path: timeline + scenario events, edited by the path."""
    catalog, actors = Catalog(cfg.catalog), actor_names(cfg)
    events: list[Event] = []
    if cfg.scenario.timeline:
        events += read_timeline(cfg.scenario.timeline, actors, catalog)
    events += [event_from_config(ev, catalog, "scenario") for ev in cfg.scenario.events]
    path = cfg.paths[path_name]
    ids = [e.id for e in events]
    for eid in list(path.remove) + list(path.move):
        if eid not in ids:
            raise ConfigError(
                f"paths.{path_name}: no event with id {eid!r}; known ids: {', '.join(ids)}"
            )
    events = [e for e in events if e.id not in set(path.remove)]
    for eid, when in path.move.items():
        new = parse_date(when, f"paths.{path_name}.move.{eid}")
        events = [
            Event(**{**e.__dict__, "date": new}) if e.id == eid else e for e in events
        ]
    events += [event_from_config(ev, catalog, "path") for ev in path.add]
    seen: set[str] = set()
    for e in events:
        if e.id in seen:
            raise ConfigError(f"paths.{path_name}: event id {e.id!r} is used twice; ids must be unique")
        seen.add(e.id)
    start = parse_date(cfg.scenario.start, "scenario.start")
    for e in events:
        if e.date <= start:
            raise ConfigError(
                f"event {e.id!r} on {e.date} is not after scenario.start {start}; "
                "move the start earlier or remove the event"
            )
    return sorted(events, key=lambda e: e.date)
