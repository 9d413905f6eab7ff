"""The model document (docs/odd.md) stays in step with the configuration schema.

The parameter table must have one row per schema parameter, named by the rule stated
above the table in the document:
- a nested dataclass is entered (`scenario` -> `scenario.start`, ...);
- a dictionary of dataclasses is entered with `*` for the user's key
  (`actors.states` -> `actors.states.*.susceptibility`, ...);
- a dictionary of scalars is one row ending in `.*` (`params.channel_weight.*`);
- a dictionary of dictionaries, a list (also a list of dataclasses) or a scalar is one
  row with the field's own name (`actors.ties`, `scenario.events`, `seed`).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path

import pytest

from caucasus_sim import load_config
from caucasus_sim.config.schema import Config, ParamsConfig

ODD = Path(__file__).resolve().parents[2] / "docs" / "odd.md"

ODD_HEADINGS = [
    "## 1. Purpose and patterns",
    "## 2. Entities, state variables and scales",
    "## 3. Process overview and scheduling",
    "## 4. Design concepts",
    "## 5. Initialization",
    "## 6. Input data",
    "## 7. Submodels",
    "## 8. Calibration and validation",
]
TABLE_HEADING = "### Parameter table"
TABLE_COLUMNS = ["name", "meaning", "unit", "default", "source"]


# ------------------------------------------------------------------ the schema side


def _strip_optional(tp):
    """Optional[X] -> X; anything else unchanged."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def schema_parameter_names(cls=Config, prefix: str = "") -> set[str]:
    """Dotted names of the schema's parameters, by the rule of the parameter table."""
    names: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        name = f"{prefix}{f.name}"
        tp = _strip_optional(hints[f.name])
        if dataclasses.is_dataclass(tp):
            names |= schema_parameter_names(tp, f"{name}.")
        elif typing.get_origin(tp) is dict:
            value = _strip_optional(typing.get_args(tp)[1])
            if dataclasses.is_dataclass(value):
                names |= schema_parameter_names(value, f"{name}.*.")
            elif typing.get_origin(value) in (dict, list):
                names.add(name)
            else:
                names.add(f"{name}.*")
        else:
            names.add(name)
    return names


def scalar_params() -> list[str]:
    """The scalar fields of ParamsConfig (numbers, not dictionaries)."""
    hints = typing.get_type_hints(ParamsConfig)
    return [f.name for f in dataclasses.fields(ParamsConfig)
            if _strip_optional(hints[f.name]) in (int, float)]


# ------------------------------------------------------------------ the document side


def _lines() -> list[str]:
    return ODD.read_text(encoding="utf-8").splitlines()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parameter_table() -> dict[str, list[str]]:
    """Rows of the parameter table: name (backticks stripped) -> all five cells."""
    lines = _lines()
    assert lines.count(TABLE_HEADING) == 1, f"docs/odd.md needs exactly one {TABLE_HEADING!r} heading"
    i = lines.index(TABLE_HEADING) + 1
    while i < len(lines) and not lines[i].lstrip().startswith("|"):
        assert not lines[i].startswith("#"), "the parameter table must follow its heading"
        i += 1
    assert i < len(lines), "no table after the parameter-table heading"
    assert _cells(lines[i]) == TABLE_COLUMNS, f"table header is {lines[i]!r}"
    assert set(lines[i + 1].replace("|", "").strip()) <= set("-: "), "no separator row"
    rows: dict[str, list[str]] = {}
    for line in lines[i + 2:]:
        if not line.lstrip().startswith("|"):
            break
        cells = _cells(line)
        assert len(cells) == len(TABLE_COLUMNS), f"row without 5 cells (a '|' inside?): {line!r}"
        name = cells[0].replace("`", "").strip()
        assert name not in rows, f"parameter {name!r} has two rows"
        assert all(cells[1:]), f"row {name!r} has an empty cell"
        rows[name] = cells
    return rows


# ------------------------------------------------------------------ the tests


def test_parameter_table_lists_exactly_the_schema_parameters():
    documented = set(parameter_table())
    schema = schema_parameter_names()
    missing = sorted(schema - documented)
    stale = sorted(documented - schema)
    assert not missing and not stale, (
        f"docs/odd.md parameter table is out of step with the schema: "
        f"missing rows {missing}; stale rows {stale}"
    )
    # the rule itself, on names the document's examples rely on
    for name in ("seed", "params.attitude_step", "params.channel_weight.*", "actors.ties",
                 "actors.states.*.susceptibility", "decisions.reactions.*.ladder",
                 "decisions.strategies.*.actions.*.rate_per_year", "paths.*.move.*",
                 "scenario.events", "balance.plus"):
        assert name in schema, f"the schema walk no longer yields {name!r}"


def test_odd_headings_appear_verbatim_and_in_order():
    lines = _lines()
    positions = []
    for heading in ODD_HEADINGS:
        count = lines.count(heading)
        assert count == 1, f"heading {heading!r} appears {count} times in docs/odd.md; expected once"
        positions.append(lines.index(heading))
    assert positions == sorted(positions), (
        "ODD headings out of order: "
        f"{[h for _, h in sorted(zip(positions, ODD_HEADINGS))]}"
    )
    # the parameter table sits in section 7 (after the submodels, before section 8) or at the end
    assert lines.index(TABLE_HEADING) > positions[ODD_HEADINGS.index("## 7. Submodels")]


@pytest.mark.parametrize("name", scalar_params())
def test_parameter_table_defaults_match_the_default_config(name):
    cfg = load_config()
    rows = parameter_table()
    key = f"params.{name}"
    assert key in rows, f"no row {key!r} in the parameter table"
    cell = rows[key][3].replace("`", "").strip()
    try:
        documented = float(cell)
    except ValueError:
        pytest.fail(f"default of {key!r} in docs/odd.md is {cell!r}, not a number")
    actual = float(cfg.params[name])
    assert math.isclose(documented, actual, rel_tol=1e-12, abs_tol=0.0), (
        f"docs/odd.md gives {key} default {documented}, the default config has {actual}"
    )
