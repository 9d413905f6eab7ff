"""Sweeps interrupted and resumed as a user would: SIGKILLed in process and as a Hydra
multirun, then run again; finished work is not recomputed and the result equals a sweep
that ran without interruption."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import V1
from sweeps import EXE, IN_PROCESS_GRID, MULTIRUN_GRID, cli, merged, only_folder

SLOW_SWEEP = ["experiment=strategy_sweep", V1, "replicates=150", "progress=off", "figure_formats=[svg]"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> pd.DataFrame:
    """The merged table of the same grid swept in process without interruption (one batch
    of points: the table does not depend on how points are batched)."""
    cwd = tmp_path_factory.mktemp("uninterrupted")
    proc = cli(SLOW_SWEEP + IN_PROCESS_GRID, cwd)
    assert proc.returncode == 0, proc.stderr
    return merged(only_folder(cwd, "sweep")).drop(columns="job")


def wait_for(predicate, proc, timeout=120.0):
    start = time.monotonic()
    while not predicate():
        assert proc.poll() is None, "the sweep finished before it could be interrupted"
        assert time.monotonic() - start < timeout
        time.sleep(0.02)


def stamps(files) -> dict[str, tuple[int, int]]:
    return {f"{f.parent.name}/{f.name}": (f.stat().st_mtime_ns, f.stat().st_ino) for f in files}


def kill_after_first(args, cwd: Path, pattern: str):
    """Start the command, SIGKILL it once a file matching `pattern` (under the experiment's
    results) exists, and return a function listing those files and the ones finished."""
    finished = lambda: sorted((cwd / "results" / "strategy_sweep").glob(pattern))  # noqa: E731
    proc = subprocess.Popen([EXE, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: len(finished()) >= 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = finished()
    assert 1 <= len(done) < 4
    return finished, done


@pytest.mark.slow
def test_killed_in_process_sweep_resumes_without_recomputing(tmp_path, uninterrupted):
    args = SLOW_SWEEP + IN_PROCESS_GRID + ["sweep.points_per_batch=1"]
    batches, done = kill_after_first(args, tmp_path, "sweep-*/chunks/*.parquet")
    folder = only_folder(tmp_path, "sweep")
    assert not (folder / "manifest.json").exists()  # not complete, and it does not look it
    before = stamps(done)
    again = cli(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"({len(done)} already done, {4 - len(done)} run)" in again.stdout
    assert {k: v for k, v in stamps(batches()).items() if k in before} == before
    pd.testing.assert_frame_equal(merged(folder).drop(columns="job"), uninterrupted, check_exact=True)


@pytest.mark.slow
def test_killed_multirun_resumes_without_recomputing(tmp_path, uninterrupted):
    args = MULTIRUN_GRID + SLOW_SWEEP
    manifests, done = kill_after_first(args, tmp_path, "multirun-*/points/*/manifest.json")
    before = stamps(done)
    again = cli(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already done, skipped") == len(done)
    assert {k: v for k, v in stamps(manifests()).items() if k in before} == before
    folder = only_folder(tmp_path, "multirun")
    assert merged(folder)["job"].nunique() == 4
    # and the result equals the in-process sweep of the same grid
    pd.testing.assert_frame_equal(merged(folder).drop(columns="job"), uninterrupted, check_exact=True)
