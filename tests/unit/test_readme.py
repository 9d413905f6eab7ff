"""What the README shows is what the project does: its sweep block is the shipped
experiment's, and its shrink command gives the points it says."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from helpers import compose

from caucasus_sim.analysis.sweep import plan_sweep

README = Path(__file__).resolve().parents[2] / "README.md"


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_the_readmes_sweep_block_is_the_strategy_sweep_experiments():
    block = re.search(r"```yaml\n(.*?)```", section("Sweeps"), re.S).group(1)
    shipped = yaml.safe_load((README.parent / "experiments" / "strategy_sweep.yaml").read_text())
    assert yaml.safe_load(block)["sweep"] == shipped["sweep"]


def test_the_readmes_sweep_commands_give_the_points_they_say():
    commands = re.search(r"```bash\n(.*?)```", section("Sweeps"), re.S).group(1).strip().splitlines()
    for line in commands:
        command, _, comment = line.partition("#")
        overrides = shlex.split(command)[1:]
        said = int(re.search(r"(\d+) points", comment).group(1))
        assert len(plan_sweep(compose(*overrides)).points) == said, line
