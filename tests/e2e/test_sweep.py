"""Sweeps as a user runs them: in process and through Hydra's launchers (interrupted and
resumed: test_sweep_resume.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_main
from sweeps import AXES, IN_PROCESS_GRID, MULTIRUN_GRID, SMALL, cli, merged, only_folder

from caucasus_sim.cli import main as cli_main

@pytest.fixture(scope="module")
def in_process(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("in_process")
    proc = cli(SMALL + IN_PROCESS_GRID, cwd)
    assert proc.returncode == 0, proc.stderr
    return only_folder(cwd, "sweep")


def test_in_process_sweep_writes_one_table_figures_and_manifest(in_process):
    table = merged(in_process)
    assert set(AXES) <= set(table.columns)
    assert table.groupby(AXES).ngroups == 4
    assert table.groupby(["point", "path", "client", "outcome"]).size().eq(20).all()
    assert "job" in table.columns
    manifest = json.loads((in_process / "manifest.json").read_text())
    for key in ("seed", "replicate_keys", "swept_values", "versions", "git_commit", "jobs"):
        assert key in manifest
    assert len(manifest["swept_values"]) == 4 and len(manifest["replicate_keys"]) == 20
    summary = pd.read_csv(in_process / "sweep_summary.csv")
    assert {"p_positive", "q05", "q50", "q95", "replicates"} <= set(summary.columns)
    figures = {p.name for p in (in_process / "figures").glob("*.svg")}
    assert any("p_positive" in f for f in figures) and any("q50" in f for f in figures)
    assert any("against_swept" in f for f in figures)
    report = (in_process / "report.md").read_text()
    assert "replicates per cell" in report


@pytest.mark.slow
@pytest.mark.parametrize("launcher", [
    ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    ["hydra/launcher=submitit_local"],
], ids=["joblib", "submitit_local"])
def test_multirun_merged_table_is_bit_identical_to_in_process(in_process, tmp_path, launcher):
    proc = cli(MULTIRUN_GRID + SMALL + launcher, tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = only_folder(tmp_path, "multirun")
    points = sorted((folder / "points").iterdir())
    assert len(points) == 4
    for point in points:
        manifest = json.loads((point / "manifest.json").read_text())
        for key in ("seed", "replicate_keys", "swept", "versions", "git_commit", "overrides"):
            assert key in manifest
        assert set(manifest["swept"]) == set(AXES)
    multi = merged(folder)
    assert multi["job"].nunique() == 4  # each row says which job produced it
    pd.testing.assert_frame_equal(merged(in_process).drop(columns="job"), multi.drop(columns="job"),
                                  check_exact=True)
    merged_manifest = json.loads((folder / "manifest.json").read_text())
    assert merged_manifest["points"] == 4
    # the multirun's time is the whole multirun's: at least that of its longest job (was the merge's)
    longest = max(json.loads((p / "manifest.json").read_text())["wall_time_s"] for p in points)
    assert merged_manifest["wall_time_s"] > longest
    assert f"in {merged_manifest['wall_time_s']:.1f} s" in proc.stdout


def test_second_run_of_a_running_sweep_is_refused(tmp_path, capsys):
    from caucasus_sim import load_config
    from caucasus_sim.outputs import Bundle, config_digest

    args = SMALL + IN_PROCESS_GRID
    folder = tmp_path / "results" / "strategy_sweep" / f"sweep-{config_digest(load_config(args))}"
    with Bundle.resumable(folder, "sweep"):  # as a running sweep holds it
        second = cli(args, tmp_path)
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert second.returncode != 0 and len(lines) == 1 and "in use" in lines[0]
    assert not (folder / "sweep_outcomes.parquet").exists()
    again = run_main(cli_main, "caucasus-sim", [*args, f"output_root={tmp_path / 'results'}"], capsys)
    assert again.returncode == 0, again.stderr  # once free, the same command runs (here, in this process)
    assert (folder / "sweep_outcomes.parquet").is_file()


@pytest.mark.parametrize(("args", "needle"), [
    (["-m", "sweep.method=none", "decisions.strategies.nope.intensity=1,2"], "nope"),
    (["-m", "sweep.method=none", "replicates=10,abc"], "abc"),
    (["-m", "sweep.method=none", "decisions.strategies.rus_coercive.intensity=0,-1"], "-1"),
    (["sweep.axes.0.key=decisions.strategies.nope.intensity"], "nope"),
    (["sweep.axes.0.low=3", "sweep.axes.0.high=0"], "empty range"),
    (["sweep.axes.0.key=scenario.name"], "not a number"),
    (["sweep.axes.0.values=[]"], "empty list"),
    (["sweep.axes.0.key=replicates", "sweep.axes.0.values=[10,10.5]"], "10.5"),
], ids=["multirun_unknown_key", "multirun_wrong_type", "multirun_bad_later_value", "unknown_key",
        "empty_range", "not_numeric", "no_values", "wrong_type"])
def test_bad_axis_fails_before_any_job(tmp_path, capsys, args, needle):
    proc = run_main(cli_main, "caucasus-sim",
                    ["experiment=strategy_sweep", "replicates=5", f"output_root={tmp_path / 'results'}", *args],
                    capsys)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert needle in lines[0]
    assert not (tmp_path / "results").exists()


def test_points_sharing_a_batch_equal_separate_runs():
    from caucasus_sim import CaucasusModel, load_config
    from caucasus_sim.analysis.points import point_config
    from caucasus_sim.analysis.sweep import plan_sweep

    cfg = load_config(SMALL + IN_PROCESS_GRID)
    points = plan_sweep(cfg).points
    batch = CaucasusModel(cfg, path="coercion_engagement", points=points).run()
    R = cfg.replicates
    for i, point in enumerate(points):
        alone = CaucasusModel(point_config(cfg, point), path="coercion_engagement").run()
        rows = slice(i * R, (i + 1) * R)
        assert np.array_equal(batch.alignment_record[:, rows], alone.alignment_record)
        assert np.array_equal(batch.attitude[rows], alone.attitude)
    assert not np.array_equal(batch.alignment_record[:, :R], batch.alignment_record[:, -R:])
