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

A timeline is the project's own CSV, or an event-data export read directly
(`scenario.timeline_format`, or a path's own `timeline` and `timeline_format`): the
`eventdata` layer turns an export into events whose magnitude the model scales by their
attention ratio (`schedule`; docs/odd.md, section 7.23).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import itertools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from ..config import CHANNELS, ConfigError, actor_names, cameo_table, check_cameo, parse_date
from ..config.checks import MAX_MAGNITUDE, check_range
from ..eventdata import FORMAT_NAMES, attention_magnitude, configured_import
from .calendar import Calendar
from .streams import stream_id

TIMELINE_REQUIRED = ("date", "source", "target", "cameo")
TIMELINE_OPTIONAL = (
    "id", "date_precision", "goldstein", "magnitude", "attention_ratio", "channels", "description", "citation",
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
    event_class: str | None = None  # v3: its magnitude is multiplied by params.class_magnitude[class]

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
    attention_ratio: float | None = None  # an imported event's (docs/odd.md 7.23); None: a curated event

    def batch(self, index: dict[str, int], share: float = 1.0, scale=None) -> EventBatch:
        """This event as a batch acting on every replicate, with `share` of its magnitude,
        times `scale` (a number, or one per row of the batch) if given."""
        magnitude = self.magnitude if share == 1.0 else self.magnitude * share
        if scale is not None:
            magnitude = magnitude * scale
        return EventBatch(source=index[self.source], target=index[self.target], kind=self.kind,
                          magnitude=magnitude, id=self.id,
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
        self.fingerprint = repr(sorted(self._entries.items()))  # equal catalogs resolve codes alike
        self._resolved: dict[tuple, EventType] = {}

    def _lookup(self, code: str, field: str):
        for n in range(len(code), 1, -1):
            entry = self._entries.get(code[:n])
            if entry is not None and entry.get(field) is not None:
                return entry[field]
        return None

    def resolve(self, cameo: str, goldstein=None, channels=None) -> EventType:
        key = (str(cameo), goldstein, tuple(channels) if channels else None)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(str(cameo), goldstein, channels)
        return found

    def _resolve(self, cameo: str, goldstein=None, channels=None) -> EventType:
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
            event_class=self._lookup(cameo, "event_class"),
        )

    def has(self, field: str) -> bool:
        """Whether any entry sets `field` to a non-zero value."""
        return any(e[field] for e in self._entries.values())


def _timeline_path(spec: str, what: str = "scenario.timeline") -> tuple[Path | None, object]:
    if spec.startswith("package:"):
        name = spec.removeprefix("package:")
        res = resources.files("caucasus_sim") / "data" / name
        if "/" in name or not res.is_file():
            raise ConfigError(f"{what}: no packaged timeline {name!r}")
        return None, res
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ConfigError(f"{what}: file {spec!r} not found (from {Path.cwd()})")
    return path, path


def read_timeline(spec: str, actors: list[str], catalog: Catalog, what: str = "scenario.timeline") -> list[Event]:
    """Read a timeline CSV (the format of the packaged timeline) into events. A UTF-8
    byte-order mark (as Excel writes), CRLF line endings and comment lines (`# ...`) before
    the header are accepted; an `id` given twice is refused, naming both lines; rows without
    an id get one from their date, dyad and code (`_2`, `_3`, ... for repeats of the same)."""
    _, res = _timeline_path(spec, what)
    raw = res.read_bytes()
    key = (hashlib.sha256(raw).hexdigest(), spec, what, tuple(actors), catalog.fingerprint)
    if key not in _READ:  # a run reads a timeline for each path, check and branch: parse it once
        _READ.clear()  # keep one: a long session reading many files holds only the last
        _READ[key] = _parse_timeline(raw, spec, actors, catalog, what)
    return list(_READ[key])


_READ: dict[tuple, list[Event]] = {}


def _parse_timeline(raw: bytes, spec: str, actors: list[str], catalog: Catalog, what: str) -> list[Event]:
    with io.StringIO(_decoded(raw, spec, what), newline="") as fh:
        first, comments = fh.readline(), 0
        while first.startswith("#"):  # a provenance header (caucasus-sim-events import writes one)
            first, comments = fh.readline(), comments + 1
        reader = csv.DictReader(itertools.chain([first], fh))
        header = reader.fieldnames or []
        missing = [c for c in TIMELINE_REQUIRED if c not in header]
        if missing:
            raise ConfigError(
                f"{what} {spec!r}: missing column {missing[0]!r}; "
                f"required columns are {', '.join(TIMELINE_REQUIRED)}"
            )
        events: list[Event] = []
        given: dict[str, int] = {}  # explicit id -> line
        for line, row in enumerate(reader, start=2 + comments):
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


def _decoded(raw: bytes, spec: str, what: str) -> str:
    """A timeline's text: UTF-8 (a byte-order mark is dropped); anything else is refused in
    one line naming the file, the line and the byte (a Latin-1 or Windows-1252 "é", say)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} {spec!r} line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8; save the file "
                          "as UTF-8 (in Excel: CSV UTF-8)") from None


def _timeline_event(row: dict, where: str, actors: list[str], catalog: Catalog) -> Event:
    date = parse_date(row["date"], f"{where}: date")
    for col in ("source", "target"):
        if row[col] not in actors:
            raise ConfigError(f"{where}: unknown actor {row[col]!r} in {col}; expected one of {', '.join(actors)}")
    check_cameo(row["cameo"], f"{where}: cameo")
    goldstein = _number(row.get("goldstein", ""), where, "goldstein", -10.0, 10.0)
    magnitude = _number(row.get("magnitude", ""), where, "magnitude", 0.0, MAX_MAGNITUDE)
    attention_ratio = _number(row.get("attention_ratio", ""), where, "attention_ratio", 0.0, None)
    if attention_ratio == 0.0:
        raise ConfigError(f"{where}: attention_ratio 0 is out of range; allowed > 0 (or empty: a curated event)")
    channels = [c for c in row.get("channels", "").split(";") if c]
    for c in channels:
        if c not in CHANNELS:
            raise ConfigError(f"{where}: unknown channel {c!r}; expected one of {', '.join(CHANNELS)}")
    return Event(id=row.get("id", ""), date=date, source=row["source"], target=row["target"],
                 kind=catalog.resolve(row["cameo"], goldstein, channels or None),
                 magnitude=1.0 if magnitude is None else magnitude, origin="timeline",
                 description=row.get("description", ""), citation=row.get("citation", ""),
                 precision="month" if row.get("date_precision", "") == "month" else "day",
                 attention_ratio=attention_ratio)


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


def timeline_source(cfg, path_name: str) -> tuple[str | None, str, str]:
    """Where a path's timeline comes from: (file or export, its format, the configuration key
    that names it) -- the path's own `timeline` (and `timeline_format`), or the scenario's."""
    path = cfg.paths[path_name]
    own = path.timeline is not None
    spec = path.timeline if own else cfg.scenario.timeline
    return spec, str(path.timeline_format or cfg.scenario.timeline_format), (
        f"paths.{path_name}.timeline" if own else "scenario.timeline")


def timeline_events(cfg, path_name: str, catalog: Catalog) -> list[Event]:
    """The events of a path's timeline: a timeline CSV or an event-data export, as
    `timeline_source` names it."""
    spec, fmt, what = timeline_source(cfg, path_name)
    if not spec:
        return []
    if fmt == "csv":
        return read_timeline(spec, actor_names(cfg), catalog, what)
    imported = configured_import(cfg, spec, fmt, what)
    return [Event(id=e.id, date=e.date, source=e.source, target=e.target, kind=catalog.resolve(e.cameo),
                  magnitude=e.magnitude, origin="timeline", description=e.description, citation=e.citation,
                  attention_ratio=e.attention_ratio) for e in imported.events]


def empty_timelines(cfg) -> list[str]:
    """One line per timeline CSV that holds no event (a header only): its paths run with no
    scheduled history, which a run says rather than doing silently."""
    if cfg.quiet:
        return []
    out, seen = [], set()
    catalog = Catalog(cfg.catalog)
    for name in cfg.paths:
        spec, fmt, what = timeline_source(cfg, name)
        if not spec or fmt != "csv" or (spec, what) in seen:
            continue
        seen.add((spec, what))
        if not read_timeline(spec, actor_names(cfg), catalog, what):
            out.append(f"{what} {spec!r} holds no event (a header only): no scheduled history acts")
    return out


def imported_timelines(cfg) -> list[dict]:
    """For each path whose timeline is an event-data export: what its import read and kept,
    and how many of its events act at the configured attention parameters."""
    out = []
    for name in cfg.paths:
        spec, fmt, what = timeline_source(cfg, name)
        if not spec or fmt == "csv" or cfg.quiet:
            continue
        imported = configured_import(cfg, spec, fmt, what)
        p = cfg.params
        out.append({"path": name, "key": what, "export": spec, "format": fmt, "events": len(imported.events),
                    "acting": imported.acting(float(p.attention_scale), float(p.attention_threshold)),
                    "cleaning": imported.summary.cleaning()})
    return out


def import_notices(cfg) -> list[str]:
    """One line per imported timeline (printed by a run and kept in its manifest)."""
    p = cfg.params
    return [f"{i['key']} ({i['path']}): {FORMAT_NAMES[i['format']]} export {i['export']}: {i['events']} events, "
            f"{i['acting']} acting at params.attention_scale={p.attention_scale:g}, "
            f"attention_threshold={p.attention_threshold:g}; {i['cleaning']}"
            + ("" if i["acting"] else f"; none acts, so path {i['path']} runs with no scheduled event: its "
                                      "differences from other paths are those of having no history")
            for i in imported_timelines(cfg)]


def schedule(events: list[Event], calendar: Calendar, index: dict[str, int], spread: bool, after: int,
             value, params) -> dict[int, list[EventBatch]]:
    """Scheduled events as batches by the step they act at (after `after`). An imported
    event's magnitude is scaled by its attention (`attention_magnitude`, with each row's
    `params.attention_scale` and `params.attention_threshold`: `value(key, default)` gives
    one number, or one per row of a batch of points); one that is 0 in every row is left out."""
    scale = value("params.attention_scale", params.attention_scale)
    threshold = value("params.attention_threshold", params.attention_threshold)
    out: dict[int, list[EventBatch]] = {}
    for e in events:
        factor = None if e.attention_ratio is None else attention_magnitude(e.attention_ratio, scale, threshold)
        if factor is not None and not np.any(np.asarray(factor) > 0.0):
            continue
        for t, share in calendar.event_steps(e.date, spread and e.precision == "month"):
            if t > after:
                out.setdefault(t, []).append(e.batch(index, share, factor))
    return out


def path_events(cfg, path_name: str) -> list[Event]:
    """The scheduled events of one path: timeline + scenario events, edited by the path."""
    catalog = Catalog(cfg.catalog)
    events = timeline_events(cfg, path_name, catalog)
    events += [event_from_config(ev, catalog, "scenario") for ev in cfg.scenario.events]
    path = cfg.paths[path_name]
    removed, moved = set(path.remove), dict(path.move)  # plain: read once per event below
    ids = {e.id for e in events}
    for eid in list(path.remove) + list(moved):
        if eid not in ids:
            raise ConfigError(
                f"paths.{path_name}: no event with id {eid!r}; known ids: {', '.join(e.id for e in events[:20])}"
                + (f" and {len(events) - 20} more" if len(events) > 20 else "")
            )
    events = [e for e in events if e.id not in removed]
    for eid, when in moved.items():
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
