"""`caucasus-sim-report` as a user runs it: a saved run's or sweep's figures and report are
rebuilt from its tables, byte for byte; report.html carries every figure and loads nothing;
a folder that is not a complete results folder gets one line and exit status 2."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import SHORT_HISTORY, run_main

from caucasus_sim.cli import report_main

BIN = Path(sys.executable).parent
SIM, REPORT = str(BIN / "caucasus-sim"), str(BIN / "caucasus-sim-report")
ALL_FORMATS = "figure_formats=[png,svg,pdf]"  # these tests test every format (the default is png and pdf)
RUN = [SHORT_HISTORY, "replicates=8", "scenario.end=2025-10-31", "progress=off", ALL_FORMATS]
SWEEP = ["experiment=strategy_sweep", SHORT_HISTORY, "replicates=4", "scenario.end=2026-06-30", "progress=off", ALL_FORMATS,
         "sweep.axes.0.values=[0.0,3.0]", "sweep.axes.1.values=[0.0,3.0]"]


def cli(exe: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    assert Path(exe).is_file(), f"{exe} is not installed beside {sys.executable}"
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def results_folder(cwd: Path) -> Path:
    found = [p.parent for p in (cwd / "results").rglob("manifest.json") if "points" not in p.parts]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("run")
    proc = cli(SIM, RUN, cwd)
    assert proc.returncode == 0, proc.stderr
    return results_folder(cwd)


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("sweep")
    proc = cli(SIM, SWEEP, cwd)
    assert proc.returncode == 0, proc.stderr
    return results_folder(cwd)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def copy(folder: Path, tmp_path: Path) -> Path:
    """A copy to rebuild, so the module's folders stay as the run wrote them."""
    return Path(shutil.copytree(folder, tmp_path / folder.name))


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_rebuilding_gives_the_same_bytes_and_keeps_the_manifest(kind, request, tmp_path):
    folder = copy(request.getfixturevalue(f"{kind}_folder"), tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["analysis"] == kind
    before = files(folder)
    assert any(n.endswith(".svg") for n in before) and any(n.endswith(".pdf") for n in before)
    # throw the outputs away, so that the command has to draw every one of them again
    shutil.rmtree(folder / "figures")
    (folder / "report.md").unlink()
    (folder / "report.html").unlink()
    proc = cli(REPORT, [str(folder)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout.count("\n") == 1
    assert "every file recorded in manifest.json matches its hash" in proc.stdout
    after = files(folder)
    assert sorted(after) == sorted(before)
    differ = [name for name in before if after[name] != before[name]]
    assert differ == []  # report.md, report.html, every PNG, SVG and PDF, and the manifest itself
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(after[name]).hexdigest() == digest, name
    assert not list(tmp_path.glob(".*partial"))  # the staging folder is gone


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_every_figure_has_a_caption(kind, request):
    folder = request.getfixturevalue(f"{kind}_folder")
    report = (folder / "report.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", report)
    pngs = sorted(f"figures/{p.name}" for p in (folder / "figures").glob("*.png"))
    assert sorted(images) == pngs
    numbers = [int(n) for n in re.findall(r"^\*Figure (\d+)\.\* \S", report, flags=re.M)]
    assert numbers == list(range(1, len(pngs) + 1))
    for png in pngs:  # every figure in every format
        for fmt in ("svg", "pdf"):
            assert (folder / png).with_suffix(f".{fmt}").is_file()
    if kind == "run":
        for name in ("alignment_simplex_by_client", "tie_strength_by_date"):
            assert f"figures/{name}.png" in images


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_report_html_embeds_every_figure_and_loads_nothing(kind, request):
    folder = request.getfixturevalue(f"{kind}_folder")
    page = (folder / "report.html").read_text()
    report = (folder / "report.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\((figures/[^)]+)\.png\)", report)
    # no reference to another file or to the network: every source is a data: URI
    assert re.findall(r"""\b(?:src|href)\s*=\s*["'](?!data:)""", page) == []
    assert "url(" not in page and "@import" not in page and "<link" not in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    figures = re.findall(r"<figure>(.*?)</figure>", page, flags=re.S)
    assert len(figures) == len(images)
    for i, (figure, name) in enumerate(zip(figures, images), start=1):
        data = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', figure).group(1)
        assert base64.b64decode(data) == (folder / f"{name}.svg").read_bytes()
        assert re.search(rf"<figcaption><em>Figure {i}\.</em> \S", figure)
    for heading in re.findall(r"^## (.+)$", report, flags=re.M):
        assert f"<h2>{heading.replace('>', '&gt;')}</h2>" in page


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_report_html_fits_a_phone_in_a_real_browser(kind, request, browser):
    """At 390 px the page does not scroll sideways (tables scroll in their own box, keys in
    code spans wrap) and every figure loads."""
    folder = request.getfixturevalue(f"{kind}_folder")
    browser.set_window_size(390, 844)
    browser.get((folder / "report.html").as_uri())
    width = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] == width[1], f"the page is {width[0]} px wide in a {width[1]} px window"
    images = browser.execute_script("return Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert len(images) == len(re.findall(r"<figure>", (folder / "report.html").read_text()))
    assert images and all(done and w > 0 for done, w in images)


def test_a_plain_run_of_one_patron_leaves_out_the_simplex_with_a_note(tmp_path):
    proc = cli(SIM, ["experiment=fj_known_answer", SHORT_HISTORY, "scenario.end=2025-06-01"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = results_folder(tmp_path)
    report = (folder / "report.md").read_text()
    assert "needs exactly three patrons" in report
    assert not (folder / "figures" / "alignment_simplex_by_client.png").exists()
    assert report.count("*Figure") == len(list((folder / "figures").glob("*.png")))


def bad_folders(run: Path, root: Path) -> dict[str, tuple[Path, str]]:
    """Folders that are not complete results folders, and a word the message must contain."""
    cases = {"missing": (root / "no_such_folder", "no such results folder")}
    empty = root / "empty"
    empty.mkdir()
    cases["empty"] = (empty, "no manifest.json")
    partial = Path(shutil.copytree(run, root / ".20250101T000000Z-abcdef.partial"))
    (partial / "manifest.json").unlink()
    cases["partial"] = (partial, "no manifest.json")
    no_table = Path(shutil.copytree(run, root / "no_table"))
    (no_table / "outcomes.csv").unlink()
    cases["table_missing"] = (no_table, "outcomes.csv is missing")
    garbled = Path(shutil.copytree(run, root / "garbled"))
    (garbled / "manifest.json").write_text("{not json")
    cases["bad_manifest"] = (garbled, "manifest.json")
    damaged = Path(shutil.copytree(run, root / "damaged"))
    (damaged / "events.parquet").write_bytes(b"not parquet")  # a table the report reads
    cases["damaged_table"] = (damaged, "events.parquet")
    unknown = Path(shutil.copytree(run, root / "unknown"))
    m = json.loads((unknown / "manifest.json").read_text())
    (unknown / "manifest.json").write_text(json.dumps(dict(m, analysis="astrology")))
    cases["unknown_analysis"] = (unknown, "'astrology'")
    return cases


CASES = ["missing", "empty", "partial", "table_missing", "bad_manifest", "damaged_table", "unknown_analysis"]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_folder_fails_in_one_line_and_is_left_as_it_was(case, run_folder, tmp_path, capsys):
    folder, needle = bad_folders(run_folder, tmp_path)[case]
    before = files(folder) if folder.is_dir() else None
    proc = run_main(report_main, "caucasus-sim-report", [str(folder)], capsys)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("caucasus-sim-report: error: ") and needle in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    if before is not None:
        assert files(folder) == before
    assert not list(tmp_path.glob(".*.report-*"))


def test_usage_without_a_folder(tmp_path):
    proc = cli(REPORT, [], tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip() == (
        "caucasus-sim-report: error: usage: caucasus-sim-report <results folder>")


def test_another_analysis_registers_a_builder(run_folder, tmp_path, monkeypatch):
    """The extension point for other analyses: a builder (folder, cfg, figures) -> Document
    registered under the manifest's "analysis"; the command writes report.md and report.html."""
    from caucasus_sim import report

    folder = tmp_path / "other"
    folder.mkdir()
    shutil.copy(run_folder / "config.yaml", folder / "config.yaml")
    (folder / "effects.csv").write_text("x\n1\n")
    (folder / "manifest.json").write_text(json.dumps({"analysis": "other", "files": {
        "effects.csv": hashlib.sha256(b"x\n1\n").hexdigest()}}))

    def build(where: Path, cfg, figures) -> report.Document:
        fig, ax = report.subplots(3.5, 2)
        ax.plot([0, 1], [0, int((where / "effects.csv").read_text().split()[1])])
        img = figures.save(fig, "effect_by_event")
        return report.Document(cfg.experiment, "", ["- one figure"],
                               [report.Section("Effects", img, "The effect.", "It is 1.")])

    monkeypatch.setitem(report.BUILDERS, "other", build)
    result = report.rebuild(folder)
    assert result["analysis"] == "other"
    assert {"report.md", "report.html", "figures/effect_by_event.svg"} <= set(result["built"])
    page = (folder / "report.html").read_text()
    assert page.count('<img src="data:image/svg+xml;base64,') == 1 and "Figure 1." in page


def test_the_simplex_puts_the_balance_on_the_horizontal_axis():
    from caucasus_sim.plots import SQRT3_2, simplex_xy

    x, y = simplex_xy(np.eye(3))  # corners: left, right, top
    np.testing.assert_allclose(np.c_[x, y], [[0, 0], [1, 0], [0.5, SQRT3_2]], atol=1e-15)
    shares = np.random.default_rng(1).dirichlet(np.ones(3), size=50)
    x, y = simplex_xy(shares)
    np.testing.assert_allclose(x, 0.5 + (shares[:, 1] - shares[:, 0]) / 2, atol=1e-12)
    np.testing.assert_allclose(y, SQRT3_2 * shares[:, 2], atol=1e-12)


def test_a_figure_that_cannot_be_drawn_leaves_the_run_complete_and_says_so(tmp_path, monkeypatch, capsys):
    """A drawing error (as NaN axis limits were for a run whose shares all reach 0) costs
    that figure, not the run: the folder is sealed with every table, the report has a note
    in the figure's place, and the warning is printed and kept in the manifest."""
    from caucasus_sim import load_config, run
    from caucasus_sim.report import run as run_report

    def broken(*args, **kwargs):
        raise ValueError("Axis limits cannot be NaN or Inf")

    monkeypatch.setattr(run_report, "simplex_section", broken)
    result = run(load_config([SHORT_HISTORY, "replicates=5", "scenario.end=2025-09-30", "progress=off",
                              f"output_root={tmp_path}", "figure_formats=[png]"]))
    folder = result.folder
    manifest = json.loads((folder / "manifest.json").read_text())
    for table in ("summary.csv", "outcomes.csv", "events.parquet", "trajectories.parquet", "report.md"):
        assert table in manifest["files"], table
    report = (folder / "report.md").read_text()
    assert "This figure could not be drawn (ValueError: Axis limits cannot be NaN or Inf)" in report
    assert not (folder / "figures" / "alignment_simplex_by_client.png").exists()
    assert (folder / "figures" / "balance_by_path.png").is_file()  # the other figures are drawn
    assert any("'Alignment paths on the simplex' could not be drawn" in w for w in manifest["warnings"])
    assert "could not be drawn" in capsys.readouterr().err


def test_the_report_says_what_its_spread_contains(run_folder):
    """Its first lines and each sentence with bands or probabilities say that they cover the
    model's noise only, and point to the calibration's verdict; with a posterior, the
    posterior's parameters too."""
    from omegaconf import OmegaConf

    from caucasus_sim.report.run import spread_covers

    report = (run_folder / "report.md").read_text()
    head, body = report.split("## 1.", 1)
    assert "What the spread contains: the bands and probabilities cover only the model's noise" in head
    assert "no better than carrying the last observation forward" in head
    first_section = body.split("## 2.", 1)[0]
    assert "P(> 0)" in first_section and "cover only the model's noise" in first_section
    last_section = body.rsplit("## ", 1)[1]
    assert "95% CI" in last_section and "cover only the model's noise" in last_section
    with_posterior = spread_covers(OmegaConf.create({"posterior": "results/calibration/x"}))
    assert "drawn from the posterior of results/calibration/x and the model's noise" in with_posterior.replace("\\", "")
