"""Configuration in: the typed schema, its checks, the CAMEO tables and the error type.

`load_config(overrides)` composes the Hydra config tree (the repository's `conf/`, with
`experiments/` as its `experiment` group; inside an installed wheel, the same tree as
package data) with command-line style overrides, exactly as `caucasus-sim` does, and
refuses configuration that names code. This layer imports nothing else of the package.
"""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict
from importlib import resources
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra._internal.config_loader_impl import ConfigLoaderImpl  # applies value overrides, as compose does
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, open_dict

from .cameo import QUAD_CLASSES, cameo_table, check_cameo, quad_class
from .checks import actor_names, balance_axes, parse_date, validate
from .errors import ConfigError, check_no_code, check_yaml_folder, describe_config_exception
from .keywords import config_groups, group_choices, set_values
from .schema import CHANNELS, Config, register_configs

__all__ = [
    "CHANNELS", "QUAD_CLASSES", "Config", "ConfigError", "actor_names", "balance_axes", "cameo_table", "check_cameo",
    "config_dir", "configure", "describe_config_exception", "load_config", "parse_date", "quad_class",
    "search_path_override", "validate",
]


def config_dir() -> Path:
    """The config tree: package data in an installed wheel, else the clone's `conf/`."""
    packaged = Path(str(resources.files("caucasus_sim") / "conf"))
    if (packaged / "config.yaml").is_file():
        return packaged
    clone = Path(__file__).resolve().parents[3] / "conf"  # src/caucasus_sim/config -> the clone
    if (clone / "config.yaml").is_file():
        return clone
    raise ConfigError(f"config tree not found in {packaged.parent} or {clone.parent}; reinstall caucasus-sim")


def search_path_override(folders) -> list[str]:
    """The override that adds the user's config folders (each may hold `experiment/`,
    `actors/`, ... groups) to Hydra's search path, after the package's own tree."""
    if not folders:
        return []
    uris = ",".join(f"file://{Path(f).expanduser().resolve()}" for f in folders)
    return [f"hydra.searchpath=[{uris}]"]


def load_config(overrides=(), *, config_dirs=(), return_hydra_config: bool = False):
    """Compose the configuration with Hydra overrides (as on the command line); the folders
    `config_dirs` are searched for experiments and config groups too."""
    register_configs()
    for folder in config_dirs:
        if not Path(folder).expanduser().is_dir():
            raise ConfigError(f"config folder {str(folder)!r} not found (from {Path.cwd()})")
        check_yaml_folder(Path(folder).expanduser())
    overrides = list(overrides) + search_path_override(config_dirs)
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base=None, config_dir=str(config_dir())):
            cfg = _composed(overrides, config_dirs)
            if not return_hydra_config:
                with open_dict(cfg):
                    del cfg["hydra"]
    except ConfigError:
        raise
    except Exception as exc:  # Hydra and OmegaConf errors become one line
        raise ConfigError(describe_config_exception(exc)) from None
    check_no_code(cfg)
    return cfg


def configure(cfg=None, parameters=None, *, replicates: int | None = None):
    """A configuration from keyword parameters (a model's, as Mesa users pass them): any
    schema key, dotted (`**{"params.attitude_step": 0.3}`) or nested
    (`params={"attitude_step": 0.3}`), set on a copy of `cfg`. Without `cfg`, the default
    configuration is composed first, with the config group choices among the parameters
    (`scenario="history_2024_2025"`, `model="v1"`, `experiment=...`) and `replicates`
    set. `cfg` itself is returned when there is nothing to change."""
    parameters = dict(parameters or {})
    choices, values = group_choices(parameters, config_groups(config_dir()))
    if cfg is None:
        values = {**values, **({} if replicates is None else {"replicates": replicates})}
        return set_values(load_config(choices), values, copy_first=False)  # a fresh composition: no copy
    if choices:
        raise ConfigError(f"{choices[0]}: a config group can be chosen only when the model composes its "
                          f"configuration (no cfg given), or with load_config([{choices[0]!r}])")
    return set_values(cfg, values) if values else cfg


_COMPOSED: OrderedDict = OrderedDict()  # Hydra's composition of the config groups (pickled), most recent last
_KEPT = 16


def _composed(overrides: list[str], config_dirs) -> DictConfig:
    """Hydra's composition with `overrides`, from a cache of the composed config groups.

    Composing is most of what loading costs (about a second; every command, test and
    notebook cell pays it). Hydra first composes the defaults list, chosen by the overrides
    that name config groups, then applies the others (values) to the result; so the result
    of the first step is kept, keyed by those group overrides and by the name, time and size
    of every file in the config tree, and the values are applied to a copy of it with
    Hydra's own code. Sweeps and overrides of Hydra's settings are composed afresh. The
    result is kept pickled: unpickling a copy takes half the time of a deep copy.
    """
    parsed = OverridesParser.create().parse_overrides(overrides)
    repo = GlobalHydra.instance().hydra.config_loader.repository

    def is_value(ov) -> bool:  # as Hydra's defaults list tells config overrides from group choices
        if ov.is_sweep_override() or ov.key_or_group.split(".")[0].split("/")[0] == "hydra":
            return False
        return isinstance(ov.value(), dict) or not repo.group_exists(ov.key_or_group)

    values = [ov for ov in parsed if is_value(ov)]
    groups = [ov.input_line for ov in parsed if not is_value(ov)]
    key = (tuple(groups), _tree_signature([config_dir(), *config_dirs]))
    if key not in _COMPOSED:
        _COMPOSED[key] = pickle.dumps(compose("config", overrides=groups, return_hydra_config=True))
        while len(_COMPOSED) > _KEPT:
            _COMPOSED.popitem(last=False)
    _COMPOSED.move_to_end(key)
    cfg = pickle.loads(_COMPOSED[key])
    ConfigLoaderImpl._apply_overrides_to_config(values, cfg)  # what Hydra's compose does next
    for ov in values:
        cfg.hydra.overrides.task.append(ov.input_line)
    return cfg


def _tree_signature(folders) -> tuple:
    """Name, modification time and size of every file under the config folders."""
    out = []
    for folder in folders:
        for root, _, names in os.walk(Path(folder).expanduser(), followlinks=True):
            for name in sorted(names):
                st = os.stat(os.path.join(root, name))
                out.append((os.path.join(root, name), st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))
