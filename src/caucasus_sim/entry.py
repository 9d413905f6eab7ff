"""The `caucasus-sim` command's first step: `--version` and `--help` alone answer at once,
without importing Hydra, Mesa, pandas or matplotlib (they took 1.5 s and 3 s); any other
command line goes on to `cli.main`, which composes and checks it."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import yaml

from . import __version__

PROG = "caucasus-sim"


def config_tree() -> Path:
    """The config tree, where `config.config_dir` finds it (package data, else the clone's
    `conf/`), found without importing the `config` layer (which imports Hydra)."""
    packaged = Path(str(resources.files("caucasus_sim") / "conf"))
    return packaged if (packaged / "config.yaml").is_file() else Path(__file__).resolve().parents[2] / "conf"


def help_text() -> str:
    """The one-screen help: the template in conf/config.yaml that Hydra prints for --help."""
    return yaml.safe_load((config_tree() / "config.yaml").read_text())["hydra"]["help"]["template"]


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        print(f"{PROG} {__version__}")
        return
    if args in (["--help"], ["-h"]):
        print(help_text())
        return
    from . import cli  # everything else: the full command (deferred: what the two answers above spare)

    cli.main()
