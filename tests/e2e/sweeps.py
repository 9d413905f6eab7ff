"""What the sweep tests share: the command, a small grid swept in process and as a Hydra
multirun, and the folders and merged table a sweep writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from helpers import V1

EXE = str(Path(sys.executable).with_name("caucasus-sim"))
# the sweep machinery (batches, launchers, resume) is tested on the first model version, whose
# runs are a quarter as long; Model v2's batches are tested in tests/unit/test_model_v2.py
SMALL = ["experiment=strategy_sweep", V1, "replicates=20", "scenario.end=2026-06-30", "progress=off",
         "figure_formats=[svg]"]
IN_PROCESS_GRID = ["sweep.axes.0.values=[0.0,3.0]", "sweep.axes.1.values=[0.0,3.0]"]
MULTIRUN_GRID = ["-m", "sweep.method=none", "decisions.strategies.rus_coercive.intensity=0.0,3.0",
                 "decisions.strategies.tur_engaged.intensity=0.0,3.0"]
AXES = ["decisions.strategies.rus_coercive.intensity", "decisions.strategies.tur_engaged.intensity"]


def cli(args, cwd: Path, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def only_folder(cwd: Path, prefix: str) -> Path:
    found = sorted((cwd / "results" / "strategy_sweep").glob(f"{prefix}-*"))
    assert len(found) == 1, found
    return found[0]


def merged(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "sweep_outcomes.parquet")
