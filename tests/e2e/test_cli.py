"""The command line as a user runs it, in a temporary folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import SHORT_HISTORY, run_main

from caucasus_sim.cli import main as cli_main

EXE = str(Path(sys.executable).with_name("caucasus-sim"))  # installed beside this Python
SMALL = [SHORT_HISTORY, "replicates=20", "scenario.end=2025-10-31", "progress=off"]


def cli(args, cwd: Path) -> subprocess.CompletedProcess:
    assert Path(EXE).is_file(), f"caucasus-sim is not installed beside {sys.executable}"
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def complete_runs(cwd: Path) -> list[Path]:
    return [p.parent for p in cwd.rglob("manifest.json")]


def test_default_experiment_writes_a_complete_results_folder(tmp_path):
    proc = cli(SMALL, tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = complete_runs(tmp_path)
    assert len(runs) == 1
    folder = runs[0]
    assert folder.parent == tmp_path / "results" / "alignment_paths"
    assert str(folder.relative_to(tmp_path)) in proc.stdout  # the one-line summary names it
    assert proc.stdout.strip().count("\n") == 0
    for name in ("config.yaml", "manifest.json", "summary.csv", "trajectories.parquet",
                 "events.parquet", "event_counts.csv", "outcomes.csv", "report.md"):
        assert (folder / name).is_file(), name
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("seed", "replicate_keys", "versions", "git_commit", "command", "wall_time_s"):
        assert key in manifest
    assert len(manifest["replicate_keys"]) == 20 and manifest["seed"] == 20250627
    assert manifest["versions"]["mesa"].startswith("3.5")
    pngs = sorted((folder / "figures").glob("*.png"))
    assert len(pngs) >= 3
    for png in pngs:  # the default formats: a raster and a vector one
        assert png.with_suffix(".pdf").is_file() and not png.with_suffix(".svg").exists()
    report = (folder / "report.md").read_text()
    for png in pngs:
        assert f"figures/{png.name}" in report
    assert report.count("*Figure") == len(pngs)
    traj = pd.read_parquet(folder / "trajectories.parquet")
    assert set(traj["path"]) == {"status_quo", "russian", "turkish"}
    assert traj["replicate"].nunique() == 20
    summary = pd.read_csv(folder / "summary.csv")
    assert {"mean", "q05", "q50", "q95"} <= set(summary.columns)
    # nothing else is left behind: no hydra outputs/ folder, no log files, no partial folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert not list((tmp_path / "results").rglob(".*.partial"))


def test_overrides_change_the_run(tmp_path, capsys):  # the command's main() in this process
    proc = run_main(cli_main, "caucasus-sim", [SHORT_HISTORY, "replicates=7", "seed=7", "scenario.end=2025-12-31",
                                               "progress=off", "figure_formats=[svg]", f"output_root={tmp_path / 'results'}"],
                    capsys)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((complete_runs(tmp_path)[0] / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["replicates"] == 7
    assert manifest["dates"][1] <= "2025-12-31"


def test_two_runs_in_the_same_second_get_different_folders(tmp_path):
    args = ["experiment=fj_known_answer", SHORT_HISTORY, "scenario.end=2025-06-01", "figure_formats=[svg]"]
    procs = [subprocess.Popen([EXE, *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert len(set(complete_runs(tmp_path))) == 2
    # progress=auto: no progress bar when stderr is not a terminal
    assert all(p.stderr.read() == b"" for p in procs)


BAD_TIMELINE = {
    "unknown_actor": ("2025-06-27,day,RUS,AZR,173,-5.0,raid,x", "'AZR'"),
    "unknown_cameo": ("2025-06-27,day,RUS,AZE,999,-5.0,raid,x", "'999'"),
    "malformed_date": ("2025/06/27,day,RUS,AZE,173,-5.0,raid,x", "'2025/06/27'"),
    "appeal_unknown_source": ("2021-05-14,day,ARX,RUS,0232,3.4,appeal,x", "'ARX'"),  # v3's credibility reads these
    "refusal_unknown_target": ("2021-07-03,day,RUS,ARX,1224,-4.0,refusal,x", "'ARX'"),
}
HEADER = "date,date_precision,source,target,cameo,goldstein,description,citation\n"


CALIBRATION = ("experiment=calibration", "calibration.abc.enabled=false")  # a calibration without its ABC stage


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["scenario.end=2025-13-45"], "2025-13-45"),
        (["scenario.end=2024-01-01"], "2024-01-01"),
        (["decisions.strategies.rus_coercive.actions.raid_diaspora.rate_per_year=-1"], "-1"),
        (["actors.states.AZE.susceptibility=1.5"], "1.5"),
        (["replicates=many"], "many"),
        (["replicatse=200"], "unknown key 'replicatse'; did you mean 'replicates'? allowed keys at the top level"),
        (["scenario.endd=2027-12-31"], "unknown key 'scenario.endd'; did you mean 'scenario.end'?"),
        (["scenario.timeline=no/such/timeline.csv"], "no/such/timeline.csv"),
        (["experiment=alignment_pathz"], "alignment_pathz"),
        (["progress=sometimes"], "sometimes"),
        (["+hydra.callbacks.evil._target_=os.system"], "os.system"),
        (["--experimental-rerun", "x.pickle"], "--experimental-rerun"),
        ([*CALIBRATION, "calibration.fit_until=2000"], "no target is dated 2000"),
        ([*CALIBRATION, "calibration.params.1.high=0.01"], "low 0.02 >= high 0.01"),
        ([*CALIBRATION, "calibration.implausibility=median"],
         "calibration.implausibility: unknown measure 'median'; expected one of max, second, third"),
        ([*CALIBRATION, "calibration.structures=[v2,v4]"],
         "calibration.structures: unknown structure 'v4'; expected some of v2, v1, v3"),
        ([*CALIBRATION, "calibration.structures=[v1,v3]"], "list v2 (stage 2 fits it)"),
        ([*CALIBRATION, "calibration.structures=[v2,v3,v3]"], "calibration.structures: 'v3' is listed twice"),
        ([*CALIBRATION, "calibration.v3_params.0.key=params.credibility.appeal_window_days"],
         "calibration.v3_params[0]: 'params.credibility.appeal_window_days' cannot vary inside one batch"),
        ([*CALIBRATION, "calibration.v3_params.0.key=params.no_such"],
         "calibration.v3_params[0]: unknown key 'params.no_such'"),
        ([*CALIBRATION, "calibration.v3_params.2.high=0.0"],
         "calibration.v3_params[2]: prior of params.credibility.support_gain has low 0.0 >= high 0.0"),
        ([*CALIBRATION, "model=v1"],
         "model_version: v1; the calibration fits Model v2 or v3 from 2013 (model=v2 or model=v3)"),
        (["posterior=/no/such/calibration"], "not a finished calibration folder"),
        (["model=v3", "actors.adversaries=[[ARM,AZX]]"], "'AZX'"),
        (["model=v3", "scenario.capability.shocks=[{patron:RUX,date:'2022-02-24',change:-0.3}]"], "'RUX'"),
        (["model=v3", "scenario.capability.shocks=[{patron:RUS,date:'2022-02-24',change:-1.5}]"], "-1.5"),
        (["experiment=forecast", "forecast.origins=[2010]"], "forecast.origins: 2010 leaves nothing to fit"),
        (["experiment=forecast", "forecast.cutoff=2030"], "forecast.cutoff: 2030 must be within the targets' years"),
        (["experiment=forecast", "forecast.ess_threshold=1.5"], "forecast.ess_threshold: 1.5 must be between 0 and 1"),
        (["experiment=forecast", "model=v1"], "forecasts run Model v2 or v3"),
        (["experiment=forecast", "forecast.origins=[]"], "forecast.origins: []; list one or more different years"),
    ],
    ids=["bad_date", "end_before_start", "negative_hazard", "susceptibility_range", "wrong_type",
         "unknown_key", "unknown_nested_key", "missing_timeline", "unknown_experiment",
         "unknown_choice", "code_in_config", "pickle_flag", "calibration_empty_fit_window",
         "calibration_empty_prior", "calibration_unknown_implausibility", "calibration_unknown_structure",
         "calibration_without_v2", "calibration_structure_twice", "calibration_v3_prior_not_batchable",
         "calibration_v3_prior_unknown_key", "calibration_v3_prior_empty", "calibration_of_v1", "posterior_not_a_calibration", "v3_unknown_adversary",
         "v3_shock_of_an_unknown_patron", "v3_shock_below_minus_one", "forecast_origin_before_the_data",
         "forecast_cutoff_after_the_data", "forecast_ess_threshold", "forecast_of_v1", "forecast_no_origin"],
)
def test_bad_input_gets_one_line_and_no_results(tmp_path, capsys, args, needle):
    args = args + ["replicates=5"] if "replicates" not in args[0] else args
    proc = run_main(cli_main, "caucasus-sim", args + [f"output_root={tmp_path}"], capsys)
    assert_clean_failure(proc, tmp_path, needle)


@pytest.mark.parametrize("case", sorted(BAD_TIMELINE))
def test_bad_timeline_row_gets_one_line_and_no_results(tmp_path, capsys, case):
    row, needle = BAD_TIMELINE[case]
    (tmp_path / "events.csv").write_text(HEADER + row + "\n")
    args = [f"scenario.timeline={tmp_path / 'events.csv'}", "replicates=5", f"output_root={tmp_path}"]
    proc = run_main(cli_main, "caucasus-sim", args, capsys)
    assert_clean_failure(proc, tmp_path, needle)
    assert "line 2" in proc.stderr


def test_a_timeline_that_is_not_utf8_gets_one_line_naming_the_line_and_no_results(tmp_path, capsys):
    (tmp_path / "latin1.csv").write_bytes(HEADER.encode() + "2025-06-27,day,RUS,AZE,173,-5.0,café raid,x\n".encode("latin-1"))
    for check in ([], ["--check"]):
        args = [*check, f"scenario.timeline={tmp_path / 'latin1.csv'}", "replicates=5", f"output_root={tmp_path}"]
        proc = run_main(cli_main, "caucasus-sim", args, capsys)
        assert_clean_failure(proc, tmp_path, "line 2: byte 0xe9 is not UTF-8")
        assert proc.returncode == 2


def test_a_header_only_timeline_runs_and_says_so(tmp_path, capsys):
    (tmp_path / "empty.csv").write_text(HEADER)
    args = [*SMALL, f"scenario.timeline={tmp_path / 'empty.csv'}", "replicates=5", f"output_root={tmp_path}",
            "figure_formats=[png]", "store.trajectory_stride=0"]
    proc = run_main(cli_main, "caucasus-sim", args, capsys)
    assert proc.returncode == 0, proc.stderr
    assert "holds no event (a header only)" in proc.stderr
    manifest = json.loads(next(tmp_path.rglob("manifest.json")).read_text())
    assert any("holds no event" in w for w in manifest["warnings"])


BAD_SERIES = {  # a capability series comes from an experiment file (the command line adds no entries)
    "gap": ("RUS: {'2013': 1.0, '2015': 0.9}", "no value for 2014"),
    "negative": ("RUS: {'2013': -0.5}", "-0.5"),
    "unknown_patron": ("RUX: {'2013': 1.0}", "'RUX'"),
    "not_a_year": ("RUS: {'last': 1.0}", "'last'"),
}


@pytest.mark.parametrize("case", sorted(BAD_SERIES))
def test_a_bad_capability_series_gets_one_line_and_no_results(tmp_path, capsys, case):
    series, needle = BAD_SERIES[case]
    (tmp_path / "mine" / "experiment").mkdir(parents=True)
    (tmp_path / "mine" / "experiment" / "series.yaml").write_text(
        "# @package _global_\nexperiment: series\npaths:\n  history: {description: the history}\n"
        f"scenario:\n  capability:\n    series: {{{series}}}\n")
    args = ["--config-dir", str(tmp_path / "mine"), "model=v3", "experiment=series", "replicates=5",
            f"output_root={tmp_path}"]
    proc = run_main(cli_main, "caucasus-sim", args, capsys)
    assert_clean_failure(proc, tmp_path, needle)


def test_bad_input_in_a_real_process(tmp_path):
    """The same as the in-process cases above, through the installed command."""
    proc = cli(["replicatse=200", "replicates=5"], tmp_path)
    assert_clean_failure(proc, tmp_path, "replicatse")
    assert proc.returncode == 2 and proc.stderr.startswith("caucasus-sim: error: ")


def assert_clean_failure(proc, cwd: Path, needle: str) -> None:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr
    assert complete_runs(cwd) == []
    assert not (cwd / "outputs").exists()
