"""Fuzzed command lines: hypothesis draws overrides (keys of the schema and a few that are
not, with `+`, `++` and `~`; values of every type: huge, negative, NaN, empty, unicode,
nested) and runs them through the command's own entry point. Every outcome is a success
or exit status 2 with one line; never a traceback, never a folder that looks complete.

Most examples run with `--check` (every check a run makes before its first step, then
stop), so that hundreds fit in the suite's time; a smaller set runs for real, shrunk."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from fuzzing import check_examples
from helpers import compose
from helpers import fuzz_outcome as outcome
from omegaconf import DictConfig, ListConfig


SHRUNK = ["scenario=history_2024_2025", "replicates=2", "scenario.end=2025-08-31", "progress=off", "figure_formats=[svg]",
          "limits.memory_gb=1", "limits.disk_gb=0.2"]


def leaf_keys(node, prefix: str = "") -> list[str]:
    """Every leaf key of the composed default configuration (dictionary entries included)."""
    if isinstance(node, DictConfig):
        return [k for key in node.keys() for k in leaf_keys(node._get_node(key), f"{prefix}{key}.")]
    if isinstance(node, ListConfig):
        return [prefix.rstrip(".")] + [k for i in range(min(len(node), 1))
                                       for k in leaf_keys(node._get_node(i), f"{prefix}{i}.")]
    return [prefix.rstrip(".")]


KEYS = sorted(set(leaf_keys(compose())) | {"no_such_key", "scenario.ned", "actors.states.AZE.power",
                                          "paths.status_quo", "actors", "hydra.job.chdir"})

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 10**9, 10**12]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", "2025-07-01", "2200-01-01", "1900-01-01", "2025-13-45", "RUS", "AZE", "TUR", "173",
                     "055", "all", "grid", "sobol", "png", "ü", "日本", "a b", "x,y", "[", "{", "'", "\\"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(["a", "AZE", "x"]), inner,
                                                                       max_size=2)), max_leaves=5)


def render(value) -> str:
    """A value as Hydra's override grammar writes it (strings quoted when they need it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ",".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{render(v)}" for k, v in value.items()) + "}"
    plain = value.replace("\\", "\\\\").replace("'", "\\'")
    return value if value.isidentifier() else f"'{plain}'"


OVERRIDES = st.lists(st.tuples(st.sampled_from(["", "", "", "+", "++", "~"]), st.sampled_from(KEYS), VALUES),
                     min_size=1, max_size=3).map(
    lambda items: [f"~{k}" if p == "~" else f"{p}{k}={render(v)}" for p, k, v in items])


CHECKED_EXAMPLES, SHARDS = 300, 3  # shards with seeds of their own, so that test workers share them


@pytest.mark.parametrize("shard", range(SHARDS))
def test_fuzzed_overrides_are_checked_or_refused_in_one_line(shard, capsys):
    check_examples(OVERRIDES, lambda overrides: outcome(["--check", *SHRUNK, *overrides], capsys),
                   seed_value=20250627 + shard, examples=CHECKED_EXAMPLES // SHARDS)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(overrides=OVERRIDES)
def test_fuzzed_overrides_run_or_are_refused_in_one_line(overrides, capsys):
    outcome([*SHRUNK, *overrides], capsys)
