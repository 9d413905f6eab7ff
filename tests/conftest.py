"""Shared helpers: compose the real configuration with Hydra, shrunk for speed."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf, open_dict

from caucasus_sim import load_config
from caucasus_sim.schema import EventConfig, PathConfig

SHORT = ["scenario.end=2025-09-30", "progress=off"]


def compose(*overrides: str):
    """The real configuration with overrides, as the command line composes it."""
    return load_config(list(overrides))


def typed(schema, values: dict):
    return OmegaConf.merge(OmegaConf.structured(schema), values)


def set_paths(cfg, paths: dict[str, dict]):
    """Replace the experiment's paths (plain dicts are typed against PathConfig)."""
    with open_dict(cfg):
        cfg.paths = {name: typed(PathConfig, spec) for name, spec in paths.items()}
    return cfg


def set_events(cfg, events: list[dict]):
    with open_dict(cfg):
        cfg.scenario.events = [typed(EventConfig, e) for e in events]
    return cfg


def quiet_single_event(event: dict, *overrides: str):
    """Default actors, no timeline, no decisions, no noise, one scheduled event."""
    cfg = compose(
        "decisions=none", "scenario.timeline=null", "params.effect_noise_sd=0",
        "params.attitude_noise_sd=0", "replicates=2", "scenario.end=2025-03-01", "progress=off",
        "scenario.outcome_dates=[]",
        *overrides,
    )
    set_paths(cfg, {"one": {}})
    return set_events(cfg, [dict({"id": "e1", "magnitude": 1.0}, **event)])


@pytest.fixture
def tmp_results(tmp_path, monkeypatch):
    """Run in a temporary folder so results land there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
