"""The error type of bad input, and how Hydra's and OmegaConf's errors become one line.

Every error a user can cause — a typo in a key, a wrong type, a value out of range, a
missing file — is a `ConfigError` whose message is one sentence naming the bad value and
what is allowed; the command line prints it and exits with status 2.
"""

from __future__ import annotations

from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException, ValidationError

from .schema import Config

SAFE_TARGET_PREFIXES = ("hydra.", "hydra_plugins.", "logging.", "caucasus_sim.")


class ConfigError(ValueError):
    """A configuration or input error, with a one-line message for the user."""


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    return chain


def _first_line(e: BaseException) -> str:
    return str(getattr(e, "msg", e)).splitlines()[0]


def describe_config_exception(exc: BaseException) -> str:
    """One line naming the bad key or value and what is allowed."""
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, MissingConfigException) and e.options is not None:
            group = (e.missing_cfg_file or "").split("/")[0] or "config group"
            wanted = (e.missing_cfg_file or "").split("/")[-1]
            return f"{group}: unknown option {wanted!r}; available: {', '.join(sorted(e.options))}"
    for e in chain:
        if isinstance(e, ConfigKeyError):
            key = getattr(e, "full_key", None) or getattr(e, "key", None) or "?"
            return f"unknown key {key!r}; {allowed_keys(str(key))}"
        if isinstance(e, ValidationError):
            key = getattr(e, "full_key", None) or "?"
            msg = _first_line(e)
            if "is not a subclass of" in msg:
                return (f"{key}: a new entry cannot be added from the command line (only existing "
                        "entries changed); add it in an experiment YAML file")
            return f"{key}: {msg}"
        if isinstance(e, OmegaConfBaseException):
            key = getattr(e, "full_key", None)
            msg = _first_line(e)
            return f"{key}: {msg}" if key else msg
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(exc).__name__


def allowed_keys(full_key: str) -> str:
    """The keys allowed next to `full_key` in the schema."""
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
