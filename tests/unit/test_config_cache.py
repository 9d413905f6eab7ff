"""`load_config` keeps Hydra's composition of the config groups and applies value overrides
to a copy (config/__init__.py): the configuration, and every error, must be exactly those
of Hydra's own compose for the same overrides."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from caucasus_sim import ConfigError, load_config
from caucasus_sim.config import config_dir, describe_config_exception

CASES = [
    [],
    ["replicates=5", "scenario.end=2025-09-30", "params.attitude_step=0.3", "figure_formats=[png]"],
    ["model=v1", "replicates=7"],
    ["experiment=fj_known_answer", "scenario=history_2024_2025", "actors.states.A.susceptibility=0.3"],
    ["+actors.listening.GEO.ARM=0.1", "++replicates=9", "~scenario.events"],
    ["hydra.job.chdir=true", "hydra/launcher=basic", "replicates=3"],
    # refused, with Hydra's own message
    ["replicates=many"],
    ["no_such_key=1"],
    ["+replicates=3"],
    ["experiment=alignment_pathz"],
]


def hydra_compose(overrides: list[str]):
    """Hydra's compose as it is, or the one line its error becomes."""
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base=None, config_dir=str(config_dir())):
            return OmegaConf.to_yaml(compose("config", overrides=overrides))
    except Exception as exc:
        return ("error", describe_config_exception(exc))


def ours(overrides: list[str]):
    try:
        return OmegaConf.to_yaml(load_config(overrides))
    except ConfigError as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("overrides", CASES, ids=[" ".join(c) or "defaults" for c in CASES])
def test_cached_composition_is_hydras_own(overrides):
    ours(overrides)  # the first call fills the cache; the second reads it
    assert ours(overrides) == hydra_compose(overrides)


def test_a_returned_configuration_is_a_copy():
    cfg = load_config(["replicates=5"])
    cfg.replicates, cfg.scenario.end = 1, "2030-01-01"
    again = load_config(["replicates=5"])
    assert again.replicates == 5 and again.scenario.end == "2028-12-31"


def test_an_edited_config_file_is_read_again(tmp_path):
    (tmp_path / "experiment").mkdir()
    mine = tmp_path / "experiment" / "mine.yaml"
    mine.write_text("# @package _global_\nexperiment: mine\nreplicates: 3\n")
    assert load_config(["experiment=mine"], config_dirs=[tmp_path]).replicates == 3
    mine.write_text("# @package _global_\nexperiment: mine\nreplicates: 30\n")
    assert load_config(["experiment=mine"], config_dirs=[tmp_path]).replicates == 30
