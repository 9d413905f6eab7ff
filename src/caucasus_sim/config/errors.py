"""The error type of bad input, and how Hydra's and OmegaConf's errors become one line.

Every error a user can cause — a typo in a key, a wrong type, a value out of range, a
missing file — is a `ConfigError` whose message is one sentence naming the bad value and
what is allowed; the command line prints it and exits with status 2.
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

import yaml
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException, ValidationError

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
        if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None:
            mark = e.problem_mark  # a YAML file that does not parse, or repeats a key
            return f"{mark.name} line {mark.line + 1}: {e.problem}"
    for e in chain:
        if isinstance(e, MissingConfigException) and e.options is not None:
            group = (e.missing_cfg_file or "").split("/")[0] or "config group"
            wanted = (e.missing_cfg_file or "").split("/")[-1]
            return f"{group}: unknown option {wanted!r}; available: {', '.join(sorted(e.options))}"
    for e in chain:
        if isinstance(e, (ConfigKeyError, ConfigAttributeError)) and " not in '" in _first_line(e):
            key = getattr(e, "full_key", None) or getattr(e, "key", None) or "?"
            return _unknown(str(key))
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
            if "is not in struct" in msg:
                return (f"{key}: no such entry; new entries cannot be added from the command line, only "
                        "in an experiment YAML file")
            return f"{key}: {msg}" if key else msg
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(exc).__name__


def unknown_key(full_key: str, allowed) -> str:
    """The message for a key the schema does not have, listing those it allows there."""
    parent = full_key.rsplit(".", 1)[0] if "." in full_key else ""
    where = f"in {parent!r}" if parent else "at the top level"
    keys = sorted(str(k) for k in allowed)
    close = difflib.get_close_matches(full_key.rsplit(".", 1)[-1], keys, n=1)
    hint = f"did you mean {(parent + '.' if parent else '') + close[0]!r}? " if close else ""
    return f"unknown key {full_key!r}; {hint}" + (f"allowed keys {where}: {', '.join(keys)}" if keys
                                                  else "no keys are allowed there")


def allowed_keys(full_key: str) -> list[str] | None:
    """The keys the schema allows next to `full_key` (None where it cannot tell)."""
    parent = full_key.rsplit(".", 1)[0] if "." in full_key else ""
    node = OmegaConf.structured(Config)
    for part in parent.split(".") if parent else []:
        if not isinstance(node, DictConfig):
            return None
        element = node._metadata.element_type  # a dictionary of dataclasses: any key, typed values
        if part not in node and dataclasses.is_dataclass(element):
            node = OmegaConf.structured(element)
        elif part in node:
            node = node[part]
        else:
            return None
    return [str(k) for k in node.keys()] if isinstance(node, DictConfig) else None


def _unknown(full_key: str) -> str:
    keys = allowed_keys(full_key)
    return unknown_key(full_key, keys) if keys is not None else f"unknown key {full_key!r}; see docs/odd.md"


BOM = b"\xef\xbb\xbf"


def check_yaml_folder(folder: Path) -> None:
    """Refuse a YAML file whose `# @package` header a UTF-8 byte-order mark hides from Hydra
    (it reads the header before the mark is dropped, and would put the file's keys under
    the wrong package). Files without a header are read correctly with or without one."""
    for path in sorted(Path(folder).rglob("*.yaml")):
        head = path.read_bytes()[:512]
        if head.startswith(BOM) and head[len(BOM):].lstrip().startswith(b"# @"):
            raise ConfigError(f"{path}: starts with a UTF-8 byte-order mark, which hides its '# @package' "
                              "header from Hydra; save the file as UTF-8 without BOM")


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
