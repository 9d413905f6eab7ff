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


def test_a_forecast_benchmark_override_without_the_synthetic_check_is_refused():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "forecast.py"), "forecast.particles=5"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "overrides (forecast.particles=5) go with --synthetic N only" in proc.stderr
