"""Streaming readers of event-data exports: GDELT 2.0, ICEWS and PLOVER (POLECAT).

Each reader takes one text stream and yields, row by row, either a `Record` (a row that
involves at least one model actor) or the reason a row is left out before that (a
string of `REASONS`), so a folder of thousands of files, zipped or not, is read one line
at a time and never held in memory. A row that does not have the format's columns stops
the import with one line naming the file, the line and what the format has.

Formats, as documented by their producers:
- GDELT 2.0 event export (GDELT Event Database Data Format Codebook V2.0, 2015): 61
  tab-separated columns, no header; `*.export.CSV` files of 15 minutes, often zipped.
- ICEWS Coded Event Data (Boschee et al. 2015, Harvard Dataverse doi:10.7910/DVN/28075):
  tab-separated with a header row (`Event ID`, `Event Date`, `Source Name`, `Source
  Sectors`, `Source Country`, `CAMEO Code`, `Target Name`, ...); Event ID is unique only
  together with Event Date.
- PLOVER / POLECAT (Halterman et al. 2023; the PLOVER specification): tab-separated with
  a header row (`Event ID`, `Event Date`, `Event Type`, `Event Mode`, `Actor Country`,
  `Recipient Country`, ...); event types and modes are turned into CAMEO codes by the
  table `plover_cameo.yaml` (package data).
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from ..config import ConfigError, cameo_table
from .actors import ActorMap

FORMATS: tuple[str, ...] = ("gdelt2", "icews", "plover")
FORMAT_NAMES = {"gdelt2": "GDELT 2.0", "icews": "ICEWS", "plover": "PLOVER"}
GDELT_COLUMNS = 61
# the files a folder is read for, by format (lower-case endings)
FILE_ENDINGS = {"gdelt2": (".export.csv", ".export.csv.zip"),
                "icews": (".tab", ".tsv", ".txt", ".csv", ".zip"),
                "plover": (".tab", ".tsv", ".txt", ".csv", ".zip")}

NOT_ROOT = "not a root event"
OUTSIDE = "no actor of the model"
NO_CAMEO = "event type without a CAMEO code"


@dataclass(slots=True)
class Record:
    """One row of an export that involves a model actor: its identifier, day (as written),
    the model actors it maps to (None: unmapped), the export's own actor codes, the CAMEO
    code, the number of sources reporting it, a citation, and where it was read."""

    id: object
    day: str
    source: str | None
    target: str | None
    source_code: str
    target_code: str
    cameo: str
    sources: int
    citation: str
    file: str
    line: int


def export_files(paths: list[str], fmt: str) -> list[Path]:
    """The files of an export: each file named, and the format's files in each folder named
    (recursively, in name order; hidden files are skipped)."""
    if fmt not in FORMATS:
        raise ConfigError(f"format: unknown value {fmt!r}; expected one of {', '.join(FORMATS)}")
    files: list[Path] = []
    for spec in paths:
        path = Path(spec).expanduser()
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and not f.name.startswith(".")
                           and f.name.lower().endswith(FILE_ENDINGS[fmt]))
            if not found:
                raise ConfigError(f"{FORMAT_NAMES[fmt]} export {str(spec)!r}: no files ending in "
                                  f"{', '.join(FILE_ENDINGS[fmt])} in this folder")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"{FORMAT_NAMES[fmt]} export {str(spec)!r}: no such file or folder (from {Path.cwd()})")
    if not files:
        raise ConfigError(f"{FORMAT_NAMES[fmt]} export: no file or folder given")
    return files


def texts(path: Path) -> Iterator[tuple[str, io.TextIOBase]]:
    """The text streams of a file: its members if it is a zip archive, else itself."""
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise ConfigError(f"{path}: not a zip archive") from None
        with archive:
            for info in archive.infolist():
                if not info.is_dir():
                    with archive.open(info) as raw:
                        yield f"{path}:{info.filename}", io.TextIOWrapper(raw, encoding="utf-8", errors="replace")
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        yield str(path), fh


# ------------------------------------------------------------------------ GDELT 2.0


def gdelt_rows(stream, label: str, actors: ActorMap, root_only: bool) -> Iterator[Record | str]:
    """GDELT 2.0 event records: GLOBALEVENTID (0), SQLDATE (1), Actor1Code (5),
    Actor1CountryCode (7), Actor2Code (15), Actor2CountryCode (17), IsRootEvent (25),
    EventCode (26), NumSources (32), SOURCEURL (60)."""
    resolve, tabs = actors.cameo_actor, GDELT_COLUMNS - 1
    for lineno, line in enumerate(stream, 1):
        if line.count("\t") != tabs:
            if not line.strip():
                continue  # a blank line
            raise ConfigError(f"{label} line {lineno}: {line.count(chr(9)) + 1} tab-separated columns; a GDELT "
                              f"2.0 event export has {GDELT_COLUMNS} (GDELT 1.0 files have 57 or 58)")
        f = line.split("\t", 33)  # the fields up to NumSources (32), and the rest
        if root_only and f[25] != "1":
            yield NOT_ROOT
            continue
        source = resolve(f[5], f[7]) if f[5] else None
        target = resolve(f[15], f[17]) if f[15] else None
        if source is None and target is None:
            yield OUTSIDE
            continue
        yield Record(f[0], f[1], source, target, f[5], f[15], f[26], _count(f[32], label, lineno, "NumSources"),
                     f[33].rsplit("\t", 1)[1].rstrip("\r\n"), label, lineno)


def _count(text: str, label: str, lineno: int, column: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{label} line {lineno}: {column} {text!r} is not a whole number") from None


# ------------------------------------------------------------------------ ICEWS and PLOVER


ICEWS_COLUMNS = ("Event ID", "Event Date", "Source Name", "Source Sectors", "Source Country", "CAMEO Code",
                 "Target Name", "Target Sectors", "Target Country")
PLOVER_COLUMNS = ("Event ID", "Event Date", "Event Type", "Event Mode", "Actor Country", "Recipient Country")


def _header(stream, label: str, fmt: str, required: tuple[str, ...]) -> tuple[dict[str, int], int]:
    """The column positions of a header row (names compared without case, spaces or
    underscores), refusing a file without the format's columns."""
    first = stream.readline().lstrip("\ufeff").rstrip("\r\n")
    names = first.split("\t")
    index = {_normal(n): i for i, n in enumerate(names)}
    for col in required:
        if _normal(col) not in index:
            raise ConfigError(f"{label} line 1: no column {col!r}; a {FORMAT_NAMES[fmt]} file is tab-separated "
                              f"with a header naming {', '.join(required)}")
    return index, len(names)


