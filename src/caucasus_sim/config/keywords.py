"""Configuration from keyword parameters, as a Mesa user passes them to a model.

`set_values(cfg, {"params.attitude_step": 0.3, "scenario": {"end": "2026-12-31"}})` sets
schema keys given dotted or nested on a copy of a composed configuration; a key the
schema does not have, or a value of the wrong type, is a `ConfigError` naming it.
Config group choices (`scenario="history_2024_2025"`, `model="v1"`) are told apart by
`group_choices`, so that whoever composes the configuration can make them first.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from .errors import ConfigError, describe_config_exception, unknown_key


def config_groups(tree: Path) -> list[str]:
    """The config groups of a config tree: its folders (actors, model, scenario, ...)."""
    return sorted(p.name for p in Path(tree).iterdir()
                  if p.is_dir() and p.name != "hydra" and not p.name.startswith(("_", ".")))


def group_choices(parameters: Mapping, groups) -> tuple[list[str], dict]:
    """Split keyword parameters into Hydra overrides choosing a config group option (a
    string given for a group's name) and values of schema keys."""
    choices = [f"{k}={v}" for k, v in parameters.items() if k in groups and isinstance(v, str)]
    values = {k: v for k, v in parameters.items() if not (k in groups and isinstance(v, str))}
    return choices, values


def set_values(cfg: DictConfig, parameters: Mapping, *, copy_first: bool = True) -> DictConfig:
    """A copy of `cfg` (or `cfg` itself, with `copy_first` False) with each keyword
    parameter set: a dotted key sets that key, a mapping sets the keys it holds (nested),
    anything else replaces the value."""
    out = copy.deepcopy(cfg) if copy_first else cfg
    for key, value in parameters.items():
        _set(out, str(key), value)
    return out


def _set(cfg: DictConfig, key: str, value) -> None:
    parent, _, leaf = key.rpartition(".")
    node = cfg
    for i, part in enumerate(parent.split(".") if parent else []):
        if not isinstance(node, DictConfig) or part not in node:
            where = ".".join(parent.split(".")[:i])
            raise ConfigError(unknown_key(key if not where else f"{where}.{part}",
                                          node.keys() if isinstance(node, DictConfig) else []))
        node = node[part]
    if not isinstance(node, DictConfig) or leaf not in node:
        raise ConfigError(unknown_key(key, node.keys() if isinstance(node, DictConfig) else []))
    target = node[leaf]
    if isinstance(value, Mapping) and isinstance(target, DictConfig) and (
            dataclasses.is_dataclass(OmegaConf.get_type(target)) or all(k in target for k in value)):
        for k, v in value.items():  # a typed block, or entries that exist: key by key
            _set(cfg, f"{key}.{k}", v)
        return
    try:
        node[leaf] = value
    except Exception as exc:  # OmegaConf's type checks become one line
        raise ConfigError(describe_config_exception(exc)) from None

