"""Configuration in: the typed schema, its checks, the CAMEO tables and the error type.

`load_config(overrides)` composes the Hydra config tree (the repository's `conf/`, with
`experiments/` as its `experiment` group; inside an installed wheel, the same tree as
package data) with command-line style overrides, exactly as `caucasus-sim` does, and
refuses configuration that names code. This layer imports nothing else of the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from .cameo import cameo_table, check_cameo
from .checks import actor_names, balance_axes, parse_date, validate
from .errors import ConfigError, check_no_code, check_yaml_folder, describe_config_exception
from .schema import CHANNELS, Config, register_configs

__all__ = [
    "CHANNELS", "Config", "ConfigError", "actor_names", "balance_axes", "cameo_table", "check_cameo", "config_dir",
    "describe_config_exception", "load_config", "parse_date", "search_path_override", "validate",
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
            cfg = compose("config", overrides=overrides, return_hydra_config=return_hydra_config)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra and OmegaConf errors become one line
        raise ConfigError(describe_config_exception(exc)) from None
    check_no_code(cfg)
    return cfg
