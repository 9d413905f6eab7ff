"""Every command introduces itself: -h/--help fits one screen and exits 0, --version
prints the package's version, and a command's messages carry its own name."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from helpers import run_main

from caucasus_sim import entry
from caucasus_sim.cli import collect_main, events_main, explore_main, main, report_main, score_main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"caucasus-sim": entry.main,  # as installed: --version and --help answered before the rest loads
             "caucasus-sim-report": report_main, "caucasus-sim-collect": collect_main,
            "caucasus-sim-explore": explore_main, "caucasus-sim-events": events_main,
            "caucasus-sim-score": score_main}
SCREEN = (24, 80)  # lines, columns of a terminal


@pytest.mark.parametrize(("prog", "flag"), [("caucasus-sim", "-h"), *((p, f) for p in sorted(COMMANDS)[1:]
                                                                      for f in ("-h", "--help"))])
def test_help_fits_one_screen_and_exits_0(prog, flag, capsys):  # caucasus-sim's --help is below
    proc = run_main(COMMANDS[prog], prog, [flag], capsys)
    lines = proc.stdout.rstrip("\n").splitlines()
    assert proc.returncode == 0 and proc.stderr == ""
    assert len(lines) < SCREEN[0] and max(map(len, lines)) <= SCREEN[1], proc.stdout
    assert f"usage: {prog}" in proc.stdout and "Hydra" not in proc.stdout.replace("--hydra-help", "")


def test_the_help_lists_every_experiment_where_outputs_go_and_examples(capsys):
    proc = run_main(main, "caucasus-sim", ["--help"], capsys)
    text = proc.stdout
    assert proc.returncode == 0 and text.startswith("caucasus-sim: an agent-based model")
    for experiment in sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml")):
        assert f"\n  {experiment} " in text, experiment  # one line each
    assert "results/<experiment>/<run id>/" in text
    assert text.count("\n  caucasus-sim ") == 3  # three examples


@pytest.mark.parametrize("prog", sorted(COMMANDS))
def test_version_is_the_packages(prog, capsys):
    proc = run_main(COMMANDS[prog], prog, ["--version"], capsys)
    assert proc.returncode == 0 and proc.stdout == f"{prog} {metadata.version('caucasus-sim')}\n"


def test_a_bad_call_names_the_command(capsys):
    proc = run_main(collect_main, "caucasus-sim-collect", [], capsys)
    assert proc.returncode == 2 and proc.stderr == "caucasus-sim-collect: error: usage: caucasus-sim-collect <sweep folder>\n"
    proc = run_main(explore_main, "caucasus-sim-explore", ["--port", "eighty"], capsys)
    assert proc.returncode == 2 and proc.stderr == "caucasus-sim-explore: error: --port: 'eighty' is not a port number\n"



@pytest.mark.parametrize("flag", ["--help", "-h", "--version"])
def test_the_quick_answers_are_the_full_commands_and_load_nothing_heavy(flag, capsys):
    quick = run_main(entry.main, "caucasus-sim", [flag], capsys)
    full = run_main(main, "caucasus-sim", [flag], capsys)  # Hydra's help, the package metadata's version
    assert quick.returncode == full.returncode == 0 and quick.stdout == full.stdout
    probe = ("import sys; sys.argv = ['caucasus-sim', %r]; from caucasus_sim.entry import main; main(); "
             "print(sorted(m for m in ('hydra', 'pandas', 'matplotlib', 'mesa', 'numpy') if m in sys.modules))" % flag)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.splitlines()[-1] == "[]"
