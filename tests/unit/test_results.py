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


def test_runs_never_share_or_overwrite_a_folder(tmp_results):
    cfg = compose("replicates=5", FAST_FIGURES, *SHORT)
    a, b = run(cfg), run(cfg)
    assert a.folder != b.folder
    assert read_manifest(a.folder)["id"] == a.folder.name
    assert read_manifest(a.folder)["files"] == a.manifest["files"]


def test_saved_tables_reload_equal_to_the_returned_ones(tmp_results):
    res = run(compose("replicates=5", FAST_FIGURES, *SHORT))
    saved = load_tables(res.folder)
    assert saved["summary"][["mean", "q05", "q50", "q95"]].sub(
        res.summary[["mean", "q05", "q50", "q95"]]).abs().max().max() < 1e-5  # %.6g in CSV
    assert len(saved["events"]) == len(res.events)
    assert list(saved["outcomes"]["path"].unique()) == list(res.outcomes["path"].unique())
