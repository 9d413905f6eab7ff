"""Fail before the work, not after it: what is checked before the first step, input files
that other programs write, warnings for what the input says but the model does otherwise,
and escaping of input text in reports."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from helpers import FAST_FIGURES, SHORT_HISTORY, V1, run_main

from caucasus_sim import load_config
from caucasus_sim.analysis.runs import run_paths
from caucasus_sim.cli import main as cli_main
from caucasus_sim.model import CaucasusModel

SMALL = [SHORT_HISTORY, "replicates=5", "scenario.end=2025-09-30", "progress=off", FAST_FIGURES]


def caucasus_sim(args: list[str], tmp_path: Path, capsys):
    return run_main(cli_main, "caucasus-sim", [*args, f"output_root={tmp_path / 'results'}"], capsys)


def refused(proc, needle: str) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("caucasus-sim: error: ") and needle in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if a model of more than one replicate is built (one-replicate models
    are how analyses check their events): the check must come before any simulation."""
    build = CaucasusModel.__init__

    def checked(self, *args, **kwargs):
        if kwargs.get("replicates") != 1:
            raise AssertionError("a model was built before the run was refused")
        build(self, *args, **kwargs)
    monkeypatch.setattr(CaucasusModel, "__init__", checked)


@pytest.mark.parametrize("args, needle", [
    (["+no_such_key=1"], "unknown key 'no_such_key'"),
    (["+scenario.ned=2027-12-31"], "unknown key 'scenario.ned'"),
    (["+actors.states.AZE.power=3"], "unknown key 'actors.states.AZE.power'"),
])
def test_keys_added_with_plus_must_exist_in_the_schema(tmp_path, capsys, args, needle):
    line = refused(caucasus_sim(SMALL + args, tmp_path, capsys), needle)
    assert "allowed keys" in line
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("args, needle", [
    (["scenario.end=2200-01-01", "limits.memory_gb=4"], "9,756 steps needs about"),
    (["replicates=100000000"], "100,000,000 replicates"),
    (["experiment=strategy_sweep", "replicates=1000000"], "more than the"),
    (["experiment=sensitivity", "replicates=5000000"], "more than the"),
    (["scenario.end=2030-12-31", "replicates=20000", "limits.memory_gb=1000", "limits.disk_gb=0.5"],
     "writes about"),
])
def test_runs_larger_than_the_machine_are_refused_with_the_estimate(tmp_path, capsys, no_model, args, needle):
    line = refused(caucasus_sim(["progress=off", *args], tmp_path, capsys), needle)
    assert " GB" in line and "lower " in line  # the estimate, and what to lower
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("where, needle", [
    ("a_file", "is a file, not a folder"),
    ("a_file/results", "is a file, not a folder"),
    ("/proc/caucasus-sim-test/results", "is not writable"),
])
def test_an_output_location_that_cannot_be_written_is_refused_before_the_first_step(tmp_path, capsys, no_model,
                                                                                    where, needle):
    (tmp_path / "a_file").write_text("not a folder")
    root = where if where.startswith("/") else tmp_path / where
    proc = run_main(cli_main, "caucasus-sim", [*SMALL, f"output_root={root}"], capsys)
    refused(proc, needle)
    assert (tmp_path / "a_file").read_text() == "not a folder"  # nothing the user had is touched


def test_a_timeline_saved_by_excel_gives_the_same_results(tmp_path, capsys):
    plain = (resources.files("caucasus_sim") / "data" / "timeline_2024_2025.csv").read_bytes()
    (tmp_path / "plain.csv").write_bytes(plain)
    (tmp_path / "excel.csv").write_bytes(b"\xef\xbb\xbf" + plain.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    outs = []
    for name in ("plain", "excel"):  # the command's checks accept both; the runs' outcomes are equal
        args = [*SMALL, f"scenario.timeline={tmp_path / name}.csv"]
        proc = caucasus_sim(["--check", *args], tmp_path, capsys)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        outs.append(run_paths(load_config(args)).outcomes)  # the simulation, without drawing a report
    pd.testing.assert_frame_equal(outs[0], outs[1], check_exact=True)


def test_a_duplicate_yaml_key_names_the_key_file_and_line(tmp_path, capsys):
    (tmp_path / "mine" / "experiment").mkdir(parents=True)
    (tmp_path / "mine" / "experiment" / "twice.yaml").write_text(
        "# @package _global_\nexperiment: twice\nreplicates: 5\nreplicates: 6\n")
    line = refused(caucasus_sim(["--config-dir", str(tmp_path / "mine"), "experiment=twice"], tmp_path, capsys),
                   "duplicate key replicates")
    assert "twice.yaml line 4" in line


def test_duplicate_event_ids_in_a_timeline_are_refused_naming_both_rows(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("id,date,source,target,cameo\nraid,2025-01-10,RUS,AZE,173\n"
                                    "talks,2025-02-01,RUS,AZE,036\nraid,2025-03-01,RUS,AZE,173\n")
    line = refused(caucasus_sim([*SMALL, f"scenario.timeline={tmp_path / 't.csv'}"], tmp_path, capsys), "'raid'")
    assert "line 4" in line and "line 2" in line


def test_each_warning_appears_once_and_is_recorded(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("id,date,source,target,cameo\nvisit,2025-02-10,TUR,AZE,042\n"
                                    "late,2025-10-15,RUS,AZE,173\n")
    args = [V1, *SMALL, f"scenario.timeline={tmp_path / 't.csv'}", "actors.listening.AZE.AZE_diaspora_RUS=0.5"]
    proc = caucasus_sim(args, tmp_path, capsys)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("caucasus-sim: warning: ")]
    assert len(warnings) == 2, proc.stderr  # once each, though three paths read the timeline
    assert any("'late'" in w and "left out" in w for w in warnings)
    assert any("actors.listening.AZE" in w and "sum to 1" in w for w in warnings)
    manifest = json.loads(next((tmp_path / "results").rglob("manifest.json")).read_text())
    assert [f"caucasus-sim: warning: {w}" for w in manifest["warnings"]] == warnings


def test_text_from_a_timeline_is_shown_as_text_in_the_html_report(tmp_path, capsys):
    # the report's event table shows each event's id (its description stays in events.parquet)
    (tmp_path / "t.csv").write_text('id,date,source,target,cameo,description\n'
                                    '"<script>alert(1)</script>|*not*_bold",2025-02-10,TUR,AZE,042,a visit\n')
    proc = caucasus_sim([*SMALL, f"scenario.timeline={tmp_path / 't.csv'}"], tmp_path, capsys)
    assert proc.returncode == 0, proc.stderr
    page = next((tmp_path / "results").rglob("report.html")).read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|*not*_bold" in page
