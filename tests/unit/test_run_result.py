"""A run's result in a notebook: a short repr, the balance per replicate, an xarray view,
one dtype per key column across tables, and a progress bar in a Jupyter kernel."""

from __future__ import annotations

import dataclasses
import sys
import types

import numpy as np
import pandas as pd
import pytest
from helpers import SHORT, compose

from caucasus_sim import ConfigError, run
from caucasus_sim.analysis.progress import progress_disabled


@pytest.fixture(scope="module")
def result():
    return run(compose(*SHORT, "replicates=4", "store.trajectory_stride=1", "store.trajectory_precision=float64"),
               write=False)


def test_the_repr_is_a_few_lines(result):
    assert len(repr(result).splitlines()) <= 6 and len(repr(result)) < 600
    assert "4 replicates" in repr(result) and "<li>" in result._repr_html_()


def test_balance_is_the_outcomes_balance_per_replicate(result):
    balance = result.balance()
    assert list(balance.columns) == ["path", "replicate", "step", "date", "client", "axis", "balance"]
    assert len(balance) == len(result.trajectories) // 3  # one row per (path, replicate, step, client)
    end = result.outcomes[result.outcomes["outcome"] == "end"]
    last = balance[balance["step"] == balance["step"].max()]
    merged = end.merge(last, on=["path", "replicate", "client"], suffixes=("", "_traj"))
    assert len(merged) == len(end) and np.array_equal(merged["balance"], merged["balance_traj"])
    assert (merged["axis"] == merged["axis_traj"]).all()


def test_to_xarray_has_the_documented_dims_and_the_same_numbers(result):
    ds = result.to_xarray()
    assert ds["alignment_share"].dims == ("path", "replicate", "date", "client", "patron")
    assert ds["balance"].dims == ("path", "replicate", "date", "client")
    assert list(ds["path"].values) == list(result.paths) and list(ds["axis"].values) == ["TUR-RUS", "WEST-RUS", "WEST-RUS"]
    table = result.balance().set_index(["path", "replicate", "date", "client"])["balance"]
    assert np.array_equal(ds["balance"].to_series().reorder_levels(table.index.names).loc[table.index], table)


def test_key_columns_have_one_dtype_and_order_in_every_table(result):
    tables = {n: getattr(result, n) for n in ("summary", "trajectories", "events", "event_counts", "outcomes")}
    for column, order in {"path": ["status_quo", "russian", "turkish"], "client": ["AZE", "ARM", "GEO"]}.items():
        for name, table in tables.items():
            if column in table:
                assert isinstance(table[column].dtype, pd.CategoricalDtype), (name, column)
                assert list(table[column].cat.categories) == order, (name, column)
    assert {str(t["date"].dtype) for t in tables.values() if "date" in t} == {"datetime64[s]"}


def test_a_run_without_trajectories_says_how_to_get_them(result):
    bare = dataclasses.replace(result, trajectories=pd.DataFrame())  # as store.trajectory_stride=0 leaves it
    with pytest.raises(ConfigError, match="store.trajectory_stride=1"):
        bare.balance()


def test_the_progress_bar_shows_in_a_jupyter_kernel(monkeypatch):
    class OutStream:  # what ipykernel puts in sys.stderr
        def isatty(self):
            return False

    OutStream.__module__ = "ipykernel.iostream"
    cfg = types.SimpleNamespace(progress="auto")
    monkeypatch.setattr(sys, "stderr", OutStream())
    assert not progress_disabled(cfg)
    monkeypatch.setattr(sys, "stderr", type("File", (), {"isatty": lambda self: False})())
    assert progress_disabled(cfg)
