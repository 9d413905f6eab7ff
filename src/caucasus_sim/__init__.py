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

import importlib

# The public names, imported when first used (PEP 562): `import caucasus_sim` alone, as the
# console command's `--version` and `--help` do, costs no Hydra, Mesa or pandas.
_PUBLIC = {
    "AttributionResult": "analysis", "CalibrationResult": "analysis", "ForecastResult": "analysis", "Result": "analysis",
    "RunResult": "analysis", "SensitivityResult": "analysis", "SweepResult": "analysis",
    "ConfigError": "config", "load_config": "config",
    "CaucasusModel": "model", "DiasporaAgent": "model", "StateAgent": "model",
    "run": "runner",
}


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


__all__ = [
    "AttributionResult",
    "CalibrationResult",
    "CaucasusModel",
    "ConfigError",
    "DiasporaAgent",
    "ForecastResult",
    "Result",
    "RunResult",
    "SensitivityResult",
    "StateAgent",
    "SweepResult",
    "load_config",
    "run",
]
__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)