def _normal(name: str) -> str:
    return name.strip().lower().replace("_", " ")


def _fields(stream, label: str, fmt: str, width: int) -> Iterator[tuple[int, list[str]]]:
    for lineno, line in enumerate(stream, 2):
        f = line.rstrip("\r\n").split("\t")
        if len(f) != width:
            if len(f) == 1 and not f[0].strip():
                continue
            raise ConfigError(f"{label} line {lineno}: {len(f)} tab-separated columns; its header has {width}")
        yield lineno, f


def icews_rows(stream, label: str, actors: ActorMap) -> Iterator[Record | str]:
    """ICEWS records; the identifier is (Event ID, Event Date). Every row counts as a root
    event (ICEWS has no such flag) and as one source."""
    col, width = _header(stream, label, "icews", ICEWS_COLUMNS)
    c = {k: col[_normal(k)] for k in ICEWS_COLUMNS}
    story, publisher = col.get("story id"), col.get("publisher")
    for lineno, f in _fields(stream, label, "icews", width):
        source = actors.icews_actor(f[c["Source Name"]], f[c["Source Sectors"]], f[c["Source Country"]])
        target = actors.icews_actor(f[c["Target Name"]], f[c["Target Sectors"]], f[c["Target Country"]])
        if source is None and target is None:
            yield OUTSIDE
            continue
        cite = "ICEWS (doi:10.7910/DVN/28075)" + (f", story {f[story]}" if story is not None else "") + \
            (f", {f[publisher]}" if publisher is not None else "")
        yield Record((f[c["Event ID"]], f[c["Event Date"]]), f[c["Event Date"]], source, target,
                     f[c["Source Name"]], f[c["Target Name"]], icews_code(f[c["CAMEO Code"]]), 1, cite, label, lineno)


def icews_code(text: str) -> str:
    """A CAMEO code as ICEWS gives it; a code that lost its leading zero (read as a number
    somewhere on its way: '42' for '042') gets it back when only that reading is a code."""
    code, codes = text.strip(), cameo_table()
    if code not in codes and "0" + code in codes:
        return "0" + code
    return code


@functools.cache
def plover_table() -> dict[str, dict[str, str] | None]:
    """PLOVER event type -> {mode: CAMEO code} ("" the type's own code); None: no CAMEO code."""
    raw = (resources.files("caucasus_sim") / "data" / "plover_cameo.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(raw)


def plover_rows(stream, label: str, actors: ActorMap) -> Iterator[Record | str]:
    """PLOVER/POLECAT records, by their actor's and recipient's country codes; the event
    type and mode give the CAMEO code. Every row counts as a root event and one source."""
    col, width = _header(stream, label, "plover", PLOVER_COLUMNS)
    c = {k: col[_normal(k)] for k in PLOVER_COLUMNS}
    story = col.get("story id")
    table = plover_table()
    for lineno, f in _fields(stream, label, "plover", width):
        kind = table.get(f[c["Event Type"]].strip().upper())
        if kind is None:
            yield NO_CAMEO
            continue
        source, target = actors.plover_actor(f[c["Actor Country"]]), actors.plover_actor(f[c["Recipient Country"]])
        if source is None and target is None:
            yield OUTSIDE
            continue
        code = kind.get(f[c["Event Mode"]].strip().lower(), kind[""])
        cite = "PLOVER/POLECAT" + (f", story {f[story]}" if story is not None else "")
        yield Record(f[c["Event ID"]], f[c["Event Date"]], source, target, f[c["Actor Country"]],
                     f[c["Recipient Country"]], code, 1, cite, label, lineno)


def rows(path: Path, fmt: str, actors: ActorMap, root_only: bool) -> Iterator[Record | str]:
    """Every row of one file of an export (each member of a zip archive in turn)."""
    try:
        for label, stream in texts(path):
            if fmt == "gdelt2":
                yield from gdelt_rows(stream, label, actors, root_only)
            elif fmt == "icews":
                yield from icews_rows(stream, label, actors)
            else:
                yield from plover_rows(stream, label, actors)
    except (OSError, EOFError, zipfile.BadZipFile) as exc:  # unreadable, or a damaged archive
        raise ConfigError(f"{path}: cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
