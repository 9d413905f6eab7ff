"""The diagnostics run as the README shows them and print what they measure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_un_distance_splits_armenias_change_and_maps_the_state():
    out = subprocess.run([sys.executable, str(ROOT / "diagnostics" / "un_distance.py"), "--replicates", "5"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    change, client, patron = map(float, re.search(
        r"ARM-RUS\s+([+-][\d.]+) = client ([+-][\d.]+) \+ patron ([+-][\d.]+)", out).groups())
    assert abs(change - (client + patron)) < 2e-3 and patron > 0.9 * change  # the package data's split
    assert re.search(r"every UN member's distance to RUS \(\d{3} members\): median change \+0\.\d+", out)
    assert "Model v3 at its defaults (5 replicates" in out
    assert len(re.findall(r"slope \d\.\d\d, change [+-]\d\.\d{3}", out)) == 12  # 3 clients x 4 links


def test_start_dependence_runs_one_client_and_variant_with_an_override():
    out = subprocess.run([sys.executable, str(ROOT / "diagnostics" / "start_dependence.py"), "--points", "8",
                          "--replicates", "2", "--clients", "GEO", "--variants", "v3", "--set",
                          "actors.adversaries=[[ARM,AZE],[GEO,RUS]]"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert re.findall(r"^(\w+) \([\w-]+\), ([\w ]+): R² of the step-0 balance = [\d.]+ \(8 points", out, re.M) == \
        [("GEO", "v3")]
    assert "credibility.unanswered_drop" in out  # v3's own inputs are in the design
    assert re.search(r"end = step 0 \+ change: sd of step 0 \d\.\d{3}, sd of the change \d\.\d{3} \(mean [+-]", out)
