"""Helpers of the tests: compose the real configuration with Hydra (once per set of
overrides), shrunk for speed, and edit the typed parts the command line cannot add."""

from __future__ import annotations

import functools
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

from omegaconf import OmegaConf, open_dict

from caucasus_sim import load_config
from caucasus_sim.cli import main as cli_main
from caucasus_sim.config.schema import EventConfig, PathConfig

# Model v2 on the 2024-2025 timeline: 43 weekly steps to the end of September 2025, not the
# 660 from 2013 of the default history (tests of the machinery, not of the history)
SHORT_HISTORY = "scenario=history_2024_2025"
SHORT = [SHORT_HISTORY, "scenario.end=2025-09-30", "progress=off"]
V1 = "model=v1"  # tests whose known answers are the first version's
FAST_FIGURES = "figure_formats=[svg]"  # one format where a test does not test formats
OUTPUT_ROOT: Path | None = None  # set by the `tmp_results` fixture: where runs write


@functools.lru_cache(maxsize=None)
def _composed(overrides: tuple[str, ...]) -> bytes:
    return pickle.dumps(load_config(list(overrides)))  # unpickled per test: half the time of a deep copy


def compose(*overrides: str):
    """The real configuration with overrides, as the command line composes it (a private
    copy of a configuration composed once per set of overrides); results go to the test's
    temporary folder when it uses `tmp_results`."""
    cfg = pickle.loads(_composed(overrides))
    if OUTPUT_ROOT is not None:
        cfg.output_root = str(OUTPUT_ROOT)
    return cfg


def typed(schema, values: dict):
    return OmegaConf.merge(OmegaConf.structured(schema), values)


def set_paths(cfg, paths: dict[str, dict]):
    """Replace the experiment's paths (plain dicts are typed against PathConfig)."""
    with open_dict(cfg):
        cfg.paths = {name: typed(PathConfig, spec) for name, spec in paths.items()}
    return cfg


def set_events(cfg, events: list[dict]):
    with open_dict(cfg):  # dataclass instances: OmegaConf types them in half the time of a merge
        cfg.scenario.events = [EventConfig(**e) for e in events]
    return cfg


def quiet_single_event(event: dict, *overrides: str):
    """Default actors, no timeline, no decisions, no noise, one scheduled event."""
    cfg = compose(
        V1, "decisions=none", "scenario.timeline=null", "params.effect_noise_sd=0",
        "params.attitude_noise_sd=0", "replicates=2", "scenario.end=2025-03-01", "progress=off",
        "scenario.outcome_dates=[]",
        *overrides,
    )
    set_paths(cfg, {"one": {}})
    return set_events(cfg, [dict({"id": "e1", "magnitude": 1.0}, **event)])


def run_main(main, prog: str, args: list[str], capsys) -> subprocess.CompletedProcess:
    """A console command's `main()` run in this process with `args` as its argv, as the
    installed command runs it but without starting Python again: its exit status and what
    it printed (for the many bad-input cases; tests/e2e also run the real commands)."""
    code = 0
    with mock.patch.object(sys, "argv", [prog, *map(str, args)]):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return subprocess.CompletedProcess([prog, *args], code, out.out, out.err)


def v3_events(events: list[dict], *overrides: str, end: str = "2014-12-31"):
    """Model v3's actors and mechanisms from 2013, no timeline, no decisions, no noise, no
    capability shocks, and the scheduled `events` (a dict each; magnitude 1 unless given)."""
    cfg = compose(
        "model=v3", "decisions=none", "scenario.timeline=null", "params.effect_noise_sd=0",
        "params.attitude_noise_sd=0", "replicates=2", f"scenario.end={end}", "progress=off",
        "scenario.outcome_dates=[]", "scenario.capability.shocks=[]", *overrides,
    )
    set_paths(cfg, {"one": {}})
    return set_events(cfg, [dict({"magnitude": 1.0}, **e) for e in events])


def fuzz_outcome(args: list[str], capsys) -> None:
    """The command's own entry point on `args`: a success (warnings only), or exit status 2
    with one line; never a traceback; after a failure no results folder, complete or partial;
    after a success every file the manifest lists."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        proc = run_main(cli_main, "caucasus-sim", [*args, f"output_root={root / 'results'}"], capsys)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, (args, proc.stderr)
        runs = [p for p in (root / "results").glob("*/*")] if (root / "results").is_dir() else []
        if proc.returncode != 0:
            assert proc.returncode == 2, (args, proc.returncode, proc.stderr)
            assert len(lines) == 1 and lines[0].startswith("caucasus-sim: error: "), (args, proc.stderr)
            complete = [p.parent for p in root.rglob("manifest.json") if "points" not in p.parts]
            assert complete == [], (args, complete)
            assert [p for p in runs if p.name.endswith(".partial")] == [], (args, runs)
        else:
            assert all(line.startswith("caucasus-sim: warning: ") for line in lines), (args, proc.stderr)
            for folder in (p for p in runs if (p / "manifest.json").is_file()):
                manifest = json.loads((folder / "manifest.json").read_text())
                assert all((folder / name).is_file() for name in manifest["files"]), (args, folder)
            assert [p for p in runs if not (p / "manifest.json").is_file()] == [], (args, runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)

