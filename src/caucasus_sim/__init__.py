"""caucasus-sim: an agent-based scenario and influence model of the South Caucasus.

    from caucasus_sim import load_config, run, CaucasusModel
    cfg = load_config(["replicates=100"])
    results = run(cfg)          # tables as pandas DataFrames, and the output folder
"""

from .agents import DiasporaAgent, StateAgent
from .experiment import Results, load_config, run
from .model import CaucasusModel
from .schema import ConfigError

__all__ = [
    "CaucasusModel",
    "ConfigError",
    "DiasporaAgent",
    "Results",
    "StateAgent",
    "load_config",
    "run",
]
__version__ = "0.1.0"
