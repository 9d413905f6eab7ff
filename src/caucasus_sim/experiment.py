"""Running experiments: compose a configuration, simulate every path, write the results.

`load_config()` composes the Hydra config tree (conf/ and experiments/) with overrides,
exactly as the command line does; `run(cfg)` simulates every path of the experiment
with the same replicate keys (common random numbers) and writes one results folder.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from .model import CaucasusModel
from .schema import ConfigError, register_configs, validate

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
SAFE_TARGET_PREFIXES = ("hydra.", "hydra_plugins.", "logging.", "caucasus_sim.")


@dataclass
class Results:
    """The tables of one run and the folder they were written to (None if not written)."""

    folder: Path | None
    summary: pd.DataFrame
    trajectories: pd.DataFrame
    events: pd.DataFrame
    outcomes: pd.DataFrame
    manifest: dict = field(default_factory=dict)


def _conf_dir() -> Path:
    if not (CONF_DIR / "config.yaml").is_file():
        raise ConfigError(
            f"config tree not found at {CONF_DIR}; install the project with `pip install -e .` "
            "from a clone of the repository"
        )
    return CONF_DIR


def load_config(overrides=(), *, return_hydra_config: bool = False) -> DictConfig:
    """Compose the configuration with Hydra overrides (as on the command line)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_configs()
    overrides = list(overrides)
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base=None, config_dir=str(_conf_dir())):
            cfg = compose("config", overrides=overrides, return_hydra_config=return_hydra_config)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra and OmegaConf errors become one line
        raise ConfigError(describe_config_exception(exc, overrides)) from None
    check_no_code(cfg)
    return cfg


def describe_config_exception(exc: BaseException, overrides: list[str]) -> str:
    """One line naming the bad key or value and what is allowed."""
    from hydra.errors import MissingConfigException
    from omegaconf.errors import ConfigKeyError, OmegaConfBaseException, ValidationError

    chain = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, MissingConfigException) and e.options is not None:
            group = (e.missing_cfg_file or "").split("/")[0] or "config group"
            wanted = (e.missing_cfg_file or "").split("/")[-1]
            return f"{group}: unknown option {wanted!r}; available: {', '.join(sorted(e.options))}"
    for e in chain:
        if isinstance(e, ConfigKeyError):
            key = getattr(e, "full_key", None) or getattr(e, "key", None) or "?"
            return f"unknown key {key!r}; {_allowed_keys(str(key))}"
        if isinstance(e, ValidationError):
            key = getattr(e, "full_key", None) or "?"
            msg = str(getattr(e, "msg", e)).splitlines()[0]
            if "is not a subclass of" in msg:
                return (f"{key}: a new entry cannot be added from the command line (only existing "
                        "entries changed); add it in an experiment YAML file")
            return f"{key}: {msg}"
        if isinstance(e, OmegaConfBaseException):
            key = getattr(e, "full_key", None)
            msg = str(getattr(e, "msg", e)).splitlines()[0]
            return f"{key}: {msg}" if key else msg
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(exc).__name__


def _allowed_keys(full_key: str) -> str:
    """The keys allowed next to `full_key` in the schema."""
    from .schema import Config

    parent = full_key.rsplit(".", 1)[0] if "." in full_key else ""
    node = OmegaConf.structured(Config)
    for part in parent.split(".") if parent else []:
        try:
            node = node[part]
        except Exception:
            return "see docs/odd.md for the allowed keys"
    if not isinstance(node, DictConfig):
        return "see docs/odd.md for the allowed keys"
    keys = sorted(str(k) for k in node.keys())
    where = f"in {parent!r}" if parent else "at the top level"
    return f"allowed keys {where}: {', '.join(keys)}" if keys else "no keys are allowed there"


def check_no_code(cfg) -> None:
    """Configuration is data: refuse any object factory outside Hydra, logging or us."""
    container = OmegaConf.to_container(cfg, resolve=False)

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("_target_", "()", "class") and isinstance(v, str):
                    if not v.startswith(SAFE_TARGET_PREFIXES):
                        raise ConfigError(
                            f"{where}.{k}: {v!r} is not allowed; configuration is data and may "
                            f"only name Hydra plugins ({', '.join(SAFE_TARGET_PREFIXES)})"
                        )
                walk(v, f"{where}.{k}" if where else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(container, "")


def progress_disabled(cfg, progress: str | None = None) -> bool:
    """Whether to hide the progress bar: `progress` on/off, or auto (shown on a terminal)."""
    mode = progress or cfg.progress
    return {"on": False, "off": True}.get(mode, not sys.stderr.isatty())


def simulate(cfg, progress: str | None = None) -> dict[str, CaucasusModel]:
    """Build and run one model per path, all with the same replicate keys."""
    from tqdm.auto import tqdm

    validate(cfg)
    models = {name: CaucasusModel(cfg, path=name) for name in cfg.paths}
    disable = progress_disabled(cfg, progress)
    total = sum(m.n_steps for m in models.values())
    with tqdm(total=total, disable=disable, unit="step", desc=cfg.experiment, leave=False) as bar:
        for name, model in models.items():
            bar.set_postfix_str(f"path={name}, R={model.R}")
            model.run(progress=bar.update)
    return models


def _analysis(cfg, write: bool, what: str, runner, summary_file: str, outcomes_file: str) -> Results:
    """Run an analysis that writes its own folder (a sweep, an attribution, a sensitivity
    analysis) and return its summary and outcome tables read back from that folder."""
    if not write:
        raise ConfigError(f"{what} always writes its folder (it is how it resumes); use write=True")
    folder = Path(runner(cfg)).resolve()
    return Results(
        folder=folder,
        summary=pd.read_csv(folder / summary_file),
        trajectories=pd.DataFrame(),
        events=pd.DataFrame(),
        outcomes=pd.read_parquet(folder / outcomes_file),
        manifest=json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
    )


def run(cfg, *, write: bool = True) -> Results:
    """Run an experiment: simulate every path, build the tables, write the results folder."""
    from . import results as res

    if cfg.sweep.method != "none":
        from . import sweep

        return _analysis(cfg, write, "a sweep", sweep.run_sweep, sweep.SUMMARY_FILE, sweep.OUTCOMES_FILE)
    if cfg.attribution.enabled:
        from . import attribution as at

        return _analysis(cfg, write, "an attribution", at.run_attribution, at.EFFECTS_FILE, at.OUTCOMES_FILE)
    if cfg.sensitivity.method != "none":
        from . import sensitivity as se

        return _analysis(cfg, write, "a sensitivity analysis", se.run_sensitivity, se.INDICES_FILE,
                         se.SAMPLES_FILE)
    t0 = time.perf_counter()
    models = simulate(cfg)
    tables = res.build_tables(models, cfg)
    if not write:
        return Results(folder=None, **tables)
    folder = res.write_run(cfg, models, tables, started=t0).resolve()
    manifest = res.read_manifest(folder)
    first = next(iter(models.values()))
    print(
        f"caucasus-sim: {cfg.experiment}: {len(models)} path(s) x {first.R} replicates x "
        f"{first.n_steps} steps in {manifest['wall_time_s']:.1f} s -> {os.path.relpath(folder)}"
    )
    return Results(folder=folder, manifest=manifest, **tables)
