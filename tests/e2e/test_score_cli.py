"""caucasus-sim-score as a user runs it: a registered forecast folder (made by hand from the
shipped targets, cut-off 2019) scored against the 2020-2022 waves; bad input gets one line,
exit status 2 and no folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_main
from registered import CUTOFF, SHIPPED, write_forecast, write_later_data

import caucasus_sim
from caucasus_sim.analysis import scores
from caucasus_sim.cli import score_main

PROG = "caucasus-sim-score"


@pytest.fixture(scope="module")
def registered_once(tmp_path_factory) -> Path:
    return write_forecast(tmp_path_factory.mktemp("registered") / "forecast")


@pytest.fixture
def forecast(registered_once, tmp_path) -> Path:
    return Path(shutil.copytree(registered_once, tmp_path / "forecast"))


def scored_folders(forecast: Path) -> list[Path]:
    return [p for p in forecast.iterdir() if p.name not in ("forecast.csv", "forecast.json", "manifest.json")]


def test_a_registered_forecast_is_scored_into_a_complete_folder(forecast, tmp_path, capsys):
    later = write_later_data(tmp_path / "later.csv")
    proc = run_main(score_main, PROG, [forecast, later], capsys)
    assert proc.returncode == 0, proc.stderr
    [folder] = scored_folders(forecast)
    assert folder.name.startswith("scores-") and str(folder) in proc.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["analysis"] == "scores" and manifest["cutoff"] == CUTOFF
    for name in ("scores.csv", "summary.csv", "skill.csv", "report.md", "figures/pit_by_kind.png",
                 "figures/coverage_by_horizon.png"):
        assert name in manifest["files"] and (folder / name).is_file(), name
    table = pd.read_csv(folder / "scores.csv")
    assert len(table) == 36 * 4 and set(table["method"]) == {"model", "persistence", "trend", "ar1"}
    assert table["horizon"].between(1, 3).all()
    skill = pd.read_csv(folder / "skill.csv", dtype={"origin": str})
    assert set(skill["baseline"]) == {"persistence", "trend", "ar1"} and set(skill["origin"]) == {"2019", "all"}
    report = (folder / "report.md").read_text()
    assert "Cut-off: 2019" in report and "18 survey shares, 18 UN ideal-point distances" in report
    assert report.count("beat persistence") + report.count("beats persistence") == 2


def test_each_score_is_the_forecasts_own_row_scored(forecast, tmp_path, capsys):
    """The scorer pairs each observation with its own method's quantiles for its series and year."""
    later = write_later_data(tmp_path / "later.csv")
    assert run_main(score_main, PROG, [forecast, later, "--out", tmp_path / "out"], capsys).returncode == 0
    table = pd.read_csv(tmp_path / "out" / "scores.csv")
    registered = pd.read_csv(forecast / "forecast.csv").set_index(["method", "series", "year"])
    for _, r in table.sample(12, random_state=0).iterrows():
        q = registered.loc[(r["method"], r["series"], r["year"]), scores.quantile_columns()].to_numpy(dtype=float)
        assert r["crps"] == pytest.approx(scores.crps(q[None, :], np.array([r["observed"]]))[0])
        assert r["pit"] == pytest.approx(scores.pit(q[None, :], np.array([r["observed"]]))[0])
    shipped = pd.read_csv(SHIPPED).set_index(["series", "year"])["value"]
    assert np.allclose(table["observed"], shipped.loc[list(zip(table["series"], table["year"]))].to_numpy())


def test_an_existing_scores_folder_is_not_overwritten(forecast, tmp_path, capsys):
    later = write_later_data(tmp_path / "later.csv")
    assert run_main(score_main, PROG, [forecast, later], capsys).returncode == 0
    [folder] = scored_folders(forecast)
    before = (folder / "manifest.json").read_bytes()
    proc = run_main(score_main, PROG, [forecast, later], capsys)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "exists" in proc.stderr
    assert (folder / "manifest.json").read_bytes() == before


def edit_row(column: str, value: str, year: int = 2021):
    """Change `column` of the first row of `year` in the later data."""
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame.index[frame["year"] == str(year)][0], column] = value
        return frame
    return edit


BAD = {  # case: (change to the later data's table, change to the forecast folder, text the line must hold)
    "unknown_series": (edit_row("series", "ARM.no_such_question.RUS"), None,
                       "series 'ARM.no_such_question.RUS' is not in the forecast; it forecasts 21 series, e.g. "),
    "share_above_one": (edit_row("value", "1.3"), None, "value 1.3 is not a number (a survey share strictly"),
    "unknown_client": (edit_row("client", "ARX"), None, "client 'ARX' is unknown; expected one of ARM, AZE, GEO"),
    "year_at_the_cutoff": (edit_row("year", "2019"), None, "at or before the forecast's cut-off 2019"),
    "year_after_the_forecast": (edit_row("year", "2029"), None, "after the forecast's last year 2028"),
    "missing_column": (lambda f: f.drop(columns="patron"), None, "missing column 'patron'"),
    "tampered_forecast": (None, lambda d: (d / "forecast.csv").write_text((d / "forecast.csv").read_text() + "\n"),
                          "the folder was changed after it was registered"),
    "no_forecast_json": (None, lambda d: (d / "forecast.json").unlink(), "no forecast.json"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_one_line_exit_2_and_no_folder(forecast, tmp_path, capsys, case):
    edit_data, edit_folder, needle = BAD[case]
    later = write_later_data(tmp_path / "later.csv")
    if edit_data:
        edit_data(pd.read_csv(later, dtype=str)).to_csv(later, index=False)
    if edit_folder:
        edit_folder(forecast)
    proc = run_main(score_main, PROG, [forecast, later, "--out", tmp_path / "out"], capsys)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"{PROG}: error: ") and needle in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))


def test_a_missing_targets_file_is_named(forecast, tmp_path, capsys):
    proc = run_main(score_main, PROG, [forecast, tmp_path / "later.csv", "--out", tmp_path / "out"], capsys)
    assert proc.returncode == 2 and proc.stderr.strip() == (
        f"{PROG}: error: targets: no file {str(tmp_path / 'later.csv')!r}; give the later data as a targets CSV")
    assert not (tmp_path / "out").exists()


def test_a_bad_option_gets_one_line(forecast, tmp_path, capsys):
    proc = run_main(score_main, PROG, [forecast], capsys)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "TARGETS_FILE" in proc.stderr
    assert scored_folders(forecast) == []


def test_the_command_in_a_real_process(forecast, tmp_path):
    """score_main as its console script runs it, in a Python of its own, from another folder."""
    later = write_later_data(tmp_path / "later.csv")
    env = {**os.environ, "PYTHONPATH": str(Path(caucasus_sim.__file__).parents[1])}
    code = "from caucasus_sim.cli import score_main; score_main()"
    ok = subprocess.run([sys.executable, "-c", code, str(forecast), str(later), "--out", "out"], cwd=tmp_path,
                        env=env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"{PROG}: out: 36 targets scored; survey: ")
    assert (tmp_path / "out" / "manifest.json").is_file()
    again = subprocess.run([sys.executable, "-c", code, str(forecast), str(later), "--out", "out"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and again.stderr == f"{PROG}: error: out exists; remove it or name another folder " \
                                                    "with --out\n"
