"""Every benchmark and diagnostic reads its command line with argparse: `--help` says what it
measures and how to run it, and an unknown argument is refused before anything runs (exit 2,
naming it), instead of being ignored by a run of many minutes or ending in a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(str(p.relative_to(ROOT)) for folder in ("benchmarks", "diagnostics")
                 for p in (ROOT / folder).glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_an_unknown_argument_is_refused_before_anything_runs(script):
    proc = subprocess.run([sys.executable, str(ROOT / script), "--no-such-option"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stdout[-500:] + proc.stderr[-1500:]
    last = proc.stderr.splitlines()[-1]
    assert proc.stdout == "" and re.search(r": error: (unrecognized arguments: --no-such-option$|the following "
                                           r"arguments are required: )", last), last  # (a required one comes first)


def test_footprint_names_the_experiments_it_knows():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "footprint.py"), "alignmnt_paths"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "unknown experiment 'alignmnt_paths'; expected one of accommodation_sweep, alignment_paths" in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["forecast.particles=5"], "overrides (forecast.particles=5) go with --synthetic N only"),
    (["--particles", "4000", "0"], "--particles 4000 0: each count must be a positive integer"),
    (["--particles", "500", "--synthetic", "1"], "with --synthetic N give forecast.particles=N after --"),
])
def test_a_forecast_benchmark_argument_that_does_not_fit_is_refused(args, message):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "forecast.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stdout == "" and message in proc.stderr, proc.stderr[-1500:]
