"""Writing an import as a timeline in the project's own CSV format.

The file starts with comment lines (`# ...`): what made it (command, package version),
its provenance (format, files and their SHA-256, actor map, periods, cleaning settings),
the cleaning summary and how the model reads `magnitude` and `attention_ratio`; then the
header and one row per event. `read_timeline` skips the comment lines, so the file runs as
`scenario.timeline` and gives exactly the events the export gives read directly.
It is written to a hidden file beside its destination and renamed into place when
complete; an existing file is replaced only when the caller says so.
"""

from __future__ import annotations

import csv
import os
from importlib import metadata
from pathlib import Path

from ..config import ConfigError
from .importer import Import

TIMELINE_COLUMNS = ("id", "date", "date_precision", "source", "target", "cameo", "goldstein", "magnitude",
                    "attention_ratio", "description", "citation")
MAGNITUDE_NOTE = ("magnitude: the event's share of its dyad's sources in its CAMEO quad class and period; the model "
                  "multiplies it by params.attention_scale * max(0, ln(attention_ratio / params.attention_threshold)) "
                  "(docs/odd.md, section 7.23)")


def check_output(out: Path, force: bool, inputs: list[Path]) -> None:
    """Refuse an output that exists (unless `force`), is a folder, has no folder to go in, or
    is one of the inputs."""
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a folder; name a file")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {out}: folder {out.parent} not found")
    if any(out.resolve() == p.resolve() for p in inputs):
        raise ConfigError(f"--out {out}: is one of the files being imported; name another file")
    if out.exists() and not force:
        raise ConfigError(f"--out {out}: the file exists; name another file, or add --force to replace it")


def header_lines(imported: Import, command: str) -> list[str]:
    try:
        version = metadata.version("caucasus-sim")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree without installing
        version = "unknown"
    s = imported.summary
    return [f"caucasus-sim timeline imported by caucasus-sim {version}: {command}", *s.provenance(),
            f"cleaning: {s.cleaning()}", MAGNITUDE_NOTE]


def write_timeline(imported: Import, out: Path, command: str) -> None:
    """Write the events of an import as a timeline CSV with its provenance header."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for line in header_lines(imported, command):
                fh.write(f"# {' '.join(line.split())}\n")
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(TIMELINE_COLUMNS)
            for e in imported.events:
                writer.writerow([e.id, e.date.isoformat(), "day", e.source, e.target, e.cameo, repr(e.goldstein),
                                 repr(e.magnitude), repr(e.attention_ratio), e.description, e.citation])
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
