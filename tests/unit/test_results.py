"""Results folders: complete or absent, never overwritten, reloadable."""

from __future__ import annotations

import pytest
from helpers import FAST_FIGURES, SHORT, compose

from caucasus_sim import report, run
from caucasus_sim.outputs import load_tables, read_manifest


def test_interrupted_run_leaves_no_folder_that_looks_complete(tmp_results, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(compose("replicates=5", FAST_FIGURES, *SHORT))
    base = tmp_results / "results" / "alignment_paths"
    assert list(base.iterdir()) == []  # neither a run folder nor a .partial one


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same configuration run twice, one after the other."""
    cfg = compose("replicates=5", FAST_FIGURES, *SHORT, f"output_root={tmp_path_factory.mktemp('two_runs')}")
    return run(cfg), run(cfg)


def test_runs_never_share_or_overwrite_a_folder(two_runs):
    a, b = two_runs
    assert a.folder != b.folder
    assert read_manifest(a.folder)["id"] == a.folder.name
    assert read_manifest(a.folder)["files"] == a.manifest["files"]
    assert read_manifest(b.folder)["files"] == b.manifest["files"]


def test_saved_tables_reload_equal_to_the_returned_ones(two_runs):
    res = two_runs[0]
    saved = load_tables(res.folder)
    assert saved["summary"][["mean", "q05", "q50", "q95"]].sub(
        res.summary[["mean", "q05", "q50", "q95"]]).abs().max().max() < 1e-5  # %.6g in CSV
    assert len(saved["events"]) == len(res.events)
    assert list(saved["outcomes"]["path"].unique()) == list(res.outcomes["path"].unique())


def test_summary_quantiles_are_numpys_bit_for_bit():
    """The summary reads its quantiles from sorted replicates; they must equal np.quantile's."""
    import numpy as np

    from caucasus_sim.outputs.tables import QUANTILES, sorted_quantile

    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 20, 999, 1000):
        values = rng.normal(size=(4, n, 3, 2))
        values[0, :, 0, 0] = 0.25  # ties
        ordered = np.sort(values, axis=1)
        for q in (*QUANTILES.values(), 0.0, 0.3, 1.0):
            assert np.array_equal(sorted_quantile(ordered, q), np.quantile(values, q, axis=1)), (n, q)
