"""Preflight: what a run will cost, checked against what the machine has, before any step.

Each analysis describes its work as a `Cost` (estimated peak memory and bytes written,
what it is made of, and which settings lower it); `check_cost` refuses in one line a run
that exceeds the memory available now or the free space under `output_root` (or the
caps `limits.memory_gb` and `limits.disk_gb`), and `check_output_location` refuses an
output location that is not a writable folder and cannot be made one.

The estimates are linear models of the arrays a run holds, with coefficients measured
on this project's runs (`benchmarks/footprint.py` prints estimate and measurement side
by side): records of every recorded step of every replicate and path, the batch state,
the in-memory tables, and a fixed cost for the libraries.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError
from ..model import RECORDS
from ..model.calendar import Calendar

GB = 1e9
BASE_MEMORY = 500e6  # the interpreter with its libraries, the report's figures and pandas' working copies
RECORD_OVERHEAD = 1.6  # summaries and event logs held beside the records (measured)
STATE_BYTES_PER_ROW = 2 * 8 * 100  # attitude (twice), grievance and tie deviations of one row
TRAJECTORY_ROW_BYTES = {"memory": 100, "float32": 17, "float64": 30}  # in memory; on disk (zstd)
OUTCOME_ROW_BYTES = {"csv": 120, "parquet": 25, "memory": 120}
EVENT_ROW_BYTES = {"memory": 250, "parquet": 2}  # a decided event of one replicate: its log entry and table row
REPORT_BYTES = 6e6  # figures in three formats and report.html
# a plain run (analysis/runs.py), fitted by least squares to the peak RSS of the default
# experiment at 250, 1,000 and 4,000 replicates and at 834, 1,716 and 9,756 steps (0.55 to
# 9.9 GB; the fit is within 0.87-1.07x of each): the interpreter and libraries, the records
# of the trunk and a path with what is held beside them, and per replicate the event log
# and the tables
RUN_BASE_MEMORY = 230e6
RUN_RECORD_OVERHEAD = 1.2
RUN_REPLICATE_BYTES = 177e3


@dataclass
class Cost:
    """The estimated footprint of a run: peak memory and bytes written (both in bytes),
    what it is made of (for the message) and the settings that lower it."""

    memory: float
    disk: float
    what: str
    lower: str


def shape_of(cfg) -> tuple[int, int, int, int]:
    """(steps, outcome dates with the end, clients, patrons) of a configuration, read from
    the configuration itself (no model is built)."""
    steps = Calendar.from_config(cfg.scenario).n_steps
    roles = [s.role for s in cfg.actors.states.values()]
    return steps, len(cfg.scenario.outcome_dates) + 1, roles.count("client"), roles.count("patron")


def decided_events(cfg) -> float:
    """Expected events the strategies decide per replicate over the whole run, all paths
    (base rates, times 1.5 for the state's gains and the reactions they draw)."""
    cal = Calendar.from_config(cfg.scenario)
    years = (cal.end - cal.start).days / 365.0
    before = max(0.0, min(years, (cal.decisions_from - cal.start).days / 365.0))
    strategies = cfg.decisions.strategies

    def rate(names) -> float:
        return sum(a.rate_per_year * strategies[s].intensity for s in names for a in strategies[s].actions.values())

    per_path = rate(cfg.decisions.always) * years + rate(cfg.decisions.history) * before
    return 1.5 * sum(per_path + rate(p.strategies) * (years - before) for p in cfg.paths.values())


def record_bytes(rows: int, steps: int, clients: int, patrons: int, overhead: float = RECORD_OVERHEAD) -> float:
    """Memory of the per-step records of one model: `rows` batch rows, `steps` recorded steps."""
    return len(RECORDS) * steps * rows * clients * patrons * 8 * overhead


def model_bytes(rows: int, steps: int, clients: int, patrons: int) -> float:
    return record_bytes(rows, steps, clients, patrons) + rows * STATE_BYTES_PER_ROW


def memory_available() -> float:
    """Bytes of memory available now (Linux's MemAvailable), else the physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _existing(path: Path) -> Path:
    """The path itself, or its nearest ancestor that exists."""
    path = path.expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_output_location(root) -> None:
    """`root` is a writable folder, or can be made one (its nearest existing ancestor is a
    writable folder); nothing is left behind."""
    root = Path(root).expanduser()
    found = _existing(root)
    if found == root.absolute() and not found.is_dir():
        raise ConfigError(f"output_root: {str(root)!r} is a file, not a folder; name a folder for the results")
    if not found.is_dir():
        raise ConfigError(f"output_root: {str(root)!r} cannot be made: {str(found)!r} is a file, not a folder")
    try:  # a file made and removed at once: permissions, read-only and special file systems
        tempfile.TemporaryFile(dir=found).close()
    except OSError as exc:
        what = "is not writable" if found == root.absolute() else f"cannot be made: {str(found)!r} is not writable"
        raise ConfigError(f"output_root: {str(root)!r} {what} ({exc.strerror}); choose another folder with "
                          "output_root=...") from None


def gigabytes(x: float) -> str:
    """A number of bytes for a message: GB, or MB below 0.1 GB."""
    return f"{x / GB:,.1f} GB" if x >= 0.1 * GB else f"{x / 1e6:,.0f} MB"


def check_cost(cost: Cost, limits, root) -> None:
    """Refuse a run whose estimated memory or disk use exceeds the caps or what is there."""
    memory_cap = limits.memory_gb * GB if limits.memory_gb is not None else memory_available()
    source = "limits.memory_gb" if limits.memory_gb is not None else "available on this machine"
    if cost.memory > memory_cap:
        raise ConfigError(f"{cost.what} needs about {gigabytes(cost.memory)} of memory, more than the "
                          f"{gigabytes(memory_cap)} {source}; lower {cost.lower}")
    disk_cap = (limits.disk_gb * GB if limits.disk_gb is not None
                else shutil.disk_usage(_existing(Path(root))).free)
    source = "limits.disk_gb" if limits.disk_gb is not None else f"free under {root}"
    if cost.disk > disk_cap:
        raise ConfigError(f"{cost.what} writes about {gigabytes(cost.disk)}, more than the "
                          f"{gigabytes(disk_cap)} {source}; lower {cost.lower}")
