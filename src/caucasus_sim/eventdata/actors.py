"""The actor map: which actors of an event-data export are which actors of the model.

An actor map is a YAML file (the package ships `actor_map_south_caucasus.yaml`; a user can
name their own with `eventdata.actor_map` or `caucasus-sim-events import --actors`):

- `countries`: country codes (CAMEO's, which are ISO 3166 alpha-3 for states; GDELT's
  ActorCountryCode, PLOVER's actor country) -> model actor, or null (never mapped);
- `state_roles`: CAMEO role codes that act for the state (`ARMGOV` -> ARM); an actor code
  with any other role (`RUSOPP`, opposition; `AZECVL`, civilians) is not the state;
- `names`: ICEWS country names -> model actor (ICEWS names countries, not codes);
- `state_sectors`: ICEWS sectors that act for the state (`Government`, `Military`, ...);
- `codes`: exact actor codes or ICEWS actor names, checked first (`RUSOPP: RUS` would
  count Russia's opposition as Russia; null drops an actor the rules would map);
- `unmapped`: `drop` (the default: rows with an unmapped actor are dropped and counted)
  or `fail` (the first unmapped actor stops the import, naming it).

Every actor named must be an actor of the configuration; anything else is refused in one
line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..config import ConfigError

KEYS = ("unmapped", "countries", "state_roles", "names", "state_sectors", "codes")
UNMAPPED = ("drop", "fail")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a mapping that gives one key twice (naming its line)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def read_spec(spec: str, what: str) -> tuple[str, bytes]:
    """The bytes of `package:<file>` (package data) or of a file path, and its name."""
    if spec.startswith("package:"):
        name = spec.removeprefix("package:")
        res = resources.files("caucasus_sim") / "data" / name
        if "/" in name or not res.is_file():
            raise ConfigError(f"{what}: no packaged file {name!r}")
        return spec, res.read_bytes()
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ConfigError(f"{what}: file {spec!r} not found (from {Path.cwd()})")
    return str(path), path.read_bytes()


@dataclass(frozen=True)
class ActorMap:
    """A checked actor map; `*_actor` resolve an export's actor to a model actor or None."""

    source: str
    sha256: str
    unmapped: str
    countries: dict
    state_roles: frozenset
    names: dict
    state_sectors: frozenset
    codes: dict
    _known: dict = field(default_factory=dict, compare=False, repr=False)  # resolved codes, by (code, country)

    def cameo_actor(self, code: str, country: str = "") -> str | None:
        """A CAMEO actor code (country and role codes of three letters, e.g. `ARMGOV`), with
        the country it names (GDELT gives it in its own column; else its first three letters)."""
        key = (code, country)
        if key in self._known:
            return self._known[key]
        actor = self._resolve(code, country)
        self._known[key] = actor
        return actor

    def _resolve(self, code: str, country: str) -> str | None:
        if code in self.codes:
            return self.codes[code]
        country = country or code[:3]
        actor = self.countries.get(country)
        if actor is None:
            return None
        roles = [code[i:i + 3] for i in range(0, len(code), 3)]
        if country in roles:
            roles.remove(country)
        return actor if all(r in self.state_roles for r in roles) else None

    def icews_actor(self, name: str, sectors: str, country: str) -> str | None:
        """An ICEWS actor: its name, its comma-separated sectors and its country's name. The
        state itself (named as a country) or an actor in one of its state sectors."""
        if name in self.codes:
            return self.codes[name]
        actor = self.names.get(country)
        if actor is None:
            return None
        if self.names.get(name) == actor:
            return actor
        return actor if any(s.strip() in self.state_sectors for s in sectors.split(",")) else None

    def plover_actor(self, country: str) -> str | None:
        """A PLOVER (POLECAT) actor, by its country code."""
        return self.codes[country] if country in self.codes else self.countries.get(country)


def load_actor_map(spec: str, actors: list[str]) -> ActorMap:
    """Read and check an actor map (`package:<file>` or a path) against the model's actors."""
    source, raw = read_spec(spec, "actor map")
    try:
        data = yaml.load(raw.decode("utf-8-sig"), Loader=_UniqueKeyLoader)
    except UnicodeDecodeError:
        raise ConfigError(f"actor map {source}: not UTF-8 text") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ConfigError(f"actor map {source} line {mark.line + 1}: {exc.problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"actor map {source}: expected a mapping with keys {', '.join(KEYS)}")
    for key in data:
        if key not in KEYS:
            raise ConfigError(f"actor map {source}: unknown key {key!r}; allowed keys: {', '.join(KEYS)}")
    unmapped = data.get("unmapped", "drop")
    if unmapped not in UNMAPPED:
        raise ConfigError(f"actor map {source}: unmapped: unknown value {unmapped!r}; expected one of "
                          f"{', '.join(UNMAPPED)}")
    tables = {k: _table(data.get(k) or {}, f"actor map {source}: {k}", actors) for k in ("countries", "names", "codes")}
    lists = {k: _codes(data.get(k) or [], f"actor map {source}: {k}") for k in ("state_roles", "state_sectors")}
    return ActorMap(source=source, sha256=hashlib.sha256(raw).hexdigest(), unmapped=unmapped, **tables, **lists)


def _table(node, where: str, actors: list[str]) -> dict:
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: expected a mapping of codes to model actors")
    for code, actor in node.items():
        if not isinstance(code, str) or not code:
            raise ConfigError(f"{where}: key {code!r} is not a code; quote it (e.g. 'NOR')")
        if actor is not None and actor not in actors:
            raise ConfigError(f"{where}.{code} maps to unknown actor {actor!r}; expected one of "
                              f"{', '.join(actors)} or null")
    return dict(node)


def _codes(node, where: str) -> frozenset:
    if not isinstance(node, list) or not all(isinstance(c, str) and c for c in node):
        raise ConfigError(f"{where}: expected a list of codes")
    return frozenset(node)
