"""The package works installed from its wheel, not only from a clone: the wheel carries the
config tree, runs the default experiment from any folder, and finds a user's own
experiments on Hydra's search path; running an experiment leaves matplotlib's backend
and pyplot's figures alone."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Model v2 on the 2024-2025 timeline, to September 2025
SHRUNK = ["scenario=history_2024_2025", "replicates=4", "scenario.end=2025-09-30", "progress=off", "figure_formats=[svg]"]
USER_EXPERIMENT = """\
# @package _global_
# A user's own experiment, kept outside the package: the status quo only, to the end of 2025.
experiment: quick_look
replicates: 3
scenario:
  end: "2025-12-31"
paths:
  status_quo:
    strategies: [rus_status_quo, tur_status_quo, west_status_quo]
"""


def sh(args: list, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def complete(folder: Path) -> list[Path]:
    return [p.parent for p in folder.rglob("manifest.json")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment outside the repository with the project's wheel installed
    (not editable); its bin folder."""
    where = tmp_path_factory.mktemp("install")
    sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", where / "dist", ROOT], where)
    wheel = next((where / "dist").glob("caucasus_sim-*.whl"))
    sh([sys.executable, "-m", "venv", "--without-pip", where / "venv"], where)  # this environment's pip installs
    # the dependencies come from this environment's site-packages, appended to the new
    # environment's path (so its own site-packages, with the wheel, comes first): the test
    # is of the wheel, and downloading and installing its dependencies again took a minute
    site_packages = next((where / "venv" / "lib").glob("python*/site-packages"))
    (site_packages / "parent_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    sh([sys.executable, "-m", "pip", "--python", where / "venv" / "bin" / "python", "install", "-q", "--no-deps", wheel],
       where)
    return where / "venv" / "bin"


@pytest.mark.slow
def test_installed_wheel_runs_the_default_experiment_from_any_folder(installed, tmp_path):
    found = sh([installed / "python", "-c", "from caucasus_sim.config import config_dir; print(config_dir())"],
               tmp_path).stdout.strip()
    assert "site-packages" in found and str(ROOT) not in found  # the tree shipped in the wheel
    proc = sh([installed / "caucasus-sim", *SHRUNK], tmp_path)
    runs = complete(tmp_path / "results")
    assert len(runs) == 1 and runs[0].parent.name == "alignment_paths"
    assert str(runs[0].relative_to(tmp_path)) in proc.stdout
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["replicates"] == 4 and "report.md" in manifest["files"]


@pytest.mark.slow
def test_installed_wheel_finds_an_experiment_in_a_user_folder(installed, tmp_path):
    (tmp_path / "my_conf" / "experiment").mkdir(parents=True)
    (tmp_path / "my_conf" / "experiment" / "quick_look.yaml").write_text(USER_EXPERIMENT)
    sh([installed / "caucasus-sim", "--config-dir", "my_conf", "experiment=quick_look", "scenario=history_2024_2025",
        "progress=off", "figure_formats=[svg]"], tmp_path)  # the short timeline: the search path is tested, not 2013
    runs = complete(tmp_path / "results")
    assert [r.parent.name for r in runs] == ["quick_look"]
    assert json.loads((runs[0] / "manifest.json").read_text())["replicates"] == 3


def test_running_an_experiment_leaves_the_matplotlib_backend_alone(tmp_path):
    script = textwrap.dedent(f"""
        import matplotlib
        matplotlib.use("svg")  # a process whose backend is not Agg, as a notebook's or an app's
        import matplotlib.pyplot as plt
        from caucasus_sim import load_config, run
        run(load_config({SHRUNK + [f"output_root={tmp_path / 'results'}"]!r}))
        assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
        assert plt.get_fignums() == [], plt.get_fignums()  # no figure left in pyplot's state
        print("backend", matplotlib.get_backend())
    """)
    proc = sh([sys.executable, "-c", script], tmp_path, timeout=300)
    assert "backend svg" in proc.stdout
    assert len(complete(tmp_path / "results")) == 1
