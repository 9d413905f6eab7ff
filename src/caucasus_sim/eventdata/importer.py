"""Importing an export: read it file by file, clean it, aggregate it into events.

`import_export` streams the files of an export through its reader and the cleaning, so
memory grows with the records about the model's actors, not with the export. It returns
the events and a `Summary` of what each step did; `configured_import` does the same for a
configuration's `eventdata` block and calendar, and keeps its last few results, so that a
run's checks, its paths and their models read an export once.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..config import ConfigError, actor_names, parse_date
from .actors import ActorMap, load_actor_map
from .attention import ImportedEvent, aggregate, attention_magnitude
from .cleaning import REASONS, Cleaning, Periods
from .readers import FORMAT_NAMES, Record, export_files, rows

LISTED_UNMAPPED = 5  # unmapped actor codes named in a summary


@dataclass(frozen=True)
class Summary:
    """What an import read and what each cleaning step did, with its provenance."""

    format: str
    files: int
    bytes: int
    sha256: str  # of the files' names and contents, in order
    actor_map: str
    actor_map_sha256: str
    periods: Periods
    root_only: bool
    min_sources: int
    rows: int
    dropped: dict
    kept: int
    collapsed: int
    occurrences: int
    few_sources: int
    events: int
    before_start: int
    active_periods: int
    unmapped: list = field(default_factory=list)  # the most frequent unmapped actor codes, with counts

    def cleaning(self) -> str:
        """The cleaning steps, in one line."""
        dropped = ", ".join(f"{n} {reason}" for reason in REASONS if (n := self.dropped.get(reason, 0)))
        text = (f"{self.rows} rows read; dropped: {dropped or 'none'}; {self.kept} records kept, "
                f"{self.collapsed} collapsed into an occurrence reported before; {self.occurrences} occurrences")
        if self.few_sources:
            text += f", {self.few_sources} with fewer than {self.min_sources} sources dropped"
        text += f"; {self.events} events in {self.active_periods} period(s) with records"
        if self.active_periods == 1:
            text += " (one period gives no baseline: every attention ratio is 1)"
        if self.before_start:
            text += f" ({self.before_start} more on or before {self.periods.start}, dropped)"
        if self.unmapped:
            text += "; most frequent unmapped actors: " + ", ".join(f"{c} ({n})" for c, n in self.unmapped)
        return text

    def provenance(self) -> list[str]:
        """Where the events come from and how they were made, one line each."""
        return [
            f"format: {self.format} ({FORMAT_NAMES[self.format]}); {self.files} file(s), {self.bytes} bytes, "
            f"SHA-256 of names and contents {self.sha256}",
            f"actor map: {self.actor_map} (SHA-256 {self.actor_map_sha256})",
            f"periods of {self.periods.dt_days} days ending on {self.periods.start} + k * {self.periods.dt_days} days; "
            + ("root events only" if self.root_only else "all events (root or not)")
            + f"; occurrences need {self.min_sources} source(s)",
        ]


@dataclass(frozen=True)
class Import:
    events: tuple[ImportedEvent, ...]
    summary: Summary

    def acting(self, scale: float, threshold: float) -> int:
        """How many events have a magnitude above 0 at these normalisation parameters."""
        return sum(1 for e in self.events if attention_magnitude(e.attention_ratio, scale, threshold) > 0)


def _digest(files: list[Path]) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    for f in files:
        try:
            with open(f, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").digest()
        except OSError as exc:
            raise ConfigError(f"{f}: cannot be read: {exc.strerror or exc}") from None
        h.update(f.name.encode() + b"\0" + digest)
        size += f.stat().st_size
    return h.hexdigest(), size


def import_export(paths: list[str], fmt: str, actors: ActorMap, periods: Periods, *, root_only: bool = True,
                  min_sources: int = 1) -> Import:
    """Read, clean and aggregate an export (files and folders of one format), file by file."""
    files = export_files(paths, fmt)
    sha, size = _digest(files)
    items = itertools.chain.from_iterable(rows(path, fmt, actors, root_only) for path in files)
    imported = import_rows(items, fmt, actors, periods, root_only=root_only, min_sources=min_sources,
                           inputs=(len(files), size, sha))
    if imported.summary.rows == 0:
        raise ConfigError(f"{FORMAT_NAMES[fmt]} export {', '.join(map(str, paths))}: empty; its "
                          f"{len(files)} file(s) hold no rows")
    return imported


def import_rows(items: Iterable[Record | str], fmt: str, actors: ActorMap, periods: Periods, *,
                root_only: bool = True, min_sources: int = 1, inputs: tuple[int, int, str] = (0, 0, "")) -> Import:
    """Clean and aggregate the rows a reader yields (`inputs`: the files, bytes and SHA-256
    they were read from, for the summary)."""
    cleaning = Cleaning(periods, fail_unmapped=actors.unmapped == "fail", actor_map=actors.source)
    feed = cleaning.feed
    for item in items:
        feed(item)
    occurrences, few, _ = cleaning.finish(min_sources)
    events, before = aggregate(occurrences, cleaning.volume, periods, fmt)
    summary = Summary(
        format=fmt, files=inputs[0], bytes=inputs[1], sha256=inputs[2], actor_map=actors.source,
        actor_map_sha256=actors.sha256, periods=periods, root_only=root_only, min_sources=min_sources,
        rows=cleaning.rows, dropped=dict(cleaning.dropped), kept=cleaning.kept, collapsed=cleaning.collapsed,
        occurrences=len(occurrences), few_sources=few, events=len(events), before_start=before,
        active_periods=sum(1 for v in cleaning.volume.values() if v > 0),
        unmapped=cleaning.unmapped.most_common(LISTED_UNMAPPED))
    return Import(tuple(events), summary)


def _signature(spec: str) -> tuple:
    """Name, size and modification time of every file under `spec` (a file or a folder)."""
    path = Path(spec).expanduser()
    found = sorted(path.rglob("*")) if path.is_dir() else [path]
    return tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in found if f.is_file())


_IMPORTS: OrderedDict = OrderedDict()  # recent imports, most recent last
_KEPT = 4


def export_path(spec: str, what: str) -> str:
    """The file or folder an export's specification names: `package:<file>` (package data)
    or a path."""
    if spec.startswith("package:"):
        name = spec.removeprefix("package:")
        res = resources.files("caucasus_sim") / "data" / name
        if "/" in name or not res.is_file():
            raise ConfigError(f"{what}: no packaged export {name!r}")
        return str(res)
    if not Path(spec).expanduser().exists():
        raise ConfigError(f"{what}: {spec!r} not found (from {Path.cwd()})")
    return spec


def configured_import(cfg, spec: str, fmt: str, what: str) -> Import:
    """The import of the export `spec` in format `fmt` with the configuration's actor map,
    cleaning settings and calendar (`what`: the configuration key that names it)."""
    ed, sc = cfg.eventdata, cfg.scenario
    periods = Periods(parse_date(sc.start, "scenario.start"), int(sc.dt_days))
    spec = export_path(spec, what)
    key = (spec, fmt, str(ed.actor_map), tuple(actor_names(cfg)), periods, bool(ed.root_only), int(ed.min_sources),
           _signature(spec), _signature(ed.actor_map) if not str(ed.actor_map).startswith("package:") else ())
    if key not in _IMPORTS:
        actors = load_actor_map(str(ed.actor_map), actor_names(cfg))
        _IMPORTS[key] = import_export([spec], fmt, actors, periods, root_only=bool(ed.root_only),
                                      min_sources=int(ed.min_sources))
        while len(_IMPORTS) > _KEPT:
            _IMPORTS.popitem(last=False)
    _IMPORTS.move_to_end(key)
    return _IMPORTS[key]
