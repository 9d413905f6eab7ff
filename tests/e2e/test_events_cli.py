"""`caucasus-sim-events import` as a user runs it: an export in, a timeline CSV out, and
bad input refused in one line with exit status 2, leaving nothing behind."""

from __future__ import annotations

import sys
from pathlib import Path

from helpers import SHORT_HISTORY, compose, run_main

from caucasus_sim.cli import events_main
from caucasus_sim.cli import main as cli_main
from caucasus_sim.config import actor_names
from caucasus_sim.model import Catalog, read_timeline

EXE = str(Path(sys.executable).with_name("caucasus-sim-events"))
SAMPLE = Path(__file__).resolve().parents[2] / "src" / "caucasus_sim" / "data" / "gdelt2_20250808181500_sample.export.CSV"


def events(args, capsys):
    return run_main(events_main, "caucasus-sim-events", args, capsys)


def test_import_writes_a_timeline_with_its_provenance_that_the_model_reads(tmp_path, capsys):
    out = tmp_path / "timeline.csv"
    proc = events(["import", "--format", "gdelt2", SAMPLE, "--out", out, SHORT_HISTORY], capsys)
    assert proc.returncode == 0, proc.stderr
    assert Path(EXE).is_file()  # the command is installed beside this Python
    assert proc.stdout.count("\n") == 1 and f"{out}: 5 events, 0 with a magnitude above 0" in proc.stdout
    assert "7 not a root event, 1 unmapped actor, 1 self-directed" in proc.stdout
    header = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert header[0].endswith(f"import --format gdelt2 {SAMPLE} --out {out} {SHORT_HISTORY}")
    assert any(line.startswith("# format: gdelt2 (GDELT 2.0); 1 file(s), 6123 bytes, SHA-256") for line in header)
    assert any("actor map: package:actor_map_south_caucasus.yaml" in line for line in header)
    assert any(line.startswith("# cleaning: 15 rows read") for line in header)
    cfg = compose(SHORT_HISTORY)
    timeline = read_timeline(str(out), actor_names(cfg), Catalog(cfg.catalog))
    assert [(e.source, e.target, e.kind.cameo) for e in timeline] == [
        ("ARM", "AZE", "040"), ("AZE", "ARM", "040"), ("AZE", "ARM", "057"), ("AZE", "WEST", "040"),
        ("AZE", "WEST", "057")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timeline.csv"]  # no partial file left


def test_bad_input_gets_one_line_and_exit_status_2(tmp_path, capsys):
    line = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    short = tmp_path / "old.export.CSV"
    short.write_text("\t".join(line.split("\t")[:57]) + "\n", encoding="utf-8")
    empty = tmp_path / "empty.export.CSV"
    empty.write_text("", encoding="utf-8")
    bad_map = tmp_path / "map.yaml"
    bad_map.write_text("countries: {AZE: AZE, USA: USA}\n", encoding="utf-8")
    out = tmp_path / "timeline.csv"
    cases = {
        "unknown format": (["import", "--format", "acled", str(SAMPLE), "--out", out],
                           "argument --format: invalid choice: 'acled' (choose from 'gdelt2', 'icews', 'plover')"),
        "wrong column count": (["import", "--format", "gdelt2", short, "--out", out],
                               "line 1: 57 tab-separated columns; a GDELT 2.0 event export has 61"),
        "empty export": (["import", "--format", "gdelt2", empty, "--out", out], "empty; its 1 file(s) hold no rows"),
        "unknown actor": (["import", "--format", "gdelt2", SAMPLE, "--actors", bad_map, "--out", out],
                          "countries.USA maps to unknown actor 'USA'; expected one of"),
        "no such file": (["import", "--format", "icews", tmp_path / "none.tab", "--out", out], "no such file or folder"),
        "unknown key": (["import", "--format", "gdelt2", SAMPLE, "--out", out, "eventdata.min_source=2"],
                        "eventdata.min_source"),
        "bad value": (["import", "--format", "gdelt2", SAMPLE, "--out", out, "eventdata.min_sources=0"],
                      "eventdata.min_sources: 0 must be a positive number of sources"),
    }
    for name, (args, message) in cases.items():
        proc = events(args, capsys)
        assert proc.returncode == 2, name
        assert proc.stderr.startswith("caucasus-sim-events: error: ") and proc.stderr.count("\n") == 1, name
        assert message in proc.stderr, (name, proc.stderr)
        assert not out.exists(), name


def test_an_existing_timeline_is_replaced_only_with_force(tmp_path, capsys):
    out = tmp_path / "timeline.csv"
    out.write_text("mine\n", encoding="utf-8")
    proc = events(["import", "--format", "gdelt2", SAMPLE, "--out", out], capsys)
    assert proc.returncode == 2 and "the file exists; name another file, or add --force" in proc.stderr
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert events(["import", "--format", "gdelt2", SAMPLE, "--out", out, "--force"], capsys).returncode == 0
    assert out.read_text(encoding="utf-8").startswith("# caucasus-sim timeline")
    proc = events(["import", "--format", "gdelt2", SAMPLE, "--out", SAMPLE, "--force"], capsys)
    assert proc.returncode == 2 and "is one of the files being imported" in proc.stderr


def test_an_unknown_timeline_format_is_refused_before_any_run(tmp_path, capsys):
    proc = run_main(cli_main, "caucasus-sim", [SHORT_HISTORY, "scenario.timeline_format=acled", "--check",
                                               f"output_root={tmp_path}"], capsys)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "scenario.timeline_format: unknown value 'acled'; expected one of csv, gdelt2, icews, plover" in proc.stderr
    proc = run_main(cli_main, "caucasus-sim", [SHORT_HISTORY, "scenario.timeline_format=gdelt2", "--check",
                                               f"output_root={tmp_path}"], capsys)
    assert proc.returncode == 2 and "a GDELT 2.0 event export has 61" in proc.stderr  # the CSV is not an export
    assert list(tmp_path.iterdir()) == []
