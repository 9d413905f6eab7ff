"""caucasus-sim: an agent-based scenario and influence model of the South Caucasus.

    from caucasus_sim import load_config, run, CaucasusModel
    cfg = load_config(["replicates=100"])
    result = run(cfg)          # a RunResult: tables as pandas DataFrames, and the folder

The package is layered, each layer importing only those above it in this list:
config -> model -> outputs -> analysis -> plots -> report -> runner -> cli
(docs/architecture.md).
"""

import sys

if sys.version_info < (3, 12):  # before any import that needs 3.12: one sentence, not a traceback deep inside
    raise ImportError(f"caucasus-sim requires Python 3.12 or newer; this is Python "
                      f"{'.'.join(map(str, sys.version_info[:3]))} ({sys.executable})")

from .analysis import AttributionResult, CalibrationResult, Result, RunResult, SensitivityResult, SweepResult
from .config import ConfigError, load_config
from .model import CaucasusModel, DiasporaAgent, StateAgent
from .runner import run

__all__ = [
    "AttributionResult",
    "CalibrationResult",
    "CaucasusModel",
    "ConfigError",
    "DiasporaAgent",
    "Result",
    "RunResult",
    "SensitivityResult",
    "StateAgent",
    "SweepResult",
    "load_config",
    "run",
]
__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)
